"""Adapters by slug: each package under adapters/ whose `PLUGIN` (gateway.plugins) names an `adapter`."""

from __future__ import annotations

from functools import cache

from adapters.base import Adapter
from gateway.plugins import plugins


@cache
def registry() -> dict[str, Adapter]:
    return {p.adapter.slug: p.adapter for p in plugins() if p.adapter is not None}


def get_adapter(slug: str) -> Adapter | None:
    return registry().get(slug)
