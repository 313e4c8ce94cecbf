"""One pass over a recording: kinds, events, settings, proxies found through settings."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from timeline_factory import (
    ACCEPT_ALL,
    API,
    Recording,
    Req,
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
