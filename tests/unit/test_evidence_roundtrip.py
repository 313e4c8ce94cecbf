"""What probe's HAR writer produces, the reader reads back (phases, storage, context, bodies)."""

from __future__ import annotations

import json
from pathlib import Path

from mitmproxy import http
from mitmproxy.test import tflow

from probe.evidence import apply_phases, read_har
from probe.evidence.har_writer import build_har, write_har
from probe.timeline import AFTER, BEFORE, PhaseMark, StorageSnapshot

T0 = 1795953600.0


def flow(method: str, url: str, at: float, body: bytes = b"", *, context: str = "ctx-1") -> http.HTTPFlow:
    f = tflow.tflow(resp=True)
    f.request = http.Request.make(method, url, body, {"Content-Type": "text/plain"})
    f.request.timestamp_start, f.request.timestamp_end = at, at + 0.001
    f.response = http.Response.make(200, b'{"success":true}', {"Content-Type": "application/json"})
    f.response.timestamp_start, f.response.timestamp_end = at + 0.01, at + 0.02
    f.metadata["probe"] = {"context": context, "served": "sink", "noise": url.startswith("https://update.")}
    return f


def test_writer_output_reads_back(tmp_path: Path) -> None:
    event = json.dumps({"type": "track", "event": "Segment Consent Preference Updated", "messageId": "m1"})
    flows = [
        flow("GET", "https://update.googleapis.com/x", T0 + 0.1),
        flow("POST", "https://api.segment.io/v1/t", T0 + 2.5, event.encode()),
        flow("GET", "https://shop.example/", T0 + 0.2),
    ]
    phases = [
        {"phase": BEFORE, "at": T0, "storage": {"cookies": {}, "localStorage": {}}},
        {"phase": AFTER, "at": T0 + 2.0, "action": "accept_all", "choice": {"analytics": True},
         "storage": {"cookies": {"cc_cookie": "x"}, "localStorage": {"k": "v"}}},
    ]  # fmt: skip
    har = build_har(flows, phases, scenario="accept_all", context="ctx-1", browser=("chromium", "156"))
    path = tmp_path / "evidence.har"
    write_har(path, har)

    t = read_har(path)
    assert t.scenario == "accept_all"
    assert [(e.index, e.url, e.phase, e.context, e.noise) for e in t.entries] == [
        (0, "https://update.googleapis.com/x", BEFORE, "ctx-1", True),
        (1, "https://shop.example/", BEFORE, "ctx-1", False),
        (2, "https://api.segment.io/v1/t", AFTER, "ctx-1", False),
    ]
    assert t.entries[2].request_body == event.encode()
    assert t.entries[2].response_body == b'{"success":true}'
    assert t.marks == [PhaseMark(AFTER, T0 + 2.0, {"analytics": True}, "accept_all")]
    assert t.snapshots == [
        StorageSnapshot(BEFORE, {}, {}),
        StorageSnapshot(AFTER, {"cc_cookie": "x"}, {"k": "v"}),
    ]
    assert apply_phases(t).method == "recorded"
