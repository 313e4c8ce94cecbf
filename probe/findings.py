"""Findings and the report.json model (``probe-report/1``): the public output contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

REPORT_FORMAT = "probe-report/1"
Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail", "error", "inconclusive"]
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
    # an error made a warning: its requests went out while an inferred click may not have happened yet
    uncertain: bool = False
    # rule + scenario + phase + severity + subject, hashed (probe/fingerprint.py): equal across runs of a site
    fingerprint: str | None = None
    baseline: Literal["new", "unchanged"] | None = None  # set only when judged against a --baseline


class Unjudged(BaseModel):
    """Rules that could not run on a scenario, and why (what makes a scenario inconclusive)."""

    reason: str
    phase: str | None = None  # the phase they could not judge; None: the whole recording
    rules: list[str] = Field(default_factory=list)


class MarkInfo(BaseModel):
    """Where a phase began, how probe knows, and the window of doubt around an inferred click."""

    phase: str
    at: str  # ISO time the phase is judged from (for an inferred mark: the earliest possible moment)
    earliest: str  # the earliest moment the click may have happened (== at)
    latest: str  # the latest (its first trace); == earliest when known exactly
    earliest_entry: int | None = None  # HAR entry that opens the window
    latest_entry: int | None = None  # HAR entry of the first trace
    source: Literal["recorded", "given", "inferred"]
    confidence: Literal["high", "medium", "low"] | None = None
    signals: list[str] = Field(default_factory=list)  # e.g. consent-event, cmp-cookie:cc_cookie
    choice: dict[str, bool] | None = None  # CMP category -> granted; None: unknown
    choice_source: Literal["recorded", "stated", "stamps"] | None = None


class ScenarioResult(BaseModel):
    """The verdict on one scenario."""

    name: str
    status: Status
    suite: str | None = None  # the suite it belongs to: a report may cover several (added in 1.x)
    error: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    unjudged: list[Unjudged] = Field(default_factory=list)  # rules that could not run, and why
    marks: list[MarkInfo] = Field(default_factory=list)  # phase marks as judged
    evidence_dir: str | None = None
    notes: list[str] = Field(default_factory=list)  # e.g. how phases were inferred
    signals: dict[str, dict[str, object]] = Field(default_factory=dict)  # phase -> decoded consent signals

    @classmethod
    def judged(
        cls, name: str, findings: list[Finding], unjudged: list[Unjudged] | None = None, **extra: object
    ) -> ScenarioResult:
        """Status from findings: fail on any error finding, else inconclusive when rules could not run."""
        unjudged = list(unjudged or [])
        status = _status(findings, unjudged)
        return cls(name=name, status=status, findings=findings, unjudged=unjudged, **extra)  # type: ignore[arg-type]

    def with_findings(self, findings: list[Finding], notes: list[str]) -> ScenarioResult:
        """This verdict with other findings and notes: the status follows them, an error stays an error."""
        status = self.status if self.status == "error" else _status(findings, self.unjudged)
        return self.model_copy(update={"findings": findings, "notes": notes, "status": status})


def _status(findings: list[Finding], unjudged: list[Unjudged]) -> Status:
    return "fail" if any(f.severity == "error" for f in findings) else "inconclusive" if unjudged else "pass"


class ChecklistItem(BaseModel):
    """One of the seed guide's six audit questions, answered with evidence."""

    id: str
    question: str
    answer: Answer
    detail: str = ""
    evidence: list[EvidenceRef] = Field(default_factory=list)


class SuiteGroup(BaseModel):
    """One suite of a report: its scenarios, in report order, and its own audit checklist."""

    name: str
    scenarios: list[str] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)


class FixedFinding(BaseModel):
    """A finding of the baseline that this run no longer has."""

    scenario: str
    rule: str
    severity: Severity
    phase: str | None = None
    message: str
    fingerprint: str


class BaselineSummary(BaseModel):
    """How this report compares with the baseline it was judged against."""

    new: int = 0
    unchanged: int = 0
    fixed: list[FixedFinding] = Field(default_factory=list)


class ToolInfo(BaseModel):
    """Versions that produced the report."""

    name: str = "probe"
    version: str
    browser: str | None = None


class Report(BaseModel):
    """The whole ``report.json``."""

    format: str = REPORT_FORMAT
    tool: ToolInfo
    suite: str | None = None  # the suite's name; None when the report covers several
    scenarios: list[ScenarioResult] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)  # empty when several suites: see suites
    suites: list[SuiteGroup] = Field(default_factory=list)  # grouped by suite, each with its checklist
    baseline: BaselineSummary | None = None  # only when judged against a --baseline

    @property
    def exit_code(self) -> int:
        """0 all pass, 1 any violation, 2 could not judge (a tool error wins; a violation beats inconclusive)."""
        statuses = {s.status for s in self.scenarios}
        if "error" in statuses:
            return 2
        if "fail" in statuses:
            return 1
        return 2 if "inconclusive" in statuses else 0
