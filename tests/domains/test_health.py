"""Probes: liveness and readiness answer GET and HEAD (load balancers and uptime checkers often send HEAD)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_answers_head_as_it_answers_get(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"] == "application/json"
