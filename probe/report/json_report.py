"""``report.json``: the machine-readable verdict (``probe-report/1``), written and read back."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from probe.findings import REPORT_FORMAT, Report
from probe.fingerprint import with_fingerprints
from probe.report.order import normalized


class ReportFormatError(ValueError):
    """A file that is not a readable ``probe-report/1`` document."""


def dumps_json(report: Report) -> str:
    """The report as indented JSON in the stable order, every finding fingerprinted, ending with a newline."""
    # fingerprints depend on the findings alone, so a live run and its replay still write the same bytes
    return normalized(with_fingerprints(report)).model_dump_json(indent=2) + "\n"


def write_json(path: str | Path, report: Report) -> Path:
    """Write ``report.json`` and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write-then-rename so a CI job never picks up a half-written verdict.
    partial = target.with_name(target.name + ".partial")
    partial.write_text(dumps_json(report), encoding="utf-8")
    partial.replace(target)
    return target


def load_report(path: str | Path) -> Report:
    """Read a ``report.json``; raise ReportFormatError when it is not ``probe-report/1``."""
    source = Path(path)
    try:
        data = json.loads(source.read_bytes())
    except (OSError, ValueError) as exc:
        raise ReportFormatError(f"{source}: not a readable probe report: {exc}") from exc
    # The model defaults ``format``, so check the raw document: any JSON without it is not ours.
    found = data.get("format") if isinstance(data, dict) else None
    if found != REPORT_FORMAT:
        raise ReportFormatError(f"{source}: format {found!r}, expected {REPORT_FORMAT!r}")
    try:
        # a report written before fingerprints existed gets them here, so it can serve as a baseline
        return with_fingerprints(Report.model_validate(data))
    except ValidationError as exc:
        raise ReportFormatError(f"{source}: not a valid {REPORT_FORMAT} document: {exc}") from exc
