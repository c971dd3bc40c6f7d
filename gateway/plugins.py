"""How the gateway finds what its packages contribute: one mechanism for adapters, jobs, outbox handlers, tables,
CLI groups, migrations and settings.

A package under `gateway/domains/` or `adapters/` that contributes any of these declares it in its `__init__.py`:

    PLUGIN = Plugin(__name__, jobs=(".jobs",), outbox_handlers=(".delivery",))

Modules are named, relative to the package, and imported only when that kind of contribution is asked for (the
webhook path reads adapters and imports no job or CLI code). Nothing in the gateway imports a contributing module
by name, so adding a platform touches one package, and `import-linter` sees no edge from the gateway to an adapter.
Discovery scans the packages (pkgutil), not installed entry points: the source tree is the registry, whatever
distribution metadata is installed.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from adapters.base import Adapter

# The namespaces whose packages may contribute, in the order they are read (the gateway's domains, then adapters).
ROOTS = ("gateway.domains", "adapters")


@dataclass(frozen=True)
class Said:
    """A text in each of the rider pages' languages: a declaration is read by riders, in their language."""

    en: str
    fr: str
    nl: str

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "fr": self.fr, "nl": self.nl}


@dataclass(frozen=True)
class Automated:
    """One kind of automated decision a package takes about riders, declared for the transparency notice
    (EU Directive 2024/2831 art. 9): what it decides, on which data, with which main parameters and their weight.

    `kind` names the category (a decisions.DecisionKind value where one fits: the rider's page shows the same). `values`, when given, returns the parameters' values as configured
    now, from the gateway's Settings (read lazily: a plugin's `__init__` stays light), so a changed setting changes
    the notice."""

    key: str
    kind: str
    decides: Said
    data: Said
    parameters: Said
    weight: Said | None = None
    values: Callable[[Any], Mapping[str, str]] | None = None


@dataclass(frozen=True)
class Plugin:
    """What one package contributes. Module names are relative to `package` (".jobs")."""

    package: str
    # A platform adapter (adapters/ only): found by its slug (adapters.registry).
    adapter: Adapter | None = None
    # Modules whose `@job` declarations (gateway.jobs) make up the schedule.
    jobs: tuple[str, ...] = ()
    # Modules that register outbox delivery handlers (gateway.domains.outbox.delivery.register) on import.
    outbox_handlers: tuple[str, ...] = ()
    # Modules declaring tables the gateway's metadata (and Alembic) must see, outside gateway.db.models' own list.
    models: tuple[str, ...] = ()
    # "module:attribute" of a typer app, added to `gateway` as a group named after the package ("coopcycle").
    cli: str | None = None
    # A directory of Alembic revisions inside the package, read beside the gateway's own (version_locations).
    migrations: str | None = None
    # "module:attribute" of the package's own settings class (pydantic-settings, `GATEWAY_<NAME>_...`): the package
    # reads it itself; `gateway serve` builds each one before starting, so a wrong value stops it at once.
    settings: str | None = None
    # The automated decisions the package takes about riders, for the transparency notice (gateway.domains.
    # transparency): an adapter's apply to its platforms, a domain's to every platform.
    decides: tuple[Automated, ...] = ()

    @property
    def name(self) -> str:
        return self.package.rsplit(".", 1)[-1]

    def load(self, module: str) -> ModuleType:
        return importlib.import_module(module, self.package)

    def attribute(self, ref: str) -> Any:
        module, _, attr = ref.partition(":")
        return getattr(self.load(module), attr)

    def migrations_dir(self) -> Path | None:
        if self.migrations is None:
            return None
        return Path(importlib.import_module(self.package).__file__ or "").parent / self.migrations


@cache
def plugins() -> tuple[Plugin, ...]:
    """Every package's declaration, found by scanning ROOTS (each package's `__init__` is imported; keep it light)."""
    found: list[Plugin] = []
    for root in ROOTS:
        namespace = importlib.import_module(root)
        for info in sorted(pkgutil.iter_modules(namespace.__path__), key=lambda i: i.name):
            if not info.ispkg:
                continue
            plugin = getattr(importlib.import_module(f"{root}.{info.name}"), "PLUGIN", None)
            if plugin is None:
                continue
            if not isinstance(plugin, Plugin) or plugin.package != f"{root}.{info.name}":
                raise TypeError(f"{root}.{info.name}.PLUGIN must be Plugin(__name__, ...)")
            found.append(plugin)
    return tuple(found)


def load_all(kind: Literal["jobs", "outbox_handlers", "models"]) -> list[ModuleType]:
    """Import every module declared as `kind`: their declarations (@job, outbox `register`, tables) register."""
    return [plugin.load(module) for plugin in plugins() for module in getattr(plugin, kind)]


def check_settings() -> None:
    """Build every package's settings from the environment: raises (pydantic's ValidationError) on a wrong value."""
    for plugin in plugins():
        if plugin.settings is not None:
            plugin.attribute(plugin.settings)()
