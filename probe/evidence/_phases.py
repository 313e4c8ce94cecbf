"""Phase marks for a foreign HAR: given on the command line, or inferred from the recording.

A DevTools or mitmproxy HAR has no consent click in it. The click is placed either where the user
says (an ISO time, a HAR entry index, or a URL pattern of the click's first request) or at the
earliest trace the decision left: a CMP consent cookie showing up, the SDK's
"Segment Consent Preference Updated" event, or (weakest) the first event stamped with
``context.consent``. Inference is deliberately lenient: the click happened no later than its
earliest trace, so nothing after a real click is ever judged as "before consent".
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ..timeline import AFTER, REVOKED, Entry, PhaseMark, Timeline
from ._convert import parse_time
from ._cookies import CMP_COOKIES, VOLATILE, decided, is_deletion, parse_cookie_header, parse_set_cookie
from ._errors import PhaseSpecError

Confidence = Literal["high", "medium", "low"]
PhaseSpec = str | int | datetime
CONSENT_EVENT = "Segment Consent Preference Updated"
AGREE_SECONDS = 60.0  # two traces this close together are taken as the same click
LEAD_SECONDS = 5.0  # how far an SDK load may run ahead of the consent event it leads to
# Requests an opt-in SDK makes between the click and its first event: loader, settings, bundles,
# device-mode scripts, CORS preflights. (Kept here rather than in probe.segment: evidence must not
# import the analysis.)
_SDK_LOAD = re.compile(
    r"/analytics\.js/v1/|/v1/projects/[^/]+/settings$|/analytics-next/bundles/|/next-integrations/"
)
_MAX_EVENT_BODY = 1_000_000


@dataclass(frozen=True)
class PhaseInference:
    """How the phases of a timeline were found and how sure that is."""

    method: Literal["recorded", "given", "inferred", "none"]
    confidence: Confidence | None
    signals: tuple[str, ...]  # e.g. ("consent-event", "cmp-cookie:cc_cookie")
    decision_at: float | None
    revoke_at: float | None
    note: str  # the sentence also appended to Timeline.notes


@dataclass(frozen=True)
class _Trace:
    signal: str
    at: float
    entry: int
    text: str


def apply_phases(
    timeline: Timeline,
    decision_at: PhaseSpec | None = None,
    revoke_at: PhaseSpec | None = None,
) -> PhaseInference:
    """Set phase marks from the given specs, else infer them; notes how, and returns the inference."""
    ordered = sorted(timeline.entries, key=lambda e: (e.started, e.index))
    if decision_at is None and revoke_at is not None:
        raise PhaseSpecError("revoke_at needs decision_at: a change of mind needs a first decision")
    if decision_at is not None:
        result = _given(timeline, ordered, decision_at, revoke_at)
    elif timeline.has_phases:
        count = len(timeline.marks)
        note = f"Phases as recorded in the HAR ({count} phase mark{'s' if count != 1 else ''})."
        result = PhaseInference(
            "recorded",
            "high",
            ("recorded",),
            _at(timeline, AFTER),
            _at(timeline, REVOKED),
            note,
        )
    else:
        result = _inferred(timeline, ordered)
    timeline.notes.append(result.note)
    return result


def _at(timeline: Timeline, phase: str) -> float | None:
    mark = timeline.mark(phase)
    return mark.at if mark else None


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- given -----------------------------------------------------------------------------------------


def _given(
    timeline: Timeline, ordered: list[Entry], decision: PhaseSpec, revoke: PhaseSpec | None
) -> PhaseInference:
    d_at, d_key, d_text = _resolve(ordered, decision, "decision_at", None)
    marks = [PhaseMark(AFTER, d_at, _choice_from(ordered, d_at), None)]
    parts = [f"after-consent from {_iso(d_at)} ({d_text})"]
    r_at = None
    if revoke is not None:
        r_at, _, r_text = _resolve(ordered, revoke, "revoke_at", d_key)
        if r_at <= d_at:
            raise PhaseSpecError(f"revoke_at ({_iso(r_at)}) is not after decision_at ({_iso(d_at)})")
        marks.append(PhaseMark(REVOKED, r_at, _choice_from(ordered, r_at), None))
        parts.append(f"after-revoke from {_iso(r_at)} ({r_text})")
    replaced = ""
    if timeline.has_phases:
        # recorded per-entry phases would win over the marks in Timeline.phase_of
        timeline.entries = [dataclasses.replace(e, phase=None) if e.phase else e for e in timeline.entries]
        replaced = " They replace the phases recorded in the HAR."
    timeline.marks = marks
    note = f"Phases as given: {'; '.join(parts)}.{replaced}"
    return PhaseInference("given", "high", ("given",), d_at, r_at, note)


def _resolve(
    ordered: list[Entry], spec: PhaseSpec, name: str, after: tuple[float, int] | None
) -> tuple[float, tuple[float, int], str]:
    """A spec as (time, sort key of the entry it points at, description)."""
    if isinstance(spec, bool):
        raise PhaseSpecError(f"{name}: {spec!r} is neither a time, an entry index nor a URL pattern")
    if isinstance(spec, datetime):
        at = (spec if spec.tzinfo else spec.replace(tzinfo=UTC)).timestamp()
        return at, (at, -1), "given time"
    if isinstance(spec, str) and re.fullmatch(r"\s*\d+\s*", spec):
        spec = int(spec)
    if isinstance(spec, int):
        entry = next((e for e in ordered if e.index == spec), None)
        if entry is None:
            have = f"{min(e.index for e in ordered)}–{max(e.index for e in ordered)}" if ordered else "none"
            raise PhaseSpecError(f"{name}: no HAR entry with index {spec} (entries: {have})")
        return entry.started, (entry.started, entry.index), f"entry {entry.index}: {entry.method} {entry.url}"
    if not isinstance(spec, str) or not spec.strip():
        raise PhaseSpecError(f"{name}: {spec!r} is neither a time, an entry index nor a URL pattern")
    text = spec.strip()
    when = parse_time(text) if re.match(r"\d{4}-\d\d", text) else None
    if when is not None:
        return when, (when, -1), "given time"
    glob = any(c in text for c in "*?[")
    for entry in ordered:
        if after is not None and (entry.started, entry.index) <= after:
            continue
        if fnmatch.fnmatchcase(entry.url, text) if glob else text in entry.url:
            where = "first request" if after is None else "first later request"
            return (
                entry.started,
                (entry.started, entry.index),
                f"{where} matching {text!r}: entry {entry.index}",
            )
    later = " after the decision" if after is not None else ""
    raise PhaseSpecError(
        f"{name}: no request{later} matches {text!r} (and it is not an ISO time or an entry index)"
    )


# --- inferred --------------------------------------------------------------------------------------


def segment_events(entry: Entry) -> list[dict[str, Any]]:
    """Segment-shaped events in a request body (single event or ``batch``), on any host."""
    body = entry.request_body
    if not body or entry.method != "POST" or len(body) > _MAX_EVENT_BODY:
        return []
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return []
    batch = data.get("batch") if isinstance(data, dict) else None
    items = batch if isinstance(batch, list) else [data]
    return [e for e in items if isinstance(e, dict) and isinstance(e.get("type"), str)]


def preferences(event: dict[str, Any]) -> dict[str, bool] | None:
    """``context.consent.categoryPreferences`` of an event, when it is a map of booleans."""
    context = event.get("context")
    consent = context.get("consent") if isinstance(context, dict) else None
    prefs = consent.get("categoryPreferences") if isinstance(consent, dict) else None
    if isinstance(prefs, dict) and all(isinstance(v, bool) for v in prefs.values()):
        return {str(k): v for k, v in prefs.items()}
    return None


def _choice_from(ordered: list[Entry], at: float) -> dict[str, bool] | None:
    for entry in ordered:
        if entry.started < at:
            continue
        for event in segment_events(entry):
            prefs = preferences(event)
            if prefs is not None:
                return prefs
    return None


def _inferred(timeline: Timeline, ordered: list[Entry]) -> PhaseInference:
    if not ordered:
        return _none(timeline)
    consent_events, first_stamp = _event_traces(ordered)
    cookie, preexisting, changes = _cookie_traces(ordered)

    if preexisting is not None:
        decision = [preexisting]
        d_conf: Confidence = "medium"
        revoke_pool = consent_events
    else:
        decision = [t for t in (consent_events[0] if consent_events else None, cookie) if t is not None]
        d_conf = "high" if len(decision) == 2 and _agree(decision) else "medium"
        revoke_pool = consent_events[1:]
    if not decision:
        if first_stamp is None:
            return _none(timeline)
        decision, d_conf, revoke_pool, changes = [first_stamp], "low", [], []

    decision = [_lead_in(ordered, min(decision, key=lambda t: (t.at, t.entry))), *decision]
    decision = list({(t.at, t.entry, t.signal): t for t in decision}.values())
    d_at = min(t.at for t in decision)
    d_key = min((t.at, t.entry) for t in decision)
    marks = [PhaseMark(AFTER, d_at, _choice_from(ordered, d_at), None)]
    signals = [t.signal for t in decision]
    parts = [f"after-consent from {_iso(d_at)}: {_join(decision)} (confidence {d_conf})"]
    r_at = None
    revoke = [t for t in (_first_after(revoke_pool, d_key), _first_after(changes, d_key)) if t is not None]
    if revoke:
        has_event = any(t.signal == "consent-event" for t in revoke)
        r_conf: Confidence = (
            "high" if len(revoke) == 2 and _agree(revoke) else "medium" if has_event else "low"
        )
        r_at = min(t.at for t in revoke)
        marks.append(PhaseMark(REVOKED, r_at, _choice_from(ordered, r_at), None))
        signals += [f"revoke:{t.signal}" for t in revoke]
        parts.append(f"after-revoke from {_iso(r_at)}: {_join(revoke)} (confidence {r_conf})")
    timeline.marks = marks
    note = f"Phases inferred from the recording: {'; '.join(parts)}."
    return PhaseInference("inferred", d_conf, tuple(signals), d_at, r_at, note)


def _lead_in(ordered: list[Entry], trace: _Trace) -> _Trace:
    """The first request of the SDK loading that ran up to ``trace`` (the click came before it).

    With opt-in gating the SDK loads only after the click, so its loader, settings and preflight
    requests precede the first consent event; they belong after consent. Walking back stops at the
    first request of any other kind, so a site that loaded Segment at page load still shows it.
    """
    position = next((i for i, e in enumerate(ordered) if e.index == trace.entry), None)
    if position is None:
        return trace
    first = None
    for entry in reversed(ordered[:position]):
        if trace.at - entry.started > LEAD_SECONDS:
            break
        if entry.noise:
            continue
        if entry.method != "OPTIONS" and not _SDK_LOAD.search(entry.path):
            break
        first = entry
    if first is None:
        return trace
    return _Trace(
        "sdk-load",
        first.started,
        first.index,
        f"Segment SDK loading that led to it (from entry {first.index})",
    )


def _none(timeline: Timeline) -> PhaseInference:
    note = (
        "No phase information: none given, and no consent cookie, consent event or consent stamp in the"
        " recording; only phase-free rules apply."
    )
    timeline.marks = []
    return PhaseInference("none", None, (), None, None, note)


def _agree(traces: list[_Trace]) -> bool:
    return max(t.at for t in traces) - min(t.at for t in traces) <= AGREE_SECONDS


def _join(traces: list[_Trace]) -> str:
    return ", ".join(t.text for t in sorted(traces, key=lambda t: (t.at, t.entry)))


def _first_after(traces: list[_Trace], key: tuple[float, int]) -> _Trace | None:
    return next((t for t in traces if (t.at, t.entry) > key), None)


def _event_traces(ordered: list[Entry]) -> tuple[list[_Trace], _Trace | None]:
    consent: list[_Trace] = []
    first_stamp = None
    for entry in ordered:
        for event in segment_events(entry):
            if event.get("event") == CONSENT_EVENT:
                nth = "first" if not consent else "next"
                consent.append(
                    _Trace(
                        "consent-event",
                        entry.started,
                        entry.index,
                        f"{nth} '{CONSENT_EVENT}' event (entry {entry.index})",
                    )
                )
                break
            if first_stamp is None and preferences(event) is not None:
                first_stamp = _Trace(
                    "consent-stamp",
                    entry.started,
                    entry.index,
                    f"first event stamped with context.consent (entry {entry.index})",
                )
    return consent, first_stamp


def _cookie_traces(ordered: list[Entry]) -> tuple[_Trace | None, _Trace | None, list[_Trace]]:
    """(first decision cookie, cookie already there at the start, later value changes)."""
    first: _Trace | None = None
    preexisting: _Trace | None = None
    values: dict[str, str] = {}  # decision cookie -> first value seen
    changes: list[_Trace] = []
    hosts: set[str] = set()
    for entry in ordered:
        host = entry.host
        cookies = [p for k, v in entry.request_headers if k == "cookie" for p in parse_cookie_header(v)]
        for name, value in cookies:
            if not decided(name, value):
                continue
            if name not in values:
                values[name] = value
                if host not in hosts and first is None and preexisting is None:
                    preexisting = _Trace(
                        f"cmp-cookie-preexisting:{name}",
                        ordered[0].started,
                        ordered[0].index,
                        f"{name} ({CMP_COOKIES[name]}) already sent with the first request to {host}"
                        f" (entry {entry.index}): consent given before the recording",
                    )
                elif first is None and preexisting is None:
                    first = _Trace(
                        f"cmp-cookie:{name}",
                        entry.started,
                        entry.index,
                        f"{name} ({CMP_COOKIES[name]}) first sent (entry {entry.index})",
                    )
            elif value != values[name] and name not in VOLATILE:
                values[name] = value
                changes.append(
                    _Trace(
                        f"cmp-cookie-changed:{name}",
                        entry.started,
                        entry.index,
                        f"{name} changed (entry {entry.index})",
                    )
                )
        hosts.add(host)
        for key, header in entry.response_headers:
            if key != "set-cookie":
                continue
            name, value, attrs = parse_set_cookie(header)
            if name not in CMP_COOKIES:
                continue
            if decided(name, value) and not is_deletion(attrs) and name not in values:
                values[name] = value
                if first is None and preexisting is None:
                    first = _Trace(
                        f"cmp-cookie:{name}",
                        entry.started,
                        entry.index,
                        f"{name} ({CMP_COOKIES[name]}) set by a response (entry {entry.index})",
                    )
            elif name in values and name not in VOLATILE and (is_deletion(attrs) or value != values[name]):
                values[name] = "" if is_deletion(attrs) else value
                changes.append(
                    _Trace(
                        f"cmp-cookie-changed:{name}",
                        entry.started,
                        entry.index,
                        f"{name} changed by a response (entry {entry.index})",
                    )
                )
    return first, preexisting, changes
