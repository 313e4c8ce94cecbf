"""``probe merge``: the evidence of several run folders (shards) judged together, as one run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from probe.cli._console import fail
from probe.cli._crash import Log
from probe.cli._folders import exact_run_dir, make_run_dir
from probe.cli._options import folder_options
from probe.cli._reports import report_judged
from probe.judge import browser_of


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@folder_options(
    out="Folder the timestamped merged run folder goes into (default ./artifacts).",
    run_dir="The exact folder for the merged reports (new or empty; not with --out).",
)
def merge(run_dirs: tuple[Path, ...], out: Path | None, run_dir: Path | None) -> None:
    """Judge the evidence of several run folders (shards) together: one report, as one run."""
    from probe.merge import MergeError, judge_runs

    exact = exact_run_dir(run_dir, out)
    try:
        judged, bundles = judge_runs(run_dirs)
    except MergeError as exc:
        fail(str(exc))
    target = make_run_dir(exact, out)
    Log.folder = target
    names = {j.suite.name for j in judged}
    # one suite: named as its unsharded run names it; several or none: grouped in report.suites
    suite_name = names.pop() if len(names) == 1 else None
    sys.exit(report_judged(judged, suite_name, target, browser_of(bundles)))
