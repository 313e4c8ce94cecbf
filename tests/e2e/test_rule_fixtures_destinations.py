"""The violating fixture shops of refused destinations and of revocations (see test_rule_fixtures.py):
each makes exactly its rules fire, and every finding points at the request that proves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import read_har
from tests.e2e import rule_fixtures
from tests.e2e.rule_fixtures import (
    AMPLITUDE_BUNDLE,
    DESTINATIONS,
    EXPECTED,
    PINTEREST_BUNDLE,
    SETTINGS_URL,
    body,
    entries_of,
    evidence,
    fired,
    ingestion,
    waits,
)

pytestmark = pytest.mark.e2e

judged = rule_fixtures.judged  # module-scoped: this file runs its own shops, once each


@pytest.mark.parametrize("variant", DESTINATIONS)
def test_variant_fires_exactly_its_rules(judged, variant: str) -> None:
    assert fired(judged(variant)) == EXPECTED[variant]


# -- each rule's evidence points at the request (or stored state) that proves it ---------------------


@pytest.mark.parametrize(
    ("scenario", "gcs", "severity", "stored"),
    [("reject_all", "G100", "warning", False), ("reject_analytics", "G110", "error", True)],
)
def test_denied_pixel_points_at_the_consent_mode_hits(
    judged, scenario: str, gcs: str, severity: str, stored: bool
) -> None:
    j = judged("consent-mode")[scenario]
    refs = evidence(j, "denied-pixel")
    prefix = f"https://www.google-analytics.com/g/collect?v=2&tid=G-DEMO123&gcs={gcs}&cid="
    assert [ref.url.startswith(prefix) for ref in refs] == [True] * len(refs)
    assert {f.severity for f in j.result.findings if f.rule == "denied-pixel"} == {severity}
    cookies = read_har(Path(str(j.result.evidence_dir)))["log"]["pages"][-1]["_probe"]["storage"]["cookies"]
    client_id = ".".join(cookies["_ga"].split(".")[-2:]) if "_ga" in cookies else None
    cids = {ref.url[len(prefix) :].split("&")[0] for ref in refs}
    # the error case is exactly the hit that carries the stored _ga client id
    assert (client_id in cids) is stored


def test_denied_destination_loaded_points_at_the_refused_bundle(judged) -> None:
    refs = evidence(judged("denied-bundle")["reject_analytics"], "denied-destination-loaded")
    assert {ref.url for ref in refs} == {AMPLITUDE_BUNDLE}


def test_unmapped_destination_points_at_the_settings_entry(judged) -> None:
    refs = evidence(judged("unmapped-destination")["accept_all"], "unmapped-destination")
    assert [(ref.url, ref.excerpt) for ref in refs] == [
        (SETTINGS_URL, '{"Mixpanel":{"versionSettings":{"componentTypes":["server"]}}}')
    ]


def test_warehouse_exempt_points_at_the_settings_entry(judged) -> None:
    refs = evidence(judged("unmapped-destination")["accept_all"], "warehouse-exempt")
    assert [(ref.url, ref.excerpt) for ref in refs] == [
        (SETTINGS_URL, '{"BigQuery":{"versionSettings":{"componentTypes":["server"]}}}'),
        (
            SETTINGS_URL,
            '{"Snowflake":{"versionSettings":{"componentTypes":["server"]},'
            '"consentSettings":{"categories":["necessary"]}}}',
        ),
    ]


def test_event_after_revoke_points_at_the_still_loaded_destinations(judged) -> None:
    refs = evidence(judged("consent-change-not-registered")["revoke"], "event-after-revoke")
    assert {ref.url for ref in refs} == {
        "https://api2.amplitude.com/2/httpapi",
        "https://ct.pinterest.com/v3/?tid=DEMO&event=Cookie%20Settings%20Saved",
    }


def test_revoke_not_signalled_points_at_the_first_event_after_the_change(judged) -> None:
    j = judged("consent-change-not-registered")["revoke"]
    refs = evidence(j, "revoke-not-signalled")
    assert [(ref.url, body(j, ref)["event"]) for ref in refs] == [
        ("https://api.segment.io/v1/t", "Cookie Settings Saved")
    ]


def test_revoke_no_deletion_names_the_missing_call(judged) -> None:
    runs = judged("privacy-endpoint")
    refs = evidence(runs["revoke_marketing"], "revoke-no-deletion")
    assert [(ref.entry, ref.excerpt) for ref in refs] == [
        (None, "no request URL containing '/api/privacy' in after-revoke")
    ]
    # the compliant scenario is silent because the call really was made, after the revocation
    calls = [
        (e["pageref"], e["request"]["method"], e["response"]["status"])
        for e in entries_of(runs["revoke"])
        if e["request"]["url"] == "https://shop.test/api/privacy"
    ]
    assert calls == [("after-revoke", "POST", 200)]


# -- the timing fixtures: what crossed which mark, and how long probe waited ----------------------------


def test_batch_made_before_a_revoke_leaves_before_it_and_the_change_event_after_it(judged) -> None:
    j = judged("batching-revoke")["revoke"]
    sent = [(phase, item) for phase, _, items in ingestion(j) for item in items]
    adds = [phase for phase, item in sent if item == ("track", "Product Added")]
    updates = [phase for phase, item in sent if item == ("track", "Segment Consent Preference Updated")]
    # the click before consent (held until it), two after it (current page, then the browsed page), and
    # the one on the page where the visitor revoked (consent-tools does not load Segment again once
    # everything is refused): none crossed the revoke mark
    assert adds == ["after-consent"] * 3 + ["after-revoke"]
    assert updates == ["after-revoke"]
    drain = [w for w in waits(j, "after-consent") if w["after"] == "drain before the after-revoke click"]
    assert drain and drain[0]["settled"] is True and drain[0]["pending_events"] == 0


def test_stale_stamp_and_pixel_on_the_page_where_the_revoke_happened(judged) -> None:
    j = judged("stale-after-revoke")["revoke"]
    refs = evidence(j, "consent-mismatch")
    assert [body(j, ref)["event"] for ref in refs] == ["Product Added"]
    assert [ref.url.split("&dl=")[0] for ref in evidence(j, "denied-pixel")] == [
        "https://www.facebook.com/tr?id=1234567890&ev=AddToCart"
    ]
    # the next page load reads the banner again: its events carry the withdrawn choice
    last = [items for phase, _, items in ingestion(j) if phase == "after-revoke"][-1]
    assert last == [("track", "Product Added")]


def test_opt_out_bundles_before_the_objection_are_fine_after_it_an_error(judged) -> None:
    runs = judged("opt-out-denied-bundle")
    before = [
        e["request"]["url"]
        for e in entries_of(runs["no_decision"])
        if "/next-integrations/" in e["request"]["url"]
    ]
    assert sorted(before) == [AMPLITUDE_BUNDLE, PINTEREST_BUNDLE]
    refs = evidence(runs["reject_all"], "denied-destination-loaded")
    assert {ref.url for ref in refs} == {AMPLITUDE_BUNDLE, PINTEREST_BUNDLE}
