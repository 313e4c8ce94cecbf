"""What a consent stamp grants, read the way Segment's destination filters read it.

Also the checks the browser and the server-side stamp rules share (an unstamped event, a stamp that
differs from the choice), so both sides are judged, grouped and cited the same way; each rule keeps
which events it looks at and how its findings are worded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from probe.findings import Severity
from probe.rules.base import Hit
from probe.rules.evidence import event_ref
from probe.segment import SegmentEvent, SegmentSettings

if TYPE_CHECKING:
    # only a type here: context imports sides, which groups events with by_entry below
    from probe.rules.context import Context

MAX_EVIDENCE = 10  # a finding cites a sample of its events, not a whole batch


def granted_ids(event: SegmentEvent, settings: SegmentSettings) -> set[str]:
    """Segment category ids the event's stamp lets through.

    consent-manager's legacy stamp can also grant whole destinations; such a destination's
    categories count as granted, since the event will reach it.
    """
    granted = {k for k, v in (event.category_preferences or {}).items() if v}
    stamp = event.consent
    if stamp is not None and stamp.destination_preferences:
        for name, allowed in stamp.destination_preferences.items():
            dest = settings.destinations.get(name)
            if allowed and dest is not None:
                granted.update(dest.categories)
    return granted


def short_ids(ids: set[str] | list[str]) -> str:
    """Ids as a stable, readable list."""
    return ", ".join(sorted(ids))


def relevant_ids(
    expected: dict[str, bool], settings: SegmentSettings, required_ids: frozenset[str] = frozenset()
) -> set[str]:
    """Expected ids that gate something: in allCategories or on a destination.

    A granted id that no destination uses changes nothing downstream, so a stamp may omit it. When
    the settings are unknown every id counts, except strictly-necessary ones, which CMPs often leave
    out of what they report.
    """
    used = set(settings.all_categories or ())
    for dest in settings.destinations.values():
        used.update(dest.categories)
    return set(expected) & used if used else set(expected) - required_ids


def stamp_problems(
    event: SegmentEvent,
    expected: dict[str, bool],
    settings: SegmentSettings,
    required_ids: frozenset[str] = frozenset(),
) -> tuple[set[str], set[str]]:
    """(ids the stamp grants but the choice denies, relevant ids the choice grants but the stamp does not)."""
    granted = granted_ids(event, settings)
    stamped = event.category_preferences or {}
    over = {i for i, ok in expected.items() if not ok and i in granted}
    relevant = relevant_ids(expected, settings, required_ids)
    under = {i for i in relevant if expected[i] and stamped.get(i) is not True}
    return over, under


Mismatches = list[tuple[SegmentEvent, set[str]]]


def sort_stamps(
    events: list[SegmentEvent],
    expected: dict[str, bool],
    settings: SegmentSettings,
    required_ids: frozenset[str] = frozenset(),
) -> tuple[Mismatches, Mismatches]:
    """The events whose stamp grants too much, and those that grant too little, each with the ids."""
    over: Mismatches = []
    under: Mismatches = []
    for event in events:
        too_much, too_little = stamp_problems(event, expected, settings, required_ids)
        if too_much:
            over.append((event, too_much))
        if too_little:
            under.append((event, too_little))
    return over, under


def by_entry(events: Iterable[SegmentEvent]) -> dict[int, list[SegmentEvent]]:
    """Events grouped by the HAR entry that carried them, keeping the order they come in."""
    grouped: dict[int, list[SegmentEvent]] = {}
    for event in events:
        grouped.setdefault(event.entry, []).append(event)
    return grouped


def label(event: SegmentEvent) -> str:
    """``track 'Order Completed'`` style label."""
    return f"{event.type} {event.name!r}" if event.name else str(event.type)


def labels(events: list[SegmentEvent], *, count_rest: bool = False) -> str:
    """The first five events' labels, then (``count_rest``) how many more there are."""
    more = f" and {len(events) - 5} more" if count_rest and len(events) > 5 else ""
    return ", ".join(label(e) for e in events[:5]) + more


def missing_hits(
    ctx: Context,
    events: list[SegmentEvent],
    judged: Callable[[SegmentEvent], bool],
    describe: Callable[[list[SegmentEvent], int, str], str],
) -> Iterator[Hit]:
    """A hit per HAR entry with unstamped ``judged`` events, worded by ``describe(them, batch size, phase)``."""
    # each batch item is judged on its own, but one request is one finding: the batch's size tells
    # "the event" from "2 of the 3 events"
    totals = {index: len(group) for index, group in by_entry(events).items()}
    for index, group in by_entry(e for e in events if not e.stamped and judged(e)).items():
        phase = ctx.event_phase(group[0])
        message = describe(group, totals[index], phase) + ctx.crossing(group)
        yield Hit(message, [event_ref(e) for e in group[:MAX_EVIDENCE]], phase)


def mismatch_hits(
    ctx: Context,
    events: list[SegmentEvent],
    expected: dict[str, bool],
    phase: str,
    lead: str,
    *,
    denied: str = "which the visitor denied",
    count_rest: bool = False,
) -> Iterator[Hit]:
    """Stamps granting what ``expected`` denies (error), then those withholding what it grants (warning)."""
    over, under = sort_stamps(events, expected, ctx.traffic.settings, ctx.expect.required_ids)
    if over:
        yield _mismatch_hit(ctx, over, phase, "error", lead, "grants", denied, count_rest)
    if under:
        # withholding an accepted category leaks nothing: Segment drops the event, hence a warning
        dropped = "which the visitor accepted (events will be dropped)"
        yield _mismatch_hit(ctx, under, phase, "warning", lead, "does not grant", dropped, count_rest)


def _mismatch_hit(
    ctx: Context, items: Mismatches, phase: str, severity: Severity, lead: str, verb: str, why: str, count_rest: bool
) -> Hit:
    ids: set[str] = set().union(*(i for _, i in items))
    events = [e for e, _ in items]
    message = f"{lead}the stamp on {labels(events, count_rest=count_rest)} {verb} {short_ids(ids)}, {why}."
    return Hit(message + ctx.crossing(events), [event_ref(e) for e in events[:MAX_EVIDENCE]], phase, severity)
