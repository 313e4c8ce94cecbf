"""Banner checks on real CMP libraries: each fair banner gives no banner-* finding, each unfair one
exactly its finding with the measured values (real Chromium, real proxy, vanilla-cookieconsent, Klaro).

The fixture pages live in tests/sites/banner/site/: one page per library, the variant in the query string.
Each variant runs the standard ``return_visit`` scenario only: its decision meets the first layer
(measured), goes through the preferences (toggles read before probe touches them) and comes back.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from probe.banner.measure import FirstLayer, measure_first_layer
from probe.browser import find_browser
from probe.findings import Finding
from probe.judge import Judged, build_report, judge_bundle
from probe.rules import banner
from probe.runner import Runner
from probe.suite import Suite, load_suite
from tests.conftest import ROOT, SITES, read_har

pytestmark = pytest.mark.e2e

SITE = SITES / "banner" / "site"
NODE = ROOT / "web" / "node_modules"
ROUTES = {
    "vanilla-cookieconsent": [
        {"url": "https://banner.test/vendor/cookieconsent.umd.js",
         "file": str(NODE / "vanilla-cookieconsent/dist/cookieconsent.umd.js")},
        {"url": "https://banner.test/vendor/cookieconsent.css",
         "file": str(NODE / "vanilla-cookieconsent/dist/cookieconsent.css")},
    ],
    "klaro": [{"url": "https://banner.test/vendor/klaro.js", "file": str(NODE / "klaro/dist/klaro.js")}],
}
PAGE = {"vanilla-cookieconsent": "vcc.html", "klaro": "klaro.html"}


def banner_suite(cmp: str, variant: str, scenarios: tuple[str, ...] = ("return_visit",)) -> Suite:
    """The library's fixture page in one variant, with the standard scenarios named."""
    return Suite.model_validate(
        {
            "name": f"banner-{cmp}-{variant}",
            "start_url": f"https://banner.test/{PAGE[cmp]}?{variant}",
            "consent_model": "opt-in",
            "cmp": {"adapter": cmp, "timeout_ms": 5000},
            "categories": {
                "necessary": {"segment": ["necessary"], "required": True},
                "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
                "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
            },
            "segment": {"write_key": "BANNERWRITEKEY"},
            "offline": {"routes": [*ROUTES[cmp], {"url": "https://banner.test/", "dir": str(SITE)}]},
            "scenarios": list(scenarios),
            "settle_ms": 300,
        }
    )


@pytest.fixture(scope="module")
def banner_run(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str, str], Judged]]:
    """A variant's return_visit scenario, run once and judged from the evidence it wrote."""
    out = tmp_path_factory.mktemp("banner")
    done: dict[tuple[str, str], Judged] = {}

    def get(cmp: str, variant: str) -> Judged:
        if (cmp, variant) not in done:
            suite = banner_suite(cmp, variant)
            with Runner(playwright, suite) as runner:
                run = runner.run_scenario(suite.scenario("return_visit"), out / cmp / variant)
            if run.error:
                pytest.fail(f"{cmp} {variant}: {run.error}")
            done[(cmp, variant)] = judge_bundle(run.evidence_dir)
        return done[(cmp, variant)]

    yield get


def banner_findings(judged: Judged) -> list[Finding]:
    """The scenario's banner-* findings."""
    return [f for f in judged.result.findings if f.rule.startswith("banner-")]


VCC_ACCEPT = "'Accept all' (button, 342.41x42 px, contrast 12.22:1)"
KLARO_OK = "'That's ok' (button, 62.33x27.19 px, contrast 3.86:1)"
NO_REJECT = "but no reject or necessary-only control: refusing needs the preferences."
CLICKS = (
    "Accepting everything takes 1 click(s) on the first layer; refusing everything takes {n} through the "
    "preferences (open them unless the first layer is them, untick each pre-ticked optional category, save)."
)
PRE_TICKED = (
    "When the preferences opened, 2 optional categories were already ticked: analytics, marketing "
    "(toggles as found: analytics=on, marketing=on)."
)
WALL = (
    "The banner blocks the page ({n} of {n} sampled points outside it hit the CMP's overlay, not the page) "
    "and its first layer has no reject or necessary-only control."
)

# (library, variant) -> the exact banner findings: (rule, severity, message)
EXPECTED: dict[tuple[str, str], list[tuple[str, str, str]]] = {
    # fair: reject next to accept, alike; nothing ticked; no wall; the refusal remembered
    ("vanilla-cookieconsent", "fair"): [],
    ("klaro", "fair"): [],
    # a wall that still offers a reject on it is no cookie wall
    ("vanilla-cookieconsent", "wall-fair"): [],
    ("klaro", "wall-fair"): [],
    ("vanilla-cookieconsent", "no-reject"): [
        ("banner-no-first-layer-reject", "warning", f"The banner's first layer offers {VCC_ACCEPT} {NO_REJECT}"),
        ("banner-more-clicks-to-refuse", "warning", CLICKS.format(n=2)),
    ],
    ("klaro", "no-decline"): [
        ("banner-no-first-layer-reject", "warning", f"The banner's first layer offers {KLARO_OK} {NO_REJECT}"),
        ("banner-more-clicks-to-refuse", "warning", CLICKS.format(n=2)),
    ],
    ("vanilla-cookieconsent", "link-reject"): [
        (
            "banner-asymmetric-controls",
            "warning",
            f"Accept {VCC_ACCEPT} against reject 'Reject all' (link, 342.41x15 px, contrast 2.07:1): "
            "accept is 2.8 times the area of reject (limit 2); reject's text contrast 2.07:1 is under WCAG AA "
            "4.5:1 while accept's is 12.22:1; accept is a button, reject a bare link.",
        ),
    ],
    ("vanilla-cookieconsent", "pre-ticked"): [("banner-pre-ticked", "error", PRE_TICKED)],
    ("klaro", "default-on"): [("banner-pre-ticked", "error", PRE_TICKED)],
    ("vanilla-cookieconsent", "wall"): [
        ("banner-no-first-layer-reject", "warning", f"The banner's first layer offers {VCC_ACCEPT} {NO_REJECT}"),
        ("banner-more-clicks-to-refuse", "warning", CLICKS.format(n=2)),
        ("banner-cookie-wall", "warning", WALL.format(n=21)),
    ],
    ("klaro", "wall"): [
        (
            "banner-no-first-layer-reject",
            "warning",
            f"The banner's first layer offers 'Accept all' (button, 68.33x27.19 px, contrast 3.86:1) {NO_REJECT}",
        ),
        # the modal is the preferences: saving with nothing ticked is the one click that refuses
        ("banner-cookie-wall", "warning", WALL.format(n=16)),
    ],
}


@pytest.mark.parametrize(("cmp", "variant"), list(EXPECTED))
def test_banner_variant_gives_exactly_its_findings(banner_run, cmp: str, variant: str) -> None:
    judged = banner_run(cmp, variant)
    assert [(f.rule, f.severity, f.message) for f in banner_findings(judged)] == EXPECTED[(cmp, variant)]
    # the banner checks add nothing else: a page without Segment has no other finding
    assert [f.rule for f in judged.result.findings if not f.rule.startswith("banner-")] == []
    assert judged.result.notes == []


@pytest.mark.parametrize(("cmp", "variant"), [k for k, v in EXPECTED.items() if v])
def test_each_finding_cites_the_banner_crop_in_the_evidence(banner_run, cmp: str, variant: str) -> None:
    judged = banner_run(cmp, variant)
    folder = Path(judged.result.evidence_dir or "")
    for finding in banner_findings(judged):
        assert [e.url for e in finding.evidence] == ["after-consent.banner.png"]
    crop = folder / "after-consent.banner.png"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert crop.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "after-consent.banner.png" in manifest["files"]


def test_the_measured_values_are_in_the_evidence(banner_run) -> None:
    """The record the rules judge: the HAR's after-consent page, as the runner measured it."""
    judged = banner_run("vanilla-cookieconsent", "link-reject")
    har = read_har(Path(judged.result.evidence_dir or ""))
    records = {p["id"]: p["_probe"].get("banner") for p in har["log"]["pages"]}
    assert records["before-consent"] is None
    record = records["after-consent"]
    assert record["measured"] is True and record["cmp"] == "vanilla-cookieconsent"
    assert (record["accept"]["looks"], record["accept"]["box"]["height"]) == ("button", 42)
    assert (record["reject"]["looks"], record["reject"]["box"]["height"]) == ("link", 15)
    assert record["reject"]["color"] == [180, 180, 180, 1]
    assert (banner.contrast(record["accept"]), banner.contrast(record["reject"])) == (12.22, 2.07)
    assert banner.clicks(record) == banner.Clicks(1, 1, "first layer", False)
    assert record["preferences"] == {"measured": True, "optional": {"analytics": False, "marketing": False}}
    assert record["wall"] == {"points": 21, "covered": 0}
    assert record["return_visit"]["banner_shown"] is False


def test_replay_of_the_evidence_gives_the_same_banner_findings(banner_run, tmp_path: Path) -> None:
    judged = banner_run("vanilla-cookieconsent", "wall")
    copy = tmp_path / "wall"
    shutil.copytree(judged.result.evidence_dir or "", copy)
    out = tmp_path / "replay"
    done = subprocess.run(
        [sys.executable, "-m", "probe", "replay", str(copy), "--run-dir", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    replayed = [(f["rule"], f["severity"], f["message"]) for f in report["scenarios"][0]["findings"]]
    # report.json orders findings its own way (by severity, then rule): the same findings, all of them
    assert sorted(replayed) == sorted(EXPECTED[("vanilla-cookieconsent", "wall")])


def test_an_adapter_without_first_layer_knowledge_is_noted_not_passed(site_runner, tmp_path: Path) -> None:
    """autoconsent (cmp: auto on a CMP probe has no adapter for) does not know its first layer: the
    scenario says the banner was not judged."""
    suite = load_suite(SITES / "cmp" / "cookieconsent-v2" / "suite.yaml")
    run = site_runner(suite, "accept_all", tmp_path / "autoconsent")
    assert run.error is None
    judged = judge_bundle(run.evidence_dir)
    assert banner_findings(judged) == []
    assert "banner checks (banner-*) not judged: the autoconsent adapter does not know its banner's first-layer " \
        "controls" in judged.result.notes


AFTER_S = re.compile(r"\(\d+(\.\d+)? s after the decision\)")
REFUSAL_FORGOTTEN = (
    "After refusing analytics, a return visit the same day (N s after the decision) showed the banner again; "
    "after accepting everything (scenario return_visit_accept) it did not (N s after the decision): the refusal "
    "was not remembered as the acceptance is."
)
ACCEPTANCE_FORGOTTEN = (
    "After accepting everything, a return visit the same day (N s after the decision) showed the banner again; "
    "after refusing analytics (scenario return_visit) it did not (N s after the decision): the acceptance was "
    "not remembered as the refusal is."
)
# variant -> scenario -> its banner-re-prompt-asymmetry messages (seconds written N)
RE_PROMPT: dict[str, dict[str, list[str]]] = {
    "fair": {"return_visit": [], "return_visit_accept": []},
    "re-prompt": {"return_visit": [REFUSAL_FORGOTTEN], "return_visit_accept": []},
    "re-prompt-reverse": {"return_visit": [], "return_visit_accept": [ACCEPTANCE_FORGOTTEN]},
    # the banner comes back a second after the page went quiet: still seen, not taken for a remembered choice
    "re-prompt-late": {"return_visit": [REFUSAL_FORGOTTEN], "return_visit_accept": []},
}


@pytest.mark.parametrize("variant", list(RE_PROMPT))
def test_re_prompt_compares_the_return_visits_after_refusing_and_after_accepting(
    playwright: Playwright, tmp_path: Path, variant: str
) -> None:
    suite = banner_suite("vanilla-cookieconsent", variant, ("return_visit", "return_visit_accept"))
    with Runner(playwright, suite) as runner:
        runs = [runner.run_scenario(sc, tmp_path / sc.name) for sc in suite.scenarios]
    assert [r.error for r in runs] == [None, None]
    judged = [judge_bundle(r.evidence_dir) for r in runs]
    shown = {j.result.name: j.timeline.page_banner["after-consent"]["return_visit"]["banner_shown"] for j in judged}
    assert shown == {name: bool(messages) for name, messages in RE_PROMPT[variant].items()}
    report = build_report(judged, suite.name)
    found = {
        s.name: [AFTER_S.sub("(N s after the decision)", f.message) for f in s.findings if f.rule.startswith("banner-")]
        for s in report.scenarios
    }
    assert found == RE_PROMPT[variant]
    assert [s.status for s in report.scenarios] == ["pass", "pass"]  # a warning
    for j in judged:
        crop = Path(j.result.evidence_dir or "") / "after-consent.return.banner.png"
        assert crop.is_file() is shown[j.result.name]  # a crop of the banner only where it came back
    for scenario in report.scenarios:
        for finding in scenario.findings:
            assert [(e.scenario, e.url) for e in finding.evidence] == [
                (scenario.name, "after-consent.return.banner.png"),
                (next(s.name for s in report.scenarios if s.name != scenario.name), "after-consent.png"),
            ]


def test_a_first_layer_whose_accept_control_is_missing_is_not_measured(playwright: Playwright, tmp_path: Path) -> None:
    """A CMP whose markup changed under its adapter: no accept where the adapter looks. Measuring it would
    read the missing reject as a finding, or both missing as a fair banner; it is not measured instead."""
    browser = playwright.chromium.launch(executable_path=find_browser(playwright).executable, args=["--no-sandbox"])
    page = browser.new_page()
    page.set_content('<div id="cmp"><div class="bar">We use cookies <button class="ok">OK</button></div></div>')
    known = FirstLayer("#cmp .bar", "#cmp", "#cmp .ok", "#cmp .no")
    assert measure_first_layer(page, known, tmp_path, "known")["measured"] is True
    renamed = FirstLayer("#cmp .bar", "#cmp", "#cmp .accept-all", "#cmp .no")
    assert measure_first_layer(page, renamed, tmp_path, "renamed") == {
        "format": "probe-banner/1",
        "measured": False,
        "why": "the accept control (#cmp .accept-all) is not on the banner's first layer: its markup is not what "
        "the adapter knows",
    }
    browser.close()
