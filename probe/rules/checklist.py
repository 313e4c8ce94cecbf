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
from probe.rules.deletion import deletion_calls
from probe.rules.server import expected_stamp
from probe.segment import SegmentEvent, clip
from probe.suite import Suite
from probe.timeline import AFTER, BEFORE, REVOKED

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


def _doubts(judged: list[Judged], question: str) -> ChecklistItem | None:
    """Not tested when the question's only would-be violations fell in a window of doubt."""
    doubts = [
        (j.name, f)
        for j in judged
        for f in j.findings
        if _QUESTION_OF.get(f.rule) == question and f.uncertain
    ]
    if not doubts:
        return None
    rules = sorted({f.rule for _, f in doubts})
    detail = (
        f"{len(doubts)} finding(s) ({', '.join(rules)}) fall in the window of doubt around an inferred "
        "decision: the recording cannot tell whether they came before it. Give --decision-at to settle it."
    )
    evidence = [_tag(n, f.evidence[0]) for n, f in doubts if f.evidence][:MAX_EVIDENCE]
    return ChecklistItem(
        id=question, question=QUESTIONS[question], answer="not-tested", detail=detail, evidence=evidence
    )


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


def _entry_ref(j: Judged, index: int, excerpt: str) -> EvidenceRef:
    entry = j.ctx.by_index[index]
    return _tag(j.name, EvidenceRef(entry=entry.index, url=entry.url, excerpt=excerpt))


def _waited(j: Judged) -> list[EvidenceRef]:
    """Proof that a scenario exercised the wait: a request before its decision, Segment traffic after it."""
    if j.ctx.timeline.mark(AFTER) is None:
        return []
    before = next((e for e in j.ctx.entries if j.ctx.phase(e) == BEFORE), None)
    after = next(
        (r for r in j.ctx.traffic.requests if j.ctx.phase(j.ctx.by_index[r.entry]) in (AFTER, REVOKED)), None
    )
    if before is None or after is None:
        return []
    return [
        _entry_ref(j, before.index, "a request before the decision: the page was observed undecided"),
        _entry_ref(j, after.entry, f"Segment after the decision ({after.kind})"),
    ]


def _sdk_waits(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_SDK_WAITS
    if violations := _violations(judged, q):
        return _no(q, violations)
    if doubt := _doubts(judged, q):
        return doubt
    if suite.consent_model == "opt-out":
        return _item(q, "not-tested", "Opt-out model: Segment is meant to run before a decision.")
    proofs = {j.name: refs for j in judged if (refs := _waited(j))}
    if not proofs:
        return _item(
            q,
            "not-tested",
            "No scenario showed both requests before a decision and Segment traffic after it, so waiting "
            "for consent was not exercised.",
        )
    early_sdk = [j.name for j in judged for f in j.findings if f.rule == "sdk-before-consent"]
    extra = f" The SDK itself loaded early in: {', '.join(early_sdk)}." if early_sdk else ""
    detail = (
        f"No Segment event or identifier before the decision, and Segment traffic after it, in "
        f"{', '.join(proofs)}.{extra}"
    )
    return _item(q, "yes", detail, [r for refs in proofs.values() for r in refs][:MAX_EVIDENCE])


def _stated(j: Judged, phase: str) -> bool:
    """True when the phase's choice is a fact (recorded by probe, or stated), not read from stamps."""
    expect = j.ctx.expect.at(phase)
    return expect.judgeable and expect.choice_source in ("recorded", "stated")


def _stamped(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_STAMPED
    if violations := _violations(judged, q):
        return _no(q, violations)
    if doubt := _doubts(judged, q):
        return doubt
    checked = [
        (j, e)
        for j in judged
        for e in j.ctx.traffic.events
        if (phase := j.ctx.event_phase(e)) in (AFTER, REVOKED) and _stated(j, phase)
    ]
    if not checked:
        read = any(j.ctx.expect.at(p).choice_source == "stamps" for j in judged for p in (AFTER, REVOKED))
        why = (
            "The choice after the decision was read from the stamps themselves, so they cannot be "
            "checked against it: say what the visitor chose (--choice or a suite scenario)."
            if read
            else "No Segment event was sent after a decision whose choice is known in any scenario."
        )
        return _item(q, "not-tested", why)
    detail = (
        f"All {len(checked)} event(s) sent after a decision carried categoryPreferences matching the choice."
    )
    refs: list[EvidenceRef] = []
    for j, event in checked:
        if not any(r.scenario == j.name for r in refs):  # the first event of each scenario
            refs.append(_tag(j.name, EvidenceRef(entry=event.entry, url=event.url, excerpt=event.excerpt)))
    return _item(q, "yes", detail, refs[:MAX_EVIDENCE])


def _denial_traffic(j: Judged, phase: str) -> EvidenceRef | None:
    """The first request that could have reached a denied category in ``phase``: Segment or a vendor."""
    ctx = j.ctx
    candidates = [r.entry for r in ctx.traffic.requests if ctx.phase(ctx.by_index[r.entry]) == phase]
    candidates += [h.entry.index for h in ctx.vendor_hits if ctx.phase(h.entry) == phase]
    if not candidates:
        return None
    return _entry_ref(j, min(candidates), f"traffic while the visitor's denial was in force ({phase})")


def _filters(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_FILTERS
    if violations := _violations(judged, q):
        return _no(q, violations)
    if doubt := _doubts(judged, q):
        return doubt
    exercised: dict[str, EvidenceRef] = {}
    for j in judged:
        for phase in (AFTER, REVOKED):
            expect = j.ctx.expect.at(phase)
            denies = not all((expect.choice or {}).values())
            if j.ctx.timeline.mark(phase) and _stated(j, phase) and denies:
                ref = _denial_traffic(j, phase)
                if ref is not None:
                    exercised[j.name] = ref
                    break
    if not exercised:
        return _item(
            q,
            "not-tested",
            "No scenario with a recorded or stated choice denied or withdrew a category while Segment or a "
            "vendor was active.",
        )
    detail = (
        f"Denied categories stayed away from vendors and device-mode bundles in: {', '.join(exercised)}. "
        "Cloud-mode filtering happens on Segment's servers and is not visible from the browser."
    )
    return _item(q, "yes", detail, list(exercised.values())[:MAX_EVIDENCE])


_NOTHING_SEEN = "No server-side event was recorded for a scenario's visitor"


def _server_side(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_SERVER_SIDE
    seen = [(j, e) for j in judged for e in j.ctx.server.events]
    unstamped = [(j, e) for j, e in seen if not e.stamped]
    if violations := _violations(judged, q):
        item = _no(q, violations)
        if unstamped:  # say how much of the backend's traffic went out bare
            extra = f" {len(unstamped)} of {len(seen)} server-side event(s) carry no consent stamp."
            item = item.model_copy(update={"detail": item.detail + extra})
        return item
    if doubt := _doubts(judged, q):
        return doubt
    if not seen:
        ignored = sum(len(j.ctx.server.unattributed) for j in judged)
        why = f" {ignored} backend request(s) were not attributed to a scenario's visitor." if ignored else ""
        return _item(
            q,
            "not-tested",
            _NOTHING_SEEN + ": the site's backend was not captured, or sent nothing to Segment." + why,
        )
    checked = [
        (j, e) for j, e in seen if expected_stamp(j.ctx, j.ctx.event_phase(e)) is not None and _known(j, e)
    ]
    if not checked:
        return _item(
            q,
            "not-tested",
            f"{len(seen)} server-side event(s) were seen, but none in a phase whose choice is recorded or "
            "stated, so their stamps could not be checked against it.",
        )
    refs: list[EvidenceRef] = []
    for j, event in checked:
        if not any(r.scenario == j.name for r in refs):  # the first event of each scenario
            refs.append(_tag(j.name, EvidenceRef(entry=event.entry, url=event.url, excerpt=event.excerpt)))
    detail = (
        f"All {len(checked)} server-side event(s) sent where the visitor's choice is known carried "
        "categoryPreferences matching it."
    )
    warned = [
        f for j in judged for f in j.findings if _QUESTION_OF.get(f.rule) == q and f.severity == "warning"
    ]
    if warned:  # stamps that withhold an accepted category: nothing leaks, but they do not match
        detail = (
            f"All {len(checked)} server-side event(s) sent where the visitor's choice is known carried "
            f"categoryPreferences granting nothing it denies; {len(warned)} warning(s) "
            f"({', '.join(sorted({f.rule for f in warned}))}): stamps withhold an accepted category."
        )
    if len(checked) < len(seen):
        detail += f" {len(seen) - len(checked)} more were sent while the choice was unknown."
    return _item(q, "yes", detail, refs[:MAX_EVIDENCE])


def with_unattributed(items: list[ChecklistItem], requests: int) -> list[ChecklistItem]:
    """The server-side answer told of the backend's Segment requests that matched no scenario's visitor.

    They sit beside the scenarios (``server-unattributed/``), judged by no rule: another visitor's,
    or this run's visitors' under ids probe could not link to them (a backend user id the browser
    never sent). A "not-tested" must not blame a missing backend, and a "yes" must say what it left out.
    """
    if not requests:
        return items
    told = []
    for item in items:
        if item.id == Q_SERVER_SIDE and item.answer == "not-tested" and item.detail.startswith(_NOTHING_SEEN):
            item = item.model_copy(
                update={
                    "detail": "No server-side event was attributed to a scenario's visitor, yet the backend sent "
                    f"{requests} request(s) to Segment that matched no visitor (server-unattributed/): if "
                    "they are the visitors' under ids probe cannot link, their consent was not judged."
                }
            )
        elif item.id == Q_SERVER_SIDE and item.answer != "no":
            item = item.model_copy(
                update={
                    "detail": item.detail + f" {requests} more backend request(s) to Segment matched no "
                    "scenario's visitor (server-unattributed/) and were not judged."
                }
            )
        told.append(item)
    return told


def _known(j: Judged, event: SegmentEvent) -> bool:
    """True when the choice in force for a server event is a fact: before an opt-in decision, or stated."""
    phase = j.ctx.event_phase(event)
    return phase == BEFORE or _stated(j, phase)


def _privacy_api(judged: list[Judged], suite: Suite) -> ChecklistItem:
    q = Q_PRIVACY_API
    if violations := _violations(judged, q):
        return _no(q, violations)
    if doubt := _doubts(judged, q):
        return doubt
    found = {j.name: deletion_calls(j.ctx) for j in judged}
    if not any(f.judgeable for f in found.values()):
        return _item(
            q,
            "not-tested",
            "The site's backend was not recorded (the suite declares no backend) and the suite names no "
            "segment.privacy_endpoint: Segment's Privacy API is called server-side, so the recording cannot "
            "show it.",
        )
    revoked = [j for j in judged if j.ctx.expect.revoked_categories]
    if not revoked:
        return _item(q, "not-tested", "No scenario withdrew a granted category.")
    refs = [
        _tag(j.name, EvidenceRef(entry=e.index, url=e.url, excerpt=f"HTTP {e.status}"))
        for j in revoked
        for e in found[j.name].done[:2]  # the browser's call and the backend's, when both happened
    ]
    missing = [j.name for j in revoked if not found[j.name].done]
    if missing:  # no violation, but no call either (e.g. inside a window of doubt, or not judgeable)
        return _item(
            q,
            "not-tested",
            f"No deletion or suppression call could be placed after the revocation in: {', '.join(missing)}.",
            refs[:MAX_EVIDENCE],
        )
    detail = (
        "The privacy endpoint or Segment's Privacy API was called after every revocation "
        f"({', '.join(j.name for j in revoked)})."
    )
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
