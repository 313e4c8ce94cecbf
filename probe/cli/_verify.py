"""``probe verify``: every hash in manifest.json recomputed, folder by folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from probe.cli._console import EXIT_OK, fail
from probe.cli._folders import sub_folders_holding
from probe.report.text import one_line


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
def verify(folder: Path) -> None:
    """Recompute every hash in manifest.json: exit 0 intact, 1 altered, 2 cannot verify."""
    from probe.evidence.manifest import verify as verify_folder

    folders = (
        [folder]
        if (folder / "manifest.json").is_file()
        else sub_folders_holding(folder, "manifest.json")
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
