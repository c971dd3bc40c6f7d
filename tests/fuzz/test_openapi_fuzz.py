"""Schemathesis against the OpenAPI document the app serves (the committed one; a test checks they agree).

Bounded: a few examples per operation, no deadline, so it adds seconds to CI, not minutes. The properties:
no 5xx; every status, content type, header and body is one the document declares.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PlatformHandle

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 8
# Known 500s found by this test, each to be fixed by its owner (then removed from here).
KNOWN: set[str] = set()


def test_no_operation_answers_5xx_or_off_its_schema(app: FastAPI, platform: PlatformHandle) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema raises here, as it should
        if operation.label in KNOWN:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case[Any]) -> None:
            # Platform routes get a real platform and its credential, so that what lies behind authentication
            # is fuzzed too (generated credentials only ever reach the 401).
            if case.path_parameters and "platform" in case.path_parameters:
                case.path_parameters["platform"] = platform.slug
                for name in [k for k in case.headers or {} if k.lower() == "authorization"]:
                    del case.headers[name]
                case.headers.update(platform.auth)
            case.call_and_validate(checks=CHECKS)

        try:
            fuzz()
        except Exception as exc:  # every operation is tried; all failures are reported together
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
