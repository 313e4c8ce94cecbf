"""The rules: one module per family, each rule a stable id with a check over the analysis context."""

from __future__ import annotations

from probe.findings import Finding
from probe.rules import before_consent, destinations, revocation, signals, stamping, third_party
from probe.rules.base import Hit, Rule
from probe.rules.context import Context, build_context

# the public order reports and findings follow
RULES: tuple[Rule, ...] = (
    *before_consent.RULES,
    *stamping.RULES,
    *destinations.RULES,
    *revocation.RULES,
    *third_party.RULES,
    *signals.RULES,
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
PHASE_FREE: tuple[str, ...] = tuple(r.id for r in RULES if not r.needs_phases)


def rule_by_id(rule_id: str) -> Rule:
    """A rule by its id."""
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


def _first_entry(finding: Finding) -> int:
    indices = [e.entry for e in finding.evidence if e.entry is not None]
    # findings without a HAR pointer (storage snapshots, missing requests) sort after those with one
    return min(indices) if indices else 1 << 62


def run_rules(ctx: Context, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every finding of ``rules`` on a context, ordered by rule, then entry index."""
    order = {r.id: i for i, r in enumerate(RULES)}
    findings: list[Finding] = []
    for r in rules:
        if r.needs_phases and not ctx.timeline.has_phases:
            continue
        findings.extend(r.finding(hit) for hit in r.check(ctx))
    return sorted(findings, key=lambda f: (order.get(f.rule, len(order)), _first_entry(f)))


__all__ = [
    "PHASE_FREE",
    "RULES",
    "RULE_IDS",
    "Context",
    "Hit",
    "Rule",
    "build_context",
    "rule_by_id",
    "run_rules",
]
