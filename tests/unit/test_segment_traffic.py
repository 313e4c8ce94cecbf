"""One pass over a recording: kinds, events, settings, proxies found through settings."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from timeline_factory import (
    ACCEPT_ALL,
    API,
    Recording,
    Req,
    auth,
    batch,
    event,
    get,
    golden,
    golden_json,
    loader,
    raw_post,
    single,
)
from timeline_factory import (
    settings as settings_req,
)

from probe.segment import Kind, read_segment
from probe.timeline import Entry

HAR_DIR = Path(__file__).resolve().parents[1] / "golden" / "har"


def test_every_kind_is_classified_and_events_are_flattened() -> None:
    timeline = (
        Recording()
        .add(
            loader(),
            settings_req(),
            Req("OPTIONS", f"{API}/t", status=204),
            single(event("page", "Home", ACCEPT_ALL)),
            batch([event("track", "A", ACCEPT_ALL), event("track", "B", None)]),
            raw_post(f"{API}/m", golden("metrics.json")),
            raw_post(f"{API}/t", golden("malformed.txt")),
            get("https://shop.test/"),
        )
        .build()
    )
    traffic = read_segment(timeline.entries)
    kinds = [traffic.kind_of(e.index) for e in timeline.entries]
    assert kinds == [
        Kind.LOADER,
        Kind.SETTINGS,
        Kind.PREFLIGHT,
        Kind.EVENT,
        Kind.BATCH,
        Kind.METRICS,
        Kind.EVENT,
        None,
    ]
    assert [(e.entry, e.name) for e in traffic.events] == [(3, "Home"), (4, "A"), (4, "B")]
    assert [(u.entry, u.reason[:14]) for u in traffic.unparseable] == [(6, "malformed JSON")]
    assert traffic.requests[0].write_key == "DEMOWRITEKEY"  # from the loader path
    assert set(traffic.settings.destinations) >= {"Actions Amplitude", "Braze Web Mode (Actions)"}


def test_api_host_in_captured_settings_turns_the_proxy_into_ingestion() -> None:
    proxied = golden_json("settings_consent.json")
    payload = {"type": "track", "event": "x"}  # no messageId: only the apiHost makes it Segment
    timeline = (
        Recording()
        .add(
            settings_req(proxied),
            Req("OPTIONS", "https://proxy.shop.test/ces/v1/t", status=204),
            raw_post("https://proxy.shop.test/ces/v1/t", json.dumps(payload).encode()),
        )
        .build()
    )
    traffic = read_segment(timeline.entries)
    assert [r.kind for r in traffic.requests] == [Kind.SETTINGS, Kind.PREFLIGHT, Kind.EVENT]
    assert traffic.events[0].name == "x"


def test_preflight_to_a_shape_recognised_proxy() -> None:
    timeline = (
        Recording()
        .add(
            Req("OPTIONS", "https://shop.test/ces/v1/t", status=204),
            raw_post("https://shop.test/ces/v1/t", golden("track_next.json")),
            Req("OPTIONS", "https://shop.test/api/cart", status=204),
        )
        .build()
    )
    traffic = read_segment(timeline.entries)
    assert [(r.entry, r.kind) for r in traffic.requests] == [(0, Kind.PREFLIGHT), (1, Kind.EVENT)]


def test_suite_hosts_and_destination_override() -> None:
    timeline = Recording().add(raw_post("https://collect.shop.test/t", b'{"type":"track"}')).build()
    traffic = read_segment(
        timeline.entries, hosts=["collect.shop.test"], destinations={"Hotjar": ["analytics"]}
    )
    assert traffic.kind_of(0) == Kind.EVENT
    assert traffic.settings.destinations["Hotjar"].categories == ("analytics",)


def test_noise_entries_are_ignored() -> None:
    timeline = Recording().add(single(event())).build()
    noisy = [replace(e, noise=True) for e in timeline.entries]
    assert read_segment(noisy).requests == []


def _har_entries(name: str) -> list[Entry]:
    har = json.loads((HAR_DIR / name).read_text(encoding="utf-8"))
    entries = []
    for i, item in enumerate(har["log"]["entries"]):
        req = item["request"]
        text = (req.get("postData") or {}).get("text")
        entries.append(
            Entry(
                index=i,
                started=float(i),
                method=req["method"],
                url=req["url"],
                request_headers=tuple((h["name"].lower(), h["value"]) for h in req.get("headers", [])),
                request_body=text.encode() if text else None,
            )
        )
    return entries


def test_recorded_playwright_har_with_a_first_party_proxy() -> None:
    traffic = read_segment(_har_entries("playwright-firstparty-ces.har"))
    assert [r.kind for r in traffic.requests] == [Kind.EVENT, Kind.EVENT, Kind.EVENT]
    assert [e.name for e in traffic.events] == [
        "Segment Consent Preference Updated",
        "Product Added",
        "Segment Consent Preference Updated",
    ]
    assert all(e.stamped for e in traffic.events)


def test_recorded_mitmproxy_har() -> None:
    traffic = read_segment(_har_entries("mitmproxy.har"))
    assert [r.kind for r in traffic.requests] == [Kind.LOADER, Kind.SETTINGS, Kind.EVENT]
    assert [(e.type, e.write_key) for e in traffic.events] == [("page", "wk_live_42")]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["/t", "/b", "/batch", "/m"]))
def test_reading_never_raises_on_arbitrary_bodies(body: bytes, path: str) -> None:
    timeline = Recording().add(raw_post(f"{API}{path}", body)).build()
    traffic = read_segment(timeline.entries)
    assert len(traffic.requests) == 1


# -- calls on hosts Segment does not own, with and without their bodies ---------------------------------

PROXY = "https://www.shop.test/v1"


def _bodyless(url: str, *headers: tuple[str, str]) -> Req:
    """A POST whose body the HAR did not keep (BrowserMob, some DevTools exports)."""
    return Req("POST", url, (("content-type", "text/plain"), *headers), None)


def test_bodyless_call_paths_off_segment_hosts_are_not_segment_without_a_sign() -> None:
    timeline = (
        Recording()
        .add(get("https://www.shop.test/"), _bodyless(f"{PROXY}/track"), _bodyless(f"{PROXY}/t"))
        .build()
    )
    traffic = read_segment(timeline.entries)
    assert traffic.requests == []


@pytest.mark.parametrize(
    ("sign", "reason"),
    [
        (loader(), "analytics.js loaded (entry 0)"),
        (settings_req(), "Segment settings fetched (entry 0)"),
        (
            single(event("page", "Home", ACCEPT_ALL)),
            "Segment events sent to api.segment.io (entry 0)",
        ),
        (
            get("https://www.shop.test/", response_headers=(("set-cookie", "ajs_anonymous_id=a-1; Path=/"),)),
            "an ajs_anonymous_id identifier stored (Set-Cookie response header, entry 0)",
        ),
        (
            get("https://www.shop.test/img.png", ("cookie", "ajs_user_id=u-7")),
            "an ajs_user_id identifier stored (Cookie request header, entry 0)",
        ),
    ],
)
def test_bodyless_call_paths_count_when_the_recording_shows_segment_elsewhere(sign: Req, reason: str) -> None:
    timeline = Recording().add(sign, _bodyless(f"{PROXY}/track", auth()), _bodyless(f"{PROXY}/b")).build()
    traffic = read_segment(timeline.entries)
    assert [(r.entry, r.kind, r.recognised) for r in traffic.requests[-2:]] == [
        (1, Kind.EVENT, reason),
        (2, Kind.BATCH, reason),
    ]
    assert traffic.requests[-2].write_key == "DEMOWRITEKEY"  # from the Basic Authorization header
    assert [(u.entry, u.reason) for u in traffic.unparseable] == [
        (1, "body not captured"),
        (2, "body not captured"),
    ]


def test_a_json_body_of_another_shape_is_not_segment_whatever_else_the_recording_shows() -> None:
    timeline = (
        Recording()
        .add(
            loader(),
            raw_post(
                f"{PROXY}/track", b'{"order":"A-1","carrier":"DHL"}', ("content-type", "application/json")
            ),
        )
        .build()
    )
    assert read_segment(timeline.entries).kind_of(1) is None


def test_an_unreadable_body_falls_back_to_the_path_and_the_sign() -> None:
    timeline = Recording().add(loader(), raw_post(f"{PROXY}/t", golden("malformed.txt"))).build()
    traffic = read_segment(timeline.entries)
    assert traffic.kind_of(1) == Kind.EVENT
    assert traffic.unparseable[0].reason.startswith("malformed JSON")


def test_preflights_of_sign_recognised_calls_are_preflights() -> None:
    timeline = (
        Recording()
        .add(loader(), Req("OPTIONS", f"{PROXY}/track", status=204), _bodyless(f"{PROXY}/track"))
        .build()
    )
    assert [r.kind for r in read_segment(timeline.entries).requests] == [
        Kind.LOADER,
        Kind.PREFLIGHT,
        Kind.EVENT,
    ]


def test_segment_host_without_a_captured_body_is_ingestion_with_its_body_not_captured() -> None:
    timeline = Recording().add(_bodyless(f"{API}/track"), _bodyless(f"{API}/t")).build()
    traffic = read_segment(timeline.entries)
    assert [r.kind for r in traffic.requests] == [Kind.EVENT, Kind.EVENT]
    assert [u.reason for u in traffic.unparseable] == ["body not captured", "body not captured"]
    assert all(r.recognised is None for r in traffic.requests)


def test_http_api_gzip_body_with_basic_auth_on_a_first_party_host() -> None:
    payload = {"anonymousId": "a-1", "event": "Order Completed", "properties": {"total": 12}}
    packed = gzip.compress(json.dumps(payload).encode())
    timeline = (
        Recording()
        .add(raw_post(f"{PROXY}/track", packed, ("content-encoding", "gzip"), auth("SERVERKEY")))
        .build()
    )
    traffic = read_segment(timeline.entries)
    [event] = traffic.events
    assert (event.type, event.name, event.write_key, event.anonymous_id) == (
        "track",
        "Order Completed",
        "SERVERKEY",
        "a-1",
    )
    assert traffic.requests[0].write_key == "SERVERKEY"


def test_http_api_batch_and_import_with_the_write_key_in_the_body() -> None:
    body = {
        "writeKey": "BODYKEY",
        "batch": [{"type": "track", "userId": "u", "event": "A"}, {"type": "identify", "userId": "u"}],
    }
    timeline = Recording().add(raw_post(f"{PROXY}/import", json.dumps(body).encode())).build()
    traffic = read_segment(timeline.entries)
    assert traffic.kind_of(0) == Kind.BATCH
    assert [(e.type, e.batch_index, e.write_key) for e in traffic.events] == [
        ("track", 0, "BODYKEY"),
        ("identify", 1, "BODYKEY"),
    ]


def test_pixel_api_events_from_base64_data_and_from_plain_parameters() -> None:
    data = base64.b64encode(
        json.dumps({"writeKey": "PIXELKEY", "userId": "u-1", "event": "Email Opened"}).encode()
    )
    timeline = (
        Recording()
        .add(
            get(f"https://api.segment.io/v1/pixel/track?data={data.decode()}"),
            get(
                "https://www.shop.test/v1/pixel/page?anonymousId=a-1&name=Home&properties.path=%2F&writeKey=K2"
            ),
            get("https://www.shop.test/v1/pixel/page?utm=x"),  # a query that reads, but not as Segment
        )
        .build()
    )
    traffic = read_segment(timeline.entries)
    assert [(r.entry, r.kind) for r in traffic.requests] == [(0, Kind.EVENT), (1, Kind.EVENT)]
    assert [(e.type, e.name, e.write_key) for e in traffic.events] == [
        ("track", "Email Opened", "PIXELKEY"),
        ("page", "Home", "K2"),
    ]
    assert traffic.events[1].payload["properties"] == {"path": "/"}


@settings(max_examples=60, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["/v1/pixel/track", "/v1/track", "/v1/import", "/x/v1/b"]),
    st.booleans(),
)
def test_off_host_reading_never_raises(text: str, path: str, with_sign: bool) -> None:
    url = f"https://www.shop.test{path}"
    request = get(f"{url}?{text}") if "pixel" in path else raw_post(url, text.encode())
    recording = Recording().add(loader()) if with_sign else Recording()
    traffic = read_segment(recording.add(request).build().entries)
    assert len(traffic.requests) <= 2
