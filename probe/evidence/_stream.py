"""Streaming HAR tokenizer: yields ``log`` members and entries one at a time.

Memory stays bounded by the largest single entry, not by the file: ijson tokenizes the input in
chunks and only one entry is ever built as a Python object. Plain and gzip files are told apart by
their magic bytes, not by the file name (DevTools exports get renamed, CI artifacts get gzipped).

The chunks are cut between tokens (see ``_chunks``), which keeps yajl linear on long strings, and
the caps of ``limits`` (entries, string length, gzip ratio, nesting, values per entry) refuse a file
before it costs more than they allow.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import ijson

from ._chunks import ChunkStats, TokenTooLong, aligned_chunks
from ._errors import HarError, one_line
from .limits import ReadLimits, current_limits, refuse

try:  # the C backend (yajl) is 10x faster than the pure-Python one, and linear with aligned chunks
    _BACKEND = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - wheels ship it; the Python backend is linear too, only slower
    _BACKEND = ijson.get_backend("python")
PARSER_BACKEND: str = _BACKEND.backend_name

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16

# Counts replacements made by the decoder below; read before/after each chunk by the wrapper.
_replacements = [0]


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    _replacements[0] += 1
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd", exc.end


codecs.register_error("probe-har-replace", _count_and_replace)


class Utf8Repair(io.RawIOBase):
    """A byte stream that turns invalid UTF-8 into U+FFFD and drops a leading BOM.

    yajl stops at the first invalid UTF-8 byte; HARs written by tools that dump raw bodies contain
    such bytes, and the rest of the file is still worth reading.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")("probe-har-replace")
        self._first = True
        self.replaced = 0  # number of invalid byte sequences seen so far

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size == 0:  # ijson probes the stream type with read(0)
            return b""
        want = size if size and size > 0 else _CHUNK
        while True:
            chunk = self._raw.read(want)
            before = _replacements[0]
            text = self._decoder.decode(chunk, final=not chunk)
            self.replaced += _replacements[0] - before
            if self._first and text:
                self._first = False
                text = text.removeprefix("\ufeff")
            # an empty result mid-file (a lone partial character) must not look like EOF to ijson
            if text or not chunk:
                return text.encode("utf-8", "surrogatepass")

    def readinto(self, buffer: Any) -> int:  # pragma: no cover - ijson calls read()
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class Member:
    """A ``log`` member other than ``entries`` (creator, browser, pages, _probe, ...)."""

    key: str
    value: Any


@dataclass(frozen=True)
class EntryItem:
    """One element of ``log.entries`` with its position in the array."""

    index: int
    value: Any


@dataclass(frozen=True)
class EntriesBoundary:
    """The start (``opening=True``) or end of the ``log.entries`` array."""

    opening: bool


class _Ended(Exception):
    """The event stream ran dry inside a container (a generator may not raise StopIteration)."""


def _next(events: Iterator[tuple[str, Any]]) -> tuple[str, Any]:
    try:
        return next(events)
    except StopIteration:
        raise _Ended from None


class StreamBroken(Exception):
    """The JSON breaks off or turns invalid after ``log`` began; what came before stays usable."""

    def __init__(self, reason: str, *, after_log: bool = False) -> None:
        super().__init__(reason)
        self.after_log = after_log  # the whole log object was read; only trailing data is bad


class _RatioGuard(io.RawIOBase):
    """Decompressed bytes of a gzip file, refused past ``max_ratio`` times its compressed size.

    A gzip bomb expands a thousandfold; checked while reading, so it is refused before it costs more.
    """

    def __init__(self, inner: IO[bytes], label: str, limit: int, ratio: float) -> None:
        super().__init__()
        self._inner = inner
        self._label = label
        self._limit = limit
        self._ratio = ratio
        self.expanded = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._inner.read(size if size is not None and size >= 0 else _CHUNK)
        self.expanded += len(data)
        if self.expanded > self._limit:
            raise refuse(
                self._label,
                f"gzip data expands to more than {self._limit / (1024 * 1024):.0f} MB, over "
                f"{self._ratio:g} times its compressed size",
                "max_ratio",
            )
        return data

    def readinto(self, buffer: Any) -> int:  # pragma: no cover - Utf8Repair calls read()
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_har_bytes(path: Path, limits: ReadLimits | None = None) -> Iterator[tuple[Utf8Repair, bool]]:
    """Open a HAR as a repaired byte stream; yields (stream, was_gzip)."""
    limits = limits or current_limits()
    try:
        raw: IO[bytes] = open(path, "rb")  # closed in the finally below
    except OSError as exc:
        raise HarError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        magic = raw.read(2)
        raw.seek(0)
        is_gzip = magic == GZIP_MAGIC
        inner: IO[bytes] = raw
        if is_gzip:
            compressed = os.fstat(raw.fileno()).st_size
            gz = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
            inner = cast(
                IO[bytes], _RatioGuard(gz, str(path), limits.ratio_limit(compressed), limits.max_ratio)
            )
        yield Utf8Repair(inner), is_gzip
    finally:
        raw.close()


_READ_ERRORS = (ijson.JSONError, OSError, EOFError, zlib.error, ValueError, UnicodeError, OverflowError)


def parse_events(
    stream: io.RawIOBase | IO[bytes], label: str, limits: ReadLimits, stats: ChunkStats | None = None
) -> Iterator[tuple[str, Any]]:
    """ijson's basic events, fed chunks cut between tokens (linear time on long strings)."""
    target = ijson.sendable_list()
    parser = _BACKEND.basic_parse_coro(target, use_float=True)
    chunks = aligned_chunks(stream.read, limits.max_string_bytes, stats)
    while True:
        failure: BaseException | None = None
        try:
            chunk = next(chunks, None)
            if chunk is None:
                parser.close()  # raises when the JSON is unfinished
            else:
                parser.send(chunk)
        except TokenTooLong:
            cap = f"{limits.max_string_mb:g} MB"
            raise refuse(label, f"a JSON string or number longer than {cap}", "max_string_mb") from None
        except _READ_ERRORS as exc:
            failure = exc
        # what the parser produced before a failure is still good (entries before a broken one)
        if target:
            yield from target
            del target[:]
        if failure is not None:
            raise failure
        if chunk is None:
            return


def iter_log(
    stream: io.RawIOBase | IO[bytes], label: str, limits: ReadLimits | None = None
) -> Iterator[Member | EntryItem | EntriesBoundary]:
    """Members of the top-level ``log`` object, entries one by one, in file order.

    Raises HarError when the input is not a HAR (not JSON, no ``log`` object), HarLimitError when it
    is over a cap of ``limits`` (default: the caps in force), and StreamBroken when the JSON breaks
    off after ``log`` began.
    """
    limits = limits or current_limits()
    in_log = False
    found_log = False
    try:
        events = parse_events(stream, label, limits)
        first, _ = _next(events)
        if first != "start_map":
            raise HarError(f"{label}: not a HAR file (the JSON top level is not an object)")
        for event, key in events:
            if event == "end_map":
                break
            event, value = _next(events)
            if key != "log" or found_log:
                _skip(event, events)
                continue
            if event != "start_map":
                raise HarError(f"{label}: not a HAR file ('log' is not an object)")
            found_log = in_log = True
            yield from _log_members(events, label, limits)
            in_log = False
        for _ in events:  # trailing garbage surfaces as a parse error here
            pass
    except HarError:
        raise
    except _Ended as exc:
        if found_log:
            raise StreamBroken("the file ends early (premature end of JSON)", after_log=not in_log) from exc
        raise HarError(f"{label}: not a HAR file (the JSON ends early)") from exc
    except _READ_ERRORS as exc:
        reason = _describe(exc)
        if found_log:
            raise StreamBroken(reason, after_log=not in_log) from exc
        raise HarError(f"{label}: not a HAR file ({reason})") from exc
    if not found_log:
        raise HarError(f"{label}: not a HAR file (no 'log' object at the top level)")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ijson.JSONError):
        return f"invalid JSON: {one_line(exc)}"
    if isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile):
        return f"broken gzip data: {one_line(exc) or type(exc).__name__}"
    return f"{type(exc).__name__}: {one_line(exc)}"


def _log_members(
    events: Iterator[tuple[str, Any]], label: str, limits: ReadLimits
) -> Iterator[Member | EntryItem | EntriesBoundary]:
    for event, key in events:
        if event == "end_map":
            return
        event, value = _next(events)
        if key == "entries" and event == "start_array":
            yield EntriesBoundary(opening=True)
            index = 0
            for event, value in events:
                if event == "end_array":
                    break
                if index >= limits.max_entries:
                    raise refuse(label, f"more than {limits.max_entries} entries", "max_entries")
                yield EntryItem(index, build_value(event, value, events, label, limits, level=4))
                index += 1
            else:
                raise _Ended
            yield EntriesBoundary(opening=False)
        else:
            yield Member(str(key), build_value(event, value, events, label, limits, level=3))
    raise _Ended


def build_value(
    event: str,
    value: Any,
    events: Iterator[tuple[str, Any]],
    label: str = "HAR",
    limits: ReadLimits | None = None,
    level: int = 1,
) -> Any:
    """Assemble one JSON value from its first event and the events after it (no recursion).

    ``level`` is how deep the value sits in the document (the top level is 1; an entry is 4).
    Raises HarLimitError past ``limits.max_depth`` levels or ``limits.max_values`` values: the
    object built here is the one thing whose size the file alone decides.
    """
    if event == "start_map":
        root: Any = {}
    elif event == "start_array":
        root = []
    else:
        return value
    limits = limits or current_limits()
    budget = limits.max_values
    deepest = limits.max_depth - level  # containers the stack may hold below the root
    if deepest < 0:
        raise refuse(label, f"JSON nested deeper than {limits.max_depth} levels", "max_depth")
    stack: list[Any] = [root]
    keys: list[Any] = [None]
    for event, value in events:
        if event == "map_key":
            keys[-1] = value
            continue
        if event == "end_map" or event == "end_array":
            stack.pop()
            keys.pop()
            if not stack:
                return root
            continue
        budget -= 1
        if budget < 0:
            raise refuse(
                label,
                f"one entry or log member holds more than {limits.max_values} JSON values",
                "max_values",
            )
        if event == "start_map":
            new: Any = {}
        elif event == "start_array":
            new = []
        else:
            new = value
        top = stack[-1]
        if type(top) is dict:
            top[keys[-1]] = new
        else:
            top.append(new)
        if event == "start_map" or event == "start_array":
            if len(stack) > deepest:
                raise refuse(label, f"JSON nested deeper than {limits.max_depth} levels", "max_depth")
            stack.append(new)
            keys.append(None)
    raise _Ended


def _skip(event: str, events: Iterator[tuple[str, Any]]) -> None:
    if event not in ("start_map", "start_array"):
        return
    depth = 1
    for event, _ in events:
        if event == "start_map" or event == "start_array":
            depth += 1
        elif event == "end_map" or event == "end_array":
            depth -= 1
            if depth == 0:
                return
    raise _Ended
