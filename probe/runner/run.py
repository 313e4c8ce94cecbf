"""A run: one proxy and one browser; each scenario in a fresh context, its evidence folder written always."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError

from probe.browser import BrowserChoice, context_options, find_browser, launch
from probe.capture import NOISE_CONTEXT, CaptureProxy, Router
from probe.cmp import CmpError
from probe.evidence.har_writer import build_har, iso, write_har
from probe.evidence.manifest import write_manifest
from probe.runner.session import ScenarioError, ScenarioSession
from probe.suite import Scenario, Suite

Progress = Callable[[str], None]


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

    @property
    def connected(self) -> bool:
        """True while the launched browser is alive."""
        return self._browser is not None and self._browser.is_connected()

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
        session = ScenarioSession(self, self.suite, scenario, out)
        error: str | None = None
        try:
            session.run()
        except (ScenarioError, CmpError) as exc:
            error = str(exc)
        except PlaywrightError as exc:
            error = f"browser error: {str(exc).splitlines()[0]}"
        if error and not self.connected:
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


def run_id() -> str:
    """A sortable run folder name."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
