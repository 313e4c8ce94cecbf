"""The ``probe`` command line: run, demo, replay, verify, redact, browser."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from probe import __version__

EXIT_OK, EXIT_VIOLATION, EXIT_TOOL_ERROR = 0, 1, 2
DEMO_SUITE = Path(__file__).resolve().parent.parent / "scenarios" / "demo" / "suite.yaml"

err = Console(stderr=True, highlight=False)


def fail(message: str) -> None:
    """One-line cause on stderr, exit code 2 (the tool could not judge)."""
    err.print(f"[bold red]probe:[/] {message}")
    sys.exit(EXIT_TOOL_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="probe")
def main() -> None:
    """Prove, with evidence, whether a Segment site respects the visitor's consent choice."""


def _run(
    suite_path: Path,
    scenarios: tuple[str, ...],
    out: Path | None,
    headed: bool,
    browser_path: str | None,
    live: bool,
    sink_segment: bool,
    redact: bool,
) -> None:
    from playwright.sync_api import sync_playwright

    from probe.browser import BrowserNotFound
    from probe.capture import ProxyError
    from probe.judge import finish_run
    from probe.runner import Runner, run_id
    from probe.suite import SuiteError, load_suite

    try:
        suite = load_suite(suite_path)
        chosen = [suite.scenario(n) for n in scenarios] if scenarios else suite.scenarios
    except SuiteError as exc:
        fail(str(exc))
    run_dir = (out or Path("artifacts")) / run_id()
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
    code = finish_run(run_dir, runs, suite, redact=redact, console=Console(highlight=False))
    sys.exit(code)


_run_options = [
    click.option("--scenario", "scenarios", multiple=True, help="Run only this scenario (repeatable)."),
    click.option("--out", type=click.Path(path_type=Path), help="Artifacts folder (default ./artifacts)."),
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
    headed: bool,
    browser_path: str | None,
    redact: bool,
    live: bool,
    sink_segment: bool,
) -> None:
    """Run a suite's scenarios in a real browser and judge the evidence."""
    _run(suite, scenarios, out, headed, browser_path, live, sink_segment, redact)


@main.command()
@_with_run_options
def demo(
    scenarios: tuple[str, ...], out: Path | None, headed: bool, browser_path: str | None, redact: bool
) -> None:
    """Run the built-in offline demo shop through the four standard scenarios."""
    if not DEMO_SUITE.is_file():
        fail(f"demo suite not found at {DEMO_SUITE} (run from a source checkout)")
    _run(DEMO_SUITE, scenarios, out, headed, browser_path, False, False, redact)


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
