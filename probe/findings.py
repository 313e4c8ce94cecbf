"""Findings and the report.json model (``probe-report/1``): the public output contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

REPORT_FORMAT = "probe-report/1"
Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail", "error"]
Answer = Literal["yes", "no", "not-tested"]


class EvidenceRef(BaseModel):
    """A pointer into a HAR: the entry index, its URL and the offending excerpt."""

    entry: int | None = None
    url: str | None = None
    excerpt: str | None = None
    scenario: str | None = None  # set where entry numbers of several HARs meet (the checklist)


class Finding(BaseModel):
    """One rule violation (or warning / info) with the evidence that proves it."""

    rule: str
    severity: Severity = "error"
    phase: str | None = None
    message: str
    reference: str | None = None  # checklist question or regulation it maps to
    evidence: list[EvidenceRef] = Field(default_factory=list)


class ScenarioResult(BaseModel):
    """The verdict on one scenario."""

    name: str
    status: Status
    error: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    evidence_dir: str | None = None
    notes: list[str] = Field(default_factory=list)  # e.g. how phases were inferred
    signals: dict[str, dict[str, object]] = Field(default_factory=dict)  # phase -> decoded consent signals

    @classmethod
    def judged(cls, name: str, findings: list[Finding], **extra: object) -> ScenarioResult:
        """Status from findings: fail when any error-severity finding exists."""
        status: Status = "fail" if any(f.severity == "error" for f in findings) else "pass"
        return cls(name=name, status=status, findings=findings, **extra)  # type: ignore[arg-type]


class ChecklistItem(BaseModel):
    """One of the seed guide's six audit questions, answered with evidence."""

    id: str
    question: str
    answer: Answer
    detail: str = ""
    evidence: list[EvidenceRef] = Field(default_factory=list)


class ToolInfo(BaseModel):
    """Versions that produced the report."""

    name: str = "probe"
    version: str
    browser: str | None = None


class Report(BaseModel):
    """The whole ``report.json``."""

    format: str = REPORT_FORMAT
    tool: ToolInfo
    suite: str | None = None
    scenarios: list[ScenarioResult] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all pass, 1 any violation, 2 the tool could not judge (error wins)."""
        statuses = {s.status for s in self.scenarios}
        if "error" in statuses:
            return 2
        return 1 if "fail" in statuses else 0
