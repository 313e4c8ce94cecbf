"""The ``probe`` command line: run, demo, replay, verify, redact, browser."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from probe import __version__
from probe.cli_limits import read_limit_options
from probe.evidence import HarError
from probe.evidence.redact import redact_bundle
from probe.judge import Judged, browser_of, build_report, judge_bundle, judge_har, write_reports
from probe.report import render_console

EXIT_OK, EXIT_VIOLATION, EXIT_TOOL_ERROR = 0, 1, 2
DEMO_SUITE = Path(__file__).resolve().parent.parent / "scenarios" / "demo" / "suite.yaml"

err = Console(stderr=True, highlight=False)


def fail(message: str) -> None:
    """One-line cause on stderr, exit code 2 (the tool could not judge)."""
    err.print(Text("probe: ", style="bold red") + Text(message), soft_wrap=True)
    sys.exit(EXIT_TOOL_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="probe")
def main() -> None:
    """Prove, with evidence, whether a Segment site respects the visitor's consent choice."""


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
    suite_path: Path,
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir_option: Path | None,
    headed: bool,
    browser_path: str | None,
    live: bool,
    sink_segment: bool,
    redact: bool,
) -> None:
    from playwright.sync_api import sync_playwright

    from probe.browser import BrowserNotFound
    from probe.capture import ProxyError
    from probe.runner import Runner, run_id
    from probe.suite import SuiteError, load_suite

    exact = _exact_run_dir(run_dir_option, out)
    try:
        suite = load_suite(suite_path)
        chosen = [suite.scenario(n) for n in scenarios] if scenarios else suite.scenarios
    except SuiteError as exc:
        fail(str(exc))
    run_dir = exact or (out or Path("artifacts")) / run_id()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{run_dir}: cannot create the run folder ({exc.strerror})")
    runs = []
    try:
        with sync_playwright() as playwright:
            runner = Runner(
                playwright,
                suite,
                browser_path=browser_path,
                headed=headed,
                live=live,
                sink_segment=sink_segment,
                progress=lambda line: err.print(f"  {line}"),
            )
            with runner:
                for scenario in chosen:
                    with err.status(f"[bold]{scenario.name}[/] running…"):
                        runs.append(runner.run_scenario(scenario, run_dir / scenario.name))
    except (BrowserNotFound, ProxyError) as exc:
        fail(str(exc))
    if redact:
        for scenario_run in runs:
            redact_bundle(scenario_run.evidence_dir)
    judged = [judge_bundle(r.evidence_dir) for r in runs]
    sys.exit(_report(judged, suite.name, run_dir, browser_of([r.evidence_dir for r in runs])))


def _report(judged: list[Judged], suite_name: str | None, out: Path, browser: str | None) -> int:
    """Write and print the reports; the exit code the verdict implies."""
    report = build_report(judged, suite_name, browser)
    paths = write_reports(out, report, judged)
    console = Console(highlight=False)
    render_console(report, console)
    console.print(f"evidence and reports: {out}")
    for kind, path in paths.items():
        if kind != "json":
            console.print(f"  {kind:>5}: {path}", soft_wrap=True)
    # the very last line, bare and never wrapped, so scripts can take it with `tail -n 1`
    click.echo(str(paths["json"].resolve()))
    return report.exit_code


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
    click.option("--redact", is_flag=True, help="Redact cookies, auth headers, e-mails, phones and IPs."),
]


def _with_run_options(fn):  # type: ignore[no-untyped-def]
    for option in reversed(_run_options):
        fn = option(fn)
    return fn


@main.command()
@click.argument("suite", type=click.Path(path_type=Path))
@_with_run_options
@click.option("--live", is_flag=True, help="Forward traffic upstream instead of the suite's offline routes.")
@click.option("--sink-segment", is_flag=True, help="Live mode: answer Segment ingestion locally.")
def run(
    suite: Path,
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir: Path | None,
    headed: bool,
    browser_path: str | None,
    redact: bool,
    live: bool,
    sink_segment: bool,
) -> None:
    """Run a suite's scenarios in a real browser and judge the evidence."""
    _run(suite, scenarios, out, run_dir, headed, browser_path, live, sink_segment, redact)


@main.command()
@_with_run_options
def demo(
    scenarios: tuple[str, ...],
    out: Path | None,
    run_dir: Path | None,
    headed: bool,
    browser_path: str | None,
    redact: bool,
) -> None:
    """Run the built-in offline demo shop through the four standard scenarios."""
    if not DEMO_SUITE.is_file():
        fail(f"demo suite not found at {DEMO_SUITE} (run from a source checkout)")
    _run(DEMO_SUITE, scenarios, out, run_dir, headed, browser_path, False, False, redact)


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
    click.echo(f"browser: {choice.executable or 'Playwright chromium'} ({choice.source})")


def _phase_spec(value: str | None) -> str | int | None:
    """--decision-at / --revoke-at: an entry index, an ISO time, or a URL pattern."""
    return int(value) if value is not None and value.isdigit() else value


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
@click.option("--redact", is_flag=True, help="Redact the evidence before judging it (in place for folders).")
@read_limit_options
def replay(
    evidence: Path,
    suite_path: Path | None,
    out: Path | None,
    run_dir: Path | None,
    decision_at: str | None,
    revoke_at: str | None,
    redact: bool,
) -> None:
    """Judge recorded evidence without a browser: a probe run or evidence folder, or any HAR file."""
    from probe.evidence.redact import redact_har
    from probe.suite import SuiteError, load_suite

    out = _exact_run_dir(run_dir, out) or out
    try:
        # replay needs the suite's category mapping only, not its offline routes
        suite = load_suite(suite_path, routes_must_exist=False) if suite_path else None
        if evidence.is_dir():
            bundles = _bundles(evidence)
            if redact:
                for bundle in bundles:
                    redact_bundle(bundle)
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
                    source, suite, decision_at=_phase_spec(decision_at), revoke_at=_phase_spec(revoke_at)
                )
            ]
            browser = None
    except (SuiteError, HarError, ValueError) as exc:
        fail(str(exc))
    for j in judged:
        for note in j.result.notes:
            err.print(f"  note: {note}", markup=False)
    sys.exit(_report(judged, judged[0].suite.name if suite is None else suite.name, target, browser))


def _bundles(folder: Path) -> list[Path]:
    """Evidence folders: the folder itself, or its scenario sub-folders (a run folder)."""
    if (folder / "evidence.har").is_file() or (folder / "evidence.har.gz").is_file():
        return [folder]
    found = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "evidence.har").is_file())
    if not found:
        raise HarError(f"{folder}: no evidence.har here or in its sub-folders")
    return found


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
            click.echo(f"{each}: {line}")
        worst = max(worst, result.exit_code)
    sys.exit(worst)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def redact(folder: Path) -> None:
    """Redact cookies, auth headers, e-mails, phones and IPs in evidence folders, in place."""
    try:
        bundles = _bundles(folder)
        for bundle in bundles:
            summary = redact_bundle(bundle)
            counts = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.counts.items())) or "nothing"
            click.echo(f"{bundle}: redacted {counts}")
    except (HarError, ValueError) as exc:
        fail(str(exc))
