"""What the HTTP benchmarks share: a PostgreSQL schema of their own, real uvicorn processes, wrk as the load.

Nothing here is a test: figures are printed, never asserted. Every load is bounded in time and stops by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from cryptography.fernet import Fernet
from sqlmodel import Session

from adapters.standard.signature import sign
from gateway.agreements.loader import AgreementBook
from gateway.db.engine import make_engine
from gateway.db.migrate import upgrade
from gateway.domains.auth.credentials import issue_credential
from gateway.domains.platforms import service as platforms
from gateway.settings import REPO_ROOT

PG_ADMIN = os.environ.get("GATEWAY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
PEPPER = "bench-pepper-" + uuid.uuid4().hex
LUA = Path(__file__).with_name("_wrk.lua")
BARE_TABLE = "bench_bare_row"


def pg_url(schema: str) -> str:
    base = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}"


def psql(url: str) -> psycopg.Connection[Any]:
    """A plain autocommit connection to the benchmark's schema (for seeding and counting)."""
    schema = url.rsplit("%3D", 1)[1]
    conn = psycopg.connect(PG_ADMIN, autocommit=True)
    conn.execute(f'SET search_path TO "{schema}"')
    return conn


@contextmanager
def pg_schema(prefix: str = "bench") -> Iterator[str]:
    """A fresh schema built by the migrations (plus the bare endpoint's table); dropped afterwards."""
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = pg_url(schema)
    try:
        upgrade(url)
        with psql(url) as conn:
            conn.execute(
                f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, message_id varchar(200) NOT NULL, "
                "body jsonb NOT NULL, received_at timestamptz NOT NULL)"
            )
            conn.execute(f"CREATE INDEX ix_{BARE_TABLE}_message_id ON {BARE_TABLE} (message_id)")
        yield url
    finally:
        make_engine(url).dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass(frozen=True)
class BenchPlatform:
    id: int
    slug: str
    secret: str
    api_key: str
    riders: list[str]


def create_platform(url: str, slug: str = "bench", riders: int = 1000) -> BenchPlatform:
    """A standard-adapter platform with `riders` riders enrolled directly in the database."""
    book = AgreementBook.load(REPO_ROOT / "agreements")
    engine = make_engine(url, 2)
    try:
        with Session(engine, expire_on_commit=False) as session:
            platform, secret = platforms.create_platform(
                session, book, slug=slug, name=slug, adapter="standard", agreement="be-delivery-2016"
            )
            key = issue_credential(session, platform, PEPPER, "bench")
            session.commit()
            assert platform.id is not None
            pid = platform.id
    finally:
        engine.dispose()
    with psql(url) as conn:
        conn.execute(
            "INSERT INTO rider (platform_id, external_id, name, email, enrolled_at, updated_at) "
            "SELECT %s, 'r-' || g, 'Rider ' || g, 'r' || g || '@example.org', now(), now() "
            "FROM generate_series(0, %s - 1) g",
            (pid, riders),
        )
    return BenchPlatform(pid, slug, secret, key, [f"r-{i}" for i in range(riders)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _uvicorn_speedups() -> list[str]:
    """httptools and uvloop when installed (uvicorn[standard], as in production); the same for every server."""
    args = []
    for module, flag in (("httptools", "--http=httptools"), ("uvloop", "--loop=uvloop")):
        try:
            __import__(module)
            args.append(flag)
        except ImportError:
            print(f"  note: {module} is not installed; uvicorn falls back to its pure-Python default", flush=True)
    return args


@dataclass(frozen=True)
class Pool:
    """Database pool settings, the same for the gateway and the bare endpoint."""

    size: int
    overflow: int
    pre_ping: bool
    threads: int = 4


BENCH_SELLER = (
    '{"name": "Bench Cooperative", "enterprise_number": "0203.201.340", "vat_number": "BE0203201340", '
    '"street": "Rue 1", "city": "Bruxelles", "postcode": "1000"}'
)


def gateway_env(url: str, pool: Pool, **extra: str) -> dict[str, str]:
    """Production-like settings, scheduler off (the benchmark measures the request path alone)."""
    return {
        "GATEWAY_ENV": "production",
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_DB_POOL_SIZE": str(pool.size),
        "GATEWAY_DB_MAX_OVERFLOW": str(pool.overflow),
        "GATEWAY_DB_POOL_PRE_PING": str(pool.pre_ping).lower(),
        "GATEWAY_REQUEST_THREADS": str(pool.threads),
        "GATEWAY_CREDENTIAL_PEPPER": PEPPER,
        "GATEWAY_TOKEN_SIGNING_KEY": "bench-signing-key-" + uuid.uuid4().hex,
        "GATEWAY_IDENTITY_KEYS": Fernet.generate_key().decode(),
        "GATEWAY_IDENTITY_INDEX_KEY": "bench-index-key-" + uuid.uuid4().hex,
        "GATEWAY_SCHEDULER": "false",
        # Production refuses the example seller (invoicing settings): a seller of its own, as for the keys.
        "GATEWAY_INVOICING_SELLER": BENCH_SELLER,
        "GATEWAY_INVOICING_IBAN": "BE71096123456769",
        # The per-platform rate limit would cap one platform's load far below capacity: off for the capacity run.
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "0",
        **extra,
    }


def bare_env(url: str, secret: str, api_key: str, pool: Pool) -> dict[str, str]:
    return {
        "BENCH_BARE_DATABASE_URL": url,
        "BENCH_BARE_SECRET": secret,
        "BENCH_BARE_TOKEN": api_key,
        "BENCH_BARE_POOL": f"{pool.size},{pool.overflow},{int(pool.pre_ping)}",
        "BENCH_BARE_THREADS": str(pool.threads),
    }


@dataclass
class Server:
    """A uvicorn master and its workers, in a process group of their own (so one signal reaches them all)."""

    name: str
    app: str
    env: dict[str, str]
    workers: int
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self.log = Path(tempfile.mkstemp(prefix=f"bench-{self.name}-", suffix=".log")[1])
        cmd = [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--workers", str(self.workers), "--no-access-log", "--log-level", "warning", *_uvicorn_speedups()]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env.update(self.env)
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=REPO_ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL the whole group: master and workers die without cleaning anything up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


def signed(path: str, secret: str, body: bytes, msg_id: str | None = None, ts: int | None = None) -> Req:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(time.time()) if ts is None else ts
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
    }
    return Req("POST", path, headers, body)


def write_requests(reqs: Sequence[Req]) -> Path:
    """One request a line: method, path, headers (0x1e-separated `name:value`), body; read by _wrk.lua."""
    fd, name = tempfile.mkstemp(prefix="bench-reqs-", suffix=".tsv")
    with os.fdopen(fd, "wb") as f:
        for r in reqs:
            assert b"\n" not in r.body and b"\t" not in r.body
            hdrs = "\x1e".join(f"{k}:{v}" for k, v in r.headers.items())
            f.write(f"{r.method}\t{r.path}\t{hdrs}\t".encode() + r.body + b"\n")
    return Path(name)


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: int
    wrapped: bool

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Anything but a 2xx, and every socket error or time-out."""
        return self.requests - self.statuses.get("2xx", 0) + self.socket_errors


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit("the HTTP benchmarks drive the load with wrk: `apt-get install wrk` (Debian package), then retry")
    return found


def _wrk_args(threads: int, connections: int, seconds: float) -> list[str]:
    duration = f"-d{max(1, round(seconds))}s"
    return [wrk_path(), f"-t{threads}", f"-c{connections}", duration, "--timeout", "10s", "-s", str(LUA)]


def run_wrk(base_url: str, reqs: Sequence[Req], *, connections: int, seconds: float, threads: int = 2) -> LoadResult:
    """Closed-loop load at fixed concurrency from a separate process; the request list is cycled in order."""
    reqfile = write_requests(reqs)
    try:
        out = subprocess.run(
            [*_wrk_args(threads, connections, seconds), base_url, "--", str(reqfile), str(threads)],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    finally:
        reqfile.unlink()
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON "))
    d = json.loads(line.removeprefix("WRKJSON "))
    return LoadResult(
        requests=d["requests"],
        seconds=d["duration_us"] / 1e6,
        p50_ms=d["p50_us"] / 1000,
        p99_ms=d["p99_us"] / 1000,
        statuses={k: v for k, v in d["statuses"].items() if v},
        socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        wrapped=bool(d["wrapped"]),
    )


def fmt(r: LoadResult) -> str:
    st = " ".join(f"{k}:{v}" for k, v in sorted(r.statuses.items()))
    return f"{r.rps:8.0f} req/s  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  errors {r.errors:5d}  [{st}]"


def table_row(name: str, bare: LoadResult, gw: LoadResult, budget: float | None) -> str:
    ratio = gw.rps / bare.rps if bare.rps else 0.0
    verdict = "" if budget is None else ("  meets" if ratio >= budget else "  MISSES") + f" {budget:.1f}"
    return f"{name:<14} gateway/bare {ratio:4.2f}{verdict}"
