"""``probe diff``: two reports compared, finding by finding (and destination by destination)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from probe.baseline import compare, load_baseline
from probe.cli._console import EXIT_OK, EXIT_VIOLATION, fail
from probe.cli._reports import print_changes
from probe.report import ReportFormatError


@click.command("diff")
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
        print_changes(Console(highlight=False), changes)
    sys.exit(EXIT_VIOLATION if changes.new else EXIT_OK)
