"""Broken HARs: problems name the entry and the rest is read; non-HARs raise HarError."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from probe.evidence import HarError, load_har

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
BAD = GOLDEN / "malformed"


def messages(path: Path) -> list[tuple[int | None, str]]:
    return [(p.entry, p.message) for p in load_har(path).problems]


def test_truncated_file_keeps_the_entries_before_the_cut() -> None:
    read = load_har(BAD / "truncated.har")
    assert [e.index for e in read.timeline.entries] == [0, 1, 2]
    assert messages(BAD / "truncated.har") == [
        (
            None,
            "the JSON breaks off after entry 2 (invalid JSON: parse error: premature EOF); 3 entries read,"
            " the rest is lost",
        )
    ]
    assert read.timeline.notes == [f"{BAD / 'truncated.har'}: {messages(BAD / 'truncated.har')[0][1]}"]


def test_wrong_types_are_named_per_entry_and_good_entries_survive() -> None:
    read = load_har(BAD / "wrong-types.har")
    assert [e.index for e in read.timeline.entries] == [2, 4]
    bad, good = read.timeline.entries
    assert (bad.method, bad.url, bad.status, bad.request_body, bad.phase, bad.noise) == (
        "POST",
        "https://bad.example/b",
        None,
        None,
        None,
        False,
    )
    assert (good.method, good.status) == ("GET", 200)  # "get" upper-cased
    assert bad.started == good.started  # no usable time: takes its neighbour's
    assert messages(BAD / "wrong-types.har") == [
        (None, "log.pages is an object, not a list; ignored"),
        (0, "is a number, not an object; skipped"),
        (1, "has no request object; skipped"),
        (2, "request.headers is an object, not a list; ignored"),
        (2, "has an unreadable startedDateTime; placed at the time of the entry before it"),
        (2, "request.postData.text is an object, not a string; ignored"),
        (2, "response.status is a string, not a number; treated as no response"),
        (2, "response.headers: 1 item(s) are not name/value pairs; ignored"),
        (2, "response.content.text is a number, not a string; ignored"),
        (2, "_probe.phase 'later' is not one of before-consent, after-consent, after-revoke; ignored"),
        (2, "_probe.noise is a string, not true/false; taken as false"),
        (3, "has no request.url; skipped"),
    ]


def test_empty_entries() -> None:
    read = load_har(BAD / "empty-entries.har")
    assert read.timeline.entries == [] and read.entries_in_file == 0
    assert messages(BAD / "empty-entries.har") == [(None, "log.entries is empty")]


def test_missing_start_times_take_the_previous_entry_time() -> None:
    read = load_har(BAD / "no-started.har")
    assert [e.started for e in read.timeline.entries] == [
        1795939201.0,  # first entry: no earlier one, takes the first known time
        1795939201.0,
        1795939201.0,
        1795939201.0,
        1795939204.0,
    ]
    assert messages(BAD / "no-started.har") == [
        (0, "has no startedDateTime; placed at the time of the entry before it"),
        (2, "has no startedDateTime; placed at the time of the entry before it"),
        (3, "has an unreadable startedDateTime; placed at the time of the entry before it"),
    ]


def test_non_utf8_bytes_are_replaced_and_named() -> None:
    read = load_har(BAD / "non-utf8.har")
    first, second = read.timeline.entries
    assert first.request_body == "caf\ufffd \ufffd\ufffd latin-1".encode()
    assert (second.url, second.status) == ("https://legacy.example/ok", 204)
    assert messages(BAD / "non-utf8.har") == [
        (0, "contains bytes that are not valid UTF-8; they were replaced with U+FFFD")
    ]


def test_trailing_garbage_after_a_complete_log() -> None:
    read = load_har(BAD / "trailing-garbage.har")
    assert [e.url for e in read.timeline.entries] == ["https://ok.example/a"]
    assert messages(BAD / "trailing-garbage.har") == [
        (
            None,
            "unexpected data after the end of the HAR (invalid JSON: parse error: trailing garbage); ignored",
        )
    ]


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("not-json.har", "not a HAR file (invalid JSON: lexical error: invalid char in json text.)"),
        ("not-a-har.json", "not a HAR file (no 'log' object at the top level)"),
        ("log-not-object.har", "not a HAR file ('log' is not an object)"),
    ],
)
def test_not_a_har_raises_one_line_har_error(name: str, cause: str) -> None:
    with pytest.raises(HarError) as info:
        load_har(BAD / name)
    assert str(info.value) == f"{BAD / name}: {cause}"
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b"", "not a HAR file (invalid JSON: parse error: premature EOF)"),
        (b"[1, 2]", "not a HAR file (the JSON top level is not an object)"),
        (b'{"log": {"entries": [', "not a HAR file (no 'log' object at the top level)"),
        (b"\x1f\x8bnot really gzip", "not a HAR file (broken gzip data: Unknown compression method)"),
    ],
)
def test_odd_inputs(tmp_path: Path, content: bytes, cause: str) -> None:
    path = tmp_path / "odd.har"
    path.write_bytes(content)
    if content.startswith(b'{"log"'):
        # log began: this is a HAR with a problem, not a non-HAR
        read = load_har(path)
        assert [p.message for p in read.problems] == [
            "the JSON breaks off before the first entry (invalid JSON: parse error: premature EOF);"
            " 0 entries read, the rest is lost"
        ]
        return
    with pytest.raises(HarError) as info:
        load_har(path)
    assert str(info.value) == f"{path}: {cause}"


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    # big enough that the decompressor hands out data before it reaches the cut
    entries = [
        {
            "startedDateTime": "2026-11-29T10:00:00Z",
            "request": {"method": "GET", "url": f"https://a.example/{random.Random(i).randbytes(300).hex()}"},
        }
        for i in range(300)
    ]
    packed = gzip.compress(json.dumps({"log": {"entries": entries}}).encode(), mtime=0)
    path = tmp_path / "cut.har.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    read = load_har(path)
    count = len(read.timeline.entries)
    assert 0 < count < 300
    assert [e.url for e in read.timeline.entries] == [e["request"]["url"] for e in entries[:count]]
    (problem,) = read.problems
    assert problem.entry is None
    assert problem.message == (
        f"the JSON breaks off after entry {count - 1} (broken gzip data: Compressed file ended before the"
        f" end-of-stream marker was reached); {count} entries read, the rest is lost"
    )


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.har"
    path.write_bytes(b"\xef\xbb\xbf" + (GOLDEN / "mitmproxy.har").read_bytes())
    read = load_har(path)
    assert len(read.timeline.entries) == 6 and read.problems == []


def test_problem_list_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "many.har"
    path.write_text('{"log": {"entries": [' + ",".join(["1"] * 250) + "]}}")
    read = load_har(path)
    assert len(read.problems) == 201
    assert read.problems[-1].message == "50 more problems not listed"
    assert len(read.timeline.notes) == 51
    assert read.timeline.notes[-1] == f"{path}: 151 more problems (see the full problem list)"


def test_unparseable_url_is_skipped_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "url.har"
    entry = {"startedDateTime": "2026-11-29T10:00:00Z", "request": {"method": "GET", "url": "http://[::1/x"}}
    path.write_text(json.dumps({"log": {"entries": [entry]}}))
    read = load_har(path)
    assert read.timeline.entries == []
    assert [(p.entry, p.message) for p in read.problems] == [
        (0, "request.url 'http://[::1/x' is not a valid URL; skipped")
    ]
