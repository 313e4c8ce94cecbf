"""A run: one proxy and one browser; each scenario in a fresh context, its evidence folder written always."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError

from probe.browser import (
    HIDE_WEBDRIVER_JS,
    BrowserChoice,
    BrowserUnreachable,
    connect,
    context_options,
    endpoint_host,
    find_browser,
    launch,
)
from probe.capture import NOISE_CONTEXT, CaptureProxy, Router, Upstream
from probe.cmp import CmpError
from probe.evidence.har_writer import build_har, iso, write_har
from probe.evidence.manifest import MANIFEST_NAME, write_manifest
from probe.interrupts import Interrupted, received
from probe.runner.backend import BackendError
from probe.runner.server_side import BackendLane
from probe.runner.session import ScenarioError, ScenarioSession
from probe.suite import Scenario, Suite, name_problem

Progress = Callable[[str], None]


@dataclass
class ScenarioRun:
    """What running one scenario left behind."""

    name: str
    evidence_dir: Path
    error: str | None = None
    phases: list[str] = field(default_factory=list)
    unwritten: dict[str, str] = field(default_factory=dict)  # file -> why it could not be written


def router_for(
    suite: Suite,
    *,
    live: bool = False,
    sink_segment: bool = False,
    backend: tuple[str, int] | None = None,
) -> Router:
    """The proxy's routing for a suite: offline routes and sinks, or live forwarding; ``backend``:
    where the suite's backend listens (its prefixes are handed to it)."""
    offline = suite.offline
    use_offline = bool(offline and offline.enabled and not live)
    return Router(
        offline.routes if offline and not live else (),
        offline.sinks if offline else (),
        offline=use_offline,
        sink_segment=sink_segment or suite.sink_segment,
        backend_prefixes=suite.backend.forward if suite.backend and backend else (),
        backend_address=backend,
    )


class Runner:
    """Owns the proxy and the browsers of a run; runs scenarios, each in a fresh context.

    One proxy serves the whole run. Browsers are per thread (Playwright's sync API belongs to the
    thread that started it): the thread that made the Runner uses ``playwright``; a worker thread
    brings its own through ``lane()`` (see probe.runner.parallel).
    """

    def __init__(
        self,
        playwright: Playwright,
        suite: Suite,
        *,
        browser_path: str | None = None,
        headed: bool = False,
        live: bool = False,
        sink_segment: bool = False,
        upstream: Upstream | None = None,
        http_credentials: tuple[str, str] | None = None,
        connect: str | None = None,
        proxy_listen: tuple[str, int] | None = None,
        progress: Progress = lambda _: None,
        run_dir: Path | None = None,
    ) -> None:
        self.suite, self.headed, self.progress = suite, headed, progress
        self.http_credentials, self.endpoint = http_credentials, connect
        # a browser server chose its own browser: nothing to find here
        self.choice: BrowserChoice | None = None if connect else find_browser(playwright, browser_path)
        # the site's backend (backend.log goes in the run folder)
        self.server = BackendLane(suite, run_dir, progress) if suite.backend else None
        router = router_for(
            suite, live=live, sink_segment=sink_segment, backend=self.server.address if self.server else None
        )
        self.live = not router.offline  # a suite without an offline block is live even without --live
        self.proxy = CaptureProxy(router, upstream=upstream, report=progress, listen=proxy_listen)
        if self.proxy.upstream.insecure:
            progress(
                "WARNING: --upstream-insecure: upstream TLS certificates are NOT verified; "
                "the evidence records it (log._probe.upstream.tls_verify: false)"
            )
        self._lanes = threading.local()
        self._lanes.lane = _Lane(playwright)

    @property
    def _lane(self) -> _Lane:
        lane: _Lane | None = getattr(self._lanes, "lane", None)
        if lane is None:
            raise RuntimeError("this thread has no browser lane: use Runner.lane() in worker threads")
        return lane

    @contextlib.contextmanager
    def lane(self, playwright: Playwright) -> Iterator[None]:
        """Give the calling (worker) thread its own browser, started from its own ``playwright``."""
        self._lanes.lane = _Lane(playwright)
        try:
            yield
        finally:
            self._lanes.lane.close()
            self._lanes.lane = None

    @property
    def browser(self) -> Browser:
        """This thread's browser, launched (again, if it died) behind the run's proxy."""
        lane = self._lane
        if lane.browser is None or not lane.browser.is_connected():
            if self.endpoint is not None:
                lane.browser = connect(lane.playwright, self.endpoint)
                return lane.browser
            assert self.choice is not None
            lane.browser = launch(
                lane.playwright,
                self.choice,
                proxy_server=self.proxy.server,
                noise_user=NOISE_CONTEXT,
                spki=self.proxy.spki,
                headed=self.headed,
            )
        return lane.browser

    @property
    def connected(self) -> bool:
        """True while this thread's browser is alive."""
        browser = self._lane.browser
        return browser is not None and browser.is_connected()

    def __enter__(self) -> Runner:
        self.proxy.start()
        if self.server is not None:
            try:
                self.server.start(self.proxy)
            except BackendError:
                self.proxy.stop()
                raise
        if self.endpoint is not None:
            # a wrong or dead endpoint is told once, before any scenario, not as every scenario's error
            try:
                self.browser  # noqa: B018 - connects this thread's lane
            except BrowserUnreachable:
                self.proxy.stop()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._lane.close()
        try:
            if self.server is not None:
                self.server.finish(self.proxy)
        finally:
            self.proxy.stop()

    def run_scenario(self, scenario: Scenario, out: Path) -> ScenarioRun:
        """Run one scenario and write its evidence folder, whatever happened.

        An interrupt (see probe.interrupts) ends the scenario as an error; an unexpected exception or
        a bare KeyboardInterrupt is raised again once the evidence so far is written.
        """
        out.mkdir(parents=True, exist_ok=True)
        started = time.time()
        session = ScenarioSession(self, self.suite, scenario, out)
        self.progress(f"{scenario.name} · started")
        error: str | None = None
        reraise: BaseException | None = None
        interrupted = False
        try:
            session.run()
        except (ScenarioError, CmpError) as exc:
            error = str(exc)
        except BrowserUnreachable as exc:  # the browser server went away and could not be reconnected
            error = str(exc)
        except PlaywrightError as exc:
            error = f"browser error: {_first_line(exc)}"
        except Interrupted as exc:
            error, interrupted = f"interrupted by {exc.signame}", True
        except KeyboardInterrupt as exc:
            error, reraise, interrupted = "interrupted by SIGINT", exc, True
        except OSError as exc:  # a phase snapshot could not be written: full disk, read-only folder
            error = f"cannot write {Path(exc.filename).name if exc.filename else 'evidence'}: {_why(exc)}"
        except Exception as exc:  # a bug in probe: keep the evidence, then let the caller report it
            error, reraise = f"internal error: {type(exc).__name__}: {_first_line(exc)}", exc
        if error is None and self.server is not None:
            error = self.server.crashed()  # its requests would be missing from the evidence
        if reraise is None and (signame := received()) is not None:
            # a step that was under way when the signal came may have ended any way (its waits were
            # cut short); the run was asked to stop, and that is the scenario's cause. A bug in probe
            # stays reported as itself: its traceback is raised next.
            error, interrupted = f"interrupted by {signame}", True
        if error and reraise is None and not interrupted and not self.connected:
            error = f"browser died: {error}"
        if error:
            self.progress(f"{scenario.name} · ERROR {error}")
        self._wind_up(session, error)
        unwritten = self.save_evidence(
            out,
            user=session.user,
            scenario=scenario.name,
            phases=session.phases,
            started=started,
            error=error,
        )
        self.proxy.recorder.forget(session.user)
        if reraise is not None:
            raise reraise
        return ScenarioRun(scenario.name, out, error, [p["phase"] for p in session.phases], unwritten)

    def _wind_up(self, session: ScenarioSession, error: str | None) -> None:
        """Error screenshot and closing the context: best effort, the evidence is written after it."""
        steps = [("error screenshot", session.error_screenshot)] if error else []
        for what, step in [*steps, ("closing the page", session.close)]:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - a failure here must not cost the evidence
                self.progress(f"{session.scenario.name} · {what} failed: {_first_line(exc)}")

    def new_context(self, user: str, *, gpc: bool = False) -> BrowserContext:
        """A fresh browser context whose traffic the proxy tags with ``user``."""
        remote = self.endpoint is not None
        options = context_options(
            self.proxy.server,
            user,
            gpc=gpc,
            http_credentials=self.http_credentials,
            credentials_origin=_origin(self.suite.start_url),
            remote=remote,
        )
        context = self.browser.new_context(**options)
        if remote:
            context.add_init_script(HIDE_WEBDRIVER_JS)
        if gpc:
            context.add_init_script(
                "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
            )
        return context

    def browser_server_evidence(self) -> dict[str, str]:
        """What a remote browser changes about trust, for the HAR's ``log._probe.browser_server``."""
        assert self.endpoint is not None
        if not self.live:
            upstream = "offline: nothing goes upstream"
        elif self.proxy.upstream.insecure:
            upstream = "the proxy does not verify upstream certificates (--upstream-insecure)"
        else:
            upstream = "the proxy verifies upstream certificates"
        return {
            # host:port only: the endpoint's path may be the server's secret token
            "endpoint_host": endpoint_host(self.endpoint),
            "tls": f"ignore_https_errors per context (no certificate pin on a browser probe did not "
            f"launch); {upstream}",
            "webdriver": "navigator.webdriver hidden per context (init script)",
        }

    def save_evidence(
        self,
        out: Path,
        *,
        user: str,
        scenario: str,
        phases: list[dict[str, Any]],
        started: float,
        error: str | None = None,
    ) -> dict[str, str]:
        """Write evidence.har, suite.json and, last, manifest.json for one context's recording.

        Returns the files that could not be written (full disk, read-only folder) with why; the
        manifest lists them too, so a reader knows the folder is incomplete rather than guessing.
        """
        version = self._lane.browser.version if self.connected and self._lane.browser else "unknown"
        har = build_har(
            self.proxy.recorder.flows(user),
            phases,
            scenario=scenario,
            context=user,
            browser=("chromium", version),
            credentials=self.http_credentials,  # masked in the HAR, which CI keeps as an artifact
            server=self.server.entries_for(self.proxy.recorder, user) if self.server else (),
        )
        har["log"]["_probe"].update(self.proxy.evidence())  # offline or live, and upstream trust
        if self.endpoint is not None:
            har["log"]["_probe"]["browser_server"] = self.browser_server_evidence()
        if error:
            har["log"]["_probe"]["error"] = error
        unwritten: dict[str, str] = {}
        suite_json = self.suite.model_dump_json(indent=1)
        _write_whole(out / "evidence.har", lambda path: write_har(path, har), unwritten)
        _write_whole(
            out / "suite.json", lambda path: path.write_text(suite_json, encoding="utf-8"), unwritten
        )
        try:
            write_manifest(
                out,
                browser={"name": "chromium", "version": version},
                scenario=scenario,
                suite_sha256=self.suite.sha256,
                started=iso(started),
                ended=iso(time.time()),
                unwritten=dict(unwritten),
            )
        except OSError as exc:
            unwritten[MANIFEST_NAME] = _why(exc)
        return unwritten


class _Lane:
    """One thread's Playwright and the browser it launched (None until the first context)."""

    def __init__(self, playwright: Playwright) -> None:
        self.playwright = playwright
        self.browser: Browser | None = None

    def close(self) -> None:
        if self.browser is not None:
            with contextlib.suppress(PlaywrightError):
                self.browser.close()
            self.browser = None


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, without any login in it."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def _write_whole(path: Path, write: Callable[[Path], object], unwritten: dict[str, str]) -> None:
    """Write a file beside its name and rename it: a full disk leaves no half file to be hashed."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    except OSError as exc:
        unwritten[path.name] = _why(exc)
        with contextlib.suppress(OSError):  # a read-only folder refuses even this
            partial.unlink(missing_ok=True)  # frees the space the manifest needs


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def new_run_dir(parent: Path) -> Path:
    """A new run folder under ``parent``, created by this call alone (two runs never share one)."""
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        folder = parent / run_id()
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # another run took this name in the same second; draw again
        return folder
    raise FileExistsError(f"{parent}: no free run folder name after 100 tries")


def scenario_dir(run_dir: Path, name: str) -> Path:
    """The new, empty evidence folder of scenario ``name``: a direct child of ``run_dir``."""
    problem = name_problem(name)
    if problem is not None:
        # suites refuse such names at load; this guards scenarios made in code
        raise ValueError(f"scenario name {name!r} {problem}")
    folder = run_dir / name
    folder.mkdir()  # exist_ok=False: one scenario's evidence never overwrites another's
    return folder


def run_id() -> str:
    """A sortable run folder name: the UTC time, then a random part so that names never collide."""
    return f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
