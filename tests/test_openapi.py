"""The committed OpenAPI document is the app's, and every route documents its answers and its problems."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gateway.cli import OPENAPI_PATH
from gateway.openapi_doc import render
from gateway.settings import Settings
from tests.conftest import PlatformHandle, signed_headers

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


# Bodies a JSON route cannot read. FastAPI answered the first three with a 400 that no route declared ("There was
# an error parsing the body"), found by schemathesis from outside; each is now a declared 400 or 422 problem.
UNREADABLE_JSON = {
    "not UTF-8": (b'{"a": "\xff"}', "application/json"),
    "nested 3,000 deep": (b"[" * 3000 + b"]" * 3000, "application/json"),
    "a 5,000-digit number": (b'{"a": ' + b"9" * 5000 + b"}", "application/json"),
    "not JSON": (b"{not json", "application/json"),
    "NaN": (b'{"a": NaN}', "application/json"),
    "a NUL in text": (b'{"a": "\\u0000"}', "application/json"),
    "not JSON, as +json": (b"{not json", "application/merge-patch+json"),
    "JSON sent as text": (b"{}", "text/plain"),
    "empty": (b"", "application/json"),
}


def _json_operations() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, method, op in _operations()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]


@pytest.mark.parametrize(("path", "method"), _json_operations())
def test_a_json_route_answers_unreadable_json_only_with_a_problem_it_declares(
    path: str, method: str, app: FastAPI, settings: Settings, client: TestClient, platform: PlatformHandle
) -> None:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-secret")})
    auth = {"Authorization": "Bearer staff-secret"} if path.startswith("/v1/admin/") else platform.auth
    url = (
        path.replace("{platform}", platform.slug)
        .replace("{number}", "M-1")
        .replace("{batch_id}", "1")
        .replace("{review_id}", "1")
        .replace("{decision_id}", "1")
    )
    assert "{" not in url, f"give {path}'s parameters a value here"
    declared = json.loads(render())["paths"][path][method]["responses"]
    for name, (body, content_type) in UNREADABLE_JSON.items():
        # The webhook route's bodies are signed, so that they reach its parser rather than stop at the 401.
        signed = signed_headers(platform.secret, body) if path.endswith("/webhooks") else {}
        r = client.request(method, url, content=body, headers={**auth, **signed, "content-type": content_type})
        assert str(r.status_code) in declared, f"{method} {path}, {name}: {r.status_code} {r.text}"
        assert r.status_code < 500 and r.headers["content-type"] == "application/problem+json", f"{name}: {r.text}"
