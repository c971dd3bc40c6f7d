"""Write report files whole or not at all: each goes to a temporary file beside it, renamed when all are done."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType


class Outputs:
    """Files being written for one report; `commit` renames them all into place."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._pending: list[tuple[Path, Path]] = []

    def write_text(self, name: str, text: str) -> Path:
        final = self.directory / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=self.directory)
        self._pending.append((Path(tmp), final))
        # mkstemp makes it owner-only, and it stays so: reports carry riders' pay lines (personal data).
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        return final

    def commit(self) -> list[Path]:
        # Ctrl-C between two renames would leave one report new and the other old: hold it until the end.
        with _sigint_deferred():
            for tmp, final in self._pending:
                tmp.replace(final)
        done = [final for _, final in self._pending]
        self._pending.clear()
        return done

    def discard(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()


@contextlib.contextmanager
def outputs(directory: Path) -> Iterator[Outputs]:
    """`with outputs(dir) as out: out.write_text(...)`: committed on success, discarded on any exception."""
    directory.mkdir(parents=True, exist_ok=True)
    out = Outputs(directory)
    try:
        yield out
    except BaseException:
        out.discard()
        raise
    out.commit()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main thread: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt
