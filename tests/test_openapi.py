"""The committed OpenAPI document is the app's, and every route documents its answers and its problems."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.cli import OPENAPI_PATH
from gateway.openapi_doc import render

UNAUTHENTICATED_PLAIN = {"/healthz", "/metrics"}


def test_committed_openapi_matches_the_app() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(), "run ./dev openapi and commit openapi/openapi.json"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = json.loads(render())
    return [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]


@pytest.mark.parametrize(("path", "method", "op"), _operations(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_route_declares_a_response_model_and_its_problems(path: str, method: str, op: dict[str, Any]) -> None:
    success = sorted(code for code in op["responses"] if code.startswith("2"))
    redirect = sorted(code for code in op["responses"] if code.startswith("3"))
    assert success or redirect, f"{method} {path} documents no success response"
    if success and success[0] != "204":  # 204 No Content has, by definition, no body
        ok = op["responses"][success[0]].get("content", {})
        assert any("schema" in media for media in ok.values()), f"{method} {path} has no response schema"
    if path in UNAUTHENTICATED_PLAIN:
        return
    problems = [code for code, r in op["responses"].items() if code.startswith(("4", "5"))]
    assert problems, f"{method} {path} documents no error response"
    for code in problems:
        assert "application/problem+json" in op["responses"][code]["content"], f"{method} {path} {code}"
