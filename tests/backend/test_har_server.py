"""Server entries in a scenario's HAR: among the browser's by wire time, marked as the backend's."""

from __future__ import annotations

from mitmproxy.test import tflow, tutils

from probe.evidence.har_writer import build_har


def flow(url: str, at: float, context: str) -> tflow.HTTPFlow:
    request = tutils.treq(method=b"POST", content=b'{"batch": []}')
    request.url = url
    request.timestamp_start = at
    made = tflow.tflow(req=request, resp=True)
    made.metadata["probe"] = {"context": context, "served": "sink"}
    return made


def test_server_entries_take_their_phase_by_wire_time_and_say_whose_they_are() -> None:
    phases = [
        {"phase": "before-consent", "at": 100.0, "action": None, "choice": None},
        {"phase": "after-consent", "at": 200.0, "action": "accept_all", "choice": {}},
    ]
    browser = [flow("https://api.segment.io/v1/t", 150.0, "ctx"), flow("https://api.segment.io/v1/p", 250.0, "ctx")]
    visitor = {"by": "anonymousId", "ids": ["a1"], "events": [0]}
    server = [(flow("https://api.segment.io/v1/batch", 199.0, "_backend"), {"visitor": visitor})]
    har = build_har(browser, phases, scenario="s", context="ctx", browser=("chromium", "1"), server=server)
    rows = [
        (e["request"]["url"], e["pageref"], e["_probe"]["context"], e["_probe"].get("side"), e["_probe"].get("visitor"))
        for e in har["log"]["entries"]
    ]
    assert rows == [
        ("https://api.segment.io/v1/t", "before-consent", "ctx", None, None),
        ("https://api.segment.io/v1/batch", "before-consent", "_backend", "server", visitor),
        ("https://api.segment.io/v1/p", "after-consent", "ctx", None, None),
    ]
