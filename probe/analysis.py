"""Judgement: a Timeline plus the Suite in, Findings out (and the six-question audit checklist)."""

from __future__ import annotations

from dataclasses import dataclass, field

from probe.catalog import Catalog
from probe.findings import ChecklistItem, Finding, Unjudged
from probe.rules import RULES, build_context, run_rules
from probe.rules.checklist import build_checklist
from probe.rules.context import Context
from probe.rules.notes import analysis_notes, unjudged
from probe.segment import is_segment_domain
from probe.suite import Suite
from probe.timeline import Timeline


@dataclass
class Analysis:
    """Findings for one recording, and the class of every entry (for the timeline picture)."""

    findings: list[Finding]
    classes: dict[int, str]  # HAR entry index -> segment | vendor:<category> | first-party | ...
    context: Context  # the recording as read for the rules; the checklist reuses it
    unjudged: list[Unjudged] = field(default_factory=list)  # rule families that could not run, and why


def analyse_timeline(timeline: Timeline, suite: Suite, *, catalog: Catalog | None = None) -> Analysis:
    """Judge a recording once: findings, what could not be judged, notes (into ``timeline.notes``), classes."""
    ctx = build_context(timeline, suite, catalog)
    findings = run_rules(ctx)
    gaps = unjudged(ctx, RULES)
    for note in analysis_notes(ctx, gaps):
        if note not in timeline.notes:
            timeline.notes.append(note)
    return Analysis(findings, entry_classes(ctx), ctx, gaps)


def analyse(timeline: Timeline, suite: Suite, *, catalog: Catalog | None = None) -> list[Finding]:
    """All findings for one recording, ordered by rule then HAR entry; notes go to ``timeline.notes``."""
    return analyse_timeline(timeline, suite, catalog=catalog).findings


def entry_classes(ctx: Context) -> dict[int, str]:
    """What each entry is, in the words the HTML timeline colours by (``server``: server-side traffic)."""
    vendors = {hit.entry.index: hit for hit in ctx.vendor_hits}
    site = ctx.by_index  # the site's entries by index: no second set of 100k indices at the peak
    classes: dict[int, str] = {}
    names: dict[str, str] = {}  # one copy of each "vendor:<category>": a big HAR has 10k pixel hits
    for entry in ctx.timeline.entries:
        if entry.index not in site:
            classes[entry.index] = "noise"
        elif entry.index in ctx.server.indices:
            classes[entry.index] = "server"  # the backend's own lane, whatever it called
        elif entry.blocked:
            classes[entry.index] = "blocked"
        elif ctx.traffic.kind_of(entry.index) is not None or is_segment_domain(entry.host):
            classes[entry.index] = "segment"
        elif entry.index in vendors:
            hit = vendors[entry.index]
            name = f"vendor:{hit.cmp_category or hit.vendor.category}"
            classes[entry.index] = names.setdefault(name, name)
        elif entry.host in ctx.first_party:
            classes[entry.index] = "first-party"
        else:
            classes[entry.index] = "third-party"
    return classes


def checklist(analyses: list[Analysis], suite: Suite) -> list[ChecklistItem]:
    """The seed guide's six audit questions answered over every judged scenario."""
    return build_checklist([(a.context, a.findings) for a in analyses], suite)
