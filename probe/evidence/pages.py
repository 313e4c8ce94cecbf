"""What the runner stored per phase in probe's HAR pages: consent signals (``_probe.signals``), the banner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from probe.timeline import PHASES


def signals_from_pages(pages: Any) -> dict[str, dict[str, Any]]:
    """``{phase: signals}`` from a HAR's ``log.pages`` (each page's ``_probe.signals``); never raises."""
    return field_from_pages(pages, "signals")


def field_from_pages(pages: Any, key: str) -> dict[str, dict[str, Any]]:
    """``{phase: value}`` of each page's ``_probe.<key>`` object in a HAR's ``log.pages``; never raises."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(pages, list):
        return found
    for page in pages:
        if not isinstance(page, Mapping):
            continue
        extra = page.get("_probe")
        extra = extra if isinstance(extra, Mapping) else {}
        phase = extra.get("phase") or page.get("id")
        value = extra.get(key)
        if phase in PHASES and isinstance(value, Mapping):
            found[phase] = dict(value)
    return found
