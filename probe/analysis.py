"""Judgement: a Timeline plus the Suite in, Findings out (and the six-question audit checklist)."""

from __future__ import annotations

from probe.catalog import Catalog
from probe.findings import ChecklistItem, Finding
from probe.rules import PHASE_FREE, build_context, run_rules
from probe.rules.checklist import build_checklist
from probe.rules.notes import analysis_notes
from probe.suite import Suite
from probe.timeline import Timeline


def analyse(timeline: Timeline, suite: Suite, *, catalog: Catalog | None = None) -> list[Finding]:
    """All findings for one recording, ordered by rule then HAR entry; notes go to ``timeline.notes``."""
    ctx = build_context(timeline, suite, catalog)
    findings = run_rules(ctx)
    for note in analysis_notes(ctx, PHASE_FREE):
        if note not in timeline.notes:
            timeline.notes.append(note)
    return findings


def checklist(
    results: list[tuple[Timeline, list[Finding]]], suite: Suite, *, catalog: Catalog | None = None
) -> list[ChecklistItem]:
    """The seed guide's six audit questions answered over every judged scenario."""
    return build_checklist(results, suite, catalog)
