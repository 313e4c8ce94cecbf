"""The first layer as each CMP adapter measures it on its fixture site (real Chromium, real proxy).

One deciding scenario per adapter, through the preferences, so one run measures the first layer
(before the decision) and the optional toggles (as the preferences open, before probe touches
them). What is asserted is what the record on the decision's HAR page says, and the banner findings
the rules give for it. Every fixture banner here is fair: reject next to accept, both buttons,
nothing pre-ticked, no wall, so the rules find nothing; tests/e2e/test_banner.py has the unfair ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from probe.judge import Judged, judge_bundle
from probe.rules import banner
from probe.runner import Runner
from probe.suite import load_suite
from tests.conftest import SITES, read_har

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Measured:
    """What the adapter's first layer and preferences must measure on its fixture site."""

    scenario: str  # a per-category choice: it opens the preferences from the first layer
    accept: str  # the accept control's text
    reject: str | None  # the reject control's text; None: there is none on the first layer
    optional: dict[str, bool]  # the preferences' optional toggles as they opened
    preferences_open: bool = False  # the first layer is the preferences themselves
    findings: tuple[str, ...] = ()  # the banner-* rule ids the record gives


EXPECTED: dict[str, Measured] = {
    "orejime": Measured("reject_analytics", "Accept", "Decline", {"analytics": False, "marketing": False}),
    "tarteaucitron": Measured(
        # the optional toggles are its services (Allow / Deny pairs), neither pressed before an answer
        "reject_analytics", "OK, accept all", "Deny all cookies", {"shopanalytics": False, "shopads": False}),
    "segment-consent-manager": Measured(
        # the site sets bannerActionsBlock: true, which puts Allow all / Deny all on the banner
        "reject_analytics", "Allow all", "Deny all",
        {"functional": False, "marketingAndAnalytics": False, "advertising": False}),
    "onetrust": Measured(
        "reject_analytics", "Accept All Cookies", "Reject All", {"C0002": False, "C0003": False, "C0004": False}),
    "cookiebot": Measured(
        # the popup template shows the category checkboxes and "Allow selection" on the first layer
        "reject_analytics", "Allow all", "Deny", {"preferences": False, "statistics": False, "marketing": False},
        preferences_open=True),
    "didomi": Measured(
        "reject_analytics", "Agree and close", "Disagree and close",
        {"cookies": False, "measure_content_performance": False, "select_personalized_ads": False}),
    "usercentrics": Measured("reject_marketing", "Accept All", "Deny", {"functional": False, "marketing": False}),
}


@pytest.fixture(scope="module")
def measured(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Judged]:
    """A site's deciding scenario, run once and judged from the evidence it wrote."""
    out = tmp_path_factory.mktemp("banner-adapters")
    done: dict[str, Judged] = {}

    def get(site: str) -> Judged:
        if site not in done:
            suite = load_suite(SITES / "cmp" / site / "suite.yaml")
            with Runner(playwright, suite) as runner:
                run = runner.run_scenario(suite.scenario(EXPECTED[site].scenario), out / site)
            if run.error:
                pytest.fail(f"{site}: {run.error}")
            done[site] = judge_bundle(run.evidence_dir)
        return done[site]

    return get


def banner_record(judged: Judged) -> dict[str, Any]:
    """The banner record on the decision's HAR page (``_probe.banner``)."""
    har = read_har(Path(judged.result.evidence_dir or ""))
    pages = {p["id"]: p["_probe"] for p in har["log"]["pages"]}
    assert pages["before-consent"].get("banner") is None
    record: dict[str, Any] = pages["after-consent"]["banner"]
    return record


@pytest.mark.parametrize("site", list(EXPECTED))
def test_the_adapter_measures_its_first_layer_and_preferences(measured, site: str) -> None:
    want = EXPECTED[site]
    judged = measured(site)
    record = banner_record(judged)
    assert (record["measured"], record["cmp"], record["screenshot"]) == (True, site, "after-consent.banner.png")
    assert (record["accept"]["text"], record["accept"]["looks"]) == (want.accept, "button")
    if want.reject is None:
        assert record["reject"] is None
    else:
        assert (record["reject"]["text"], record["reject"]["looks"]) == (want.reject, "button")
    assert record["preferences_open"] is want.preferences_open
    assert record["preferences"] == {"measured": True, "optional": want.optional}
    assert banner.blocks_page(record) is False
    assert banner.clicks(record) == banner.Clicks(1, 1, "first layer", False)


@pytest.mark.parametrize("site", list(EXPECTED))
def test_the_rules_judge_the_measured_banner(measured, site: str) -> None:
    judged = measured(site)
    assert tuple(f.rule for f in judged.result.findings if f.rule.startswith("banner-")) == EXPECTED[site].findings
    # measured: no "banner checks (banner-*) not judged" note
    assert not [n for n in judged.result.notes if "banner" in n]
