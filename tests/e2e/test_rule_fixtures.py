"""One violating fixture shop per rule: each makes exactly its rules fire, and every finding points at
the request that proves it (real Chromium, real proxy, real analytics-next / consent-tools / CMP).

This file: the shops that send, store or stamp wrongly before and at the decision, the compliant-by-design
ones, and the checks over all shops. test_rule_fixtures_destinations.py has the refused destinations and
the revocations, test_rule_fixtures_timing.py the batching delays; tests/e2e/rule_fixtures.py the shops.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probe.judge import judge_bundle
from probe.rules import RULE_IDS, banner, identity, server, signals
from tests.conftest import read_har, segment_events
from tests.e2e import rule_fixtures
from tests.e2e.rule_fixtures import (
    AMPLITUDE_BUNDLE,
    BEFORE_CONSENT,
    EXPECTED,
    SETTINGS_URL,
    body,
    entries_of,
    evidence,
    fired,
)

# benchmarks/repeatability.py, tests/e2e/test_workers.py and tests/plugin/test_xdist.py import them from here
from tests.e2e.rule_fixtures import VARIANTS as VARIANTS
from tests.e2e.rule_fixtures import Fired as Fired

pytestmark = pytest.mark.e2e

judged = rule_fixtures.judged  # module-scoped: this file runs its own shops, once each


@pytest.mark.parametrize("variant", BEFORE_CONSENT)
def test_variant_fires_exactly_its_rules(judged, variant: str) -> None:
    assert fired(judged(variant)) == EXPECTED[variant]


# the consent-behaviour rules these shops cover; the privacy-signal rules (TCF, GPP, GPC) are covered
# by tests/unit/test_signals_rules.py and tests/e2e/test_gpc_and_return_visit.py, the server-side rules
# (a backend's events, merged identities) by tests/rules/test_server_rules.py, the banner's design by
# tests/e2e/test_banner.py
BEHAVIOUR_RULES = set(RULE_IDS) - {r.id for r in (*signals.RULES, *server.RULES, *identity.RULES, *banner.RULES)}


def test_every_behaviour_rule_has_a_violating_fixture() -> None:
    covered = {rule for scenarios in EXPECTED.values() for pairs in scenarios.values() for rule, _ in pairs}
    assert covered == BEHAVIOUR_RULES


def test_compliant_demo_has_no_findings(demo_run) -> None:
    judged_demo = {name: judge_bundle(run.evidence_dir).result.findings for name, run in demo_run.items()}
    assert judged_demo == {"no_decision": [], "accept_all": [], "reject_analytics": [], "revoke": []}


# -- each rule's evidence points at the request (or stored state) that proves it ---------------------


@pytest.mark.parametrize(
    ("variant", "scenario", "urls"),
    [
        ("load-before-consent", "accept_all", {"https://api.segment.io/v1/p", "https://api.segment.io/v1/t"}),
        ("batching-leak", "accept_all", {"https://api.segment.io/v1/b"}),
        (
            "first-party-apihost-leak",
            "no_decision",
            {"https://shop.test/ces/v1/p", "https://shop.test/ces/v1/t"},
        ),
    ],
)
def test_segment_before_consent_points_at_the_early_ingestion(
    judged, variant: str, scenario: str, urls: set[str]
) -> None:
    assert {ref.url for ref in evidence(judged(variant)[scenario], "segment-before-consent")} == urls


def test_sdk_before_consent_points_at_every_early_cdn_request(judged) -> None:
    j = judged("load-before-consent")["accept_all"]
    early_cdn = [
        e["request"]["url"]
        for e in entries_of(j)
        if e["pageref"] == "before-consent" and e["request"]["url"].startswith("https://cdn.segment.com/")
    ]
    assert [ref.url for ref in evidence(j, "sdk-before-consent")] == early_cdn
    assert early_cdn[0] == "https://cdn.segment.com/analytics.js/v1/DEMOWRITEKEY/analytics.min.js"
    assert {SETTINGS_URL, AMPLITUDE_BUNDLE} <= set(early_cdn)


def test_pixel_before_consent_points_at_the_ungated_pixels(judged) -> None:
    refs = evidence(judged("ungated-pixel")["reject_analytics"], "pixel-before-consent")
    assert {ref.url for ref in refs} == {
        "https://www.google-analytics.com/g/collect?v=2&tid=G-DEMO123&en=page_view&dl=https%3A%2F%2Fshop.test%2Fproduct.html",
        "https://www.facebook.com/tr?id=1234567890&ev=PageView&dl=https%3A%2F%2Fshop.test%2Fproduct.html",
    }


def test_identifier_before_consent_points_at_the_stored_id_the_events_carry(judged) -> None:
    j = judged("load-before-consent")["accept_all"]
    har = read_har(Path(str(j.result.evidence_dir)))
    anonymous_id = segment_events(har)[0]["anonymousId"]
    assert [(ref.entry, ref.excerpt) for ref in evidence(j, "identifier-before-consent")] == [
        (None, f"before-consent storage: ajs_anonymous_id={anonymous_id} (cookie in the storage snapshot)"),
        (
            None,
            f'before-consent storage: ajs_anonymous_id="{anonymous_id}" (localStorage key in the storage snapshot)',
        ),
    ]


def test_consent_missing_points_at_the_unstamped_events(judged) -> None:
    j = judged("no-wrapper-after-consent")["accept_all"]
    refs = evidence(j, "consent-missing")
    assert {ref.url for ref in refs} == {"https://api.segment.io/v1/p", "https://api.segment.io/v1/t"}
    assert [body(j, ref)["context"].get("consent") for ref in refs] == [None] * len(refs)


def test_consent_mismatch_points_at_the_swapped_stamps(judged) -> None:
    j = judged("swapped-categories")["reject_analytics"]
    refs = evidence(j, "consent-mismatch")
    assert {ref.url for ref in refs} == {"https://api.segment.io/v1/p", "https://api.segment.io/v1/t"}
    swapped = {"necessary": True, "analytics": True, "marketing": False}
    assert [body(j, ref)["context"]["consent"]["categoryPreferences"] for ref in refs] == [swapped] * len(
        refs
    )


def test_unclassified_third_party_points_at_the_unknown_host(judged) -> None:
    refs = evidence(judged("ungated-pixel")["reject_analytics"], "unclassified-third-party")
    assert [ref.url for ref in refs] == ["https://widget.chatty.test/v2/hello?site=demo-shop"] * 2


# -- the compliant-by-design fixtures really exercised what they claim ---------------------------------


def test_batched_click_before_consent_leaves_after_consent(judged) -> None:
    entries = entries_of(judged("batching-early-event")["accept_all"])
    ingestion = [
        (
            e["pageref"],
            e["request"]["url"],
            [(ev["type"], ev.get("event")) for ev in json.loads(e["request"]["postData"]["text"])["batch"]],
        )
        for e in entries
        if e["request"]["method"] == "POST" and e["request"]["url"].startswith("https://api.segment.io/")
    ]
    # the first batch opens with the page view and the click made before the banner was answered;
    # the click probe makes right after the decision may join that batch or the next (200 ms batches)
    phase, url, first = ingestion[0]
    assert (phase, url, first[:2]) == (
        "after-consent",
        "https://api.segment.io/v1/b",
        [("page", None), ("track", "Product Added")],
    )
    assert first[2:] in ([], [("track", "Product Added")])
    assert {(phase, url) for phase, url, _ in ingestion} == {("after-consent", "https://api.segment.io/v1/b")}


def test_first_party_apihost_events_reach_the_shop_not_segment(judged) -> None:
    entries = entries_of(judged("first-party-apihost")["accept_all"])
    posts = {
        (e["request"]["url"], e["response"]["status"], e["response"]["content"].get("text"))
        for e in entries
        if e["request"]["method"] == "POST" and "/v1/" in e["request"]["url"]
    }
    assert posts == {
        ("https://shop.test/ces/v1/p", 200, '{"success": true}\n'),
        ("https://shop.test/ces/v1/t", 200, '{"success": true}\n'),
    }
    assert not [e for e in entries if "api.segment.io" in e["request"]["url"]]
