"""Rules on a source's CDN settings alone (``probe workspace``): no recording, no browser.

``unmapped-destination`` and ``warehouse-exempt`` are the browser run's rules over the same settings
(same ids, logic shared with probe/rules/destinations.py); ``consent-disabled`` and
``mapping-unknown-category`` judge what only the whole settings document can tell.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from probe.findings import EvidenceRef, Finding, Unjudged
from probe.rules import destinations
from probe.rules.base import Q_CATEGORIZATION, Hit, Rule, rule
from probe.rules.destinations import destination_ref, is_warehouse, unmapped_hits, warehouse_hits
from probe.segment import SegmentSettings
from probe.suite import Suite


@dataclass(frozen=True)
class Workspace:
    """What the workspace rules judge: the settings as Segment has them, and with the suite's overrides."""

    settings: SegmentSettings  # the source's own settings document
    merged: SegmentSettings  # with the suite's segment.destinations (as a browser run judges them)
    suite: Suite | None  # the CMP's category mapping; None when no suite was given


def _quoted(items: list[str]) -> str:
    return ", ".join(f'"{i}"' for i in items)


@rule(
    "consent-disabled",
    severity="error",
    phases=(),
    question=Q_CATEGORIZATION,
    reference="Audit: Is destination categorization documented? / GDPR Art. 6(1)(a), Art. 25 (by default)",
    summary="The source has no consent settings at all: Segment gates no destination by the visitor's choice.",
)
def consent_disabled(ws: Workspace) -> Iterator[Hit]:
    """No top-level consentSettings and no destination with consent categories in the source's settings."""
    settings = ws.settings
    if settings.consent_configured or any(d.categories for d in settings.destinations.values()):
        return
    count = len(settings.destinations)
    message = (
        "The source has no consent settings at all: no top-level consentSettings and no destination with "
        "consent categories. Segment's Consent Management is off for it, so whatever the visitor chose, "
        f"Segment forwards events to every destination of the source ({count} now)."
    )
    yield Hit(message, [EvidenceRef(entry=settings.entry, url=settings.url, excerpt="consentSettings: absent")])


def _unmapped(ws: Workspace) -> Iterator[Hit]:
    """unmapped-destination over the settings with the suite's overrides, as a browser run judges it."""
    return unmapped_hits(ws.merged)


def _warehouses(ws: Workspace) -> Iterator[Hit]:
    """warehouse-exempt over the settings with the suite's overrides."""
    return warehouse_hits(ws.merged, ws.suite)


unmapped_destination = replace(destinations.unmapped_destination, check=_unmapped)
warehouse_exempt = replace(destinations.warehouse_exempt, check=_warehouses)


@rule(
    "mapping-unknown-category",
    severity="warning",
    phases=(),
    question=Q_CATEGORIZATION,
    reference="Audit: Is destination categorization documented? (for every destination, which CMP category gates it)",
    summary="A destination is gated by a Segment consent category that no category of the suite's CMP maps.",
)
def mapping_unknown_category(ws: Workspace) -> Iterator[Hit]:
    """Destination categories the suite's CMP mapping does not know (needs a suite)."""
    if ws.suite is None:
        return
    known = sorted({i for cat in ws.suite.categories.values() for i in cat.segment})
    for dest in sorted(ws.merged.destinations.values(), key=lambda d: d.name):
        unknown = [c for c in dest.categories if c not in known]
        if not unknown:
            continue
        one = len(unknown) == 1
        message = (
            f'Destination "{dest.name}" is gated by Segment consent {"category" if one else "categories"} '
            f'{_quoted(unknown)}, which no category of suite "{ws.suite.name}" maps (it maps '
            f"{_quoted(known) or 'none'}): the CMP never reports {'it' if one else 'them'}, so the banner "
            "choice cannot grant the destination and its gating does not follow the banner (a stale or "
            "mistyped mapping)."
        )
        yield Hit(message, [destination_ref(ws.merged, dest)])


RULES: tuple[Rule, ...] = (consent_disabled, unmapped_destination, warehouse_exempt, mapping_unknown_category)


def run_workspace_rules(ws: Workspace) -> list[Finding]:
    """Every finding of the workspace rules, in rule order."""
    return [r.finding(hit) for r in RULES for hit in r.check(ws)]


def workspace_unjudged(ws: Workspace) -> list[Unjudged]:
    """What could not be judged without a suite: said, never passed silently."""
    if ws.suite is not None:
        return []
    gaps = [
        Unjudged(
            reason="no suite given (--suite): the CMP's category mapping is unknown, so the destinations' "
            "Segment consent categories could not be checked against it",
            rules=[mapping_unknown_category.id],
        )
    ]
    mapped = sorted(d.name for d in ws.merged.destinations.values() if is_warehouse(d.name) and d.categories)
    if mapped:
        gaps.append(
            Unjudged(
                reason=f"no suite given (--suite): whether warehouse(s) {_quoted(mapped)} are gated only by "
                "strictly-necessary categories is unknown",
                rules=[warehouse_exempt.id],
            )
        )
    return gaps
