"""Executing scenarios: a fresh browser context per scenario, phase marks at the consent clicks,
waiting for traffic to settle, per-phase snapshots, and the evidence folder at the end (always)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from probe.browser import BrowserChoice, context_options, find_browser, launch
from probe.capture import NOISE_CONTEXT, CaptureProxy, Recorder, Router
from probe.cmp import CmpAdapter, CmpError, adapter_for
from probe.evidence.har_writer import build_har, iso, write_har
from probe.evidence.manifest import write_manifest
from probe.signals import read_page_signals
from probe.suite import Choice, Scenario, Suite
from probe.timeline import AFTER, BEFORE, REVOKED

Progress = Callable[[str], None]


class ScenarioError(Exception):
    """The scenario could not be judged (site down, banner missing, browser died)."""


@dataclass
class ScenarioRun:
    """What running one scenario left behind."""

    name: str
    evidence_dir: Path
    error: str | None = None
    phases: list[str] = field(default_factory=list)


def router_for(suite: Suite, *, live: bool = False, sink_segment: bool = False) -> Router:
    """The proxy's routing for a suite: offline routes and sinks, or live forwarding."""
    offline = suite.offline
    use_offline = bool(offline and offline.enabled and not live)
    return Router(
        offline.routes if offline and not live else (),
        offline.sinks if offline else (),
        offline=use_offline,
        sink_segment=sink_segment or suite.sink_segment,
    )


def _choice_action(choice: Choice) -> str:
    return choice if isinstance(choice, str) else "choose"


class _ScenarioSession:
    """One scenario in one browser context: phases, marks, snapshots."""

    def __init__(self, runner: Runner, suite: Suite, scenario: Scenario, out: Path) -> None:
        self.runner, self.suite, self.scenario, self.out = runner, suite, scenario, out
        self.user = f"{scenario.name}-{secrets.token_hex(3)}".replace(":", "-")
        self.phases: list[dict[str, Any]] = []
        self.context: BrowserContext | None = None
        self.page: Page | None = None

    @property
    def recorder(self) -> Recorder:
        return self.runner.proxy.recorder

    def say(self, text: str) -> None:
        self.runner.progress(f"{self.scenario.name} · {text}")

    # -- phases -----------------------------------------------------------------------------------------

    def begin(
        self, phase: str, at: float, action: str | None = None, choice: dict[str, bool] | None = None
    ) -> None:
        self.phases.append({"phase": phase, "at": at, "action": action, "choice": choice})

    def run(self) -> None:
        self.begin(BEFORE, time.time())
        self.context = self.runner.new_context(self.user, gpc=self.scenario.gpc)
        self.page = self.context.new_page()
        self.browse(BEFORE)
        self.end_phase(BEFORE)
        adapter: CmpAdapter | None = None
        if self.scenario.decision is not None:
            adapter = adapter_for(self.suite.cmp, self.page)
            self.decide(adapter, self.scenario.decision, AFTER, reopen=False)
            self.browse(AFTER)
            if self.scenario.return_visit:
                self.page.reload(wait_until="load")
                self.settle()
            self.end_phase(AFTER)
        if self.scenario.revoke is not None:
            assert adapter is not None, "suite validation guarantees a decision before a revoke"
            self.decide(adapter, self.scenario.revoke, REVOKED, reopen=True)
            self.browse(REVOKED)
            self.end_phase(REVOKED)

    def decide(self, adapter: CmpAdapter, choice: Choice, phase: str, *, reopen: bool) -> None:
        assert self.page is not None
        resolved = self.suite.resolve(choice)
        action = _choice_action(choice)
        wanted = {c: g for c, g in resolved.items() if not self.suite.categories[c].required}

        def on_decide() -> None:
            mark = self.recorder.mark(self.user, phase, action=action)
            self.begin(phase, mark.at, action, resolved)
            self.phases[-1]["cmp"] = adapter.name  # which adapter acted (cmp: auto picks one)

        # only what the visitor can choose is verified: CMPs store nothing for an always-on category
        adapter.apply(
            self.page,
            wanted,
            action=action,
            via_preferences=self.scenario.via_preferences,
            reopen=reopen,
            on_decide=on_decide,
        )
        self.say(f"{phase}: {adapter.name}: {action} {json.dumps(resolved)} verified")
        self.settle()

    def browse(self, phase: str) -> None:
        """Visit the suite's pages and do its actions."""
        assert self.page is not None
        urls = self.suite.pages or [self.suite.start_url]
        for url in urls:
            self.goto(url)
            for action in self.suite.actions:
                if action.phases is not None and phase not in action.phases:
                    continue
                if (action.page or urls[-1]) != url:
                    continue
                if action.click:
                    self.page.locator(action.click).first.click(timeout=self.suite.cmp.timeout_ms)
                elif action.goto:
                    self.goto(action.goto)
            self.settle()

    def goto(self, url: str) -> None:
        assert self.page is not None
        try:
            response = self.page.goto(url, wait_until="load", timeout=30000)
        except PlaywrightError as exc:
            raise ScenarioError(f"site unreachable: {url}: {str(exc).splitlines()[0]}") from exc
        if response is not None and response.status >= 400:
            blocked = " (blocked by offline mode: add a route or sink)" if response.status == 502 else ""
            raise ScenarioError(f"site unreachable: {url} answered HTTP {response.status}{blocked}")

    def settle(self) -> None:
        quiet, limit = self.suite.settle_ms / 1000, self.suite.settle_max_ms / 1000
        if not self.recorder.settle(self.user, quiet, limit):
            self.say(f"traffic did not settle within {limit:.0f} s; going on")

    def end_phase(self, phase: str) -> None:
        """Screenshot and storage snapshot at the end of a phase."""
        assert self.page is not None and self.context is not None
        self.phases[-1]["storage"] = snapshot(self.context, self.page, self.out, phase)
        self.phases[-1]["signals"] = read_page_signals(self.page)
        flows = [
            f for f in self.recorder.flows(self.user) if f.request.timestamp_start >= self.phases[-1]["at"]
        ]
        segment = sum(1 for f in flows if "segment" in f.request.pretty_host)
        self.say(f"{phase}: {len(flows)} requests captured ({segment} to Segment hosts)")

    def error_screenshot(self) -> None:
        if self.page is not None:
            try:
                self.page.screenshot(path=str(self.out / "error.png"))
            except PlaywrightError:
                pass  # the page or browser is gone; the evidence so far still gets written

    def close(self) -> None:
        if self.context is not None:
            try:
                self.context.close()
            except PlaywrightError:
                pass


class Runner:
    """Owns the proxy and the browser for a run; runs scenarios one after another."""

    def __init__(
        self,
        playwright: Playwright,
        suite: Suite,
        *,
        browser_path: str | None = None,
        headed: bool = False,
        live: bool = False,
        sink_segment: bool = False,
        progress: Progress = lambda _: None,
    ) -> None:
        self.playwright, self.suite, self.headed, self.progress = playwright, suite, headed, progress
        self.choice: BrowserChoice = find_browser(playwright, browser_path)
        self.proxy = CaptureProxy(router_for(suite, live=live, sink_segment=sink_segment))
        self._browser: Browser | None = None

    @property
    def browser(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            self._browser = launch(
                self.playwright,
                self.choice,
                proxy_server=self.proxy.server,
                noise_user=NOISE_CONTEXT,
                spki=self.proxy.spki,
                headed=self.headed,
            )
        return self._browser

    def __enter__(self) -> Runner:
        self.proxy.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            except PlaywrightError:
                pass
        self.proxy.stop()

    def run_scenario(self, scenario: Scenario, out: Path) -> ScenarioRun:
        """Run one scenario and write its evidence folder, whatever happened."""
        out.mkdir(parents=True, exist_ok=True)
        started = time.time()
        session = _ScenarioSession(self, self.suite, scenario, out)
        error: str | None = None
        try:
            session.run()
        except (ScenarioError, CmpError) as exc:
            error = str(exc)
        except PlaywrightError as exc:
            error = f"browser error: {str(exc).splitlines()[0]}"
        if error and not (self._browser is not None and self._browser.is_connected()):
            error = f"browser died: {error}"
        if error:
            self.progress(f"{scenario.name} · ERROR {error}")
            session.error_screenshot()
        session.close()
        self.save_evidence(
            out,
            user=session.user,
            scenario=scenario.name,
            phases=session.phases,
            started=started,
            error=error,
        )
        self.proxy.recorder.forget(session.user)
        return ScenarioRun(scenario.name, out, error, [p["phase"] for p in session.phases])

    def new_context(self, user: str, *, gpc: bool = False) -> BrowserContext:
        """A fresh browser context whose traffic the proxy tags with ``user``."""
        context = self.browser.new_context(**context_options(self.proxy.server, user, gpc=gpc))
        if gpc:
            context.add_init_script(
                "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
            )
        return context

    def save_evidence(
        self,
        out: Path,
        *,
        user: str,
        scenario: str,
        phases: list[dict[str, Any]],
        started: float,
        error: str | None = None,
    ) -> None:
        """Write evidence.har, suite.json and manifest.json for one context's recording."""
        connected = self._browser is not None and self._browser.is_connected()
        version = self._browser.version if connected and self._browser is not None else "unknown"
        har = build_har(
            self.proxy.recorder.flows(user),
            phases,
            scenario=scenario,
            context=user,
            browser=("chromium", version),
        )
        if error:
            har["log"]["_probe"]["error"] = error
        write_har(out / "evidence.har", har)
        (out / "suite.json").write_text(self.suite.model_dump_json(indent=1), encoding="utf-8")
        write_manifest(
            out,
            browser={"name": "chromium", "version": version},
            scenario=scenario,
            suite_sha256=self.suite.sha256,
            started=iso(started),
            ended=iso(time.time()),
        )


def snapshot(context: BrowserContext, page: Page, out: Path, phase: str) -> dict[str, Any]:
    """Screenshot plus cookies and localStorage at the end of a phase; returns the HAR page storage."""
    page.screenshot(path=str(out / f"{phase}.png"))
    cookies = context.cookies()
    storage: dict[str, dict[str, str]] = {}
    for open_page in context.pages:
        try:
            storage[open_page.url] = open_page.evaluate(
                "() => Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))"
            )
        except PlaywrightError:
            storage[open_page.url] = {}  # about:blank, or a page mid-navigation
    (out / f"{phase}.storage.json").write_text(
        json.dumps({"cookies": cookies, "localStorage": storage}, indent=1), encoding="utf-8"
    )
    flat = {k: v for values in storage.values() for k, v in values.items()}
    return {"cookies": {c["name"]: c["value"] for c in cookies}, "localStorage": flat}


def run_id() -> str:
    """A sortable run folder name."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
