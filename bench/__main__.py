"""Run the benchmarks: `python -m bench` runs them all, `python -m bench NAME [options]` runs one."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path


def _benchmarks() -> dict[str, Callable[[list[str]], None]]:
    found = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "main", None)):
            found[info.name] = module.main
    return found


def run(argv: list[str]) -> None:
    benches = _benchmarks()
    if argv and argv[0] in benches:
        benches[argv[0]](argv[1:])
        return
    if argv:
        sys.exit(f"unknown benchmark {argv[0]!r}; known: {', '.join(sorted(benches))}")
    for name in sorted(benches):
        module = sys.modules[f"bench.{name}"]
        if getattr(module, "DEFAULT", True):
            benches[name]([])
        else:  # long or disruptive (seeds a million rows, restarts PostgreSQL): only when named
            print(f"\n(not run by default: python -m bench {name})")


if __name__ == "__main__":
    run(sys.argv[1:])
