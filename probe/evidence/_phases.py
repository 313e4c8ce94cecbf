"""Phase marks for a foreign HAR: given on the command line, or inferred from the recording.

A DevTools or mitmproxy HAR has no consent click in it. The click is placed either where the user
says (an ISO time, a HAR entry index, or a URL pattern of the click's first request) or inferred from
the traces the decision left: a CMP consent cookie showing up, the SDK's
"Segment Consent Preference Updated" event, or (weakest) the first event stamped with
``context.consent``.

An inferred click is known only to lie in a window: no later than its first trace, and no earlier
than what the evidence allows (the last request that went out without the consent cookie, or the
start of the burst of requests the click set off). The mark is placed at the earliest moment, so
nothing after a real click is judged "before consent"; the rules treat requests inside the window as
uncertain (at most warnings).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import unquote

from ..marks import ReadMark, iso
from ..timeline import AFTER, REVOKED, Entry, Timeline
from ._convert import parse_time
from ._cookies import CMP_COOKIES, VOLATILE, decided, is_deletion, parse_cookie_header, parse_set_cookie
from ._errors import PhaseSpecError

Confidence = Literal["high", "medium", "low"]
PhaseSpec = str | int | datetime
CONSENT_EVENT = "Segment Consent Preference Updated"
AGREE_SECONDS = 60.0  # two traces this close together are taken as the same click
# The click sets off a burst: the CMP's own tags and pixels, the SDK's loader, settings and bundles,
# preflights, then the consent event. A trace may lead the click by at most LEAD_SECONDS, and the
# burst ends (going back in time) at the first pause longer than BURST_GAP.
LEAD_SECONDS = 5.0
BURST_GAP = 1.0
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
    # the earliest moment this trace allows for the click: the start of a request (its HAR index)
    floor: tuple[float, int] | None = None


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


# --- given -----------------------------------------------------------------------------------------


def _given(
    timeline: Timeline, ordered: list[Entry], decision: PhaseSpec, revoke: PhaseSpec | None
) -> PhaseInference:
    d_at, d_key, d_text = _resolve(ordered, decision, "decision_at", None)
    marks = [_given_mark(AFTER, ordered, d_at, d_text)]
    parts = [f"after-consent from {iso(d_at)} ({d_text})"]
    r_at = None
    if revoke is not None:
        r_at, _, r_text = _resolve(ordered, revoke, "revoke_at", d_key)
        if r_at <= d_at:
            raise PhaseSpecError(f"revoke_at ({iso(r_at)}) is not after decision_at ({iso(d_at)})")
        marks.append(_given_mark(REVOKED, ordered, r_at, r_text))
        parts.append(f"after-revoke from {iso(r_at)} ({r_text})")
    replaced = ""
    if timeline.has_phases:
        # recorded per-entry phases would win over the marks in Timeline.phase_of
        timeline.entries = [dataclasses.replace(e, phase=None) if e.phase else e for e in timeline.entries]
        replaced = " They replace the phases recorded in the HAR."
    timeline.marks = list(marks)
    note = f"Phases as given: {'; '.join(parts)}.{replaced}"
    return PhaseInference("given", "high", ("given",), d_at, r_at, note)


def _given_mark(phase: str, ordered: list[Entry], at: float, text: str) -> ReadMark:
    first = next((e.index for e in ordered if e.started >= at), None)
    return ReadMark(
        phase,
        at,
        source="given",
        earliest_entry=first,
        latest_entry=first,
        confidence="high",
        signals=("given",),
        traces=text,
        stamp=_choice_from(ordered, at),
    )


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

    d_mark, d_text = _mark(AFTER, ordered, decision, d_conf, None)
    marks = [d_mark]
    signals = [t.signal for t in decision]
    parts = [d_text]
    r_at = None
    d_key = (d_mark.latest or d_mark.at, d_mark.latest_entry if d_mark.latest_entry is not None else -1)
    revoke = [t for t in (_first_after(revoke_pool, d_key), _first_after(changes, d_key)) if t is not None]
    if revoke:
        has_event = any(t.signal == "consent-event" for t in revoke)
        r_conf: Confidence = (
            "high" if len(revoke) == 2 and _agree(revoke) else "medium" if has_event else "low"
        )
        r_mark, r_text = _mark(REVOKED, ordered, revoke, r_conf, d_key)
        r_at = r_mark.at
        marks.append(r_mark)
        signals += [f"revoke:{t.signal}" for t in revoke]
        parts.append(r_text)
    timeline.marks = list(marks)
    note = f"Phases inferred from the recording: {'; '.join(parts)}."
    return PhaseInference("inferred", d_conf, tuple(signals), d_mark.at, r_at, note)


def _mark(
    phase: str,
    ordered: list[Entry],
    traces: list[_Trace],
    confidence: Confidence,
    after: tuple[float, int] | None,
) -> tuple[ReadMark, str]:
    """The mark for ``traces``: at the earliest moment they allow, with the latest as its window's end.

    Each trace bounds the click from both sides (its own time, and its floor); the click lies where
    all of them agree. A revoke's window starts after the decision's last possible moment.
    """
    latest = min(traces, key=lambda t: (t.at, t.entry))
    latest_key = (latest.at, latest.entry)
    floors = [t.floor or _burst_floor(ordered, t) for t in traces]
    earliest = max((f for f in floors if f <= latest_key), default=latest_key)
    if after is not None and earliest <= after:
        earliest = next(((e.started, e.index) for e in ordered if (e.started, e.index) > after), latest_key)
    opening = next((e.index for e in ordered if (e.started, e.index) >= earliest), None)
    mark = ReadMark(
        phase,
        earliest[0],
        source="inferred",
        latest=latest.at,
        earliest_entry=opening,
        latest_entry=latest.entry,
        confidence=confidence,
        signals=tuple(t.signal for t in traces),
        traces=_join(traces),
        stamp=_choice_from(ordered, latest.at),
    )
    if mark.window is None:
        return mark, f"{phase} from {iso(mark.at)}: {_join(traces)} (confidence {confidence})"
    between = sum(1 for e in ordered if earliest <= (e.started, e.index) < latest_key and not e.noise)
    text = (
        f"{phase} from {iso(earliest[0])} (entry {opening}), the earliest moment the evidence allows;"
        f" at the latest from {iso(latest.at)}: {_join(traces)} (confidence {confidence});"
        f" {between} request{'s' if between != 1 else ''} in between may have gone out before the click:"
        " at most warnings"
    )
    return mark, text


def _burst_floor(ordered: list[Entry], trace: _Trace) -> tuple[float, int]:
    """The first request of the burst that ran up to ``trace``: the click may have set all of it off.

    The burst ends, going back, at the first pause longer than BURST_GAP, LEAD_SECONDS before the
    trace, or at a page's document (the banner was clicked on a page that had loaded). A pixel the
    consent click fired a moment before the consent event is thus not judged as sent before consent.
    """
    position = next((i for i, e in enumerate(ordered) if e.index == trace.entry), None)
    if position is None:
        return (trace.at, trace.entry)
    return _burst_start(ordered, position, trace.at, (trace.at, trace.entry))


def _burst_start(
    ordered: list[Entry], position: int, newest: float, floor: tuple[float, int]
) -> tuple[float, int]:
    """Walk back from ``ordered[position]`` (exclusive) to the first request of its burst."""
    newer = newest
    for entry in reversed(ordered[:position]):
        if entry.noise:
            continue  # the browser's own calls are neither the click's nor a pause in its burst
        if newer - entry.started > BURST_GAP or newest - entry.started > LEAD_SECONDS:
            break
        if entry.resource_type == "document":
            break
        floor = (entry.started, entry.index)
        newer = entry.started
    return floor


def _cookie_floor(ordered: list[Entry], previous: int) -> tuple[float, int]:
    """The earliest click a cookie first seen after ``ordered[previous]`` (sent without it) allows.

    The cookie was not written yet when that request went out, so the click came after it (a CMP
    that logs the choice to its own host before writing the cookie leaves that log, a first-party
    request, before the mark: nothing a rule judges).
    """
    after = ordered[previous + 1] if previous + 1 < len(ordered) else ordered[previous]
    return (after.started, after.index)


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
    """(first decision cookie, cookie already there at the start, later value changes).

    A cookie a script writes shows up only with the next request to its host, so the click lies after
    the previous request to that host (the last one without the new value): that is such a trace's
    floor.
    """
    first: _Trace | None = None
    preexisting: _Trace | None = None
    values: dict[str, str] = {}  # decision cookie -> first value seen
    changes: list[_Trace] = []
    last_of_host: dict[str, int] = {}  # host -> position in ordered of its latest request so far
    for position, entry in enumerate(ordered):
        host = entry.host
        seen = last_of_host.get(host)
        floor = _cookie_floor(ordered, seen) if seen is not None else (entry.started, entry.index)
        cookies = [p for k, v in entry.request_headers if k == "cookie" for p in parse_cookie_header(v)]
        for name, value in cookies:
            if not decided(name, value):
                continue
            if name not in values:
                values[name] = value
                if seen is None and first is None and preexisting is None:
                    preexisting = _Trace(
                        f"cmp-cookie-preexisting:{name}",
                        ordered[0].started,
                        ordered[0].index,
                        f"{name} ({CMP_COOKIES[name]}) already sent with the first request to {host}"
                        f" (entry {entry.index}): consent given before the recording",
                        (ordered[0].started, ordered[0].index),
                    )
                elif first is None and preexisting is None:
                    first = _timed(
                        _Trace(
                            f"cmp-cookie:{name}",
                            entry.started,
                            entry.index,
                            f"{name} ({CMP_COOKIES[name]}) first sent (entry {entry.index})",
                            floor,
                        ),
                        name,
                        value,
                    )
            elif value != values[name] and name not in VOLATILE:
                values[name] = value
                changes.append(
                    _timed(
                        _Trace(
                            f"cmp-cookie-changed:{name}",
                            entry.started,
                            entry.index,
                            f"{name} changed (entry {entry.index})",
                            floor,
                        ),
                        name,
                        value,
                    )
                )
        last_of_host[host] = position
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


def _timed(trace: _Trace, name: str, value: str) -> _Trace:
    """A cookie trace placed at the decision time its value records, when that time is plausible.

    OneTrust's OptanonAlertBoxClosed is the moment the banner closed; vanilla-cookieconsent's
    ``lastConsentTimestamp`` and Cookiebot's ``utc:`` are the moment of the (last) choice. The page's
    clock is the recording machine's, so a time between the trace's floor and the request that
    carried the cookie pins the click down; any other time is ignored.
    """
    at = _cookie_time(name, value)
    floor = trace.floor[0] if trace.floor is not None else trace.at
    if at is None or not floor <= at <= trace.at:
        return trace
    return dataclasses.replace(
        trace, at=at, floor=(at, -1), text=f"{trace.text}, its value recording the choice at {iso(at)}"
    )


def _cookie_time(name: str, value: str) -> float | None:
    """The decision time a CMP cookie value records, or None."""
    text = unquote(value)
    if name == "OptanonAlertBoxClosed":
        return parse_time(text.strip())
    if name == "cc_cookie":
        found = re.search(r'"(?:lastConsentTimestamp|consentTimestamp|consent_date)"\s*:\s*"([^"]+)"', text)
        return parse_time(found.group(1)) if found else None
    if name == "CookieConsent":
        found = re.search(r"utc:(\d{12,14})", text)
        return int(found.group(1)) / 1000 if found else None
    return None
