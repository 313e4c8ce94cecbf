"""Suites as a new user writes them by hand, run through probe's Runner (real Chromium, real proxy) and
judged from the evidence alone:

- the OneTrust reproduction with only the standard scenario names, mapped to its group ids at load;
- a shop whose Segment events go to a first-party proxy on its own origin, answered offline by a
  URL-prefix sink (tests/sites/handwritten/first-party-proxy).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Playwright

from probe.judge import Judged, judge_bundle
from probe.runner import Runner, ScenarioRun
from probe.segment import Kind
from probe.suite import Suite, load_suite
from tests.conftest import SITES, read_har

pytestmark = pytest.mark.e2e

ONETRUST = SITES / "cmp" / "onetrust"
PROXY_SHOP = SITES / "handwritten" / "first-party-proxy" / "suite.yaml"
INGEST = "https://www.shop.test/ingest/v1/"

RunSuite = Callable[[Suite, str], dict[str, tuple[ScenarioRun, Judged]]]


@pytest.fixture(scope="module")
def run_suite(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> RunSuite:
    """Run every scenario of a suite with one Runner, judge each evidence folder; once per module."""
    done: dict[str, dict[str, tuple[ScenarioRun, Judged]]] = {}

    def run(suite: Suite, key: str) -> dict[str, tuple[ScenarioRun, Judged]]:
        if key not in done:
            out = tmp_path_factory.mktemp(key)
            with Runner(playwright, suite) as runner:
                runs = {sc.name: runner.run_scenario(sc, out / sc.name) for sc in suite.scenarios}
            done[key] = {name: (r, judge_bundle(r.evidence_dir)) for name, r in runs.items()}
        return done[key]

    return run


# -- 1. the standard scenario names on a suite whose categories are OneTrust group ids ------------------


@pytest.fixture(scope="module")
def onetrust_standard(tmp_path_factory: pytest.TempPathFactory) -> Suite:
    """The OneTrust fixture suite with `scenarios: [accept_all, reject_analytics, revoke]`."""
    folder = tmp_path_factory.mktemp("onetrust-suite")
    text = (ONETRUST / "suite.yaml").read_text(encoding="utf-8")
    (folder / "site").symlink_to(ONETRUST / "site")  # its routes are relative to the suite file
    path = folder / "suite.yaml"
    path.write_text(
        text[: text.index("scenarios:")] + "scenarios: [accept_all, reject_analytics, revoke]\n",
        encoding="utf-8",
    )
    return load_suite(path)


def test_standard_scenarios_run_on_onetrust_group_ids_with_no_findings(
    run_suite: RunSuite, onetrust_standard: Suite
) -> None:
    runs = run_suite(onetrust_standard, "onetrust")
    verdicts = {
        name: (run.error, judged.result.status, [(f.rule, f.severity) for f in judged.result.findings])
        for name, (run, judged) in runs.items()
    }
    assert verdicts == {name: (None, "pass", []) for name in ("accept_all", "reject_analytics", "revoke")}
    # the adapter was given, verified and recorded the group ids the standard names map to
    har = read_har(runs["reject_analytics"][0].evidence_dir)
    after = next(p["_probe"] for p in har["log"]["pages"] if p["id"] == "after-consent")
    assert after["choice"] == {"C0001": True, "C0002": False, "C0003": False, "C0004": True}
    revoke = read_har(runs["revoke"][0].evidence_dir)
    revoked = next(p["_probe"] for p in revoke["log"]["pages"] if p["id"] == "after-revoke")
    assert revoked["choice"] == {"C0001": True, "C0002": False, "C0003": False, "C0004": False}
    # the evidence's suite.json names real categories only
    recorded = json.loads((runs["reject_analytics"][0].evidence_dir / "suite.json").read_text())
    assert {s["name"]: s["decision"] for s in recorded["scenarios"]}["reject_analytics"] == {
        "C0002": False,
        "C0004": True,
    }


# -- 4. a first-party Segment proxy on a path of the site's own origin, sunk by URL prefix --------------


@pytest.fixture(scope="module")
def proxy_shop(run_suite: RunSuite) -> dict[str, tuple[ScenarioRun, Judged]]:
    """The proxy shop's scenarios (no_decision, accept_all, reject_all), run and judged."""
    return run_suite(load_suite(PROXY_SHOP), "proxy-shop")


def _ingestion(har: dict, *, method: str = "POST") -> list[dict]:  # type: ignore[type-arg]
    return [
        e
        for e in har["log"]["entries"]
        if e["request"]["url"].startswith(INGEST) and e["request"]["method"] == method
    ]


def test_events_to_a_path_proxy_reach_the_prefix_sink_and_are_judged_as_segment_events(proxy_shop) -> None:
    run, judged = proxy_shop["accept_all"]
    assert run.error is None
    har = read_har(run.evidence_dir)
    posts = _ingestion(har)
    assert {e["request"]["url"] for e in posts} >= {INGEST + "p", INGEST + "t"}
    for entry in posts:
        assert entry["response"]["status"] == 200
        assert json.loads(entry["response"]["content"]["text"]) == {"success": True}
        assert entry["_probe"]["served"] == "sink"
    # nothing was blocked, the site's own pages still came from its dir route
    assert [e["request"]["url"] for e in har["log"]["entries"] if e["_probe"]["blocked"]] == []
    page = next(e for e in har["log"]["entries"] if e["request"]["url"] == "https://www.shop.test/")
    assert page["_probe"]["served"] == "local"
    # probe recognised the proxy as Segment ingestion (from the captured settings' apiHost and its shape)
    traffic = judged.analysis.context.traffic
    assert {(e.type, e.name) for e in traffic.events if e.type == "track"} == {("track", "Product Added")}
    assert "page" in {e.type for e in traffic.events}
    kinds = {r.url: r.kind for r in traffic.requests}
    assert kinds[INGEST + "p"] == kinds[INGEST + "t"] == Kind.EVENT
    assert {judged.analysis.classes[r.entry] for r in traffic.requests if r.url.startswith(INGEST)} == {
        "segment"
    }
    granted = {"necessary": True, "analytics": True, "marketing": True}
    assert [e.category_preferences for e in traffic.events] == [granted] * len(traffic.events)
    assert [(f.rule, f.severity) for f in judged.result.findings] == []
    # the same evidence judged with the proxy named in segment.hosts reads the same events
    named = load_suite(PROXY_SHOP)
    named.segment.hosts = ["https://www.shop.test/ingest/"]
    again = judge_bundle(run.evidence_dir, named).analysis.context.traffic
    assert [(e.entry, e.type, e.name) for e in again.events] == [
        (e.entry, e.type, e.name) for e in traffic.events
    ]


def test_the_proxy_shop_sends_nothing_without_consent_and_is_clean(proxy_shop) -> None:
    for name in ("no_decision", "reject_all"):
        run, judged = proxy_shop[name]
        assert run.error is None, name
        har = read_har(run.evidence_dir)
        assert _ingestion(har) == [], name
        assert [e["request"]["url"] for e in har["log"]["entries"] if e["_probe"]["blocked"]] == [], name
        assert [(f.rule, f.severity) for f in judged.result.findings] == [], name
