"""A real gateway process for the fault tests (uvicorn, one worker, on the tests' database)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gateway(database_url: str, port: int, log: Path, **settings: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    # Test mode said explicitly: without it the gateway is in production and refuses the placeholder secrets.
    env.update(
        GATEWAY_ENV="test",
        GATEWAY_DATABASE_URL=database_url,
        GATEWAY_SCHEDULER="false",
        GATEWAY_RATE_LIMIT_PER_MINUTE="0",
    )
    env.update({f"GATEWAY_{k.upper()}": v for k, v in settings.items()})
    cmd = [sys.executable, "-m", "uvicorn", "gateway.main:app", "--port", str(port), "--log-level", "warning"]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
