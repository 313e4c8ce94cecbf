"""The ``probe`` command line: run, demo, replay, merge, verify, redact, browser."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.text import Text

from probe import __version__, interrupts
from probe.baseline import Diff, apply_baseline, compare, exit_code_against_baseline, load_baseline
from probe.cli_limits import read_limit_options
from probe.evidence import HarError
from probe.evidence.redact import has_reports, redact_bundles, redact_folder
from probe.judge import (
    Judged,
    ReportsNotWritten,
    browser_of,
    build_report,
    by_reason,
    judge_bundle,
    judge_har,
    write_reports,
)
from probe.report import ReportFormatError, render_console
from probe.report.baseline import render_changes
from probe.report.text import one_line, safe_text

if TYPE_CHECKING:
    from probe.findings import Report
    from probe.runner import Runner, ScenarioRun
    from probe.suite import Choice, Scenario, Suite

EXIT_OK, EXIT_VIOLATION, EXIT_TOOL_ERROR = 0, 1, 2
DEMO_SUITE = Path(__file__).resolve().parent.parent / "scenarios" / "demo" / "suite.yaml"
LOG_NAME = "probe.log"

err = Console(stderr=True, highlight=False)


def say(message: object) -> None:
    """The one-line cause on stderr, printed as inert text (it may quote a site or a suite)."""
    err.print(Text("probe: ", style="bold red") + Text(one_line(message)), soft_wrap=True)


def fail(message: object) -> NoReturn:
    """One-line cause on stderr, exit code 2 (the tool could not judge)."""
    say(message)
    sys.exit(EXIT_TOOL_ERROR)


class _Log:
    """Where an unexpected exception's traceback goes: the run folder once there is one."""

    folder: Path | None = None


def _save_traceback(exc: BaseException) -> str:
    """Append the traceback to probe.log (run folder, else probe's state folder); say where."""
    from probe.capture.ca import state_dir

    try:
        folder = _Log.folder or state_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"probe {__version__} {datetime.now(UTC).isoformat()} {' '.join(sys.argv)}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError as problem:
        return f"its traceback could not be saved: {problem.strerror or problem}"
    return f"traceback in {path}"


def _internal(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"internal error: {type(exc).__name__}" + (f": {text[0]}" if text else "")


class _ProbeGroup(click.Group):
    """The command group: an unexpected exception is exit 2 with one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        _Log.folder = None  # each command names its own folder (tests invoke several in one process)
        _Baseline.report = None
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except interrupts.Interrupted as exc:
            fail(f"interrupted by {exc.signame}")
        except KeyboardInterrupt:
            fail("interrupted by SIGINT")
        except Exception as exc:  # a bug in probe: exit 2, never 1, and keep the traceback
            fail(f"{_internal(exc)} ({_save_traceback(exc)})")


class _PlainLog(logging.Handler):
    """Warnings of libraries (mitmproxy) as one inert line each: they may quote what a site sent."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(Text(one_line(f"{record.name}: {record.getMessage()}"), style="dim"), soft_wrap=True)


@click.group(cls=_ProbeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="probe")
def main() -> None:
    """Prove, with evidence, whether a Segment site respects the visitor's consent choice."""
    logging.lastResort = _PlainLog(logging.WARNING)


class _Baseline:
    """The report a run or replay is judged against (--baseline), read before any work starts."""

    report: Report | None = None


def _load_baseline(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """--baseline: read the old report at once, so an unreadable one is exit 2 before a browser starts."""
    from probe.baseline import load_baseline
    from probe.report import ReportFormatError

    if value is None or ctx.resilient_parsing:
        return
    try:
        _Baseline.report = load_baseline(value)
    except ReportFormatError as exc:
        fail(f"--baseline: {exc}")


# a callback, not a parameter: run and replay keep their signatures, _report reads _Baseline
_baseline_option = click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    expose_value=False,
    callback=_load_baseline,
    help="An earlier report.json (or its run folder): only findings it does not have fail this run.",
)


def _exact_run_dir(run_dir: Path | None, out: Path | None) -> Path | None:
    """Check ``--run-dir`` before any work: exit 2 with its cause when it cannot be used."""
    if run_dir is None:
        return None
    if out is not None:
        fail("--run-dir and --out cannot be used together (--run-dir is the exact folder)")
    if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        # never mix two runs' evidence and reports in one folder
        fail(f"{run_dir}: --run-dir exists and is not an empty folder; give a new or empty one")
    return run_dir


def _run(
    suite_paths: Sequence[Path],
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir_option: Path | None,
    redact: bool,
    runner_options: dict[str, Any],
    *,
    workers: int | None = None,
    shard: str | None = None,
) -> None:
    """Run the chosen scenarios of every suite, judge them, write the reports, exit with the verdict.

    ``runner_options`` go to each suite's Runner (browser, live mode, upstream, credentials).
    """
    from probe.shards import ShardError, check_names, chosen_items, parse_shard, select, suite_files
    from probe.suite import SuiteError, load_suite

    exact = _exact_run_dir(run_dir_option, out)
    try:
        part = parse_shard(shard) if shard is not None else None
        files = suite_files(suite_paths)
        suites = [load_suite(path) for path in files]
        check_names(suites)
        # a repeated --scenario runs once: its evidence folder can only be written once
        items = select(chosen_items(suites, list(dict.fromkeys(scenarios))), part)
    except (SuiteError, ShardError) as exc:
        fail(str(exc))
    run_dir = _make_run_dir(exact, out)
    _Log.folder = run_dir
    several = len(suites) > 1
    with interrupts.watch():
        judged: list[Judged] = []
        runs: list[ScenarioRun] = []
        causes: list[str] = []
        # suites by name: the order probe merge puts them in, so a merged report reads the same
        for suite in sorted(suites, key=lambda s: s.name):
            chosen = [i.scenario for i in items if i.suite is suite]
            if not chosen or interrupts.received() or causes:
                continue  # an empty shard starts no browser; after a cause the run stops
            # several suites: <run>/<suite>/<scenario>/, so equal scenario names never collide
            folder = _suite_dir(run_dir, suite.name) if several else run_dir
            suite_runs, suite_causes = _run_scenarios(suite, chosen, folder, runner_options, workers)
            # from here on an interrupt is only noted: the evidence is complete, the reports follow
            if redact:
                suite_causes += _redact_runs(suite_runs)
            judged += [_judge_run(r, suite) for r in suite_runs]
            runs += suite_runs
            causes += suite_causes
        browser = browser_of([r.evidence_dir for r in runs])
        code = _report(judged, None if several else suites[0].name, run_dir, browser, causes)
    sys.exit(code)


def _suite_dir(run_dir: Path, name: str) -> Path:
    """A suite's folder in a run of several suites (its name was checked as a folder name)."""
    folder = run_dir / name
    folder.mkdir(exist_ok=True)
    return folder


def _make_run_dir(exact: Path | None, out: Path | None) -> Path:
    """The run folder, new (or the given empty --run-dir) and writable; exit 2 before any browser."""
    from probe.runner.run import new_run_dir

    target = exact or out or Path("artifacts")
    try:
        if exact is not None:
            exact.mkdir(parents=True, exist_ok=True)
            run_dir = exact
        else:
            run_dir = new_run_dir(target)
        # creating a folder can work where writing a file does not (a read-only bind, a quota)
        probe_file = run_dir / ".probe-write-test"
        probe_file.write_bytes(b"")
        probe_file.unlink()
    except OSError as exc:
        fail(f"{target}: cannot create a run folder there ({exc.strerror or exc})")
    return run_dir


def _run_scenarios(
    suite: Suite,
    chosen: list[Scenario],
    run_dir: Path,
    runner_options: dict[str, Any],
    workers: int | None,
) -> tuple[list[ScenarioRun], list[str]]:
    """Run the scenarios until done, interrupted or unable to write; the runs and the causes to tell."""
    from playwright.sync_api import sync_playwright

    from probe.browser import BrowserNotFound
    from probe.capture import ProxyError
    from probe.runner import Runner
    from probe.runner.backend import BackendError
    from probe.runner.parallel import default_workers

    done: dict[int, ScenarioRun] = {}
    causes: list[str] = []
    try:
        with sync_playwright() as playwright:
            with interrupts.cancellable():  # finding (or installing) the browser may take a while
                runner = Runner(playwright, suite, progress=_progress, run_dir=run_dir, **runner_options)
            with runner:
                lanes = workers or default_workers(len(chosen))
                _each_scenario(runner, chosen, run_dir, done, causes, lanes)
    except (BrowserNotFound, ProxyError, BackendError) as exc:
        fail(str(exc))
    except interrupts.Interrupted:
        pass  # between scenarios or while starting: nothing half-written; told below
    except Exception as exc:  # a bug in probe: the evidence so far is written; report, then exit 2
        causes.append(f"{_internal(exc)} ({_save_traceback(exc)})")
    runs = [done[i] for i in sorted(done)]  # the suite's order, whichever worker finished first
    signame = interrupts.received()
    if signame is not None:
        left = len(chosen) - len(runs)
        causes.insert(0, f"interrupted by {signame}" + (f"; {left} scenario(s) not run" if left else ""))
    return runs, causes


def _each_scenario(
    runner: Runner,
    chosen: list[Scenario],
    run_dir: Path,
    done: dict[int, ScenarioRun],
    causes: list[str],
    workers: int,
) -> None:
    """Run every scenario on ``workers`` lanes; a folder that cannot be written stops the run."""
    from probe.runner import ScenarioRun
    from probe.runner.parallel import run_each, visits
    from probe.runner.run import scenario_dir

    def one(item: tuple[int, Scenario]) -> bool:
        index, scenario = item
        try:
            folder = scenario_dir(run_dir, scenario.name)
        except (OSError, ValueError) as exc:
            causes.append(f"{run_dir}: cannot create the evidence folder of {scenario.name!r} ({_why(exc)})")
            return False
        try:
            done[index] = runner.run_scenario(scenario, folder)
        except Exception as exc:
            done[index] = ScenarioRun(scenario.name, folder, _internal(exc))
            raise
        unwritten = done[index].unwritten
        if unwritten:
            listed = "" if "manifest.json" in unwritten else "; its manifest.json lists what is missing"
            causes.append(f"{folder}: could not write {by_reason(unwritten)}{listed}")
            return False  # the disk is full or read-only: the next scenario could not be kept either
        return True

    what = chosen[0].name if len(chosen) == 1 else f"{len(chosen)} scenarios"
    lanes = min(workers, len(chosen))
    on = f" on {lanes} workers" if lanes > 1 else ""
    with err.status(safe_text(f"{what} running{on}…", "bold")):
        # the costliest first: with fewer lanes than scenarios the longest must not start last
        run_each(runner, list(enumerate(chosen)), one, workers, cost=lambda item: visits(runner.suite, item[1]))


def _why(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _progress(line: str) -> None:
    """A runner progress line: inert text (it quotes scenario names and the site's URLs)."""
    err.print(Text("  ") + Text(one_line(line)), soft_wrap=True)


def _judge_run(run: ScenarioRun, suite: Suite) -> Judged:
    """Judge a scenario's evidence folder; one whose HAR could not be written is an error."""
    from probe.analysis import analyse_timeline
    from probe.findings import ScenarioResult
    from probe.timeline import Timeline

    if (run.evidence_dir / "evidence.har").is_file():
        # without its suite.json the folder is judged with the suite this run used
        return judge_bundle(run.evidence_dir, suite if "suite.json" in run.unwritten else None)
    why = run.unwritten.get("evidence.har", "missing")
    result = ScenarioResult(
        name=run.name,
        status="error",
        error=f"evidence.har could not be written ({why}); nothing to judge",
        evidence_dir=str(run.evidence_dir),
    )
    empty = Timeline(run.name, [])
    return Judged(result, empty, suite, analyse_timeline(empty, suite))


def _report(
    judged: list[Judged],
    suite_name: str | None,
    out: Path,
    browser: str | None,
    causes: list[str] | None = None,
    notes: list[str] | None = None,
) -> int:
    """Write and print the reports, then the cause if any; the exit code the verdict implies."""
    causes = list(causes or [])
    report = build_report(judged, suite_name, browser)
    changes = _against_baseline(report)
    code = report.exit_code if changes is None else exit_code_against_baseline(report)
    try:
        paths = write_reports(out, report, judged)
    except ReportsNotWritten as exc:
        paths = exc.written
        causes.append(f"{out}: {exc}")
    if not causes and (cause := verdict_cause(report, changes is not None, code)):
        causes.append(cause)
    console = Console(highlight=False)
    # notes help read a verdict; on exit 2 stderr carries the one-line cause and nothing else
    noted = console if causes or report.exit_code == EXIT_TOOL_ERROR else err
    for note in notes or []:
        noted.print(Text("  note: ") + Text(one_line(note)), soft_wrap=True)
    render_console(report, console)
    if changes is not None:
        groups = {"new": changes.new, "fixed": changes.fixed, "unchanged": changes.unchanged}
        render_changes(console, groups, show_unchanged=False)
    return print_where(console, "evidence and reports", out, paths, causes, code)


def print_where(
    console: Console, label: str, folder: Path, paths: dict[str, Path], causes: list[str], code: int
) -> int:
    """A command's closing lines: where its reports are, the one-line cause, report.json's path last.

    Returns the exit code: 2 when there is a cause, else ``code``.
    """
    console.print(safe_text(f"{label}: {folder}"), soft_wrap=True)
    for kind, path in paths.items():
        if kind != "json":
            console.print(safe_text(f"  {kind:>5}: {path}"), soft_wrap=True)
    if causes:
        say("; ".join(causes))
    if "json" in paths:
        # the very last line, bare and never wrapped, so scripts can take it with `tail -n 1`
        click.echo(str(paths["json"].resolve()))
    return EXIT_TOOL_ERROR if causes else code


def _against_baseline(report: Report) -> Diff | None:
    """With --baseline: each finding marked new or unchanged, the fixed ones listed; else None."""
    if _Baseline.report is None:
        return None
    return apply_baseline(report, _Baseline.report)


def verdict_cause(report: Report, against_baseline: bool, code: int) -> str | None:
    """The one-line cause of an exit 2 that comes from the verdict itself (rules that could not run)."""
    if _only_inconclusive(report):
        return _inconclusive_cause(report)
    if against_baseline and code == EXIT_TOOL_ERROR:
        return _unjudged_cause(report)
    return None


def _unjudged_cause(report: Report) -> str:
    """With --baseline and no new violation: the one line naming the scenarios not judged in full."""
    parts = [
        f"{s.name}: {'; '.join(gap.reason for gap in s.unjudged)}" for s in report.scenarios if s.unjudged
    ]
    return "no new violation, but not every rule could run: " + " | ".join(parts)


def _only_inconclusive(report: Report) -> bool:
    """True when the exit code is 2 only because rules could not run (no tool error, no violation)."""
    statuses = {s.status for s in report.scenarios}
    return "inconclusive" in statuses and not statuses & {"error", "fail"}


def _inconclusive_cause(report: Report) -> str:
    """The one line saying which scenarios could not be judged in full, and why."""
    parts = [
        f"{s.name}: {'; '.join(gap.reason for gap in s.unjudged)}"
        for s in report.scenarios
        if s.status == "inconclusive"
    ]
    return "inconclusive, not every rule could run: " + " | ".join(parts)


_run_options = [
    click.option("--scenario", "scenarios", multiple=True, help="Run only this scenario (repeatable)."),
    click.option(
        "--out",
        type=click.Path(path_type=Path),
        help="Folder the timestamped run folder goes into (default ./artifacts).",
    ),
    click.option(
        "--run-dir",
        type=click.Path(path_type=Path),
        help="The exact run folder (new or empty; not with --out).",
    ),
    click.option("--headed", is_flag=True, help="Show the browser window."),
    click.option("--browser-path", envvar="PROBE_BROWSER_PATH", help="Chromium executable to use."),
    click.option(
        "--redact", is_flag=True, help="Redact secrets and personal data in the evidence (findings unchanged)."
    ),
    click.option(
        "--workers",
        type=click.IntRange(1, 64),
        help="Scenarios run at once, each in its own browser context (default: the cores the load "
        "average leaves idle, 1 to 4, as memory allows).",
    ),
    click.option(
        "--connect",
        metavar="WS_ENDPOINT",
        help="Use a running Playwright browser server (ws://...) instead of launching Chromium.",
    ),
    click.option(
        "--proxy-listen",
        metavar="HOST:PORT",
        help="Where the capture proxy listens (default 127.0.0.1 on a free port); for --connect to a "
        "browser on another machine.",
    ),
]


def _runner_options(
    headed: bool, browser_path: str | None, connect: str | None, proxy_listen: str | None
) -> dict[str, Any]:
    """The browser half of a Runner's options, checked before any work (exit 2 on a bad value)."""
    from probe.capture import listen_address

    try:
        listen = listen_address(proxy_listen) if proxy_listen is not None else None
    except ValueError as exc:
        fail(f"--proxy-listen: {exc}")
    if connect is not None and not connect.startswith(("ws://", "wss://")):
        fail(f"--connect wants a Playwright browser server's ws:// or wss:// endpoint, not {connect!r}")
    if connect is not None and browser_path is not None:
        fail("--connect and --browser-path cannot be used together (the server chose its browser)")
    return {"headed": headed, "browser_path": browser_path, "connect": connect, "proxy_listen": listen}


def _with_run_options(fn):  # type: ignore[no-untyped-def]
    for option in reversed(_run_options):
        fn = option(fn)
    return fn


@main.command()
@click.argument("suites", nargs=-1, required=True, type=click.Path(path_type=Path))
@_with_run_options
@click.option(
    "--shard",
    metavar="I/N",
    help="Run only shard I of N: a fixed round-robin slice of the (suite, scenario) items by name.",
)
@_baseline_option
@click.option("--live", is_flag=True, help="Forward traffic upstream instead of the suite's offline routes.")
@click.option("--sink-segment", is_flag=True, help="Live mode: answer Segment ingestion locally.")
@click.option(
    "--upstream-ca",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Live mode: also trust this CA (PEM) for upstream TLS, besides the system store (repeatable).",
)
@click.option(
    "--upstream-insecure",
    is_flag=True,
    help="Live mode: do not verify upstream TLS certificates (said loudly; recorded in the evidence).",
)
@click.option(
    "--resolve",
    "--upstream-resolve",
    "resolve_to",
    multiple=True,
    metavar="HOST:ADDRESS[:PORT]",
    help="Live mode: connect to ADDRESS for HOST, for the browser and the proxy; the Host header and "
    "TLS name stay HOST (repeatable).",
)
@click.option(
    "--http-credentials",
    metavar="USER:PASSWORD",
    envvar="PROBE_HTTP_CREDENTIALS",
    help="HTTP basic auth in front of the site (staging); masked in the evidence. "
    "Also read from PROBE_HTTP_CREDENTIALS.",
)
def run(
    suites: tuple[Path, ...],
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir: Path | None,
    headed: bool,
    browser_path: str | None,
    redact: bool,
    workers: int | None,
    connect: str | None,
    proxy_listen: str | None,
    shard: str | None,
    live: bool,
    sink_segment: bool,
    upstream_ca: tuple[Path, ...],
    upstream_insecure: bool,
    resolve_to: tuple[str, ...],
    http_credentials: str | None,
) -> None:
    """Run suites' scenarios in a real browser and judge the evidence (SUITES: files or folders)."""
    from probe.capture import Resolve, Upstream, UpstreamError

    try:
        resolve = tuple(Resolve.parse(value) for value in resolve_to)
    except UpstreamError as exc:
        fail(str(exc))
    credentials = None
    if http_credentials is not None:
        user, sep, password = http_credentials.partition(":")
        if not sep or not user:
            fail("--http-credentials wants USER:PASSWORD")  # the value itself is never echoed
        credentials = (user, password)
    options = _runner_options(headed, browser_path, connect, proxy_listen)
    options.update(
        live=live,
        sink_segment=sink_segment,
        upstream=Upstream(ca_files=upstream_ca, insecure=upstream_insecure, resolve=resolve),
        http_credentials=credentials,
    )
    _run(suites, scenarios, out, run_dir, redact, options, workers=workers, shard=shard)


@main.command()
@_with_run_options
def demo(
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir: Path | None,
    headed: bool,
    browser_path: str | None,
    redact: bool,
    workers: int | None,
    connect: str | None,
    proxy_listen: str | None,
) -> None:
    """Run the built-in offline demo shop through the four standard scenarios."""
    if not DEMO_SUITE.is_file():
        fail(f"demo suite not found at {DEMO_SUITE} (run from a source checkout)")
    options = _runner_options(headed, browser_path, connect, proxy_listen)
    _run((DEMO_SUITE,), scenarios, out, run_dir, redact, options, workers=workers)


@main.command()
@click.option("--browser-path", envvar="PROBE_BROWSER_PATH", help="Chromium executable to use.")
def browser(browser_path: str | None) -> None:
    """Find (or, as root with apt, install) the browser probe will use."""
    from playwright.sync_api import sync_playwright

    from probe.browser import BrowserNotFound, find_browser

    try:
        with sync_playwright() as playwright:
            choice = find_browser(playwright, browser_path)
    except BrowserNotFound as exc:
        fail(str(exc))
    click.echo(one_line(f"browser: {choice.executable or 'Playwright chromium'} ({choice.source})"))


def _phase_spec(value: str | None) -> str | int | None:
    """--decision-at / --revoke-at: an entry index, an ISO time, or a URL pattern."""
    return int(value) if value is not None and value.isdigit() else value


def _choice(value: str | None, option: str) -> Choice | None:
    """--choice / --revoke-choice: accept_all, reject_all, or a JSON object of category -> true/false."""
    if value is None:
        return None
    text = value.strip()
    if text in ("accept_all", "reject_all"):
        return text  # type: ignore[return-value]
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data or not all(isinstance(v, bool) for v in data.values()):
        fail(
            f"{option}: {value!r} is neither accept_all, reject_all nor a JSON object of categories "
            'to true or false, such as \'{"analytics": false, "marketing": true}\''
        )
    return {str(k): v for k, v in data.items()}


def _phase_options_for_folders(evidence: Path, given: dict[str, object]) -> None:
    """Exit 2 when a HAR-only option meets probe's own evidence, which records marks and choices."""
    named = [option for option, value in given.items() if value is not None]
    if named and evidence.is_dir():
        fail(
            f"{', '.join(named)}: only for a HAR file; {evidence} is probe's own evidence, which records "
            "when the visitor decided and what they chose"
        )


@main.command()
@click.argument("evidence", type=click.Path(path_type=Path))
@click.option(
    "--suite", "suite_path", type=click.Path(path_type=Path), help="Suite with the category mapping."
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Where the reports go (default: beside the input)."
)
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    help="The exact folder for the reports (new or empty; not with --out).",
)
@click.option("--decision-at", help="When the visitor decided: ISO time, HAR entry index, or URL pattern.")
@click.option("--revoke-at", help="When the visitor revoked: ISO time, HAR entry index, or URL pattern.")
@click.option(
    "--choice",
    "choice_text",
    help='What the visitor chose: accept_all, reject_all, or JSON such as \'{"analytics": false}\'.',
)
@click.option(
    "--revoke-choice",
    "revoke_choice_text",
    help="What the visitor chose when they changed their mind (same forms as --choice).",
)
@click.option(
    "--scenario",
    "scenario_name",
    help="The --suite scenario whose decision and revoke say what the visitor chose (a HAR file only).",
)
@click.option(
    "--redact", is_flag=True, help="Redact the evidence before judging it (in place for folders, reports too)."
)
@_baseline_option
@read_limit_options
def replay(
    evidence: Path,
    suite_path: Path | None,
    out: Path | None,
    run_dir: Path | None,
    decision_at: str | None,
    revoke_at: str | None,
    choice_text: str | None,
    revoke_choice_text: str | None,
    scenario_name: str | None,
    redact: bool,
) -> None:
    """Judge recorded evidence without a browser: a probe run or evidence folder, or any HAR file."""
    from probe.evidence.redact import redact_har
    from probe.suite import SuiteError, load_suite

    # before anything is read or redacted: an option that cannot apply is refused, never ignored
    _phase_options_for_folders(
        evidence,
        {
            "--decision-at": decision_at,
            "--revoke-at": revoke_at,
            "--choice": choice_text,
            "--revoke-choice": revoke_choice_text,
            "--scenario": scenario_name,
        },
    )
    choice = _choice(choice_text, "--choice")
    revoke_choice = _choice(revoke_choice_text, "--revoke-choice")
    out = _exact_run_dir(run_dir, out) or out
    _Log.folder = out  # a traceback goes beside the reports when their folder was named
    try:
        # replay needs the suite's category mapping only, not its offline routes
        suite = load_suite(suite_path, routes_must_exist=False) if suite_path else None
        if evidence.is_dir():
            bundles = _bundles(evidence)
            if redact:
                # reports already in the folder are judged again from the redacted evidence
                redact_folder(evidence, bundles)
            judged = [judge_bundle(b, suite) for b in bundles]
            target, browser = out or evidence, browser_of(bundles)
        else:
            if not evidence.is_file():
                raise HarError(f"{evidence}: no such file")
            source = evidence
            target = out or evidence.parent
            if redact:
                target.mkdir(parents=True, exist_ok=True)
                source = target / f"{evidence.name.removesuffix('.gz').removesuffix('.har')}.redacted.har"
                redact_har(evidence, source)
            judged = [
                judge_har(
                    source,
                    suite,
                    decision_at=_phase_spec(decision_at),
                    revoke_at=_phase_spec(revoke_at),
                    choice=choice,
                    revoke_choice=revoke_choice,
                    scenario=scenario_name,
                )
            ]
            browser = None
    except (SuiteError, HarError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or evidence}: cannot read or write ({exc.strerror or exc})")
    # the reasons a scenario is inconclusive are in its report table: printed once
    notes = [n for j in judged for n in j.result.notes if n not in {g.reason for g in j.result.unjudged}]
    name = judged[0].suite.name if suite is None else suite.name
    sys.exit(_report(judged, name, target, browser, notes=notes))


def _bundles(folder: Path) -> list[Path]:
    """Evidence folders: the folder itself, or its scenario sub-folders (a run folder)."""
    if (folder / "evidence.har").is_file() or (folder / "evidence.har.gz").is_file():
        return [folder]
    found = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "evidence.har").is_file())
    if not found:
        raise HarError(f"{folder}: no evidence.har here or in its sub-folders")
    return found


@main.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder the timestamped merged run folder goes into (default ./artifacts).",
)
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    help="The exact folder for the merged reports (new or empty; not with --out).",
)
def merge(run_dirs: tuple[Path, ...], out: Path | None, run_dir: Path | None) -> None:
    """Judge the evidence of several run folders (shards) together: one report, as one run."""
    from probe.merge import MergeError, judge_runs

    exact = _exact_run_dir(run_dir, out)
    try:
        judged, bundles = judge_runs(run_dirs)
    except MergeError as exc:
        fail(str(exc))
    target = _make_run_dir(exact, out)
    _Log.folder = target
    names = {j.suite.name for j in judged}
    # one suite: named as its unsharded run names it; several or none: grouped in report.suites
    suite_name = names.pop() if len(names) == 1 else None
    sys.exit(_report(judged, suite_name, target, browser_of(bundles)))


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print new, fixed and unchanged findings as JSON.")
def diff_command(old: Path, new: Path, as_json: bool) -> None:
    """Compare two reports (report.json or run folders): exit 1 when NEW has findings OLD did not."""
    try:
        before, after = load_baseline(old), load_baseline(new)
    except ReportFormatError as exc:
        fail(str(exc))
    changes = compare(before, after)
    if as_json:
        click.echo(json.dumps(changes.as_json(), indent=2))
    else:
        groups = {"new": changes.new, "fixed": changes.fixed, "unchanged": changes.unchanged}
        render_changes(Console(highlight=False), groups)
        if changes.destinations is not None:  # two probe workspace reports: their inventories too
            from probe.workspace.diff import render_destination_changes

            render_destination_changes(Console(highlight=False), changes.destinations)
    sys.exit(EXIT_VIOLATION if changes.new else EXIT_OK)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def verify(folder: Path) -> None:
    """Recompute every hash in manifest.json: exit 0 intact, 1 altered, 2 cannot verify."""
    from probe.evidence.manifest import verify as verify_folder

    folders = (
        [folder]
        if (folder / "manifest.json").is_file()
        else sorted(p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").is_file())
        if folder.is_dir()
        else []
    )
    if not folders:
        fail(f"{folder}: no manifest.json here or in its sub-folders")
    worst = EXIT_OK
    for each in folders:
        result = verify_folder(each)
        for line in result.lines():
            click.echo(one_line(f"{each}: {line}"))  # file names come from the manifest
        worst = max(worst, result.exit_code)
    sys.exit(worst)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--drop-screenshots", is_flag=True, help="Delete the phase screenshots (a picture cannot be redacted)."
)
def redact(folder: Path, drop_screenshots: bool) -> None:
    """Redact secrets and personal data in evidence folders and their reports, in place."""
    from probe.suite import SuiteError

    try:
        bundles = _bundles(folder)
        redactions, reports = redact_folder(folder, bundles, drop_screenshots=drop_screenshots)
    except (HarError, SuiteError, ValueError) as exc:  # SuiteError: a recorded suite.json judged again
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or folder}: cannot read or write ({exc.strerror or exc})")
    for bundle, summary in zip(bundles, redactions, strict=True):
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.counts.items())) or "nothing"
        click.echo(one_line(f"{bundle}: redacted {counts}"))
    if reports:
        click.echo(one_line(f"{folder}: {', '.join(reports)} judged again from the redacted evidence"))
    if bundles == [folder] and has_reports(folder.resolve().parent):
        # the run's reports one level up still quote this scenario as it was
        parent = folder.resolve().parent
        say(f"{parent}: its reports were not redacted; run probe redact {parent}")


def _redact_runs(runs: list[ScenarioRun]) -> list[str]:
    """--redact on a run: every complete evidence folder with one key; a failure is a cause to tell."""
    try:
        redact_bundles([r.evidence_dir for r in runs if not r.unwritten])
    except (HarError, ValueError, OSError) as exc:
        return [f"redaction failed, the evidence may not be redacted: {one_line(exc)}"]
    return []


# probe workspace: its own module (probe/workspace/command.py), which reaches back here lazily
from probe.workspace.command import workspace as _workspace  # noqa: E402

main.add_command(_workspace)
