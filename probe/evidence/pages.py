"""Consent signals the runner stored per phase in probe's HAR pages (``_probe.signals``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from probe.timeline import PHASES


def signals_from_pages(pages: Any) -> dict[str, dict[str, Any]]:
    """``{phase: signals}`` from a HAR's ``log.pages`` (each page's ``_probe.signals``); never raises."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(pages, list):
        return found
    for page in pages:
        if not isinstance(page, Mapping):
            continue
        extra = page.get("_probe")
        extra = extra if isinstance(extra, Mapping) else {}
        phase = extra.get("phase") or page.get("id")
        signals = extra.get("signals")
        if phase in PHASES and isinstance(signals, Mapping):
            found[phase] = dict(signals)
    return found
