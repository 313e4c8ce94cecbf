"""HAR reading caps (entries, string length, gzip ratio, nesting, values) and linear-time tokenizing.

Each cap refuses the whole file with one line naming the file, the cap and the option that raises it.
Linear time is asserted structurally: no chunk handed to yajl ends inside a string or a number (yajl
re-lexes only tokens that span chunks), and the events are those of an unchunked parse.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.evidence import HarError, load_har
from probe.evidence._chunks import ChunkStats, TokenTooLong, aligned_chunks
from probe.evidence._errors import HarLimitError
from probe.evidence._stream import PARSER_BACKEND, parse_events
from probe.evidence.limits import DEFAULT_LIMITS, ReadLimits, current_limits, read_limits
from probe.evidence.redact import redact_har

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
ENTRY = {
    "startedDateTime": "2026-01-01T00:00:00Z",
    "request": {"method": "GET", "url": "https://shop.test/x", "headers": []},
    "response": {"status": 200, "headers": []},
}


def har(tmp_path: Path, log: dict[str, Any], name: str = "t.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"log": log}))
    return path


def refused(path: Path, limits: ReadLimits, option: str) -> str:
    with pytest.raises(HarLimitError) as err:
        load_har(path, limits=limits)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert f"raise it with probe replay {option})" in message
    return message


# -- the caps ---------------------------------------------------------------------------------------


def test_entry_cap(tmp_path: Path) -> None:
    path = har(tmp_path, {"entries": [ENTRY] * 11})
    message = refused(path, ReadLimits(max_entries=10), "--max-entries")
    assert "more than 10 entries (the entry cap" in message
    assert load_har(path, limits=ReadLimits(max_entries=11)).entries_in_file == 11


def test_string_cap_counts_escapes_and_numbers(tmp_path: Path) -> None:
    body = 'é\n"' * 200_000  # 600k characters, 2.4 MB of JSON escapes
    entry = {**ENTRY, "request": {**ENTRY["request"], "postData": {"text": body}}}
    path = har(tmp_path, {"entries": [entry]})
    message = refused(path, ReadLimits(max_string_mb=1), "--max-string-mb")
    assert "a JSON string or number longer than 1 MB (the string length cap" in message
    read = load_har(path, limits=ReadLimits(max_string_mb=4))
    assert read.timeline.entries[0].request_body == body.encode()
    number = tmp_path / "number.har"
    number.write_text('{"log": {"entries": [], "x": ' + "1" * 3_000_000 + ".5}}")
    refused(number, ReadLimits(max_string_mb=1), "--max-string-mb")


def test_gzip_ratio_cap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.har.gz"
    data = json.dumps({"log": {"entries": [ENTRY] * 20_000}}).encode()  # ~3 MB, compresses ~200x
    path.write_bytes(gzip.compress(data, 9))
    ratio = len(data) / path.stat().st_size
    tight = ReadLimits(max_ratio=ratio / 2, ratio_floor_mb=0.5)
    message = refused(path, tight, "--max-ratio")
    assert "gzip data expands to more than" in message and "(the gzip ratio cap" in message
    assert (
        load_har(path, limits=ReadLimits(max_ratio=ratio * 2, ratio_floor_mb=0.5)).entries_in_file == 20_000
    )
    # a small gzip may always expand as far as the floor, whatever its ratio
    assert load_har(path, limits=ReadLimits(max_ratio=1, ratio_floor_mb=8)).entries_in_file == 20_000


def test_depth_cap(tmp_path: Path) -> None:
    path = tmp_path / "deep.har"
    path.write_text('{"log": {"entries": [{"x": ' + "[" * 5000 + "]" * 5000 + "}]}}")
    assert "JSON nested deeper than 256 levels (the nesting cap" in refused(
        path, DEFAULT_LIMITS, "--max-depth"
    )
    # the document is level 1, log 2, entries 3, an entry 4: _x and its lists are levels 5 to 8
    shallow = har(tmp_path, {"entries": [{**ENTRY, "_x": [[[[1]]]]}]}, "shallow.har")
    assert load_har(shallow, limits=ReadLimits(max_depth=8)).entries_in_file == 1
    assert "deeper than 7 levels" in refused(shallow, ReadLimits(max_depth=7), "--max-depth")


def test_values_cap(tmp_path: Path) -> None:
    path = har(tmp_path, {"entries": [{**ENTRY, "_x": [{}] * 1000}]})
    message = refused(path, ReadLimits(max_values=500), "--max-values")
    assert "holds more than 500 JSON values (the values-per-entry cap" in message
    assert load_har(path, limits=ReadLimits(max_values=2000)).entries_in_file == 1


def test_caps_in_force_reach_the_reader_and_the_redactor(tmp_path: Path) -> None:
    path = har(tmp_path, {"entries": [ENTRY] * 3})
    with read_limits(ReadLimits(max_entries=2)):
        assert current_limits().max_entries == 2
        with pytest.raises(HarLimitError):
            load_har(path)
        with pytest.raises(HarLimitError):
            redact_har(path, tmp_path / "r.har", key=b"k")
    assert current_limits() == DEFAULT_LIMITS
    assert load_har(path).entries_in_file == 3


def test_a_cap_is_a_har_error_so_replay_exits_2(tmp_path: Path) -> None:
    assert issubclass(HarLimitError, HarError)


def test_defaults_leave_room_for_a_real_100_mb_har() -> None:
    # a session HAR of 100 MB holds ~100k entries; real gzip HARs compress 5-40x
    assert DEFAULT_LIMITS.max_entries >= 2 * 100_000
    assert DEFAULT_LIMITS.max_ratio >= 100 and DEFAULT_LIMITS.max_string_mb >= 32
    for path in [*GOLDEN.glob("*.har"), *GOLDEN.glob("*.har.gz"), GOLDEN / "bundle" / "evidence.har"]:
        assert load_har(path).entries_in_file > 0


# -- linear time: chunks end between tokens ---------------------------------------------------------


def _spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every string and number, by a plain reference lexer."""
    spans, i = [], 0
    while i < len(data):
        c = data[i : i + 1]
        if c == b'"':
            j = i + 1
            while data[j : j + 1] != b'"':
                j += 2 if data[j : j + 1] == b"\\" else 1
            spans.append((i, j + 1))
            i = j + 1
        elif c in b"-0123456789":
            j = i
            while j < len(data) and data[j : j + 1] in b"-+.eE0123456789":
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def _chunks(data: bytes, size: int, max_token: int = 1 << 30) -> list[bytes]:
    return list(aligned_chunks(io.BytesIO(data).read, max_token, size=size))


def _boundaries(chunks: list[bytes]) -> list[int]:
    out, at = [], 0
    for chunk in chunks[:-1]:
        at += len(chunk)
        out.append(at)
    return out


def test_an_escape_heavy_string_reaches_yajl_in_one_chunk() -> None:
    body = '\\u00e9\\n\\"' * 300_000  # 3 MB of escapes: 46 reads of 64 KiB
    data = ('{"log": {"entries": [{"request": {"postData": {"text": "' + body + '"}}}]}}').encode()
    chunks = _chunks(data, 1 << 16)
    assert b"".join(chunks) == data
    start = data.index(b'"\\u00e9')
    end = start + len(body) + 2
    assert not [b for b in _boundaries(chunks) if start < b < end]
    assert any(len(c) >= len(body) for c in chunks)  # the string, whole, in one chunk


def test_the_reader_feeds_yajl_through_the_aligner() -> None:
    assert PARSER_BACKEND == "yajl2_c"
    body = "\\n" * 500_000
    data = ('{"log": {"entries": [], "x": "' + body + '"}}').encode()
    stats = ChunkStats()
    events = list(parse_events(io.BytesIO(data), "t", DEFAULT_LIMITS, stats))
    assert ("string", "\n" * 500_000) in events
    assert stats.extended == 1 and stats.bytes_out == len(data)
    assert stats.largest >= len(body)  # no chunk boundary inside the string: yajl lexes it once


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63) + 1, 2**63 - 1)  # yajl refuses wider integers (a parse error, not a crash)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab"\\\n\u00e9\u2028 {}[],:'), max_size=3000),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=5), children, max_size=6)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values, size=st.integers(16, 300), indent=st.sampled_from([None, 1]))
def test_cuts_fall_between_tokens_and_change_no_event(value: Any, size: int, indent: int | None) -> None:
    data = json.dumps({"v": value}, indent=indent).encode()
    chunks = _chunks(data, size)
    assert b"".join(chunks) == data
    boundaries = set(_boundaries(chunks))
    assert not [(s, e) for s, e in _spans(data) if any(s < b < e for b in range(s + 1, e) if b in boundaries)]
    aligned = list(parse_events(io.BytesIO(data), "t", DEFAULT_LIMITS))
    assert aligned == list(ijson.basic_parse(io.BytesIO(data), use_float=True))


def test_a_token_over_the_cap_is_refused_before_it_is_held_whole() -> None:
    data = b'{"x": "' + b"a" * 5_000_000 + b'"}'
    reads: list[int] = []
    source = io.BytesIO(data)

    def read(size: int) -> bytes:
        chunk = source.read(size)
        reads.append(len(chunk))
        return chunk

    with pytest.raises(TokenTooLong):
        list(aligned_chunks(read, 1_000_000))
    assert sum(reads) <= 1_000_000 + 2 * max(reads)  # it stopped reading soon after the cap
