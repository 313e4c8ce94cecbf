"""The seed guide's six audit questions, answered from judged recordings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from probe.findings import Answer, ChecklistItem, EvidenceRef, Finding
from probe.rules import RULES
from probe.rules.base import (
    Q_CATEGORIZATION,
    Q_FILTERS,
    Q_PRIVACY_API,
    Q_SDK_WAITS,
    Q_SERVER_SIDE,
    Q_STAMPED,
)
from probe.rules.context import Context
from probe.segment import clip
from probe.suite import Suite
from probe.timeline import AFTER, REVOKED

QUESTIONS: dict[str, str] = {
    Q_CATEGORIZATION: "Is destination categorization documented?",
    Q_SDK_WAITS: "Does the SDK wait for consent?",
    Q_STAMPED: "Are consent payloads stamped on every event?",
    Q_FILTERS: "Do destination filters honor categories?",
    Q_SERVER_SIDE: "Do server-side sources carry consent?",
    Q_PRIVACY_API: "Does the Privacy API fire on revocation?",
}
MAX_EVIDENCE = 5
_QUESTION_OF = {r.id: r.question for r in RULES}


@dataclass
class Judged:
    """One scenario: its context and its findings."""

    name: str
    ctx: Context
    findings: list[Finding]


def _tag(name: str, ref: EvidenceRef) -> EvidenceRef:
    """The pointer with its scenario: checklist evidence spans several HARs."""
    return ref.model_copy(update={"scenario": name})


def _violations(judged: list[Judged], question: str) -> list[tuple[str, Finding]]:
    return [
        (j.name, f)
        for j in judged
        for f in j.findings
        if _QUESTION_OF.get(f.rule) == question and f.severity == "error"
    ]


def _no(question: str, violations: list[tuple[str, Finding]]) -> ChecklistItem:
    rules = sorted({f.rule for _, f in violations})
    scenarios = sorted({n for n, _ in violations})
    evidence = [_tag(n, f.evidence[0]) for n, f in violations if f.evidence][:MAX_EVIDENCE]
    detail = f"{len(violations)} violation(s) ({', '.join(rules)}) in scenario(s) {', '.join(scenarios)}."
    return ChecklistItem(
        id=question, question=QUESTIONS[question], answer="no", detail=detail, evidence=evidence
    )


def _item(question: str, answer: Answer, detail: str, evidence: Sequence[EvidenceRef] = ()) -> ChecklistItem:
    return ChecklistItem(
        id=question, question=QUESTIONS[question], answer=answer, detail=detail, evidence=list(evidence)
    )


def _categorization(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_CATEGORIZATION
    if violations := _violations(judged, q):
        return _no(q, violations)
    with_settings = [j for j in judged if j.ctx.traffic.settings.destinations]
    if not with_settings:
        return _item(
            q, "not-tested", "No settings response was captured and the suite names no destinations."
        )
    j = with_settings[-1]
    settings = j.ctx.traffic.settings
    listing = "; ".join(f"{d.name}: {', '.join(d.categories)}" for d in settings.destinations.values())
    warnings = [f for x in judged for f in x.findings if f.rule == "warehouse-exempt"]
    extra = f" {len(warnings)} warehouse warning(s)." if warnings else ""
    ref = EvidenceRef(entry=settings.entry, url=settings.url, excerpt="captured settings")
    return _item(
        q,
        "yes",
        clip(f"Every destination has a consent category ({listing}).{extra}", 600),
        [_tag(j.name, ref)],
    )


def _first_event_ref(judged: list[Judged], phases: tuple[str, ...]) -> list[EvidenceRef]:
    for j in judged:
        for event in j.ctx.traffic.events:
            if j.ctx.event_phase(event) in phases:
                return [_tag(j.name, EvidenceRef(entry=event.entry, url=event.url, excerpt=event.excerpt))]
    return []


def _sdk_waits(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_SDK_WAITS
    if violations := _violations(judged, q):
        return _no(q, violations)
    if suite.consent_model == "opt-out":
        return _item(q, "not-tested", "Opt-out model: Segment is meant to run before a decision.")
    phased = [j for j in judged if j.ctx.timeline.has_phases]
    seen = [j for j in phased if j.ctx.traffic.requests]
    if not seen:
        return _item(q, "not-tested", "No scenario with phase information showed any Segment traffic.")
    early_sdk = [j.name for j in judged for f in j.findings if f.rule == "sdk-before-consent"]
    extra = f" The SDK itself loaded early in: {', '.join(early_sdk)}." if early_sdk else ""
    detail = f"No Segment event or identifier before the decision in {len(phased)} scenario(s).{extra}"
    return _item(q, "yes", detail, _first_event_ref(judged, (AFTER, REVOKED)))


def _stamped(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_STAMPED
    if violations := _violations(judged, q):
        return _no(q, violations)
    count = sum(1 for j in judged for e in j.ctx.traffic.events if j.ctx.event_phase(e) in (AFTER, REVOKED))
    if not count:
        return _item(q, "not-tested", "No Segment event was sent after a decision in any scenario.")
    detail = f"All {count} event(s) sent after a decision carried categoryPreferences matching the choice."
    return _item(q, "yes", detail, _first_event_ref(judged, (AFTER, REVOKED)))


def _filters(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_FILTERS
    if violations := _violations(judged, q):
        return _no(q, violations)
    exercised = []
    for j in judged:
        for phase in (AFTER, REVOKED):
            expect = j.ctx.expect.at(phase)
            if expect.judgeable and j.ctx.timeline.mark(phase) and not all((expect.choice or {}).values()):
                exercised.append(j.name)
                break
    if not exercised:
        return _item(q, "not-tested", "No scenario denied or withdrew a category.")
    detail = (
        f"Denied categories stayed away from vendors and device-mode bundles in: {', '.join(exercised)}. "
        "Cloud-mode filtering happens on Segment's servers and is not visible from the browser."
    )
    return _item(q, "yes", detail)


def _server_side(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_SERVER_SIDE
    server = [
        (j, e)
        for j in judged
        for e in j.ctx.traffic.events
        if e.from_server_library or e.url.rstrip("/").endswith("/batch")
    ]
    if not server:
        return _item(
            q,
            "not-tested",
            "Server-side sources are not observable from a browser; no server-library events seen.",
        )
    unstamped = [(j, e) for j, e in server if not e.stamped]
    refs = [
        _tag(j.name, EvidenceRef(entry=e.entry, url=e.url, excerpt=e.excerpt))
        for j, e in (unstamped or server)
    ]
    if unstamped:
        return _item(
            q,
            "no",
            f"{len(unstamped)} of {len(server)} server-library event(s) carry no consent stamp.",
            refs[:MAX_EVIDENCE],
        )
    return _item(
        q, "yes", f"All {len(server)} server-library event(s) carry a consent stamp.", refs[:MAX_EVIDENCE]
    )


def _privacy_api(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_PRIVACY_API
    if violations := _violations(judged, q):
        return _no(q, violations)
    endpoint = suite.segment.privacy_endpoint
    if not endpoint:
        return _item(q, "not-tested", "The suite names no segment.privacy_endpoint.")
    revoked = [j for j in judged if j.ctx.expect.revoked_categories]
    if not revoked:
        return _item(q, "not-tested", "No scenario withdrew a granted category.")
    refs = [
        _tag(j.name, EvidenceRef(entry=e.index, url=e.url, excerpt=f"HTTP {e.status}"))
        for j in revoked
        for e in j.ctx.entries
        if endpoint in e.url and j.ctx.phase(e) == REVOKED
    ]
    detail = f"The privacy endpoint was called after every revocation ({', '.join(j.name for j in revoked)})."
    return _item(q, "yes", detail, refs[:MAX_EVIDENCE])


_ANSWERS: tuple[Callable[[list[Judged], Suite], ChecklistItem], ...] = (
    _categorization,
    _sdk_waits,
    _stamped,
    _filters,
    _server_side,
    _privacy_api,
)


def build_checklist(results: list[tuple[Context, list[Finding]]], suite: Suite) -> list[ChecklistItem]:
    """Answer the six audit questions (yes / no / not-tested) over all judged scenarios."""
    judged = [Judged(ctx.timeline.scenario, ctx, findings) for ctx, findings in results]
    return [answer(judged, suite) for answer in _ANSWERS]
