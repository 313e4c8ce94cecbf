"""Run the chosen scenarios of suites in a browser, judge their evidence, report, exit with the verdict."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probe import interrupts
from probe.cli._console import err, fail, progress, why
from probe.cli._crash import Log, internal_error, save_traceback
from probe.cli._folders import exact_run_dir, make_run_dir, plus_unattributed, suite_dir
from probe.cli._reports import report_judged
from probe.evidence import HarError
from probe.evidence.redact import redact_bundles
from probe.judge import Judged, browser_of, by_reason, judge_bundle
from probe.report.text import one_line, safe_text

if TYPE_CHECKING:
    from probe.runner import Runner, ScenarioRun
    from probe.suite import Scenario, Suite


def run_suites(
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

    exact = exact_run_dir(run_dir_option, out)
    try:
        part = parse_shard(shard) if shard is not None else None
        files = suite_files(suite_paths)
        suites = [load_suite(path) for path in files]
        check_names(suites)
        # a repeated --scenario runs once: its evidence folder can only be written once
        items = select(chosen_items(suites, list(dict.fromkeys(scenarios))), part)
    except (SuiteError, ShardError) as exc:
        fail(str(exc))
    run_dir = make_run_dir(exact, out)
    Log.folder = run_dir
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
            folder = suite_dir(run_dir, suite.name) if several else run_dir
            suite_runs, suite_causes = _run_scenarios(suite, chosen, folder, runner_options, workers)
            # from here on an interrupt is only noted: the evidence is complete, the reports follow
            if redact:
                suite_causes += redact_runs(suite_runs, folder)
            judged += [_judge_run(r, suite) for r in suite_runs]
            runs += suite_runs
            causes += suite_causes
        browser = browser_of([r.evidence_dir for r in runs])
        code = report_judged(judged, None if several else suites[0].name, run_dir, browser, causes)
    sys.exit(code)


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
                runner = Runner(playwright, suite, progress=progress, run_dir=run_dir, **runner_options)
            with runner:
                lanes = workers or default_workers(len(chosen))
                _each_scenario(runner, chosen, run_dir, done, causes, lanes)
    except (BrowserNotFound, ProxyError, BackendError) as exc:
        fail(str(exc))
    except interrupts.Interrupted:
        pass  # between scenarios or while starting: nothing half-written; told below
    except Exception as exc:  # a bug in probe: the evidence so far is written; report, then exit 2
        causes.append(f"{internal_error(exc)} ({save_traceback(exc)})")
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
            causes.append(f"{run_dir}: cannot create the evidence folder of {scenario.name!r} ({why(exc)})")
            return False
        try:
            done[index] = runner.run_scenario(scenario, folder)
        except Exception as exc:
            done[index] = ScenarioRun(scenario.name, folder, internal_error(exc))
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


def _judge_run(run: ScenarioRun, suite: Suite) -> Judged:
    """Judge a scenario's evidence folder; one whose HAR could not be written is an error."""
    from probe.analysis import analyse_timeline
    from probe.findings import ScenarioResult
    from probe.timeline import Timeline

    if (run.evidence_dir / "evidence.har").is_file():
        # without its suite.json the folder is judged with the suite this run used
        return judge_bundle(run.evidence_dir, suite if "suite.json" in run.unwritten else None)
    reason = run.unwritten.get("evidence.har", "missing")
    result = ScenarioResult(
        name=run.name,
        status="error",
        error=f"evidence.har could not be written ({reason}); nothing to judge",
        evidence_dir=str(run.evidence_dir),
    )
    empty = Timeline(run.name, [])
    return Judged(result, empty, suite, analyse_timeline(empty, suite))


def redact_runs(runs: list[ScenarioRun], folder: Path | None = None) -> list[str]:
    """--redact on a run: every complete evidence folder with one key, and the run ``folder``'s
    unattributed backend requests; a failure is a cause to tell."""
    bundles = [r.evidence_dir for r in runs if not r.unwritten]
    try:
        redact_bundles(plus_unattributed(folder, bundles) if folder is not None else bundles)
    except (HarError, ValueError, OSError) as exc:
        return [f"redaction failed, the evidence may not be redacted: {one_line(exc)}"]
    return []
