"""``probe redact``: secrets and personal data redacted in evidence folders and their reports, in place."""

from __future__ import annotations

from pathlib import Path

import click

from probe.cli._console import fail, fail_io, say
from probe.cli._folders import evidence_folders, plus_unattributed
from probe.evidence import HarError
from probe.evidence.redact import has_reports, redact_folder
from probe.report.text import one_line


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--drop-screenshots", is_flag=True, help="Delete the phase screenshots (a picture cannot be redacted)."
)
def redact(folder: Path, drop_screenshots: bool) -> None:
    """Redact secrets and personal data in evidence folders and their reports, in place."""
    from probe.suite import SuiteError

    try:
        bundles = plus_unattributed(folder, evidence_folders(folder))
        redactions, reports = redact_folder(folder, bundles, drop_screenshots=drop_screenshots)
    except (HarError, SuiteError, ValueError) as exc:  # SuiteError: a recorded suite.json judged again
        fail(str(exc))
    except OSError as exc:
        fail_io(exc, folder)
    for bundle, summary in zip(bundles, redactions, strict=True):
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.counts.items())) or "nothing"
        click.echo(one_line(f"{bundle}: redacted {counts}"))
    if reports:
        click.echo(one_line(f"{folder}: {', '.join(reports)} judged again from the redacted evidence"))
    if bundles == [folder] and has_reports(folder.resolve().parent):
        # the run's reports one level up still quote this scenario as it was
        parent = folder.resolve().parent
        say(f"{parent}: its reports were not redacted; run probe redact {parent}")
