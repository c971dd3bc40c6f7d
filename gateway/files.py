"""Files the gateway creates are its owner's alone: the database holds riders' identities and pay, the payout
journal their transfers, reports their pay lines. Created 0600 (directories 0700), whatever the umask."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# SQLite creates these beside the database with the database file's own mode (so private once it is).
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create the directory for the gateway's files, owner-only. An existing directory is left as it is: it may
    be shared on purpose (/tmp, a home directory)."""
    if not path.exists():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        os.chmod(path, PRIVATE_DIR)  # mkdir's mode is filtered by the umask; say it exactly


def private_file(path: Path) -> None:
    """Create the file owner-only if it does not exist; narrow it if it does (and is ours)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        with contextlib.suppress(PermissionError):  # someone else's file: theirs to protect
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL and for in-memory databases)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("mode") == "memory":
        return None
    return Path(parsed.database)


def private_sqlite(url: str) -> None:
    """Make the SQLite database (and its WAL, shared-memory and journal files) owner-only before SQLite opens it."""
    path = sqlite_file(url)
    if path is None:
        return
    private_dir(path.parent)
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            with contextlib.suppress(PermissionError):
                os.chmod(companion, PRIVATE_FILE)
