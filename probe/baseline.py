"""Baselines: what changed between two reports (new, fixed, unchanged findings), matched by fingerprint."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from probe.findings import BaselineSummary, Finding, FixedFinding, Report
from probe.fingerprint import with_fingerprints
from probe.report.json_report import ReportFormatError, load_report
from probe.report.order import sorted_findings


@dataclass
class Diff:
    """Findings of NEW that OLD lacked, findings of OLD gone from NEW, and those in both."""

    new: list[tuple[str, Finding]] = field(default_factory=list)  # (scenario, finding)
    fixed: list[tuple[str, Finding]] = field(default_factory=list)
    unchanged: list[tuple[str, Finding]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The machine-readable diff: three lists of findings, each with its scenario."""
        return {
            kind: [{"scenario": s, **f.model_dump(mode="json")} for s, f in getattr(self, kind)]
            for kind in ("new", "fixed", "unchanged")
        }


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
    return with_fingerprints(load_report(target))
