"""What a rule is: a stable id, a severity, the phase it judges, its checklist question, and a check."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from probe.findings import EvidenceRef, Finding, Severity

# checklist question ids (the seed guide's six audit questions)
Q_CATEGORIZATION = "destination-categorization"
Q_SDK_WAITS = "sdk-waits"
Q_STAMPED = "consent-stamped"
Q_FILTERS = "filters-honor-categories"
Q_SERVER_SIDE = "server-side-consent"
Q_PRIVACY_API = "privacy-api-on-revoke"


@dataclass(frozen=True)
class Hit:
    """One violation a check found; the rule turns it into a Finding."""

    message: str
    evidence: Sequence[EvidenceRef]
    phase: str | None = None
    severity: Severity | None = None  # None: the rule's default
    scenario: str | None = None  # an across-scenario rule's hit: the scenario it belongs to


@dataclass(frozen=True)
class Rule:
    """A rule: metadata plus a check over the analysis context."""

    id: str
    severity: Severity
    phases: tuple[str, ...]  # the phases it judges; () for phase-free rules
    question: str  # checklist question id
    reference: str  # checklist question / regulation, as shown in reports
    summary: str
    check: Callable[..., Iterable[Hit]]
    # judged across a suite's scenarios: check takes (scenario, Context) pairs, each Hit names its scenario
    across: bool = False

    @property
    def needs_phases(self) -> bool:
        """True when the rule cannot judge a recording without phase information."""
        return bool(self.phases)

    def finding(self, hit: Hit) -> Finding:
        """A Finding for one hit, carrying this rule's id, severity and reference."""
        return Finding(
            rule=self.id,
            severity=hit.severity or self.severity,
            phase=hit.phase,
            message=hit.message,
            reference=self.reference,
            evidence=list(hit.evidence),
        )


def rule(
    id: str,
    *,
    severity: Severity,
    phases: tuple[str, ...],
    question: str,
    reference: str,
    summary: str,
    across: bool = False,
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Decorator turning a check function into a Rule."""

    def wrap(check: Callable[..., Iterable[Hit]]) -> Rule:
        return Rule(id, severity, phases, question, reference, summary, check, across)

    return wrap
