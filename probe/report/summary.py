"""Counts every output format states the same way (scenarios by status, findings by severity)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from probe.findings import Report

VERDICTS = {0: "pass", 1: "fail", 2: "error"}


@dataclass(frozen=True)
class Summary:
    """Scenario and finding counts of one report."""

    scenarios: int
    passed: int
    failed: int
    errored: int
    errors: int
    warnings: int
    infos: int
    exit_code: int
    inconclusive: int = 0

    @property
    def verdict(self) -> str:
        """``pass``, ``fail``, ``error`` or ``inconclusive``, following the exit code."""
        if self.exit_code == 2 and not self.errored and self.inconclusive:
            return "inconclusive"
        return VERDICTS[self.exit_code]

    def sentence(self) -> str:
        """One line a person reads first."""
        # said only when it happens, so reports of runs that judged everything read as before
        partly = f"{self.inconclusive} inconclusive, " if self.inconclusive else ""
        return (
            f"{self.scenarios} {_plural(self.scenarios, 'scenario')}: {self.passed} passed, "
            f"{self.failed} failed, {partly}{self.errored} could not be judged; findings: "
            f"{self.errors} {_plural(self.errors, 'error')}, "
            f"{self.warnings} {_plural(self.warnings, 'warning')}, "
            f"{self.infos} info; exit code {self.exit_code}"
        )


def summarize(report: Report) -> Summary:
    """Count scenarios by status and findings by severity."""
    statuses = Counter(s.status for s in report.scenarios)
    severities = Counter(f.severity for s in report.scenarios for f in s.findings)
    return Summary(
        scenarios=len(report.scenarios),
        passed=statuses["pass"],
        failed=statuses["fail"],
        errored=statuses["error"],
        errors=severities["error"],
        warnings=severities["warning"],
        infos=severities["info"],
        exit_code=report.exit_code,
        inconclusive=statuses["inconclusive"],
    )


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"
