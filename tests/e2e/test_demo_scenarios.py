"""The demo suite end to end, asserted on the written evidence.har (real Chromium, real proxy)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import read_har, segment_events

pytestmark = pytest.mark.e2e
ALL = {"necessary": True, "analytics": True, "marketing": True}


def test_every_scenario_completed(demo_run) -> None:
    assert {name: run.error for name, run in demo_run.items()} == {
        "no_decision": None,
        "accept_all": None,
        "reject_analytics": None,
        "revoke": None,
    }


def test_no_decision_contacts_no_segment_host_and_sets_no_ajs_cookie(demo_run) -> None:
    run = demo_run["no_decision"]
    har = read_har(run.evidence_dir)
    hosts = {e["request"]["url"].split("/")[2] for e in har["log"]["entries"]}
    assert "shop.test" in hosts
    assert not hosts & {"api.segment.io", "cdn.segment.com"}
    assert [p["id"] for p in har["log"]["pages"]] == ["before-consent"]
    cookies = har["log"]["pages"][0]["_probe"]["storage"]["cookies"]
    assert not [name for name in cookies if name.startswith("ajs_")]


def test_accept_all_stamps_every_category_granted(demo_run) -> None:
    har = read_har(demo_run["accept_all"].evidence_dir)
    events = segment_events(har, "after-consent")
    kinds = {(e["type"], e.get("event")) for e in events}
    assert {("page", None), ("track", "Product Added")} <= kinds
    assert [e["context"]["consent"]["categoryPreferences"] for e in events] == [ALL] * len(events)
    assert segment_events(har, "before-consent") == []


def test_reject_analytics_denies_analytics_grants_marketing_and_ga_stays_silent(demo_run) -> None:
    har = read_har(demo_run["reject_analytics"].evidence_dir)
    events = segment_events(har, "after-consent")
    assert events, "Segment stays loaded for the granted marketing category"
    expected = {"necessary": True, "analytics": False, "marketing": True}
    assert [e["context"]["consent"]["categoryPreferences"] for e in events] == [expected] * len(events)
    urls = [e["request"]["url"] for e in har["log"]["entries"]]
    assert not [u for u in urls if "google-analytics.com" in u]
    assert [u for u in urls if "facebook.com/tr" in u]


def test_revoke_signals_the_withdrawn_choice(demo_run) -> None:
    har = read_har(demo_run["revoke"].evidence_dir)
    assert [p["id"] for p in har["log"]["pages"]] == ["before-consent", "after-consent", "after-revoke"]
    updates = [
        e
        for e in segment_events(har, "after-revoke")
        if e.get("event") == "Segment Consent Preference Updated"
    ]
    withdrawn = {"necessary": True, "analytics": False, "marketing": False}
    assert [u["context"]["consent"]["categoryPreferences"] for u in updates] == [withdrawn]
    revoke_page = har["log"]["pages"][2]["_probe"]
    assert revoke_page["choice"] == withdrawn


def test_evidence_folder_has_har_screenshots_storage_and_manifest(demo_run) -> None:
    run = demo_run["revoke"]
    names = {p.name for p in run.evidence_dir.iterdir()}
    phases = ["before-consent", "after-consent", "after-revoke"]
    assert {"evidence.har", "manifest.json", "suite.json"} | {f"{p}.png" for p in phases} | {
        f"{p}.storage.json" for p in phases
    } <= names
    har = read_har(run.evidence_dir)
    assert har["log"]["version"] == "1.2"
    for entry in har["log"]["entries"]:
        assert entry["pageref"] in phases
        assert set(entry["_probe"]) >= {"phase", "context", "noise", "blocked"}
        assert entry["_probe"]["phase"] == entry["pageref"]
    posts = [
        e
        for e in har["log"]["entries"]
        if e["request"]["url"] == "https://api.segment.io/v1/t" and e["request"]["method"] == "POST"
    ]
    assert posts and all(p["request"]["postData"]["text"] for p in posts)
    assert all(p["response"]["content"]["text"] == '{"success": true}' for p in posts)


def _server(har: dict) -> list[tuple[str, str, str | None, dict]]:
    """The backend's entries: (phase, URL, Segment event or regulation type, _probe.visitor)."""
    found = []
    for entry in har["log"]["entries"]:
        if entry["_probe"].get("side") != "server":
            continue
        assert entry["_probe"]["context"] == "_backend"
        body = json.loads(entry["request"]["postData"]["text"])
        what = body["regulationType"] if "regulationType" in body else body["batch"][0]["event"]
        found.append((entry["pageref"], entry["request"]["url"], what, entry["_probe"]["visitor"]))
    return found


def test_checkout_sends_order_completed_from_the_backend_stamped_with_the_choice(demo_run) -> None:
    assert _server(read_har(demo_run["no_decision"].evidence_dir)) == []  # no decision: no server event
    for name, stamp in (("accept_all", ALL), ("reject_analytics", {**ALL, "analytics": False})):
        har = read_har(demo_run[name].evidence_dir)
        cookies = har["log"]["pages"][-1]["_probe"]["storage"]["cookies"]
        visitor_ids = sorted([cookies["ajs_anonymous_id"], cookies["ajs_user_id"]])
        # the two checkouts after the decision: on the page where it was made, then browsing
        assert _server(har) == [
            ("after-consent", "https://api.segment.io/v1/batch", "Order Completed",
             {"by": "userId", "ids": visitor_ids, "events": [0]}),
        ] * 2
        events = [
            json.loads(e["request"]["postData"]["text"])["batch"][0]
            for e in har["log"]["entries"]
            if e["_probe"].get("side") == "server"
        ]
        assert [e["context"]["consent"]["categoryPreferences"] for e in events] == [stamp] * 2
        assert [e["context"]["library"]["name"] for e in events] == ["analytics-python"] * 2


def test_revoke_asks_the_public_api_to_suppress_and_delete_the_customer(demo_run) -> None:
    har = read_har(demo_run["revoke"].evidence_dir)
    user_id = har["log"]["pages"][1]["_probe"]["storage"]["cookies"]["ajs_user_id"]
    server = _server(har)
    assert [s[:3] for s in server] == [
        ("after-consent", "https://api.segment.io/v1/batch", "Order Completed"),
        ("after-consent", "https://api.segment.io/v1/batch", "Order Completed"),
        ("after-revoke", "https://api.segmentapis.com/regulations", "SUPPRESS_WITH_DELETE"),
    ]  # after the revoke the backend tracks nothing: no category is granted any more
    assert server[2][3] == {"by": "subject", "ids": [user_id], "events": None}
    regulation = next(e for e in har["log"]["entries"] if e["request"]["url"].endswith("/regulations"))
    assert json.loads(regulation["request"]["postData"]["text"]) == {
        "regulationType": "SUPPRESS_WITH_DELETE",
        "subjectType": "USER_ID",
        "subjectIds": [user_id],
    }
    assert list(json.loads(regulation["response"]["content"]["text"])["data"]) == ["regulateId"]
