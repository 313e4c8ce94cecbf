"""Everything a recording says about consent signals, per phase, decoded, for ScenarioResult.signals."""

from __future__ import annotations

from typing import Any

from probe.signals.decode import decode
from probe.signals.extract import STRING_KINDS, Sighting, find_sightings
from probe.signals.pages import page_signals
from probe.timeline import PHASES, Timeline

MAX_SOURCES = 5


def _strings(sightings: list[Sighting]) -> list[dict[str, Any]]:
    """One item per distinct string, in order of first sighting."""
    grouped: dict[str, list[Sighting]] = {}
    for s in sightings:
        grouped.setdefault(s.value, []).append(s)
    items = []
    for value, seen in grouped.items():
        entries = [s.entry for s in seen if s.entry is not None]
        sources = list(dict.fromkeys(s.source for s in seen))
        items.append(
            {
                "value": value,
                "seen": len(seen),
                "first_entry": entries[0] if entries else None,
                "sources": sources[:MAX_SOURCES],
                "decoded": decode(seen[0].kind, value).to_json(),
            }
        )
    return items


def decode_timeline_signals(timeline: Timeline) -> dict[str, dict[str, Any]]:
    """{phase: {"tcf"|"gpp"|"usp": [decoded strings], "gdpr", "gpp_sid", "gpc", "page"}}, JSON-able."""
    sightings = find_sightings(timeline)
    pages = page_signals(timeline)
    result: dict[str, dict[str, Any]] = {}
    for phase in PHASES:
        here = [s for s in sightings if s.phase == phase]
        summary: dict[str, Any] = {}
        for kind in STRING_KINDS:
            of_kind = [s for s in here if s.kind == kind]
            if of_kind:
                summary[kind] = _strings(of_kind)
        for kind in ("gdpr", "gpp_sid"):
            values = list(dict.fromkeys(s.value for s in here if s.kind == kind))
            if values:
                summary[kind] = values
        gpc = [s for s in here if s.kind == "gpc" and s.entry is not None]
        page_gpc = pages.get(phase, {}).get("gpc")
        if gpc or page_gpc is not None:
            summary["gpc"] = {
                "requests": len(gpc),
                "first_entry": gpc[0].entry if gpc else None,
                "page": page_gpc,
            }
        if phase in pages:
            summary["page"] = pages[phase]
        if summary:
            result[phase] = summary
    return result
