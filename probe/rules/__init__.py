"""The rules: one module per family, each rule a stable id with a check over the analysis context."""

from __future__ import annotations

from collections.abc import Sequence

from probe.findings import EvidenceRef, Finding
from probe.marks import ReadMark, iso
from probe.rules import (
    banner,
    before_consent,
    destinations,
    identity,
    revocation,
    server,
    signals,
    stamping,
    third_party,
)
from probe.rules.base import Hit, Rule
from probe.rules.context import Context, build_context
from probe.rules.workspace import RULES as WORKSPACE_RULES  # probe workspace: settings alone, not in RULES
from probe.timeline import REVOKED

# the public order reports and findings follow
RULES: tuple[Rule, ...] = (
    *before_consent.RULES,
    *stamping.RULES,
    *destinations.RULES,
    *revocation.RULES,
    *third_party.RULES,
    *signals.RULES,
    # added with server-side evidence: after the older rules, so their order in reports stays put
    *server.RULES,
    *identity.RULES,
    *banner.RULES,  # the banner's own design (probe.banner measurements)
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
    """Every finding of ``rules`` on a context, ordered by rule, then entry index.

    Requests inside the window of doubt around an inferred mark are never errors (see ``uncertain``).
    """
    order = {r.id: i for i, r in enumerate(RULES)}
    findings: list[Finding] = []
    for r in rules:
        if r.across or (r.needs_phases and not ctx.timeline.has_phases):
            continue
        findings.extend(r.finding(hit) for hit in r.check(ctx))
    findings = [part for f in findings for part in uncertain(ctx, f)]
    return sorted(findings, key=lambda f: (order.get(f.rule, len(order)), _first_entry(f)))


ACROSS_IDS: tuple[str, ...] = tuple(r.id for r in RULES if r.across)


def run_across(named: Sequence[tuple[str, Context]]) -> tuple[dict[str, list[Finding]], dict[str, list[str]]]:
    """What only a comparison of one suite's scenarios shows: findings and notes, by scenario name."""
    findings: dict[str, list[Finding]] = {}
    for r in RULES:
        if r.across:
            for hit in r.check(named):
                findings.setdefault(hit.scenario or "", []).append(r.finding(hit))
    return findings, banner.re_prompt_notes(named)


def uncertain(ctx: Context, finding: Finding) -> list[Finding]:
    """An error whose requests went out while an inferred click may not have happened yet: a warning.

    An inferred mark stands at the earliest moment its click may have happened; a request between
    then and the latest moment may have gone out before the click, so it cannot prove a violation
    of the choice. Evidence on both sides splits the finding: the error keeps the certain part.
    """
    windows = [(m, w) for m in ctx.timeline.marks if isinstance(m, ReadMark) and (w := m.window) is not None]
    if finding.severity != "error" or not windows:
        return [finding]
    inside: list[EvidenceRef] = []
    outside: list[EvidenceRef] = []
    neutral: list[EvidenceRef] = []  # statements, storage snapshots: no request time to place
    where: tuple[str, tuple[float, float]] | None = None
    for ref in finding.evidence:
        entry = ctx.by_index.get(ref.entry) if ref.entry is not None else None
        if entry is None:
            (neutral if ref.entry is None else outside).append(ref)
            continue
        wire = ctx.preflight_of.get(entry.index, entry).started
        # the trace itself (say, the consent event, sent after its preflight) is proof of the click
        hit = next(
            ((m.phase, w) for m, w in windows if w[0] <= wire < w[1] and entry.index != m.latest_entry),
            None,
        )
        (inside if hit else outside).append(ref)
        where = where or hit
    if where is None:
        return [finding]
    phase, (earliest, latest) = where
    what = "revocation" if phase == REVOKED else "decision"
    why = (
        f" Uncertain: sent between {iso(earliest)} and {iso(latest)}, the earliest and the latest moment of"
        f" the inferred {what}, so it may have gone out before it: a warning, not an error."
    )
    warning = finding.model_copy(
        update={
            "severity": "warning",
            "message": finding.message + why,
            "evidence": inside + neutral,
            "uncertain": True,
        }
    )
    if not outside:
        return [warning]
    note = (
        f" ({len(inside)} more cited request(s) went out within the window of doubt of the inferred {what}:"
        " reported separately as a warning.)"
    )
    certain = finding.model_copy(update={"message": finding.message + note, "evidence": outside + neutral})
    return [certain, warning.model_copy(update={"evidence": inside})]


__all__ = [
    "ACROSS_IDS",
    "PHASE_FREE",
    "RULES",
    "RULE_IDS",
    "WORKSPACE_RULES",
    "Context",
    "Hit",
    "Rule",
    "build_context",
    "rule_by_id",
    "run_across",
    "run_rules",
    "uncertain",
]
