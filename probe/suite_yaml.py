"""Reading a suite file safely: size, encoding, nesting and alias caps, duplicate keys, line numbers.

A suite is a few kilobytes of YAML (the demo is 2 KB), read before any browser starts. Left to
itself PyYAML will expand a "billion laughs" alias bomb (11 GB), recurse until RecursionError on a
10,000-deep document, keep the last of two equal keys, and let a ``\\ud800`` escape through to crash
whatever writes the suite out later. Every cap and check here fails with a ``SuiteReadError`` that
carries the line (and, where there is one, the field), so the loader can say ``FILE:LINE: field F``.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024  # a suite is kilobytes; this leaves room for hundreds of routes
MAX_DEPTH = 32  # mappings and lists inside each other; a suite needs 6
MAX_NODES = 100_000  # values after YAML aliases are expanded

KeyPath = tuple[Any, ...]


class SuiteReadError(ValueError):
    """A suite file that cannot be read; ``line`` and ``field`` are filled where they are known."""

    def __init__(self, cause: str, line: int | None = None, field: str | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.line = line
        self.field = field


@dataclass
class SuiteText:
    """A suite file's data and the 1-based line of every key path in it."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)


def read_capped(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, refused past ``limit`` (read with a bound: /dev/zero is a file too)."""
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise SuiteReadError(
            f"suite file is larger than {limit // 1024} KiB (the suite size cap); "
            "a suite is a few kilobytes: split the file or remove what it does not need"
        )
    return raw


def parse_suite_text(raw: bytes) -> SuiteText:
    """Decode, check and load one YAML (or JSON) document; raises SuiteReadError."""
    text = _decode(raw)
    _check_events(text)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return SuiteText(None)
        _check_nodes(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc
    finally:
        loader.dispose()
    # after construct_document: merge keys (<<) are flattened into their mappings by then
    return SuiteText(data, line_index(node))


def _decode(raw: bytes) -> str:
    """Strict UTF-8 (a BOM is allowed): a Latin-1 byte is an error with its offset, not U+FFFD."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SuiteReadError("the file is UTF-16; save it as UTF-8", 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(codecs.BOM_UTF8) else 0)
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        cause = (
            f"not valid UTF-8: byte 0x{raw[start]:02X} at offset {start} (line {line}, column {column}); "
            "save the file as UTF-8"
        )
        raise SuiteReadError(cause, line, _field_at(raw, line)) from exc


def _field_at(raw: bytes, line: int) -> str | None:
    """The key path on (or last before) ``line``, read from a repaired copy; None when it has none."""
    repaired = raw.decode("utf-8", "replace")
    try:
        _check_events(repaired)  # before composing: the repaired copy may be a bomb too
        node = yaml.compose(repaired, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, SuiteReadError):
        return None
    if node is None:
        return None
    before = [(at, -len(path), path) for path, at in line_index(node).items() if path and at <= line]
    return dotted(max(before)[2]) if before else None  # the last line before, its outermost key


def _check_events(text: str) -> None:
    """Depth, alias expansion and recursive aliases, from PyYAML's (non-recursive) event stream."""
    total = 0  # values after alias expansion
    open_nodes: list[tuple[str | None, int, list[int]]] = []  # (anchor, total at start, [height])
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, height)

    def leaf(height: int) -> None:
        if open_nodes:
            parent = open_nodes[-1][2]
            parent[0] = max(parent[0], height + 1)

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in sizes:
                    if any(a == event.anchor for a, _, _ in open_nodes):
                        raise SuiteReadError(
                            f"YAML alias *{event.anchor} refers to a node that holds it", line
                        )
                    raise SuiteReadError(f"YAML alias *{event.anchor} names no anchor before it", line)
                count, below = sizes[event.anchor]
                total += count
                if len(open_nodes) + below > MAX_DEPTH:
                    raise SuiteReadError(_depth_cause(), line)
                leaf(below)
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = (1, 0)
                leaf(0)
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(open_nodes) >= MAX_DEPTH:
                    raise SuiteReadError(_depth_cause(), line)
                open_nodes.append((event.anchor, total, [0]))
                total += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, started, tallest = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = (total - started, tallest[0])
                leaf(tallest[0])
            else:
                continue
            if total > MAX_NODES:
                raise SuiteReadError(
                    f"the document holds more than {MAX_NODES} values once its YAML aliases are "
                    "expanded (the suite size cap); write it out without aliases to nest them",
                    line,
                )
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. NUL: no mark
        line = text.count("\n", 0, exc.position) + 1
        raise SuiteReadError(
            f"not valid YAML (character 0x{exc.character:02X} is not allowed)", line
        ) from exc
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc


def _depth_cause() -> str:
    return f"nested deeper than {MAX_DEPTH} levels (the suite nesting cap); a suite needs 6"


def _yaml_error(exc: yaml.YAMLError) -> SuiteReadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return SuiteReadError(
        f"not valid YAML ({' '.join(str(problem).split())})", mark.line + 1 if mark else None
    )


def _walk(node: yaml.Node) -> Iterator[tuple[KeyPath, yaml.Node, yaml.Node | None]]:
    """Every (key path, node, key node) of a document, depth first, without recursion."""
    stack: list[tuple[KeyPath, yaml.Node, yaml.Node | None]] = [((), node, None)]
    while stack:
        path, current, key = stack.pop()
        yield path, current, key
        if isinstance(current, yaml.MappingNode):
            for key_node, value in reversed(current.value):
                stack.append(((*path, _key(key_node)), value, key_node))
        elif isinstance(current, yaml.SequenceNode):
            for i in reversed(range(len(current.value))):
                stack.append(((*path, i), current.value[i], None))


def _key(node: yaml.Node) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else "?"


def _check_nodes(root: yaml.Node) -> None:
    """Duplicate keys and lone surrogates, each named with its line and field."""
    seen: set[int] = set()  # an aliased node is checked once
    for path, node, key_node in _walk(root):
        for part in (key_node, node):
            if isinstance(part, yaml.ScalarNode):
                _join_surrogates(part, path)
        if id(node) in seen or not isinstance(node, yaml.MappingNode):
            continue
        seen.add(id(node))
        first: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            if (key.tag, key.value) in first:
                raise SuiteReadError(
                    f"duplicate key {key.value!r} (first at line {first[key.tag, key.value]}); "
                    "YAML would keep only the last",
                    line,
                    dotted((*path, key.value)),
                )
            first[key.tag, key.value] = line


def _join_surrogates(node: yaml.ScalarNode, path: KeyPath) -> None:
    """PyYAML decodes ``\\ud83d\\ude00`` as two halves: join real pairs, refuse a lone half."""
    value = node.value
    if not isinstance(value, str) or not any("\ud800" <= c <= "\udfff" for c in value):
        return
    try:
        node.value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise SuiteReadError(
            "holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair); "
            "it is not a character and cannot be written out",
            node.start_mark.line + 1,
            dotted(path) if path else None,
        ) from None


def line_index(root: yaml.Node) -> dict[KeyPath, int]:
    """Map every key path in a YAML document to its 1-based line (a key's line for mapping values)."""
    lines: dict[KeyPath, int] = {}
    for path, node, key in _walk(root):
        # a merged (<<) key and the mapping's own key share a path: the later, own one wins
        lines[path] = (key or node).start_mark.line + 1
    return lines


def dotted(path: KeyPath) -> str:
    """``actions.0.click`` for a key path; pydantic's ``[key]`` marker for dict keys is dropped."""
    return ".".join(str(p) for p in path if p != "[key]") or "(top level)"
