"""One deterministic order for findings, shared by every output format."""

from __future__ import annotations

from probe.findings import Finding, Report, ScenarioResult
from probe.timeline import PHASES

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_NO_ENTRY = 1 << 62  # findings without a HAR pointer sort after those with one


def phase_rank(phase: str | None) -> int:
    """Position of a phase in scenario order; unknown phases after known ones, None last."""
    if phase is None:
        return len(PHASES) + 1
    return PHASES.index(phase) if phase in PHASES else len(PHASES)


def finding_key(f: Finding) -> tuple[int, int, str, int, str]:
    """Sort key: phase in time order, then severity, rule, first evidence entry, message."""
    first = next((e.entry for e in f.evidence if e.entry is not None), _NO_ENTRY)
    return (phase_rank(f.phase), _SEVERITY_RANK.get(f.severity, 3), f.rule, first, f.message)


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in the shared report order (stable for equal keys)."""
    return sorted(findings, key=finding_key)


def normalized(report: Report) -> Report:
    """A copy whose lists and maps are in a stable order, so equal verdicts serialise identically."""
    # Scenarios and checklist keep their given order: suite order and the guide's question order mean
    # something to the reader, and the producers emit them deterministically already.
    scenarios: list[ScenarioResult] = []
    for s in report.scenarios:
        signals = {
            p: dict(sorted(s.signals[p].items())) for p in sorted(s.signals, key=lambda p: (phase_rank(p), p))
        }
        scenarios.append(s.model_copy(update={"findings": sorted_findings(s.findings), "signals": signals}))
    return report.model_copy(update={"scenarios": scenarios})
