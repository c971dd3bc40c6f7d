"""The committed OpenAPI document, rendered deterministically from the app."""

from __future__ import annotations

import json

from gateway.app import create_app


def render() -> str:
    return json.dumps(create_app().openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
