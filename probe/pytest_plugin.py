"""pytest integration, in the style of pytest-playwright: an option group, a session -> function
fixture ladder, and artefacts per test id.

- ``pytest --probe-suite suite.yaml`` turns every scenario of a suite into a test item.
- ``consent_capture`` gives hand-written tests a page routed through probe's proxy, phase marks and
  the same rule engine as ``probe run``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright

from probe.findings import Finding
from probe.judge import judge_bundle
from probe.runner import Runner, Waiter, snapshot
from probe.suite import Suite, SuiteError, load_suite
from probe.timeline import AFTER, BEFORE, REVOKED

ARTIFACT_MODES = ("on", "off", "retain-on-failure")


def pytest_addoption(parser: pytest.Parser) -> None:
    """probe's option group."""
    group = parser.getgroup("probe", "probe: Segment consent compliance")
    group.addoption(
        "--probe-suite",
        action="append",
        default=[],
        metavar="PATH",
        help="Run every scenario of this suite as a test (repeatable).",
    )
    group.addoption(
        "--probe-artifacts",
        choices=ARTIFACT_MODES,
        default="retain-on-failure",
        help="Keep evidence folders: on, off, or retain-on-failure (default).",
    )
    group.addoption("--probe-out", default="probe-results", metavar="DIR", help="Where evidence folders go.")
    group.addoption("--probe-browser-path", default=None, metavar="PATH", help="Chromium executable to use.")
    group.addoption(
        "--probe-connect",
        default=None,
        metavar="WS_ENDPOINT",
        help="Use a running Playwright browser server (ws://...) instead of launching Chromium.",
    )


SUITES = pytest.StashKey[list[tuple[Path, Suite]]]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker suite items carry; load the --probe-suite files."""
    config.addinivalue_line("markers", "probe_scenario: a consent scenario generated from a probe suite")
    # loaded here, not at collection: configure also runs in pytest-xdist's controller, which never
    # collects, and a usage error raised in a worker's collection is lost ("no tests ran", exit 5)
    loaded = []
    for raw in config.getoption("probe_suite"):
        path = Path(raw).resolve()
        try:
            loaded.append((path, load_suite(path)))
        except SuiteError as exc:
            raise pytest.UsageError(str(exc)) from exc
    config.stash[SUITES] = loaded


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection sees the list
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add one item per suite scenario (and per --browser of pytest-playwright)."""
    for path, suite in config.stash[SUITES]:
        # the path from the rootdir, also from outside it: pytest would name an outside file by its
        # bare name ("::suite.yaml"), so two suite.yaml files gave the same test ids, and so the same
        # evidence folder (written by two workers at once under pytest-xdist)
        nodeid = Path(os.path.relpath(path, config.rootpath)).as_posix()
        items.extend(SuiteFile.from_parent(session, path=path, nodeid=nodeid, suite=suite).collect())


class SuiteFile(pytest.File):
    """A suite file as a collector of scenario items."""

    def __init__(self, *, suite: Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def collect(self) -> list[pytest.Item]:
        browsers = self.config.getoption("browser", None) or ["chromium"]
        return [
            pytest.Function.from_parent(
                self,
                name=f"{scenario.name}[{browser}]",
                callobj=_scenario_test(self.suite, scenario.name, browser),
            )
            for scenario in self.suite.scenarios
            for browser in browsers
        ]


def _scenario_test(suite: Suite, scenario: str, browser: str) -> Callable[..., None]:
    def probe_scenario(probe_runner_for: Callable[[Suite], Runner], probe_artifact_dir: Path) -> None:
        if browser != "chromium":
            pytest.skip(f"probe drives Chromium only; {browser} is not supported")
        run = probe_runner_for(suite).run_scenario(suite.scenario(scenario), probe_artifact_dir)
        judged = judge_bundle(probe_artifact_dir)
        if run.error:
            pytest.fail(f"probe could not judge {scenario}: {run.error}", pytrace=False)
        if judged.result.status == "fail":
            pytest.fail(describe(judged.result.findings), pytrace=False)

    probe_scenario.pytestmark = [pytest.mark.probe_scenario]  # type: ignore[attr-defined]
    return probe_scenario


def describe(findings: list[Finding]) -> str:
    """A failure message: one line per finding with its evidence URLs."""
    lines = []
    for f in findings:
        if f.severity != "error":
            continue
        urls = ", ".join(sorted({e.url for e in f.evidence if e.url}))
        lines.append(f"[{f.rule}] {f.phase or '-'}: {f.message}" + (f" ({urls})" if urls else ""))
    return "consent violations:\n" + "\n".join(lines)


# -- fixtures: session -> function ---------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's outcome so artefacts can be retained on failure."""
    report = yield
    setattr(item, f"probe_rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def probe_runner_for(
    playwright: Playwright, pytestconfig: pytest.Config
) -> Iterator[Callable[[Suite], Runner]]:
    """A Runner (proxy + browser) per suite, started once per session."""
    runners: dict[str, Runner] = {}

    def get(suite: Suite) -> Runner:
        key = str(suite.path or suite.name)
        if key not in runners:
            runner = Runner(
                playwright,
                suite,
                browser_path=pytestconfig.getoption("probe_browser_path"),
                connect=pytestconfig.getoption("probe_connect"),
            )
            runners[key] = runner.__enter__()
        return runners[key]

    yield get
    for runner in runners.values():
        runner.__exit__(None, None, None)


@pytest.fixture
def probe_artifact_dir(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[Path]:
    """This test's evidence folder under --probe-out, kept per --probe-artifacts."""
    mode = pytestconfig.getoption("probe_artifacts")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")
    folder = Path(pytestconfig.getoption("probe_out")).resolve() / slug
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    call = getattr(request.node, "probe_rep_call", None)
    failed = call is None or call.failed
    if mode == "off" or (mode == "retain-on-failure" and not failed):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def probe_suite() -> Suite:
    """The suite hand-written tests run against. Override it to load yours (routes, categories)."""
    return Suite.model_validate(
        {
            "name": "consent_capture",
            "start_url": "about:blank",
            "categories": {
                "necessary": {"segment": ["necessary"], "required": True},
                "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
                "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
            },
            "offline": {"enabled": False},
        }
    )


@pytest.fixture(scope="session")
def probe_runner(probe_runner_for: Callable[[Suite], Runner], probe_suite: Suite) -> Runner:
    """The session's proxy and browser for ``probe_suite``."""
    return probe_runner_for(probe_suite)


class ConsentCapture:
    """A page behind probe's proxy, with phase marks and judgement, for hand-written tests."""

    def __init__(self, runner: Runner, name: str, out: Path) -> None:
        self.runner, self.name, self.out = runner, name, out
        self.user = f"t{time.time_ns() % 10**9}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)[:40]}"
        self.started = time.time()
        self.phases: list[dict[str, Any]] = [
            {"phase": BEFORE, "at": self.started, "action": None, "choice": None}
        ]
        self.context: BrowserContext = runner.new_context(self.user)
        self.page: Page = self.context.new_page()
        self.waiter = Waiter(
            runner.proxy.recorder, self.user, quiet_ms=runner.suite.settle_ms, max_ms=runner.suite.settle_max_ms
        )
        self.waiter.browser.watch(self.context)
        self._judged: list[Finding] | None = None

    def _mark(self, phase: str, choice: dict[str, bool] | None, action: str) -> None:
        self._wait(f"drain before the {phase} click", since=None)  # nothing queued may cross the mark
        self.phases[-1]["storage"] = snapshot(self.context, self.page, self.out, self.phases[-1]["phase"])
        resolved = self.runner.suite.resolve(choice) if choice is not None else None
        mark = self.runner.proxy.recorder.mark(self.user, phase, action=action)
        self.phases.append({"phase": phase, "at": mark.at, "action": action, "choice": resolved})
        self._judged = None

    def decided(self, choice: dict[str, bool] | str | None = None) -> None:
        """Mark the visitor's decision now (call it right before the consent click)."""
        self._mark(AFTER, choice, choice if isinstance(choice, str) else "choose")  # type: ignore[arg-type]

    def revoked(self, choice: dict[str, bool] | None = None) -> None:
        """Mark a change of mind now (right before the click that withdraws consent)."""
        self._mark(REVOKED, choice, "revoke")

    def settle(self) -> None:
        """Wait for the site: quiet traffic from now on, and its own delivery delay (batching)."""
        self._wait("consent_capture.settle()", since=time.time())

    def _wait(self, after: str, since: float | None) -> None:
        self.phases[-1].setdefault("waits", []).append(self.waiter.wait(self.page, after, since=since).record())

    def findings(self) -> list[Finding]:
        """Write the evidence so far and judge it with probe's rules."""
        if self._judged is None:
            self.settle()
            self.phases[-1]["storage"] = snapshot(self.context, self.page, self.out, self.phases[-1]["phase"])
            self.runner.save_evidence(
                self.out, user=self.user, scenario=self.name, phases=self.phases, started=self.started
            )
            self._judged = judge_bundle(self.out).result.findings
        return self._judged

    def assert_compliant(self) -> None:
        """Fail the test listing every error-severity finding with its evidence URLs."""
        errors = [f for f in self.findings() if f.severity == "error"]
        if errors:
            raise AssertionError(describe(errors))

    def close(self) -> None:
        """Close the pages as a tab closes (their pagehide flush is awaited), then the context."""
        self.waiter.flush(self.context)
        self.context.close()


@pytest.fixture
def consent_capture(
    probe_runner: Runner, probe_artifact_dir: Path, request: pytest.FixtureRequest
) -> Iterator[ConsentCapture]:
    """A page routed through probe's proxy; mark ``decided()``/``revoked()``, then judge."""
    capture = ConsentCapture(probe_runner, request.node.name, probe_artifact_dir)
    yield capture
    capture.close()
