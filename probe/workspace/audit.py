"""Judge one source's settings: findings, what could not be judged, the inventory and the checklist."""

from __future__ import annotations

from dataclasses import dataclass

from probe import __version__
from probe.findings import ChecklistItem, EvidenceRef, ScenarioResult, SuiteGroup, ToolInfo, Unjudged
from probe.rules.base import Q_CATEGORIZATION
from probe.rules.checklist import QUESTIONS
from probe.rules.workspace import RULES, Workspace, run_workspace_rules, workspace_unjudged
from probe.segment import merge_settings
from probe.suite import Suite
from probe.workspace.inventory import Inventory, WorkspaceReport, build_inventory
from probe.workspace.source import Loaded

SCENARIO = "workspace"  # one fixed name: fingerprints of two audits of a source match whatever the source
_QUESTION_OF = {r.id: r.question for r in RULES}
NOT_TRAFFIC = "A workspace audit reads the source's settings only: judge traffic with probe run or probe replay."


@dataclass
class Audit:
    """One source judged."""

    result: ScenarioResult
    inventory: Inventory


def audit(loaded: Loaded, suite: Suite | None, mapping_from: str | None = None) -> Audit:
    """Judge the settings of ``loaded`` with the suite's CMP mapping (None: no mapping, said so)."""
    # the suite's segment.destinations override categories of destinations the source has, as in a run
    overrides = {
        name: cats
        for name, cats in (suite.segment.destinations if suite else {}).items()
        if name in loaded.settings.destinations
    }
    merged = merge_settings([loaded.settings], overrides)
    ws = Workspace(settings=loaded.settings, merged=merged, suite=suite)
    findings = run_workspace_rules(ws)
    gaps = workspace_unjudged(ws)
    inventory = build_inventory(
        loaded.document,
        merged,
        suite,
        source=loaded.source,
        source_kind=loaded.kind,
        mapping_from=mapping_from,
    )
    result = ScenarioResult.judged(
        SCENARIO,
        findings,
        gaps,
        suite=suite.name if suite else None,
        notes=_notes(loaded, inventory, gaps),
    )
    return Audit(result, inventory)


def _notes(loaded: Loaded, inventory: Inventory, gaps: list[Unjudged]) -> list[str]:
    """The inventory in words (every report format shows notes), then what the reader should know."""
    notes = [f"settings read from {loaded.source}"]
    if loaded.found > 1:
        notes.append(f"the recording holds {loaded.found} settings responses; the last one is audited")
    if inventory.mapping_from:
        notes.append(f"CMP category mapping from {inventory.mapping_from}")
    if not inventory.consent.configured and any(d.categories for d in inventory.destinations):
        notes.append(
            "the source has no top-level consentSettings: Segment's consent tools never disable Segment as "
            "a whole for a visitor who refused everything; only the destinations' own categories gate them"
        )
    for d in inventory.destinations:
        if d.categories:
            mapped = (
                "; ".join(f"{c} → CMP {', '.join(d.cmp[c]) or 'none'}" for c in d.categories)
                if d.cmp is not None
                else ", ".join(d.categories) + " (no suite: CMP mapping unknown)"
            )
        else:
            mapped = "no consent category"
        origin = " (categories from the suite)" if d.categories_from == "suite" else ""
        warehouse = " [warehouse]" if d.warehouse else ""
        notes.append(f'destination "{d.name}"{warehouse}: {d.mode}-mode ({d.mode_why}); {mapped}{origin}')
    if not inventory.destinations:
        notes.append("the settings list no destination")
    return [n for n in notes if n not in {g.reason for g in gaps}]


def workspace_checklist(result: ScenarioResult, inventory: Inventory) -> list[ChecklistItem]:
    """The six audit questions: categorization answered from the settings, the others not tested here."""
    items = [_categorization(result, inventory)]
    items += [
        ChecklistItem(id=q, question=text, answer="not-tested", detail=NOT_TRAFFIC)
        for q, text in QUESTIONS.items()
        if q != Q_CATEGORIZATION
    ]
    return items


def _categorization(result: ScenarioResult, inventory: Inventory) -> ChecklistItem:
    q = Q_CATEGORIZATION
    errors = [f for f in result.findings if _QUESTION_OF.get(f.rule) == q and f.severity == "error"]
    ref = EvidenceRef(entry=inventory.entry, excerpt=f"settings of {inventory.source}")
    if errors:
        rules = sorted({f.rule for f in errors})
        return ChecklistItem(
            id=q,
            question=QUESTIONS[q],
            answer="no",
            detail=f"{len(errors)} violation(s) ({', '.join(rules)}) in the source's settings.",
            evidence=[f.evidence[0] for f in errors if f.evidence][:5],
        )
    if result.unjudged:
        return ChecklistItem(
            id=q,
            question=QUESTIONS[q],
            answer="not-tested",
            detail="Every destination has a Segment consent category, but "
            + "; ".join(g.reason for g in result.unjudged)
            + ".",
            evidence=[ref],
        )
    if not inventory.destinations:
        return ChecklistItem(
            id=q, question=QUESTIONS[q], answer="not-tested", detail="The settings list no destination."
        )
    warnings = [f for f in result.findings if f.severity == "warning"]
    extra = f" {len(warnings)} warning(s)." if warnings else ""
    return ChecklistItem(
        id=q,
        question=QUESTIONS[q],
        answer="yes",
        detail=f"Every one of the {len(inventory.destinations)} destination(s) has a consent category.{extra}",
        evidence=[ref],
    )


def workspace_report(result: ScenarioResult, inventory: Inventory, suite: Suite | None) -> WorkspaceReport:
    """The report.json model: one scenario (``workspace``), the checklist, and the inventory."""
    checklist = workspace_checklist(result, inventory)
    name = suite.name if suite else SCENARIO
    return WorkspaceReport(
        tool=ToolInfo(version=__version__),
        suite=suite.name if suite else None,
        scenarios=[result],
        checklist=checklist,
        suites=[SuiteGroup(name=name, scenarios=[result.name], checklist=checklist)],
        workspace=inventory,
    )

