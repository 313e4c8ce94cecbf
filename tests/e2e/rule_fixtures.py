"""The violating fixture shops of tests/e2e/test_rule_fixtures*.py: their suites, the rules each must
fire, the module-scoped ``judged`` fixture that runs them, and the helpers that read their evidence.

The shops live in tests/sites/violations/: the demo shop's page and banner (``_shop``) with one
``shop.js`` per variant, and a settings JSON where the variant's Segment source differs from the demo's.
Everything else (vendor libraries, analytics.min.js, device-mode bundles) is the demo's, through routes.

The tests are split over three files because ``--dist loadfile`` keeps a file on one worker: as one file
they were the suite's critical path. Each shop belongs to exactly one file (``BEFORE_CONSENT``,
``DESTINATIONS``, ``TIMING``), the one whose tests read its evidence, so no shop runs twice.
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
from probe.rules import rule_by_id
from probe.runner import Runner
from probe.suite import Suite
from tests.conftest import ROOT, SITES, read_har

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
    "slow-middleware": shop_suite("slow-middleware", ["revoke"]),
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
    "slow-middleware": {"revoke": []},
    "stale-after-revoke": {
        "accept_all": [],
        "revoke": [("consent-mismatch", "error"), ("denied-pixel", "error"), ("event-after-revoke", "error")],
    },
    "opt-out-denied-bundle": {"no_decision": [], "reject_all": [("denied-destination-loaded", "error")]},
}


# which test file runs which shop: the two timing shops wait out 1-5 s batches in every scenario and
# together take longer than either other file's eight shops
BEFORE_CONSENT = [
    "load-before-consent",
    "no-wrapper-after-consent",
    "swapped-categories",
    "ungated-pixel",
    "batching-leak",
    "first-party-apihost-leak",
    "batching-early-event",
    "first-party-apihost",
]
DESTINATIONS = [
    "consent-change-not-registered",
    "unmapped-destination",
    "denied-bundle",
    "privacy-endpoint",
    "consent-mode",
    "batching-revoke",
    "stale-after-revoke",
    "opt-out-denied-bundle",
]
TIMING = ["batching-eager-default", "batching-eager-short", "slow-middleware"]
# a shop in no list would go untested, one in two would run twice
if sorted(BEFORE_CONSENT + DESTINATIONS + TIMING) != sorted(EXPECTED):
    raise RuntimeError("every violating shop must belong to exactly one test file")


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
