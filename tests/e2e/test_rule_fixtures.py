"""One violating fixture shop per rule: each makes exactly its rules fire, and every finding points at
the request that proves it (real Chromium, real proxy, real analytics-next / consent-tools / CMP).

The shops live in tests/sites/violations/: the demo shop's page and banner (``_shop``) with one
``shop.js`` per variant, and a settings JSON where the variant's Segment source differs from the demo's.
Everything else (vendor libraries, analytics.min.js, device-mode bundles) is the demo's, through routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from probe.findings import EvidenceRef
from probe.judge import Judged, judge_bundle
from probe.rules import RULE_IDS, banner, identity, rule_by_id, server, signals
from probe.runner import Runner
from probe.suite import Suite
from tests.conftest import ROOT, SITES, read_har, segment_events

pytestmark = pytest.mark.e2e

VIOLATIONS = SITES / "violations"
DEMO = ROOT / "scenarios" / "demo"
NODE = ROOT / "web" / "node_modules"
SHOP = "https://shop.test/product.html"
SETTINGS_URL = "https://cdn.segment.com/v1/projects/DEMOWRITEKEY/settings"
AMPLITUDE_BUNDLE = "https://cdn.segment.com/next-integrations/actions/amplitude-plugins/demo.js"
PINTEREST_BUNDLE = "https://cdn.segment.com/next-integrations/actions/pinterest/demo.js"


def shop_suite(
    variant: str,
    scenarios: list[Any],
    *,
    shop_js: Path | None = None,
    settings: Path | None = None,
    routes: tuple[dict[str, str], ...] = (),
    segment: dict[str, Any] | None = None,
    sinks: tuple[str, ...] = (),
    settle_ms: int = 300,
    consent_model: str = "opt-in",
    action_phases: list[str] | None = None,
) -> Suite:
    """The demo shop on one product page, with the variant's shop.js (and settings, routes)."""
    return Suite.model_validate(
        {
            "name": f"violation-{variant}",
            "start_url": SHOP,
            "pages": [SHOP],
            "actions": [{"click": "#add-to-cart", "page": SHOP, "phases": action_phases}],
            "consent_model": consent_model,
            "cmp": {"adapter": "vanilla-cookieconsent"},
            "categories": {
                "necessary": {"segment": ["necessary"], "required": True},
                "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
                "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
            },
            "segment": {"write_key": "DEMOWRITEKEY", **(segment or {})},
            "offline": {
                "routes": [
                    {
                        "url": "https://shop.test/vendor/cookieconsent.umd.js",
                        "file": str(NODE / "vanilla-cookieconsent/dist/cookieconsent.umd.js"),
                    },
                    {
                        "url": "https://shop.test/vendor/cookieconsent.css",
                        "file": str(NODE / "vanilla-cookieconsent/dist/cookieconsent.css"),
                    },
                    {
                        "url": "https://shop.test/vendor/consent-tools.js",
                        "file": str(ROOT / "web/build/consent-tools.js"),
                    },
                    {
                        "url": "https://shop.test/segment-snippet.js",
                        "file": str(DEMO / "site/segment-snippet.js"),
                    },
                    {"url": "https://shop.test/shop.css", "file": str(DEMO / "site/shop.css")},
                    {
                        "url": "https://shop.test/shop.js",
                        "file": str(shop_js or VIOLATIONS / variant / "shop.js"),
                    },
                    *routes,
                    {"url": "https://shop.test/", "dir": str(VIOLATIONS / "_shop")},
                    {
                        "url": "https://cdn.segment.com/analytics.js/v1/*/analytics.min.js",
                        "file": str(NODE / "@segment/analytics-next/dist/umd/standalone.js"),
                        "replace": {"__WRITE_KEY__": "DEMOWRITEKEY"},
                    },
                    {
                        "url": "https://cdn.segment.com/analytics-next/bundles/",
                        "dir": str(NODE / "@segment/analytics-next/dist/umd"),
                    },
                    {"url": SETTINGS_URL, "file": str(settings or DEMO / "cdn/settings.json")},
                    {
                        "url": "https://cdn.segment.com/next-integrations/",
                        "dir": str(DEMO / "cdn/next-integrations"),
                    },
                ],
                "sinks": [
                    "www.facebook.com",
                    "www.google-analytics.com",
                    "api2.amplitude.com",
                    "ct.pinterest.com",
                    *sinks,
                ],
            },
            "scenarios": scenarios,
            "settle_ms": settle_ms,
        }
    )


# Fixture pages are tiny and local, so a short quiet window keeps the file fast. Shops that send before
# the decision need a longer one: between its last bundle and its first ingestion request analytics-next
# works for up to ~0.65 s without a request the proxy sees (plugin set-up, then CONNECT and TLS to the
# new ingestion host), so with 300 ms the banner click sometimes overtook the leak.
LEAK_SETTLE_MS = 1500
STANDARD = ["no_decision", "accept_all", "reject_analytics", "revoke"]
# omitted categories count as refused in a choice, so keeping analytics must be said
REVOKE_MARKETING = {
    "name": "revoke_marketing",
    "decision": "accept_all",
    "revoke": {"analytics": True, "marketing": False},
}
VARIANTS: dict[str, Suite] = {
    "load-before-consent": shop_suite("load-before-consent", ["accept_all"], settle_ms=LEAK_SETTLE_MS),
    "no-wrapper-after-consent": shop_suite("no-wrapper-after-consent", ["accept_all"]),
    "swapped-categories": shop_suite("swapped-categories", ["reject_analytics"]),
    "ungated-pixel": shop_suite("ungated-pixel", ["reject_analytics"], sinks=("widget.chatty.test",)),
    "consent-change-not-registered": shop_suite("consent-change-not-registered", ["revoke"]),
    "unmapped-destination": shop_suite(
        "unmapped-destination",
        ["accept_all"],
        shop_js=DEMO / "site/shop.js",
        settings=VIOLATIONS / "unmapped-destination/settings.json",
    ),
    "denied-bundle": shop_suite("denied-bundle", ["reject_analytics"]),
    "batching-early-event": shop_suite("batching-early-event", ["accept_all"]),
    "batching-leak": shop_suite("batching-leak", ["accept_all"], settle_ms=LEAK_SETTLE_MS),
    "first-party-apihost": shop_suite(
        "first-party-apihost",
        ["accept_all"],
        shop_js=DEMO / "site/shop.js",
        settings=VIOLATIONS / "first-party-apihost/settings.json",
        routes=(
            {"url": "https://shop.test/ces/v1/", "file": str(VIOLATIONS / "first-party-apihost/ingest.json")},
        ),
    ),
    "first-party-apihost-leak": shop_suite(
        "first-party-apihost-leak",
        ["no_decision"],
        settle_ms=LEAK_SETTLE_MS,
        shop_js=VIOLATIONS / "load-before-consent/shop.js",
        settings=VIOLATIONS / "first-party-apihost/settings.json",
        routes=(
            {"url": "https://shop.test/ces/v1/", "file": str(VIOLATIONS / "first-party-apihost/ingest.json")},
        ),
    ),
    "privacy-endpoint": shop_suite(
        "privacy-endpoint",
        ["revoke", REVOKE_MARKETING],
        segment={"privacy_endpoint": "/api/privacy"},
        routes=(
            {
                "url": "https://shop.test/api/privacy",
                "file": str(VIOLATIONS / "privacy-endpoint/regulation.json"),
            },
        ),
    ),
    "consent-mode": shop_suite("consent-mode", ["reject_all", "reject_analytics"]),
    # the timing fixtures use the short default quiet window on purpose: probe must wait for the site's
    # own delivery delay (read from the page or the captured settings), not for a long settle_ms
    # every event there costs a 5 s wait: the click is done before consent only, where it matters
    "batching-eager-default": shop_suite("batching-eager-default", STANDARD, action_phases=["before-consent"]),
    "batching-eager-short": shop_suite(
        "batching-eager-short", STANDARD, settings=VIOLATIONS / "batching-eager-short/settings.json"
    ),
    "batching-revoke": shop_suite("batching-revoke", ["revoke"]),
    "stale-after-revoke": shop_suite("stale-after-revoke", ["accept_all", "revoke"]),
    "opt-out-denied-bundle": shop_suite(
        "opt-out-denied-bundle", ["no_decision", "reject_all"], consent_model="opt-out"
    ),
}


@pytest.fixture(scope="module")
def judged(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], dict[str, Judged]]]:
    """A variant's scenarios, run once with one Runner and judged from the evidence they wrote."""
    out = tmp_path_factory.mktemp("violations")
    done: dict[str, dict[str, Judged]] = {}

    def get(variant: str) -> dict[str, Judged]:
        if variant not in done:
            suite = VARIANTS[variant]
            with Runner(playwright, suite) as runner:
                runs = {sc.name: runner.run_scenario(sc, out / variant / sc.name) for sc in suite.scenarios}
            errors = {name: run.error for name, run in runs.items() if run.error}
            if errors:
                pytest.fail(f"{variant}: scenario errors {errors}")
            done[variant] = {name: judge_bundle(run.evidence_dir) for name, run in runs.items()}
        return done[variant]

    yield get


Fired = list[tuple[str, str]]  # sorted (rule id, severity) pairs of one scenario
# a site that loads Segment at once with batching, whatever the visitor does later
EAGER_BATCH: Fired = [
    ("identifier-before-consent", "error"),
    ("sdk-before-consent", "warning"),
    ("segment-before-consent", "error"),
]
EXPECTED: dict[str, dict[str, Fired]] = {
    "load-before-consent": {
        "accept_all": [
            ("consent-missing", "error"),
            ("identifier-before-consent", "error"),
            ("pixel-before-consent", "error"),  # device-mode Amplitude and Pinterest load with Segment
            ("sdk-before-consent", "warning"),
            ("segment-before-consent", "error"),
        ]
    },
    "no-wrapper-after-consent": {"accept_all": [("consent-missing", "error")]},
    "swapped-categories": {
        "reject_analytics": [
            ("consent-mismatch", "error"),  # grants analytics, which was refused
            ("consent-mismatch", "warning"),  # refuses marketing, which was granted
            ("denied-destination-loaded", "error"),  # consent-tools loads Amplitude for the swapped stamp
        ]
    },
    "ungated-pixel": {
        "reject_analytics": [
            ("denied-pixel", "error"),
            ("pixel-before-consent", "error"),
            ("unclassified-third-party", "info"),
        ]
    },
    "consent-change-not-registered": {
        "revoke": [
            ("denied-pixel", "error"),  # the still-loaded Amplitude and Pinterest bundles keep sending
            ("event-after-revoke", "error"),
            ("revoke-not-signalled", "error"),
        ]
    },
    "unmapped-destination": {
        "accept_all": [("unmapped-destination", "error"), ("warehouse-exempt", "warning")]
    },
    "denied-bundle": {"reject_analytics": [("denied-destination-loaded", "error")]},
    "batching-early-event": {"accept_all": []},
    "batching-leak": {
        "accept_all": [
            ("identifier-before-consent", "error"),
            ("sdk-before-consent", "warning"),
            ("segment-before-consent", "error"),
        ]
    },
    "first-party-apihost": {"accept_all": []},
    "first-party-apihost-leak": {
        "no_decision": [
            ("identifier-before-consent", "error"),
            ("pixel-before-consent", "error"),
            ("sdk-before-consent", "warning"),
            ("segment-before-consent", "error"),
        ]
    },
    "privacy-endpoint": {"revoke": [], "revoke_marketing": [("revoke-no-deletion", "error")]},
    "consent-mode": {
        "reject_all": [("denied-pixel", "warning")],
        "reject_analytics": [("denied-pixel", "error")],
    },
    "batching-eager-default": dict.fromkeys(STANDARD, EAGER_BATCH),
    "batching-eager-short": dict.fromkeys(STANDARD, EAGER_BATCH),
    "batching-revoke": {"revoke": []},
    "stale-after-revoke": {
        "accept_all": [],
        "revoke": [("consent-mismatch", "error"), ("denied-pixel", "error"), ("event-after-revoke", "error")],
    },
    "opt-out-denied-bundle": {"no_decision": [], "reject_all": [("denied-destination-loaded", "error")]},
}


def fired(runs: dict[str, Judged]) -> dict[str, Fired]:
    return {name: sorted({(f.rule, f.severity) for f in j.result.findings}) for name, j in runs.items()}


def entries_of(j: Judged) -> list[dict[str, Any]]:
    return read_har(Path(str(j.result.evidence_dir)))["log"]["entries"]


def evidence(j: Judged, rule: str) -> list[EvidenceRef]:
    """Every evidence pointer of ``rule``'s findings, each checked against the HAR entry it names."""
    entries = entries_of(j)
    # a phase-bound rule's evidence must lie in the phase it judged; phase-free rules may span phases
    phased = rule_by_id(rule).needs_phases
    refs = []
    for finding in (f for f in j.result.findings if f.rule == rule):
        for ref in finding.evidence:
            if ref.entry is not None:
                entry = entries[ref.entry]
                assert entry["request"]["url"] == ref.url
                assert not phased or entry["pageref"] == finding.phase
            refs.append(ref)
    assert refs, f"{rule} has no evidence"
    return refs


def body(j: Judged, ref: EvidenceRef) -> dict[str, Any]:
    assert ref.entry is not None
    return json.loads(entries_of(j)[ref.entry]["request"]["postData"]["text"])


@pytest.mark.parametrize("variant", list(EXPECTED))
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


# -- the timing fixtures: what crossed which mark, and how long probe waited ----------------------------


def ingestion(j: Judged) -> list[tuple[str, str, list[tuple[str, str | None]]]]:
    """(phase, url, [(type, event)]) of every Segment POST, in wire order."""
    found = []
    for e in entries_of(j):
        if e["request"]["method"] == "POST" and e["request"]["url"].startswith("https://api.segment.io/v1/"):
            payload = json.loads(e["request"]["postData"]["text"])
            items = payload.get("batch", [payload])
            found.append((e["pageref"], e["request"]["url"], [(i["type"], i.get("event")) for i in items]))
    return found


def waits(j: Judged, phase: str) -> list[dict[str, Any]]:
    pages = read_har(Path(str(j.result.evidence_dir)))["log"]["pages"]
    return next(p["_probe"]["waits"] for p in pages if p["id"] == phase)


def test_default_batch_leaves_before_the_decision_and_probe_says_it_waited_for_it(judged) -> None:
    runs = judged("batching-eager-default")
    for name in STANDARD:
        early = [(url, items) for phase, url, items in ingestion(runs[name]) if phase == "before-consent"]
        assert early[0] == ("https://api.segment.io/v1/b", [("page", None)]), name
    loads = [w for w in waits(runs["no_decision"], "before-consent") if w["after"].startswith("load ")]
    assert loads[0]["delivery"] == "batching timeout 5000 ms, size 10 (from the page)"
    assert loads[0]["window_ms"] == 5300 and loads[0]["settled"] is True


def test_short_batch_from_the_settings_is_waited_for(judged) -> None:
    j = judged("batching-eager-short")["accept_all"]
    before = [w for w in waits(j, "before-consent") if w["after"].startswith(("load ", "click "))]
    assert {w["delivery"] for w in before} == {"batching timeout 1000 ms, size 10 (from the page)"}
    assert [items for phase, _, items in ingestion(j) if phase == "before-consent"] == [
        [("page", None)],
        [("track", "Product Added")],
    ]


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
