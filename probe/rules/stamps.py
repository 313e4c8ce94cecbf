"""What a consent stamp grants, read the way Segment's destination filters read it."""

from __future__ import annotations

from probe.segment import SegmentEvent, SegmentSettings


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
