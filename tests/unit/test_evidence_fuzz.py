"""Fuzzing the reader (and the redactor, which shares its tokenizer): only HarError may escape."""

from __future__ import annotations

import copy
import gzip
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.evidence import HarError, HarProblem, apply_phases, load_har
from probe.evidence.redact import redact_har
from probe.timeline import Entry

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
SOURCES = [
    GOLDEN / "chrome-devtools.har",
    GOLDEN / "firefox-devtools.har",
    GOLDEN / "playwright-h2.har",
    GOLDEN / "bundle" / "evidence.har",
]
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_counter = itertools.count()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
har_keys = st.sampled_from(
    ["log", "entries", "pages", "request", "response", "url", "method", "headers", "name", "value",
     "startedDateTime", "postData", "text", "encoding", "content", "mimeType", "status", "_probe", "phase",
     "cookies", "storage", "choice", "creator"]
)  # fmt: skip
harish = st.recursive(
    json_values,
    lambda children: st.dictionaries(har_keys, children, max_size=6) | st.lists(children, max_size=4),
    max_leaves=40,
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _file(workdir: Path, data: bytes) -> Path:
    path = workdir / f"f{next(_counter)}.har"
    path.write_bytes(data)
    return path


def _read_checked(path: Path) -> bool:
    """Read; True when it was a HAR. Anything but HarError fails the test."""
    try:
        read = load_har(path)
    except HarError as exc:
        assert "\n" not in str(exc)
        return False
    assert all(isinstance(e, Entry) for e in read.timeline.entries)
    assert all(isinstance(p, HarProblem) for p in read.problems)
    apply_phases(read.timeline)
    assert read.timeline.notes  # at least the phase sentence
    return True


@FUZZ
@given(data=st.binary(max_size=3000), packed=st.booleans())
def test_random_bytes(workdir: Path, data: bytes, packed: bool) -> None:
    _read_checked(_file(workdir, gzip.compress(data) if packed else data))


@FUZZ
@given(value=json_values)
def test_random_json(workdir: Path, value: Any) -> None:
    _read_checked(_file(workdir, json.dumps(value).encode()))


@FUZZ
@given(log=harish)
def test_har_shaped_json(workdir: Path, log: Any) -> None:
    path = _file(workdir, json.dumps({"log": log}).encode())
    if _read_checked(path):
        try:
            redact_har(path, path.with_suffix(".red.har"), key=b"k")
        except HarError:
            return
        json.loads(path.with_suffix(".red.har").read_text(encoding="utf-8"))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            out += _paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            out += _paths(sub, (*prefix, i))
    return out


@FUZZ
@given(source=st.sampled_from(SOURCES), data=st.data())
def test_mutated_golden_hars(workdir: Path, source: Path, data: st.DataObject) -> None:
    har = json.loads(source.read_text())
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [p for p in _paths(har) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = har
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(json_values)
    mutated = _file(workdir, json.dumps(har).encode())
    if _read_checked(mutated):
        try:
            redact_har(mutated, mutated.with_suffix(".red.har"), key=b"k")
        except HarError:
            return
        assert json.loads(mutated.with_suffix(".red.har").read_text(encoding="utf-8"))["log"] is not None


@FUZZ
@given(source=st.sampled_from(SOURCES), data=st.data())
def test_byte_mutations_of_golden_hars(workdir: Path, source: Path, data: st.DataObject) -> None:
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del raw[position : position + data.draw(st.integers(1, 16))]
        else:
            del raw[position:]
        if not raw:
            break
    _read_checked(_file(workdir, bytes(raw)))


def test_fuzz_helpers_mutate_real_structure() -> None:
    har = json.loads(SOURCES[0].read_text())
    paths = _paths(har)
    assert ("log", "entries", 7, "request", "postData", "text") in paths
    mutated = copy.deepcopy(har)
    mutated["log"]["entries"][7]["request"] = 5
    assert _paths(mutated) != paths
