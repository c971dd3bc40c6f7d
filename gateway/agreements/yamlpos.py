"""YAML read with the line and column of every key and value, so an error can point where a negotiator looks.

Dates stay strings (the schema and the loader check them, with a position); duplicate keys are reported, not
silently overwritten as plain YAML does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Pos:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Positioned:
    """A document as plain Python data, plus where each value (and each mapping key) starts in the file."""

    data: Any
    values: dict[Path_, Pos] = field(default_factory=dict)
    keys: dict[Path_, Pos] = field(default_factory=dict)
    duplicates: list[tuple[Path_, Pos]] = field(default_factory=list)
    # The source text of each unquoted scalar: YAML reads 12.00 as the float 12.0, and an error should quote
    # what the negotiator wrote, not what Python made of it.
    plain: dict[Path_, str] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> Pos:
        """The closest known position: the key (or value) at `path`, else its nearest ancestor."""
        p = tuple(path)
        while True:
            found = (self.keys.get(p) if key else None) or self.values.get(p)
            if found is not None or not p:
                return found or Pos(1, 1)
            p = p[:-1]


class _Resolver(yaml.resolver.Resolver):
    pass


# Keep plain scalars as YAML 1.1 would, except timestamps: a date key stays "2016-05-01" so that a malformed
# date is reported by the checks (with its position) instead of becoming an opaque YAML error or a datetime.
_Resolver.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


class _Composer(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


class YamlSyntaxError(Exception):
    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _pos(node: yaml.Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


def _build(loader: _Composer, node: yaml.Node, path: Path_, out: Positioned) -> Any:
    out.values[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                key = str(key)
            child = (*path, key)
            if key in result:
                out.duplicates.append((child, _pos(key_node)))
                continue
            out.keys[child] = _pos(key_node)
            result[key] = _build(loader, value_node, child, out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), out) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.style is None:
        out.plain[path] = str(node.value)
    return loader.construct_object(node, deep=True)


# PyYAML's problems as a negotiator can act on them (the parser's own words follow, for whoever knows them).
_PROBLEMS = {
    "expected <block end>": "a line is indented more or less than the lines around it",
    "mapping values are not allowed here": "a second colon on one line, or a line indented too far",
    "found character '\\t'": "a tab: indent with spaces",
    "could not find expected ':'": "a key without its colon, or a text that should be in quotes",
    "found undefined alias": "a * outside quotes",
    "found unexpected end of stream": "a quote or bracket opened and never closed",
}


def _in_words(problem: str) -> str:
    for found, words in _PROBLEMS.items():
        if found in problem:
            return f"not valid YAML: {words} (the parser says: {problem})"
    return f"not valid YAML: {problem}"


def parse(text: str) -> Positioned:
    """Parse one YAML document; raise YamlSyntaxError (with its position) when it is not YAML."""
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
        out = Positioned(None)
        out.data = None if node is None else _build(loader, node, (), out)
        return out
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
        raise YamlSyntaxError(_in_words(str(exc.problem or exc)), pos) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", Pos(1, 1)) from exc
    finally:
        loader.dispose()


def read(path: Path) -> Positioned:
    return parse(path.read_text(encoding="utf-8"))
