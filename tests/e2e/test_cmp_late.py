"""CMPs that arrive late, as through a tag manager: every fixture site again, with its scripts made inert
in the HTML and re-injected in order by tests/sites/cmp/_late/late.js two seconds after the page loaded.

Each adapter runs a preferences choice from the banner and a revoke (whose decision is accept all on
the first layer, and whose change goes through the preferences reopened from the page); all verified.
Klaro and OneTrust run as ``cmp: auto``, which must poll until their API shows up; so does the
autoconsent fallback on cookieconsent v2 (accept all only: it knows no categories).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Playwright

from probe.runner import Runner, ScenarioRun, router_for
from probe.suite import Route, Suite, load_suite
from tests.conftest import DEMO, SITES, read_har

pytestmark = pytest.mark.e2e

LOADER = SITES / "cmp" / "_late" / "late.js"
LOADER_PATH = "/__probe_late__/late.js"
DELAY_MS = 2000

# site -> (suite file, the adapter expected to act, scenarios run here)
LATE: dict[str, tuple[Path, str, tuple[str, ...]]] = {
    "vanilla-cookieconsent": (DEMO, "vanilla-cookieconsent", ("reject_analytics", "revoke")),
    "klaro": (SITES / "cmp/klaro/suite.yaml", "klaro", ("reject_analytics", "revoke")),
    "orejime": (SITES / "cmp/orejime/suite.yaml", "orejime", ("reject_analytics", "revoke")),
    "tarteaucitron": (
        SITES / "cmp/tarteaucitron/suite.yaml",
        "tarteaucitron",
        ("reject_analytics", "revoke"),
    ),
    "segment-consent-manager": (
        SITES / "cmp/segment-consent-manager/suite.yaml",
        "segment-consent-manager",
        ("reject_analytics", "revoke"),
    ),
    "onetrust": (SITES / "cmp/onetrust/suite.yaml", "onetrust", ("reject_analytics", "revoke")),
    "cookiebot": (SITES / "cmp/cookiebot/suite.yaml", "cookiebot", ("reject_analytics", "revoke")),
    "usercentrics": (SITES / "cmp/usercentrics/suite.yaml", "usercentrics", ("reject_marketing", "revoke")),
    "didomi": (SITES / "cmp/didomi/suite.yaml", "didomi", ("reject_analytics", "revoke")),
    "selectors": (SITES / "cmp/selectors-label/suite.yaml", "selectors", ("reject_analytics", "revoke")),
    "autoconsent": (SITES / "cmp/cookieconsent-v2/suite.yaml", "autoconsent", ("accept_all",)),
}
AUTO = {"klaro", "onetrust", "autoconsent"}  # run with `cmp: auto`


def late_suite(
    suite: Suite, *, adapter: str | None = None, delay_ms: int = DELAY_MS, timeout_ms: int | None = None
) -> Suite:
    """The suite with every page's <script> made inert (type="text/late") and the loader added, which
    re-creates them ``delay_ms`` after the load event. Done with route ``replace`` on each folder route
    that serves the suite's pages (in its place: the more specific routes before it still win)."""
    assert suite.offline is not None
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(suite.start_url))
    pages = suite.pages or [suite.start_url]
    inert = {
        "<script": '<script type="text/late"',
        # upper case: the first replacement cannot catch the loader, whatever order they run in
        "</head>": f'<SCRIPT src="{LOADER_PATH}" data-delay-ms="{delay_ms}"></SCRIPT></head>',
    }
    routes = [Route(url=origin + LOADER_PATH, file=LOADER)] + [
        r.model_copy(update={"replace": {**r.replace, **inert}})
        if r.dir is not None and any(p.startswith(r.url) for p in pages)
        else r
        for r in suite.offline.routes
    ]
    cmp = suite.cmp.model_copy(
        update={k: v for k, v in (("adapter", adapter), ("timeout_ms", timeout_ms)) if v}
    )
    offline = suite.offline.model_copy(update={"routes": routes})
    return suite.model_copy(update={"offline": offline, "cmp": cmp, "name": f"{suite.name}-late"})


def page_probe(run: ScenarioRun, phase: str) -> dict[str, object]:
    """The ``_probe`` extras of a phase's HAR page."""
    return next(p["_probe"] for p in read_har(run.evidence_dir)["log"]["pages"] if p["id"] == phase)


@pytest.fixture(scope="module")
def late_runs(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[dict[str, ScenarioRun], list[str]]]:
    """A site's late variant, its scenarios run once (one Runner), with the progress lines."""
    out = tmp_path_factory.mktemp("late")
    done: dict[str, tuple[dict[str, ScenarioRun], list[str]]] = {}

    def runs(site: str) -> tuple[dict[str, ScenarioRun], list[str]]:
        if site not in done:
            path, _, names = LATE[site]
            suite = late_suite(load_suite(path), adapter="auto" if site in AUTO else None)
            suite.pages = suite.pages[:1]  # one page is enough to be late on, and each load costs the delay
            lines: list[str] = []
            with Runner(playwright, suite, progress=lines.append) as runner:
                done[site] = (
                    {n: runner.run_scenario(suite.scenario(n), out / site / n) for n in names},
                    lines,
                )
        return done[site]

    return runs


@pytest.mark.parametrize("site", list(LATE))
def test_the_late_variant_serves_only_inert_scripts_and_the_loader(site: str) -> None:
    path, _, _ = LATE[site]
    suite = late_suite(load_suite(path))
    answer = router_for(suite).answer("GET", suite.start_url, {})
    assert answer is not None and answer.status == 200
    html = answer.body.decode()
    assert html.count("<script") == html.count('<script type="text/late"') > 0
    assert f'<SCRIPT src="{LOADER_PATH}" data-delay-ms="{DELAY_MS}">' in html


@pytest.mark.parametrize("site", list(LATE))
def test_a_late_cmp_is_waited_for_and_every_action_verified(late_runs, site: str) -> None:
    runs, lines = late_runs(site)
    _, adapter, names = LATE[site]
    assert {n: run.error for n, run in runs.items()} == dict.fromkeys(names)
    acted = {
        (n, phase): (page_probe(run, phase)["action"], page_probe(run, phase)["cmp"])
        for n, run in runs.items()
        for phase in run.phases[1:]
    }
    expected = {
        (names[0], "after-consent"): ("choose", adapter),  # the preferences opened from the banner
        ("accept_all", "after-consent"): ("accept_all", adapter),  # the first layer
        ("revoke", "after-consent"): ("accept_all", adapter),  # the first layer
        ("revoke", "after-revoke"): ("choose", adapter),  # the preferences reopened from the page
    }
    assert acted == {k: v for k, v in expected.items() if k[0] in names}
    assert len([line for line in lines if line.endswith(" verified")]) == len(acted)
    # wire order, not time: the first page load fetched the loader before any other script
    har = read_har(runs[names[0]].evidence_dir)
    paths = [
        urlsplit(e["request"]["url"]).path for e in har["log"]["entries"] if e["pageref"] == "before-consent"
    ]
    loader = paths.index(LOADER_PATH)
    assert not [p for p in paths[:loader] if p.endswith(".js")]
    assert [p for p in paths[loader + 1 :] if p.endswith(".js")]


def test_a_banner_that_never_arrives_errors_naming_what_was_waited_for(
    playwright: Playwright, tmp_path: Path
) -> None:
    suite = late_suite(load_suite(SITES / "cmp/klaro/suite.yaml"), delay_ms=600000, timeout_ms=1500)
    with Runner(playwright, suite) as runner:
        run = runner.run_scenario(suite.scenario("accept_all"), tmp_path / "s")
    assert run.error == (
        "klaro: waited 1500 ms for window.klaro and the consent notice "
        ".klaro .cookie-notice:not(.cookie-notice-hidden), .klaro .cookie-modal .cm-modal; neither appeared"
    )
    assert run.phases == ["before-consent"]
    assert (tmp_path / "s" / "error.png").stat().st_size > 0
    assert read_har(tmp_path / "s")["log"]["_probe"]["error"] == run.error
