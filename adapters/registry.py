"""Adapters by slug. Each package under adapters/ that exposes `ADAPTER` is registered, found by import."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import adapters
from adapters.base import Adapter


@cache
def registry() -> dict[str, Adapter]:
    found: dict[str, Adapter] = {}
    for info in pkgutil.iter_modules(adapters.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"adapters.{info.name}")
        adapter = getattr(module, "ADAPTER", None)
        if adapter is not None:
            found[adapter.slug] = adapter
    return found


def get_adapter(slug: str) -> Adapter | None:
    return registry().get(slug)
