"""Baselines: what changed between two reports (new, fixed, unchanged findings), matched by fingerprint."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from probe.findings import BaselineSummary, Finding, FixedFinding, Report
from probe.fingerprint import with_fingerprints
from probe.report.json_report import ReportFormatError, load_report
from probe.report.order import sorted_findings
from probe.workspace.diff import DestinationChange, destination_changes
from probe.workspace.inventory import WorkspaceReport


@dataclass
class Diff:
    """Findings of NEW that OLD lacked, findings of OLD gone from NEW, and those in both."""

    new: list[tuple[str, Finding]] = field(default_factory=list)  # (scenario, finding)
    fixed: list[tuple[str, Finding]] = field(default_factory=list)
    unchanged: list[tuple[str, Finding]] = field(default_factory=list)
    # two probe workspace reports: their destinations added, removed, changed (None: not both inventories)
    destinations: list[DestinationChange] | None = None

    def as_json(self) -> dict[str, object]:
        """The machine-readable diff: three lists of findings, each with its scenario (and destinations)."""
        found: dict[str, object] = {
            kind: [{"scenario": s, **f.model_dump(mode="json")} for s, f in getattr(self, kind)]
            for kind in ("new", "fixed", "unchanged")
        }
        if self.destinations is not None:
            found["destinations"] = [c.model_dump(mode="json") for c in self.destinations]
        return found


def compare(old: Report, new: Report) -> Diff:
    """Match findings by fingerprint; a fingerprint seen more often in NEW than in OLD is new that often."""
    with_fingerprints(old)
    with_fingerprints(new)
    # the same subject can be found twice (two requests with the same events): count, not just set
    left = Counter(f.fingerprint for s in old.scenarios for f in s.findings)
    diff = Diff()
    for scenario in new.scenarios:
        for finding in sorted_findings(scenario.findings):
            if left[finding.fingerprint] > 0:
                left[finding.fingerprint] -= 1
                diff.unchanged.append((scenario.name, finding))
            else:
                diff.new.append((scenario.name, finding))
    for scenario in old.scenarios:
        for finding in reversed(sorted_findings(scenario.findings)):
            if left[finding.fingerprint] > 0:
                left[finding.fingerprint] -= 1
                diff.fixed.append((scenario.name, finding))
    diff.fixed.reverse()
    if isinstance(old, WorkspaceReport) and isinstance(new, WorkspaceReport) and old.workspace and new.workspace:
        diff.destinations = destination_changes(old.workspace, new.workspace)
    return diff


def apply_baseline(report: Report, baseline: Report) -> Diff:
    """Mark each finding of ``report`` new or unchanged against ``baseline``, and list the fixed ones."""
    diff = compare(baseline, report)
    for _, finding in diff.new:
        finding.baseline = "new"
    for _, finding in diff.unchanged:
        finding.baseline = "unchanged"
    report.baseline = BaselineSummary(
        new=len(diff.new),
        unchanged=len(diff.unchanged),
        fixed=[
            FixedFinding(
                scenario=s,
                rule=f.rule,
                severity=f.severity,
                phase=f.phase,
                message=f.message,
                fingerprint=f.fingerprint or "",
            )
            for s, f in diff.fixed
        ],
    )
    return diff


def exit_code_against_baseline(report: Report) -> int:
    """2 a scenario errored or could not be judged in full, 1 a new violation, else 0 (known ones pass)."""
    if any(s.status == "error" for s in report.scenarios):
        return 2
    if any(f.severity == "error" and f.baseline == "new" for s in report.scenarios for f in s.findings):
        return 1
    # rules that did not run cannot be vouched for, even where the findings they had are known
    return 2 if any(s.status == "inconclusive" or s.unjudged for s in report.scenarios) else 0


def load_baseline(path: Path) -> Report:
    """A report.json, or a run folder holding one; raise ReportFormatError with a one-line cause."""
    target = path / "report.json" if path.is_dir() else path
    if path.is_dir() and not target.is_file():
        raise ReportFormatError(f"{path}: no report.json in this folder")
    if not target.exists():
        raise ReportFormatError(f"{target}: no such file")
    report = load_report(target)
    return with_fingerprints(_with_inventory(target, report))


def _with_inventory(target: Path, report: Report) -> Report:
    """A probe workspace report keeps its inventory (``workspace``), so two can be compared by destination."""
    data = json.loads(target.read_bytes())  # read and checked as probe-report/1 just before
    if not isinstance(data.get("workspace"), dict):
        return report
    try:
        return WorkspaceReport.model_validate(data)
    except ValidationError as exc:
        raise ReportFormatError(f"{target}: its workspace inventory is not valid: {exc.errors()[0]['msg']}") from exc
