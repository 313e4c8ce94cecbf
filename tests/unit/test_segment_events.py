"""Event and batch parsing from golden request bodies."""

from __future__ import annotations

import base64
import json

import pytest
from timeline_factory import API, golden, golden_json

from probe.segment import Kind, parse_consent, parse_ingestion
from probe.timeline import Entry

AUTH = ("authorization", "Basic " + base64.b64encode(b"SERVERKEY:").decode())


def entry(url: str, body: bytes, *headers: tuple[str, str]) -> Entry:
    return Entry(index=7, started=100.0, method="POST", url=url, request_headers=headers, request_body=body)


def test_single_analytics_next_event() -> None:
    events, broken = parse_ingestion(entry(f"{API}/t", golden("track_next.json")), Kind.EVENT)
    assert broken is None
    [event] = events
    assert (event.entry, event.started, event.type, event.name) == (7, 100.0, "track", "Product Viewed")
    assert event.message_id == "ajs-next-1732835045123-6b1c9c9e-2f8e-4d0a-9a4b-3f0b1a2c3d4e"
    assert event.category_preferences == {"necessary": True, "analytics": True, "marketing": False}
    assert event.write_key == "DEMOWRITEKEY"
    assert event.library == "analytics.js"
    assert event.batch_index is None
    assert event.consent is not None and not event.consent.legacy
    assert len(event.excerpt) <= 300
    assert json.loads(event.excerpt)["context"]["consent"]["categoryPreferences"]["marketing"] is False


@pytest.mark.parametrize("name", ["track_next.json.gz", "track_next.b64"])
def test_compressed_and_encoded_bodies_give_the_same_event(name: str) -> None:
    plain, _ = parse_ingestion(entry(f"{API}/t", golden("track_next.json")), Kind.EVENT)
    packed, broken = parse_ingestion(entry(f"{API}/t", golden(name)), Kind.EVENT)
    assert broken is None
    assert packed == plain


def test_classic_event_without_authorization_or_stamp() -> None:
    [event], broken = parse_ingestion(entry(f"{API}/p", golden("page_classic.json")), Kind.EVENT)
    assert broken is None
    assert event.type == "page"
    assert event.write_key == "CLASSICKEY"
    assert event.category_preferences is None and not event.stamped
    assert event.consent is None


def test_analytics_next_batch_gives_one_event_per_item() -> None:
    events, broken = parse_ingestion(entry(f"{API}/b", golden("batch_next.json")), Kind.BATCH)
    assert broken is None
    assert [(e.type, e.batch_index) for e in events] == [("page", 0), ("track", 1), ("identify", 2)]
    assert events[0].name == "Home"
    assert events[1].is_consent_update
    assert events[2].user_id == "u-42"
    assert all(e.entry == 7 and e.write_key == "DEMOWRITEKEY" for e in events)


def test_server_batch_takes_the_write_key_from_basic_auth() -> None:
    events, broken = parse_ingestion(entry(f"{API}/batch", golden("batch_server.json"), AUTH), Kind.BATCH)
    assert broken is None
    assert [e.write_key for e in events] == ["SERVERKEY", "SERVERKEY"]
    assert all(e.from_server_library for e in events)
    assert [e.stamped for e in events] == [False, True]


def test_consent_manager_legacy_stamp() -> None:
    [event], _ = parse_ingestion(entry(f"{API}/i", golden("consent_manager_identify.json")), Kind.EVENT)
    stamp = event.consent
    assert stamp is not None and stamp.legacy
    assert stamp.default_destination_behavior == "disable"
    assert stamp.category_preferences == {
        "marketingAndAnalytics": True,
        "advertising": False,
        "functional": True,
    }
    assert stamp.destination_preferences == {
        "Amplitude": True,
        "Google Analytics": True,
        "Facebook Pixel": False,
    }
    assert event.category_preferences == stamp.category_preferences


def test_malformed_body_is_an_unparseable_result() -> None:
    events, broken = parse_ingestion(entry(f"{API}/t", golden("malformed.txt")), Kind.EVENT)
    assert events == []
    assert broken is not None
    assert (broken.entry, broken.kind) == (7, Kind.EVENT)
    assert broken.reason.startswith("malformed JSON")
    assert broken.excerpt.startswith('{"timestamp"')


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (b"[1, 2]", Kind.EVENT, "body is not a JSON object"),
        (b'{"writeKey": "x"}', Kind.BATCH, "batch request without a batch[] array"),
        (b"", Kind.EVENT, "empty body"),
    ],
)
def test_other_unreadable_bodies(body: bytes, kind: Kind, reason: str) -> None:
    events, broken = parse_ingestion(entry(f"{API}/t", body), kind)
    assert events == [] and broken is not None and broken.reason == reason


def test_batch_with_non_object_items_keeps_the_good_ones() -> None:
    body = json.dumps({"batch": [golden_json("track_next.json"), "junk"]}).encode()
    events, broken = parse_ingestion(entry(f"{API}/b", body), Kind.BATCH)
    assert len(events) == 1
    assert broken is not None and "not objects" in broken.reason


def test_type_falls_back_to_the_path_letter() -> None:
    body = json.dumps({"messageId": "m1", "properties": {}}).encode()
    [event], _ = parse_ingestion(entry(f"{API}/i", body), Kind.EVENT)
    assert event.type == "identify"


def test_non_boolean_preferences_are_not_read_as_consent() -> None:
    stamp = parse_consent({"consent": {"categoryPreferences": {"analytics": "yes", "marketing": False}}})
    assert stamp is not None and stamp.category_preferences == {"marketing": False}
    assert parse_consent({"consent": {"categoryPreferences": ["analytics"]}}) is not None
    assert parse_consent({"consent": "granted"}) is None
    assert parse_consent(None) is None
