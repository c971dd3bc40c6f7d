"""The bare limit of this stack: FastAPI + SQLAlchemy + psycopg on the same engine settings as the gateway.

POST /bare/webhooks verifies the Standard Webhooks signature over the raw body and inserts one row; GET
/bare/rows/{message_id} checks a bearer token and reads one row by an indexed key. Nothing else: the gateway
is measured against this, side by side, in one run (`python -m bench booking`).
"""

from __future__ import annotations

import gc
import hmac
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from adapters.base import SignatureError
from adapters.standard.signature import verify
from gateway.db.engine import make_engine

SECRET = os.environ.get("BENCH_BARE_SECRET", "")
TOKEN = os.environ.get("BENCH_BARE_TOKEN", "")
_size, _overflow, _ping = (int(x) for x in os.environ.get("BENCH_BARE_POOL", "10,10,1").split(","))
engine = make_engine(os.environ.get("BENCH_BARE_DATABASE_URL", "sqlite://"), _size, _overflow, bool(_ping))
_threads = int(os.environ.get("BENCH_BARE_THREADS", "40"))


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # The gateway's production settings apply to the bare endpoint too: the same threads per process ...
    to_thread.current_default_thread_limiter().total_tokens = _threads
    yield


app = FastAPI(title="bare", lifespan=_lifespan)
INSERT = text(
    "INSERT INTO bench_bare_row (message_id, body, received_at) VALUES (:m, CAST(:b AS jsonb), :t) RETURNING id"
)
SELECT = text("SELECT id, message_id, body, received_at FROM bench_bare_row WHERE message_id = :m LIMIT 1")


async def raw_body(request: Request) -> bytes:
    return await request.body()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/bare/webhooks")
def receive(request: Request, body: Annotated[bytes, Depends(raw_body)]) -> JSONResponse:
    now = datetime.now(UTC)
    try:
        msg_id = verify(request.headers, body, [SECRET], now, 300)
    except SignatureError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=401)
    with engine.begin() as conn:
        row_id = conn.execute(INSERT, {"m": msg_id, "b": body.decode(), "t": now}).scalar_one()
    return JSONResponse({"id": row_id, "webhook_id": msg_id})


@app.get("/bare/rows/{message_id}")
def read(message_id: str, authorization: Annotated[str, Header()] = "") -> JSONResponse:
    if not hmac.compare_digest(authorization.encode(), f"Bearer {TOKEN}".encode()):
        return JSONResponse({"detail": "unauthorized"}, status_code=401)
    with engine.connect() as conn:
        row = conn.execute(SELECT, {"m": message_id}).first()
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse({"id": row[0], "webhook_id": row[1], "body": row[2], "received_at": row[3].isoformat()})


gc.freeze()  # ... and the same frozen start-up objects (as gateway/main.py)
