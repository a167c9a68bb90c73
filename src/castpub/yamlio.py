"""Safe YAML loading with line numbers, for podcast.yaml and episode front matter."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from castpub.errors import InvalidInput, Problem, invalid
from castpub.text import clean_text

# libyaml's C loader is several times faster; the pure-Python one gives the same results.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ImpossibleDate(yaml.MarkedYAMLError):
    """A value YAML reads as a timestamp but no calendar has (2020-02-30, month 13)."""


class Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, with impossible dates reported at their line instead of a ValueError."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _ImpossibleDate(
                None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark
            ) from None


Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)

MAX_NODES = 100_000


@dataclass(frozen=True)
class Mapping:
    """A YAML mapping with the line (1-based, in the file) where each key was written."""

    values: dict[str, Any]
    lines: dict[str, int]
    line: int

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


def load_mapping(text: str, path: Path, first_line: int = 1, what: str = "YAML") -> Mapping:
    """Parse text that must hold one mapping; raise InvalidInput with file:line otherwise."""
    return simple_mapping(text, first_line) or libyaml_mapping(text, path, first_line, what)


def libyaml_mapping(text: str, path: Path, first_line: int = 1, what: str = "YAML") -> Mapping:
    """load_mapping through libyaml's node tree, for any YAML."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        # libyaml refuses raw control characters; say which one and where, not "position 8".
        raise invalid(
            path,
            first_line + text.count("\n", 0, max(exc.position, 0)),
            f"{what} holds the control character U+{exc.character:04X}, which YAML does not allow",
            "delete it (it is invisible in most editors; try a hex view)",
        ) from None
    except yaml.MarkedYAMLError as exc:
        # Where an unclosed quote or bracket began helps more than where the parser gave up.
        start, noticed = exc.context_mark, exc.problem_mark
        mark = start or noticed
        line = first_line + mark.line if mark else first_line
        problem = exc.problem or "invalid YAML"
        if start and noticed and noticed.line != start.line:
            problem += f" (noticed on line {first_line + noticed.line})"
        raise invalid(
            path,
            line,
            f"{what} is not valid YAML: {problem}",
            "check quoting and indentation (YAML forbids tabs; quote values containing ': ')",
        ) from None
    except yaml.YAMLError as exc:
        raise invalid(path, first_line, f"{what} is not valid YAML: {exc}") from None
    if node is None:
        return Mapping({}, {}, first_line)
    if not isinstance(node, yaml.MappingNode):
        raise invalid(
            path,
            first_line + node.start_mark.line,
            f"{what} must be a mapping of keys to values, not a {_kind(node)}",
            "write it as 'key: value' lines",
        )
    _refuse_aliases(node, path, first_line, what)
    lines = _key_lines(node, path, first_line, what)
    try:
        data = loader.construct_document(node)
    except _ImpossibleDate as exc:
        mark = exc.problem_mark
        raise invalid(
            path,
            first_line + mark.line if mark else first_line,
            f"{what} has a date that does not exist: {exc.problem}",
            "check the month and day",
        ) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = first_line + mark.line if mark else first_line
        raise invalid(
            path,
            line,
            f"{what} uses a YAML tag castpub does not accept: {exc.problem}",
            "remove the '!!' tag; plain strings, numbers, dates, lists and mappings are supported",
        ) from None
    finally:
        loader.dispose()
    values = {str(key): _clean(value) for key, value in data.items()}
    return Mapping(values, lines, first_line + node.start_mark.line)


# One `key: value` line of the kind nearly every front matter is made of: a key at the start of
# the line and a value on the same line (or none).
_SIMPLE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*?))? *")
# Plain scalars that start with no YAML indicator (a "-" only before a non-space: "-1").
_PLAIN_START = re.compile(r"[A-Za-z0-9(/_.+]|-[^ ]")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')  # without escapes
_STR_TAG = "tag:yaml.org,2002:str"


class _Scalars(yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The safe loader's resolver and constructors (what CSafeLoader uses too), for scalars."""


_SCALARS = _Scalars()


# Keys and most values (author, tags, published) come back in file after file.
@functools.lru_cache(maxsize=1024)
def _resolve(plain: str) -> str:
    """The tag YAML gives a plain (unquoted) scalar: str, int, bool, null, timestamp..."""
    return str(_SCALARS.resolve(yaml.ScalarNode, plain, (True, False)))  # type: ignore[no-untyped-call]


def simple_mapping(text: str, first_line: int = 1) -> Mapping | None:
    """The mapping of text made only of `key: value` lines with plain or simply quoted values,
    exactly as load_mapping reads it through libyaml; None for any other text (comments,
    lists, escapes, several lines to a value, a key twice, an impossible date...), which
    load_mapping then reads in full. Reading those lines directly costs a third of libyaml's
    node tree and its walks, which were half of parsing an episode."""
    if "#" in text or "\t" in text or "\r" in text:
        return None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    first = None
    for n, line in enumerate(text.split("\n")):
        if not line.strip(" "):
            continue
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None or not line.isprintable():
            return None
        key, raw = match.group(1), match.group(2) or ""
        if key in values or _resolve(key) != _STR_TAG:
            return None
        value = _simple_value(raw)
        if value is _NOT_SIMPLE:
            return None
        values[key] = _clean(value)
        lines[key] = first_line + n
        if first is None:
            first = first_line + n
    if first is None:
        return None
    return Mapping(values, lines, first)


_NOT_SIMPLE = object()


def _simple_value(raw: str) -> Any:
    if raw[:1] == "'":
        quoted = _SINGLE_QUOTED.fullmatch(raw)
        return quoted.group(1).replace("''", "'") if quoted else _NOT_SIMPLE
    if raw[:1] == '"':
        quoted = _DOUBLE_QUOTED.fullmatch(raw)
        return quoted.group(1) if quoted else _NOT_SIMPLE
    if raw and (not _PLAIN_START.match(raw) or ": " in raw or raw.endswith(":")):
        return _NOT_SIMPLE
    tag = _resolve(raw)
    if tag == _STR_TAG:
        return raw  # what construct_yaml_str makes of a plain scalar
    construct = _SCALARS.yaml_constructors.get(tag)
    if construct is None:
        return _NOT_SIMPLE
    try:
        return construct(_SCALARS, yaml.ScalarNode(tag, raw))
    except (ValueError, OverflowError):  # an impossible date: load_mapping says where
        return _NOT_SIMPLE


def _key_lines(node: yaml.MappingNode, path: Path, first_line: int, what: str) -> dict[str, int]:
    """Line of each top-level key. A key written twice is an error: YAML would silently keep the
    last value while castpub's messages point at the first line."""
    lines: dict[str, int] = {}
    problems = []
    for key_node, _ in node.value:
        key, line = str(key_node.value), first_line + key_node.start_mark.line
        if key in lines:
            problems.append(
                Problem(
                    path,
                    line,
                    f"{what} sets '{key}' twice (first on line {lines[key]})",
                    "keep one of them",
                )
            )
        lines.setdefault(key, line)
    if problems:
        raise InvalidInput(problems)
    return lines


def _clean(value: Any) -> Any:
    """Strip what XML cannot carry from every string: escapes such as "\\x01" construct them."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


def _refuse_aliases(root: yaml.Node, path: Path, first_line: int, what: str) -> None:
    """Reject aliases and huge trees: an alias bomb expands to billions of nodes when walked."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise invalid(
                path,
                first_line + node.start_mark.line,
                f"{what} uses YAML anchors or aliases (& and *)",
                "write the value out in full",
            )
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise invalid(path, first_line, f"{what} is too large ({MAX_NODES}+ values)")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def problem_at(mapping: Mapping, path: Path, key: str, what: str, fix: str = "") -> Problem:
    return Problem(path, mapping.line_of(key), what, fix)
