"""Reading golden HARs from every supported producer into Timelines."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probe.evidence import HarError, load_bundle, load_har, read_bundle, read_har, split_contexts
from probe.timeline import Entry, StorageSnapshot, Timeline

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def names(entry: Entry, *, response: bool = False) -> list[str]:
    return [k for k, _ in (entry.response_headers if response else entry.request_headers)]


def test_chrome_devtools_export() -> None:
    read = load_har(GOLDEN / "chrome-devtools.har")
    t = read.timeline
    assert (read.flavour, read.creator, read.browser, read.entries_in_file) == (
        "chrome",
        "WebInspector 537.36",
        None,
        10,
    )
    assert read.problems == [] and t.notes == []
    assert t.scenario == "chrome-devtools"
    assert [e.index for e in t.entries] == list(range(10))
    assert [e.resource_type for e in t.entries] == [
        "document",
        "script",
        "image",
        "ping",
        "script",
        "fetch",
        "preflight",
        "fetch",
        "document",
        "fetch",
    ]
    first = t.entries[0]
    assert first.started == at("2026-11-29T10:00:00")
    # HTTP/2 pseudo-headers are dropped, names are lower-case
    assert names(first) == ["accept", "user-agent"]
    # Chrome joins Set-Cookie lines with "\n": one header per cookie
    assert [v.split("=")[0] for k, v in first.response_headers if k == "set-cookie"] == [
        "OptanonConsent",
        "session",
    ]
    assert first.response_body is None  # HTML is not kept
    assert t.entries[1].response_body == b"window.OneTrustStub={init:function(){return 'C0001,C0002,C0003'}};"
    assert t.entries[2].response_body is None  # base64 PNG: not JSON/JS
    assert t.entries[3].status is None  # status 0 + _error: no response
    settings = json.loads(t.entries[5].response_body or b"")  # base64 content decoded
    assert settings["consentSettings"] == {
        "allCategories": ["C0002", "C0003"],
        "hasUnmappedDestinations": False,
    }
    segment = t.entries[7]
    assert (segment.method, segment.url, segment.status) == ("POST", "https://api.segment.io/v1/t", 200)
    assert segment.header("authorization") == "Basic d2tfY2hyb21lOg=="
    assert json.loads(segment.request_body or b"")["event"] == "Segment Consent Preference Updated"
    assert segment.response_body is None  # "size": 0, no text
    assert (
        t.entries[8]
        .header("cookie", response=False)
        .startswith("OptanonAlertBoxClosed=2026-11-29T10:00:05.123Z;")
    )
    assert t.entries[9].response_body == b'{"success":true}'
    assert not t.has_phases and t.marks == [] and t.snapshots == []


def test_firefox_devtools_export() -> None:
    read = load_har(GOLDEN / "firefox-devtools.har")
    t = read.timeline
    assert (read.flavour, read.creator, read.browser) == ("firefox", "Firefox 153.8.0", "Firefox 153.8.0")
    assert read.problems == []
    # "+01:00" local times become UTC epoch seconds
    assert [e.started for e in t.entries] == [
        at("2026-11-29T10:00:00"),
        at("2026-11-29T10:00:02"),
        at("2026-11-29T10:00:10.100"),
        at("2026-11-29T10:00:10.400"),
        at("2026-11-29T10:00:11"),
        at("2026-11-29T10:00:11.200"),
    ]
    assert t.entries[0].header("host") == "klaro.shop.example"
    assert t.entries[1].request_body == b"email=max.mustermann%40example.org&phone=%2B49+30+1234567"
    assert t.entries[1].status == 303
    batch = json.loads(t.entries[3].request_body or b"")
    assert [e["type"] for e in batch["batch"]] == ["track", "page"]
    assert t.entries[4].response_body == b'{"products":[1,2,3]}'
    assert t.entries[5].response_body is None  # no text in the export
    assert {e.resource_type for e in t.entries} == {None}


def test_playwright_record_har_over_http2() -> None:
    read = load_har(GOLDEN / "playwright-h2.har")
    t = read.timeline
    assert (read.flavour, read.creator, read.browser) == (
        "playwright",
        "Playwright 1.65.1",
        "chromium 156.0.8078.108",
    )
    assert read.problems == []
    # two Playwright pages (tabs) are not phases
    assert t.marks == [] and not t.has_phases
    assert [e.phase for e in t.entries] == [None] * 7
    event = t.entries[4]
    assert names(event) == ["authorization", "content-type", "origin", "user-agent"]
    assert event.response_body is None  # Playwright recorded size -1 and no text
    assert json.loads(event.request_body or b"")["context"]["consent"] == {
        "categoryPreferences": {"C0001": True, "C0002": False}
    }
    assert json.loads(t.entries[2].response_body or b"")["integrations"] == {
        "Segment.io": {"apiKey": "wk_pw"}
    }
    assert t.entries[3].method == "OPTIONS" and t.entries[3].status == 204


def test_playwright_first_party_segment_proxy() -> None:
    """A real Playwright recording of a site posting Segment events to its own /ces/v1/t."""
    t = read_har(GOLDEN / "playwright-firstparty-ces.har")
    assert [(e.method, e.path) for e in t.entries] == [
        ("GET", "/"),
        ("POST", "/ces/v1/t"),
        ("GET", "/api/cart"),
        ("POST", "/ces/v1/t"),
        ("POST", "/ces/v1/t"),
    ]
    assert [json.loads(e.request_body or b"")["event"] for e in t.entries if e.path == "/ces/v1/t"] == [
        "Segment Consent Preference Updated",
        "Product Added",
        "Segment Consent Preference Updated",
    ]
    assert t.entries[2].query == [("email", "jane.doe@example.com")]
    assert t.entries[2].header("set-cookie", response=True) == "sid=abc123; Path=/; HttpOnly"
    assert t.entries[0].response_body is None  # the HTML page
    assert t.entries[1].response_body == b'{"success":true}'


def test_mitmproxy_export_plain_and_gzip_read_the_same() -> None:
    plain = load_har(GOLDEN / "mitmproxy.har")
    packed = load_har(GOLDEN / "mitmproxy.har.gz")
    assert (GOLDEN / "mitmproxy.har.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert packed.timeline.entries == plain.timeline.entries
    assert packed.timeline.scenario == "mitmproxy" == plain.timeline.scenario
    assert (plain.flavour, plain.creator) == ("mitmproxy", "mitmproxy 11.0.2")
    t = plain.timeline
    assert [e.started for e in t.entries] == [
        1795960000.0,
        1795960000.5,
        1795960000.8,
        1795960001.1,
        1795960001.3,
        1795960001.6,
    ]
    assert t.entries[3].header("cookie") == "session=s%3Aq9Yk2vR7"
    assert t.entries[0].header("set-cookie", response=True) == "session=s%3Aq9Yk2vR7; Path=/; HttpOnly"
    assert t.entries[4].response_body is None  # base64 PNG
    assert t.entries[5].status is None  # refused connection: status 0
    assert t.entries[1].response_body == b"!function(){window.analyticsWriteKey='wk_live_42'}();"


def test_probe_own_bundle() -> None:
    read, suite = load_bundle(GOLDEN / "bundle")
    t = read.timeline
    assert read.flavour == "probe" and read.problems == []
    assert suite is not None and suite["name"] == "demo"
    assert t.scenario == "revoke"
    assert [(m.phase, m.at, m.action) for m in t.marks] == [
        ("after-consent", at("2026-11-29T12:00:02"), "accept_all"),
        ("after-revoke", at("2026-11-29T12:00:05"), "choose"),
    ]
    assert t.marks[1].choice == {"necessary": True, "analytics": False, "marketing": False}
    assert [e.phase for e in t.entries] == ["before-consent"] * 3 + ["after-consent"] * 3 + ["after-revoke"]
    assert {e.context for e in t.entries} == {"ctx-revoke-1"}
    assert [e.index for e in t.entries if e.noise] == [1]
    assert [e.index for e in t.entries if e.blocked] == [2]
    assert [e.served for e in t.entries] == ["local", "blocked", "blocked", "local", "sink", "local", "sink"]
    assert t.entries[5].response_body is None  # base64 favicon
    # the after-revoke page has no storage in the HAR: taken from after-revoke.storage.json
    assert [s.phase for s in t.snapshots] == ["before-consent", "after-consent", "after-revoke"]
    assert t.snapshots[0] == StorageSnapshot("before-consent", {}, {})
    assert t.snapshots[2].cookies == {
        "cc_cookie": "%7B%22categories%22%3A%5B%22necessary%22%5D%7D",
        "ajs_anonymous_id": "7e57d004-2b97-4e7a-b45f-5387367791cd",
    }
    assert t.snapshots[2].local_storage["ajs_anonymous_id"] == '"7e57d004-2b97-4e7a-b45f-5387367791cd"'
    timeline, suite_again = read_bundle(GOLDEN / "bundle")
    assert timeline.entries == t.entries and suite_again == suite


def test_response_body_cap_drops_large_bodies_with_a_problem() -> None:
    read = load_har(GOLDEN / "chrome-devtools.har", response_body_cap=100)
    assert read.timeline.entries[5].response_body is None
    assert read.timeline.entries[1].response_body is not None  # 66 bytes, under the cap
    (problem,) = read.problems
    assert (problem.file, problem.entry) == (str(GOLDEN / "chrome-devtools.har"), 5)
    assert problem.message == "response body (237 bytes) is over the 100 bytes cap; not kept"
    assert read.timeline.notes == [str(problem)]


def _write(tmp_path: Path, log: dict[str, object], name: str = "x.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"log": log}))
    return path


def test_url_rebuilt_from_pseudo_headers_and_params_only_post(tmp_path: Path) -> None:
    entry = {
        "startedDateTime": "2026-11-29T10:00:00Z",
        "request": {
            "method": "POST",
            "url": "",
            "headers": [
                {"name": ":authority", "value": "shop.example"},
                {"name": ":method", "value": "POST"},
                {"name": ":path", "value": "/form?x=1"},
                {"name": ":scheme", "value": "https"},
            ],
            "postData": {
                "mimeType": "application/x-www-form-urlencoded",
                "params": [{"name": "a", "value": "b c"}],
            },
        },
        "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": ""}},
    }
    read = load_har(_write(tmp_path, {"entries": [entry]}))
    (e,) = read.timeline.entries
    assert (e.url, e.request_body, e.request_headers) == ("https://shop.example/form?x=1", b"a=b+c", ())
    assert [p.message for p in read.problems] == [
        "has no request.url; rebuilt it from the HTTP/2 pseudo-headers"
    ]


def test_cookie_arrays_stand_in_for_missing_headers(tmp_path: Path) -> None:
    entry = {
        "startedDateTime": "2026-11-29T10:00:00Z",
        "request": {
            "method": "GET",
            "url": "https://a.example/",
            "headers": [],
            "cookies": [{"name": "klaro", "value": "x"}],
        },
        "response": {"status": 200, "headers": [], "cookies": [{"name": "sid", "value": "1"}]},
    }
    (e,) = read_har(_write(tmp_path, {"entries": [entry]})).entries
    assert e.header("cookie") == "klaro=x"
    assert e.header("set-cookie", response=True) == "sid=1"


def test_split_contexts_one_timeline_per_browser_context() -> None:
    def entry(i: int, ctx: str | None) -> Entry:
        return Entry(index=i, started=float(i), method="GET", url=f"https://a.example/{i}", context=ctx)

    mixed = Timeline("run", [entry(0, "a"), entry(1, "b"), entry(2, "a")], notes=["n"])
    parts = split_contexts(mixed)
    assert [(p.scenario, [e.index for e in p.entries]) for p in parts] == [("a", [0, 2]), ("b", [1])]
    assert parts[0].notes == ["n", "split from 'run' by browser context"]
    single = Timeline("one", [entry(0, "a")])
    assert split_contexts(single) == [single]


def test_not_a_file_or_folder_is_a_har_error(tmp_path: Path) -> None:
    with pytest.raises(HarError, match=r"is a folder, not a HAR file"):
        read_har(tmp_path)
    with pytest.raises(HarError, match=r"cannot read \(No such file or directory\)"):
        read_har(tmp_path / "missing.har")
    with pytest.raises(HarError, match=r"no evidence.har in this folder"):
        read_bundle(tmp_path)
    with pytest.raises(HarError, match=r"no such directory"):
        read_bundle(tmp_path / "nope")


def test_bundle_with_a_broken_suite_is_a_har_error(tmp_path: Path) -> None:
    (tmp_path / "evidence.har").write_bytes((GOLDEN / "bundle" / "evidence.har").read_bytes())
    (tmp_path / "suite.json").write_text("[1, 2")
    with pytest.raises(HarError, match=r"suite.json: not a readable suite \(JSONDecodeError"):
        read_bundle(tmp_path)


def test_base64_request_body_is_decoded(tmp_path: Path) -> None:
    raw = b"\x00\x01binary\xff"
    entry = {
        "startedDateTime": "2026-11-29T10:00:00Z",
        "request": {
            "method": "PUT",
            "url": "https://a.example/up",
            "headers": [],
            "postData": {
                "mimeType": "application/octet-stream",
                "text": base64.b64encode(raw).decode(),
                "encoding": "base64",
            },
        },
    }
    (e,) = read_har(_write(tmp_path, {"entries": [entry]})).entries
    assert (e.request_body, e.status, e.response_headers) == (raw, None, ())


def test_repeated_strings_and_header_lists_are_held_once(tmp_path: Path) -> None:
    def entry(n: int, cookie: str) -> dict[str, object]:
        headers = [{"name": "User-Agent", "value": "UA/1"}, {"name": "Cookie", "value": cookie}]
        return {
            "startedDateTime": f"2026-11-29T10:00:0{n}Z",
            "_resourceType": "Fetch",
            "request": {"method": "get", "url": f"https://a.example/{n}", "headers": headers},
            "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "text/html"}]},
        }

    a, b, c = read_har(
        _write(tmp_path, {"entries": [entry(1, "s=1"), entry(2, "s=1"), entry(3, "s=2")]})
    ).entries
    assert a.request_headers == b.request_headers == (("user-agent", "UA/1"), ("cookie", "s=1"))
    assert a.request_headers is b.request_headers and a.response_headers is c.response_headers
    # a list seen once is its own, but its names and repeated pairs are shared
    assert c.request_headers[1] == ("cookie", "s=2") and c.request_headers[0] is a.request_headers[0]
    assert c.request_headers[1][0] is a.request_headers[1][0]
    assert (a.method, a.resource_type) == ("GET", "fetch") and a.method is c.method
    assert a.resource_type is c.resource_type


def test_who_served_an_entry_is_read_and_a_wrong_type_is_noted(tmp_path: Path) -> None:
    def entry(n: int, served: object) -> dict[str, object]:
        return {
            "startedDateTime": f"2026-11-29T10:00:0{n}Z",
            "request": {"method": "POST", "url": f"https://shop.test/api/{n}", "headers": []},
            "_probe": {"served": served},
        }

    read = load_har(_write(tmp_path, {"entries": [entry(1, "backend"), entry(2, 7), entry(3, None)]}))
    assert [e.served for e in read.timeline.entries] == ["backend", None, None]
    assert [(p.entry, p.message) for p in read.problems] == [(1, "_probe.served is a number, not a string; ignored")]
