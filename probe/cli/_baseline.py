"""``--baseline`` of run and replay: the old report, read before any work starts, applied when reporting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from probe.baseline import Diff, apply_baseline, load_baseline
from probe.cli._console import fail
from probe.report import ReportFormatError

if TYPE_CHECKING:
    from probe.findings import Report


class Baseline:
    """The report a run or replay is judged against (--baseline), read before any work starts."""

    report: Report | None = None


def _load_baseline(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """--baseline: read the old report at once, so an unreadable one is exit 2 before a browser starts."""
    if value is None or ctx.resilient_parsing:
        return
    try:
        Baseline.report = load_baseline(value)
    except ReportFormatError as exc:
        fail(f"--baseline: {exc}")


# a callback, not a parameter: run and replay keep their signatures, the report reads Baseline
baseline_option = click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    expose_value=False,
    callback=_load_baseline,
    help="An earlier report.json (or its run folder): only findings it does not have fail this run.",
)


def against_baseline(report: Report) -> Diff | None:
    """With --baseline: each finding marked new or unchanged, the fixed ones listed; else None."""
    if Baseline.report is None:
        return None
    return apply_baseline(report, Baseline.report)
