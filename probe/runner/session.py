"""One scenario in one browser context: browse, decide, act where the visitor is, mark, snapshot."""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from probe.banner.observe import BannerObserver, return_visit
from probe.cmp import CmpAdapter, CmpError, adapter_for
from probe.interrupts import checkpoint
from probe.runner.snapshot import snapshot
from probe.runner.waiting import Waiter
from probe.signals import read_page_signals
from probe.suite import Action, Choice, Scenario, Suite
from probe.timeline import AFTER, BEFORE, REVOKED

if TYPE_CHECKING:
    from pathlib import Path

    from probe.capture import Recorder
    from probe.runner.run import Runner


class ScenarioError(Exception):
    """The scenario could not be judged (site down, banner missing, browser died)."""


def _choice_action(choice: Choice) -> str:
    return choice if isinstance(choice, str) else "choose"


def _without_credentials(url: str) -> str:
    """A URL without ``user:password@`` (staging basic auth) and fragment, as errors may show it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _same_page(a: str, b: str) -> bool:
    return a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")


class ScenarioSession:
    """One scenario in one browser context: phases, marks, waits, snapshots."""

    def __init__(self, runner: Runner, suite: Suite, scenario: Scenario, out: Path) -> None:
        self.runner, self.suite, self.scenario, self.out = runner, suite, scenario, out
        self.user = f"{scenario.name}-{secrets.token_hex(3)}".replace(":", "-")
        self.phases: list[dict[str, Any]] = []
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.waiter = Waiter(
            self.recorder,
            self.user,
            quiet_ms=suite.settle_ms,
            max_ms=suite.settle_max_ms,
            backend_ms=suite.backend.flush_ms if suite.backend else None,
        )

    @property
    def recorder(self) -> Recorder:
        return self.runner.proxy.recorder

    def say(self, text: str) -> None:
        self.runner.progress(f"{self.scenario.name} · {text}")

    # -- phases -----------------------------------------------------------------------------------------

    def begin(
        self, phase: str, at: float, action: str | None = None, choice: dict[str, bool] | None = None
    ) -> None:
        self.phases.append({"phase": phase, "at": at, "action": action, "choice": choice, "waits": []})

    def run(self) -> None:
        self.begin(BEFORE, time.time())
        self.context = self.runner.new_context(self.user, gpc=self.scenario.gpc)
        self.waiter.browser.watch(self.context)
        self.page = self.context.new_page()
        self.browse(BEFORE)
        self.end_phase(BEFORE)
        adapter: CmpAdapter | None = None
        if self.scenario.decision is not None:
            adapter = adapter_for(self.suite.cmp, self.page)
            self.decide(adapter, self.scenario.decision, AFTER, reopen=False)
            self.act_here(AFTER)
            self.browse(AFTER)
            if self.scenario.return_visit:
                started = time.time()
                self.page.reload(wait_until="load")
                self.settle("reload (return visit)", since=started)
                self.banner_on_return(adapter)
            self.end_phase(AFTER)
        if self.scenario.revoke is not None:
            if adapter is None:
                raise ScenarioError(f"scenario {self.scenario.name!r} revokes without a decision")
            self.decide(adapter, self.scenario.revoke, REVOKED, reopen=True)
            self.act_here(REVOKED)
            self.browse(REVOKED)
            self.end_phase(REVOKED)

    def decide(self, adapter: CmpAdapter, choice: Choice, phase: str, *, reopen: bool) -> None:
        """Make the choice through the banner; the page is drained right before the decisive click."""
        assert self.page is not None
        resolved = self.suite.resolve(choice)
        action = _choice_action(choice)
        wanted = {c: g for c, g in resolved.items() if not self.suite.categories[c].required}
        clicked = [0.0]

        def on_decide() -> None:
            # nothing the page queued may cross the mark because probe clicked fast
            self.settle(f"drain before the {phase} click", since=None)
            mark = self.recorder.mark(self.user, phase, action=action)
            clicked[0] = mark.at
            self.begin(phase, mark.at, action, resolved)
            self.phases[-1]["cmp"] = adapter.name  # which adapter acted (cmp: auto picks one)

        # the banner as the visitor meets it, measured on the way (probe.banner); not on a reopen
        observer = None if reopen else BannerObserver(adapter, self.out, f"{phase}.banner")
        if observer is not None:
            observer.attach()
        try:
            # only what the visitor can choose is verified: CMPs store nothing for an always-on category
            adapter.apply(
                self.page,
                wanted,
                action=action,
                via_preferences=self.scenario.via_preferences,
                reopen=reopen,
                on_decide=on_decide,
            )
        finally:
            if observer is not None:
                observer.detach()
        if observer is not None:
            self.phases[-1]["banner"] = observer.record
        self.say(f"{phase}: {adapter.name}: {action} {json.dumps(resolved)} verified")
        self.settle(f"{phase} click", since=clicked[0] or time.time())

    def banner_on_return(self, adapter: CmpAdapter) -> None:
        """Whether the banner came back on the return visit, and how long after the decision."""
        assert self.page is not None
        seen = return_visit(adapter, self.page, self.out, f"{self.phases[-1]['phase']}.return.banner")
        if seen is not None and "banner" in self.phases[-1]:
            seen["after_s"] = round(time.time() - self.phases[-1]["at"], 1)
            self.phases[-1]["banner"]["return_visit"] = seen

    # -- actions --------------------------------------------------------------------------------------

    def _due(self, action: Action, phase: str) -> bool:
        return action.phases is None or phase in action.phases

    def act_here(self, phase: str) -> None:
        """Right after a decision or revoke, the suite's actions on the page the visitor is on."""
        assert self.page is not None
        here = self.page.url
        listed = self.suite.pages or [self.suite.start_url]
        for action in self.suite.actions:
            where = action.page or listed[-1]
            if self._due(action, phase) and (where in ("current", "every") or _same_page(where, here)):
                self.do(action)

    def browse(self, phase: str) -> None:
        """Visit the suite's pages and do their actions."""
        assert self.page is not None
        urls = self.suite.pages or [self.suite.start_url]
        for url in urls:
            self.goto(url)
            for action in self.suite.actions:
                where = action.page or urls[-1]
                if self._due(action, phase) and (where == "every" or where == url):
                    self.do(action)

    def do(self, action: Action) -> None:
        """One suite action, then a wait measured from it."""
        assert self.page is not None
        checkpoint()
        if action.click:
            started = time.time()
            self.page.locator(action.click).first.click(timeout=self.suite.cmp.timeout_ms)
            self.settle(f"click {action.click}", since=started)
        elif action.goto:
            self.goto(action.goto)

    def goto(self, url: str) -> None:
        """Load a page (the previous one's pagehide flush goes out as the visitor leaves it)."""
        assert self.page is not None
        checkpoint()
        started = time.time()
        try:
            response = self.page.goto(url, wait_until="load", timeout=30000)
        except PlaywrightError as exc:
            shown = _without_credentials(url)
            raise ScenarioError(f"site unreachable: {shown}: {str(exc).splitlines()[0]}") from exc
        if response is not None and response.status >= 400:
            shown = _without_credentials(url)
            raise ScenarioError(f"site unreachable: {shown} answered HTTP {response.status}{self._why(url)}")
        self.settle(f"load {url}", since=started)

    def _why(self, url: str) -> str:
        """What the proxy knows about a failed page load: offline blocking, or the upstream's error."""
        if not self.runner.live:
            return " (blocked by offline mode: add a route or sink)"
        wanted = _without_credentials(url)
        for flow in reversed(self.recorder.flows(self.user)):
            error = flow.metadata.get("probe", {}).get("error")
            if error and _without_credentials(flow.request.pretty_url) == wanted:
                return f" (upstream error: {error})"
        return ""

    def settle(self, after: str, *, since: float | None) -> None:
        """Wait for the page (see probe.runner.waiting) and record the wait in the current phase."""
        wait = self.waiter.wait(self.page, after, since=since)
        self.phases[-1]["waits"].append(wait.record())
        checkpoint()  # a wait ends early when the run is asked to stop
        if not wait.settled:
            self.say(f"traffic did not settle within {wait.waited_ms / 1000:.0f} s after {after}; going on")

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
        """A screenshot of the page as the error left it."""
        if self.page is not None:
            try:
                self.page.screenshot(path=str(self.out / "error.png"))
            except PlaywrightError:
                pass  # the page or browser is gone; the evidence so far still gets written

    def close(self) -> None:
        """Close the pages as a tab closes, wait for their flush, then close the context."""
        if self.context is None:
            return
        if self.phases and self.runner.connected:
            self.phases[-1]["waits"].append(self.waiter.flush(self.context).record())
        try:
            self.context.close()
        except PlaywrightError:
            pass


__all__ = ["CmpError", "ScenarioError", "ScenarioSession"]
