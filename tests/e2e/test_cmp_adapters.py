"""CMP adapters end to end: real CMP libraries from npm and reproductions of commercial SDKs, driven
through probe's Runner (real Chromium, real proxy), asserted on the evidence each run wrote.

Each suite runs once per module with one Runner. A revoke scenario starts with accept all through the
banner, so its after-consent phase is where accept all is checked.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
from playwright.sync_api import Playwright

from probe.browser import context_options
from probe.cmp import adapter_for
from probe.cmp.autoconsent import Autoconsent
from probe.judge import judge_bundle
from probe.runner import Runner, ScenarioRun
from probe.suite import CmpConfig, Route, Scenario, Suite, load_suite
from tests.conftest import SITES, read_har, segment_events

pytestmark = pytest.mark.e2e

CMP_SITES = SITES / "cmp"
REAL = ["klaro", "orejime", "tarteaucitron", "segment-consent-manager"]
REPRODUCED = ["onetrust", "cookiebot", "usercentrics", "didomi"]
# Which scenarios each fixture suite runs here (the suites list more, for `probe run`).
SCENARIOS = {
    **{site: ("reject_all", "reject_analytics", "revoke") for site in REAL + REPRODUCED},
    "usercentrics": ("reject_all", "reject_marketing", "revoke"),
    "cookieconsent-v2": ("accept_all", "reject_all", "reject_analytics"),
    "no-cmp": ("accept_all",),
}
CHANGE_EVENT = "Segment Consent Preference Updated"

Runs = dict[str, ScenarioRun]


@pytest.fixture(scope="module")
def cmp_runs(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[Suite, Runs]]:
    """Run a fixture suite's scenarios once (one Runner per suite) and keep its ScenarioRuns."""
    out = tmp_path_factory.mktemp("cmp")
    done: dict[str, tuple[Suite, Runs]] = {}

    def runs(site: str) -> tuple[Suite, Runs]:
        if site not in done:
            suite = load_suite(CMP_SITES / site / "suite.yaml")
            with Runner(playwright, suite) as runner:
                done[site] = (
                    suite,
                    {
                        name: runner.run_scenario(suite.scenario(name), out / site / name)
                        for name in SCENARIOS[site]
                    },
                )
        return done[site]

    return runs


def stamps(har: dict[str, Any], phase: str) -> list[dict[str, bool] | None]:
    """The categoryPreferences of every Segment event POSTed in a phase."""
    return [
        e.get("context", {}).get("consent", {}).get("categoryPreferences") for e in segment_events(har, phase)
    ]


def page_probe(har: dict[str, Any], phase: str) -> dict[str, Any]:
    """The ``_probe`` extras of a phase's HAR page."""
    return next(p["_probe"] for p in har["log"]["pages"] if p["id"] == phase)


# -- real libraries: the adapter verified every decision, and Segment saw it ---------------------------


@pytest.mark.parametrize("site", REAL)
def test_real_library_decisions_are_verified_with_nothing_before_consent(cmp_runs, site: str) -> None:
    _, runs = cmp_runs(site)
    assert {name: run.error for name, run in runs.items()} == dict.fromkeys(SCENARIOS[site])
    for run in runs.values():
        har = read_har(run.evidence_dir)
        assert segment_events(har, "before-consent") == []
        assert page_probe(har, "after-consent")["action"] in ("accept_all", "reject_all", "choose")


@pytest.mark.parametrize("site", REAL)
def test_real_library_accept_all_stamps_every_category(cmp_runs, site: str) -> None:
    suite, runs = cmp_runs(site)
    har = read_har(runs["revoke"].evidence_dir)
    expected = suite.expected_preferences(suite.resolve("accept_all"))
    assert page_probe(har, "after-consent")["action"] == "accept_all"
    events = segment_events(har, "after-consent")
    assert ("Product Added", "track") in {(e.get("event"), e["type"]) for e in events}
    assert stamps(har, "after-consent") == [expected] * len(events)


@pytest.mark.parametrize("site", REAL)
def test_real_library_reject_all_keeps_segment_silent(cmp_runs, site: str) -> None:
    _, runs = cmp_runs(site)
    har = read_har(runs["reject_all"].evidence_dir)
    assert page_probe(har, "after-consent")["action"] == "reject_all"
    assert segment_events(har, "after-consent") == []


@pytest.mark.parametrize("site", REAL)
def test_real_library_preferences_choice_is_stamped(cmp_runs, site: str) -> None:
    suite, runs = cmp_runs(site)
    har = read_har(runs["reject_analytics"].evidence_dir)
    choice = page_probe(har, "after-consent")["choice"]
    expected = suite.expected_preferences(choice)
    assert False in expected.values() and True in expected.values()
    events = stamps(har, "after-consent")
    assert events and events == [expected] * len(events)


@pytest.mark.parametrize("site", ["klaro", "orejime", "tarteaucitron"])
def test_real_library_revoke_sends_the_consent_change(cmp_runs, site: str) -> None:
    suite, runs = cmp_runs(site)
    har = read_har(runs["revoke"].evidence_dir)
    withdrawn = suite.expected_preferences(page_probe(har, "after-revoke")["choice"])
    changes = [e for e in segment_events(har, "after-revoke") if e.get("event") == CHANGE_EVENT]
    assert [c["context"]["consent"]["categoryPreferences"] for c in changes] == [withdrawn]
    assert not [e for e in segment_events(har, "after-consent") if e.get("event") == CHANGE_EVENT]


def test_segment_consent_manager_revoke_restamps_and_disables_the_withdrawn_destination(cmp_runs) -> None:
    # The consent manager reloads at once on a change; its own signal (an identify with the new choice as
    # traits) races that reload, and analytics-next resends interrupted events later with their original
    # stamp. What must hold is the reloaded page: its page and track events follow the new choice.
    suite, runs = cmp_runs("segment-consent-manager")
    har = read_har(runs["revoke"].evidence_dir)
    withdrawn = suite.expected_preferences(page_probe(har, "after-revoke")["choice"])
    events = [e for e in segment_events(har, "after-revoke") if e["type"] in ("page", "track")]
    assert {e["type"] for e in events} == {"page", "track"}
    assert [e["context"]["consent"]["categoryPreferences"] for e in events] == [withdrawn] * len(events)
    assert all(e["integrations"]["Pinterest Conversions API"] is False for e in events)


# -- reproductions of commercial SDKs: the CMP's own storage holds each decision ----------------------


def _onetrust(storage: dict[str, Any]) -> dict[str, bool]:
    cookies = storage["cookies"]
    assert "OptanonAlertBoxClosed" in cookies
    groups = parse_qs(cookies["OptanonConsent"])["groups"][0]
    return {g: flag == "1" for g, flag in (pair.split(":") for pair in groups.split(","))}


def _cookiebot(storage: dict[str, Any]) -> dict[str, bool]:
    raw = unquote(storage["cookies"]["CookieConsent"])
    return {name: value == "true" for name, value in re.findall(r"(\w+):(true|false)", raw)}


def _usercentrics(storage: dict[str, Any]) -> dict[str, bool]:
    local = storage["localStorage"]
    assert local["uc_user_interaction"] == "true"
    status = {s["id"]: s["status"] for s in json.loads(local["uc_settings"])["services"]}
    # The fixture's services (site/loader.js): one essential, one functional, two marketing.
    return {
        "essential": status["H1Vl5NidjWX"],
        "functional": status["r1Fhc4iOoWX"],
        "marketing": status["HkocEodjb7"] and status["S1pcEj_jZX"],
    }


def _didomi(storage: dict[str, Any]) -> dict[str, bool]:
    purposes = json.loads(base64.b64decode(storage["cookies"]["didomi_token"]))["purposes"]
    return {**dict.fromkeys(purposes["disabled"], False), **dict.fromkeys(purposes["enabled"], True)}


STORED_STATE: dict[str, Callable[[dict[str, Any]], dict[str, bool]]] = {
    "onetrust": _onetrust,
    "cookiebot": _cookiebot,
    "usercentrics": _usercentrics,
    "didomi": _didomi,
}


@pytest.mark.parametrize("site", REPRODUCED)
def test_reproduced_sdk_stores_every_decision(cmp_runs, site: str) -> None:
    suite, runs = cmp_runs(site)
    assert {name: run.error for name, run in runs.items()} == dict.fromkeys(SCENARIOS[site])
    checked = []
    for name, run in runs.items():
        har = read_har(run.evidence_dir)
        before = page_probe(har, "before-consent")["storage"]
        with pytest.raises((KeyError, AssertionError)):
            STORED_STATE[site](before)  # no decision is stored before the banner was answered
        for phase in run.phases[1:]:
            probe = page_probe(har, phase)
            snapshot = json.loads((run.evidence_dir / f"{phase}.storage.json").read_text(encoding="utf-8"))
            assert {c["name"]: c["value"] for c in snapshot["cookies"]} == probe["storage"]["cookies"]
            stored = STORED_STATE[site](probe["storage"])
            assert {c: stored[c] for c in suite.categories} == probe["choice"], (name, phase)
            checked.append((name, phase))
    assert checked == [(n, p) for n in SCENARIOS[site] for p in runs[n].phases[1:]]
    assert len(checked) == len(SCENARIOS[site]) + 1  # every decision, plus the revoke's change


# -- cmp: auto ---------------------------------------------------------------------------------------


AUTO_EXPECTED = {
    "klaro": "klaro",
    "orejime": "orejime",
    "tarteaucitron": "tarteaucitron",
    "segment-consent-manager": "segment-consent-manager",
    "onetrust": "onetrust",
    "cookiebot": "cookiebot",
    "usercentrics": "usercentrics",
    "didomi": "didomi",
    "cookieconsent-v2": "autoconsent",
}


@pytest.fixture(scope="module")
def auto_picks(playwright: Playwright) -> Iterator[dict[str, str]]:
    """``cmp: auto`` on the start page of every fixture site, in one browser context."""
    suites = {site: load_suite(CMP_SITES / site / "suite.yaml") for site in AUTO_EXPECTED}
    routes: list[Route] = []
    for suite in suites.values():
        assert suite.offline is not None
        routes.extend(r for r in suite.offline.routes if r.url not in {seen.url for seen in routes})
    merged = Suite.model_validate(
        {
            "name": "every-cmp",
            "start_url": "https://klaro.test/",
            "categories": {"necessary": {"required": True}},
            "scenarios": ["accept_all"],
            "offline": {
                "routes": [r.model_dump() for r in routes],
                "sinks": ["api2.amplitude.com", "ct.pinterest.com"],
            },
        }
    )
    picks: dict[str, str] = {}
    with Runner(playwright, merged) as runner:
        context = runner.browser.new_context(**context_options(runner.proxy.server, "auto-detect"))
        page = context.new_page()
        for site, suite in suites.items():
            page.goto(suite.start_url, wait_until="load")
            runner.proxy.recorder.settle("auto-detect", 0.3, 5)
            picks[site] = adapter_for(CmpConfig(adapter="auto", timeout_ms=3000), page).name
        context.close()
    yield picks


@pytest.mark.parametrize("site", list(AUTO_EXPECTED))
def test_auto_picks_the_adapter_of_the_cmp_on_the_page(auto_picks, site: str) -> None:
    assert auto_picks[site] == AUTO_EXPECTED[site]


def test_autoconsent_accepts_and_rejects_a_cmp_probe_has_no_adapter_for(cmp_runs) -> None:
    _, runs = cmp_runs("cookieconsent-v2")
    assert runs["accept_all"].error is None and runs["reject_all"].error is None
    for name, categories in (
        ("accept_all", ["necessary", "analytics", "marketing"]),
        ("reject_all", ["necessary"]),
    ):
        har = read_har(runs[name].evidence_dir)
        assert "cc_cookie" not in page_probe(har, "before-consent")["storage"]["cookies"]
        cc_cookie = json.loads(page_probe(har, "after-consent")["storage"]["cookies"]["cc_cookie"])
        assert cc_cookie["categories"] == categories


def test_autoconsent_refuses_a_per_category_choice_with_the_reason(cmp_runs) -> None:
    _, runs = cmp_runs("cookieconsent-v2")
    run = runs["reject_analytics"]
    assert run.error == (
        "autoconsent (rule 'cookieconsent2') can only accept or reject all: a per-category "
        "choice or a revoke needs a named adapter or cmp.selectors for this CMP"
    )
    assert run.phases == ["before-consent"]
    assert (run.evidence_dir / "error.png").stat().st_size > 0


def test_page_without_a_cmp_errors_naming_what_was_tried(cmp_runs) -> None:
    _, runs = cmp_runs("no-cmp")
    run = runs["accept_all"]
    assert run.error is not None
    assert run.error.startswith(
        "cmp: auto found no CMP it can drive on https://no-cmp.test/: waited 3000 ms for "
        "window.OneTrust (onetrust), window.Cookiebot (cookiebot), window.UC_UI (usercentrics), "
    )
    assert "window.klaro (klaro), window.CookieConsent (vanilla-cookieconsent); none appeared; " in run.error
    assert run.error.endswith("; the suite gives no cmp.selectors; "
                              f"autoconsent {Autoconsent(3000).version}: none of its rules matched")
    assert "\n" not in run.error
    assert run.phases == ["before-consent"]
    assert (run.evidence_dir / "error.png").stat().st_size > 0
    assert read_har(run.evidence_dir)["log"]["_probe"]["error"] == run.error


# -- every adapter: no decision, GPC and a return visit, judged by probe's rules --------------------------

EXTRA_SCENARIOS = (
    Scenario(name="no_decision"),
    Scenario(name="gpc", gpc=True),
    Scenario(name="return_visit", decision="reject_all", return_visit=True),
)


@pytest.fixture(scope="module")
def extra_runs(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], dict[str, Any]]:
    """The three extra scenarios on a fixture suite, judged (one Runner per suite)."""
    out = tmp_path_factory.mktemp("cmp-extra")
    done: dict[str, dict[str, Any]] = {}

    def runs(site: str) -> dict[str, Any]:
        if site not in done:
            suite = load_suite(CMP_SITES / site / "suite.yaml")
            with Runner(playwright, suite) as runner:
                done[site] = {
                    sc.name: (runner.run_scenario(sc, out / site / sc.name), out / site / sc.name)
                    for sc in EXTRA_SCENARIOS
                }
        return done[site]

    return runs


@pytest.mark.parametrize("site", REAL + REPRODUCED)
def test_no_decision_gpc_and_return_visit_are_clean(extra_runs, site: str) -> None:
    runs = extra_runs(site)
    verdicts = {}
    for name, (run, folder) in runs.items():
        judged = judge_bundle(folder)
        verdicts[name] = (
            run.error,
            [(f.rule, f.severity) for f in judged.result.findings if f.severity != "info"],
        )
    assert verdicts == {name: (None, []) for name in ("no_decision", "gpc", "return_visit")}
    gpc = read_har(runs["gpc"][1])
    assert page_probe(gpc, "before-consent")["signals"].get("gpc") is True
    assert segment_events(gpc, "before-consent") == []
    back = read_har(runs["return_visit"][1])
    page_loads = [
        e
        for e in back["log"]["entries"]
        if e["request"]["url"] == back["log"]["entries"][0]["request"]["url"]
    ]
    assert [e["pageref"] for e in page_loads][-1] == "after-consent", "the return visit reloads the page"
    assert page_probe(back, "after-consent")["action"] == "reject_all"
