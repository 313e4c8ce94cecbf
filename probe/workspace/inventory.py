"""The workspace inventory: every destination of a source, its mode, its consent categories and their CMP mapping.

It is what report.json carries under ``workspace`` (``probe-report/1`` only gains fields).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from probe.findings import Report
from probe.rules.destinations import is_warehouse
from probe.rules.expect import cmp_categories_of_ids
from probe.segment import Destination, SegmentSettings
from probe.segment.settings import SEGMENT_IO
from probe.suite import Suite

Mode = Literal["device", "cloud", "unknown"]


class SourceConsent(BaseModel):
    """The source's own ``consentSettings`` (Segment Consent Management)."""

    configured: bool  # top-level consentSettings present
    all_categories: list[str] | None = None
    has_unmapped_destinations: bool | None = None


class InventoryDestination(BaseModel):
    """One destination as the settings describe it."""

    name: str  # the integrations key (creationName)
    display_name: str | None = None  # remotePlugins[].name, e.g. "Amplitude (Actions)"
    ids: list[str] = Field(default_factory=list)  # destination config ids (Segment.io maybeBundledConfigIds)
    mode: Mode
    mode_why: str
    categories: list[str] = Field(default_factory=list)  # Segment consent category ids gating it
    categories_from: Literal["settings", "suite"] = "settings"  # suite: segment.destinations overrides
    # Segment category id -> the suite's CMP categories mapping it ([] none does); None: no suite given
    cmp: dict[str, list[str]] | None = None
    warehouse: bool = False


class Inventory(BaseModel):
    """Every destination of one source, and where the settings were read."""

    source: str  # file, HAR and entry, or settings URL
    source_kind: Literal["write-key", "file", "har"]
    write_key: str | None = None
    entry: int | None = None  # HAR entry index of the settings response
    suite: str | None = None  # the suite whose CMP mapping was used
    mapping_from: str | None = None  # where that suite came from (--suite FILE, an evidence folder's suite.json)
    consent: SourceConsent
    destinations: list[InventoryDestination] = Field(default_factory=list)


class WorkspaceReport(Report):
    """``report.json`` of ``probe workspace``: the usual report plus the inventory."""

    workspace: Inventory | None = None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def mode_of(dest: Destination, config: dict[str, Any] | None) -> tuple[Mode, str]:
    """Device-mode, cloud-mode or unknown, and which settings say so."""
    if dest.bundle_url:
        return "device", f"action destination: analytics.js loads its browser bundle ({dest.bundle_url})"
    if config is None:
        return "unknown", "only in remotePlugins, without a bundle URL"
    components = _dict(config.get("versionSettings")).get("componentTypes")
    listed = f"componentTypes {json.dumps(components)}" if isinstance(components, list) else None
    kind = config.get("type")
    if dest.device_mode:
        said = f'type "{kind}"' if kind == "browser" else listed
        return "device", f"{said}: analytics.js loads its classic bundle in the page"
    if config.get("bundlingStatus") == "unbundled":
        return "cloud", "bundlingStatus unbundled: events reach it through Segment's servers"
    if listed is not None:
        return "cloud", f"{listed}, no browser component: events reach it through Segment's servers"
    if isinstance(kind, str) and kind:
        return "cloud", f'type "{kind}": events reach it through Segment\'s servers'
    return "unknown", "neither versionSettings.componentTypes nor type says where it runs"


def build_inventory(
    document: dict[str, Any],
    settings: SegmentSettings,
    suite: Suite | None,
    *,
    source: str,
    source_kind: Literal["write-key", "file", "har"],
    mapping_from: str | None = None,
) -> Inventory:
    """The inventory of ``settings`` (already merged with the suite's overrides) read from ``document``."""
    integrations = _dict(document.get("integrations"))
    config_ids = _dict(_dict(integrations.get(SEGMENT_IO)).get("maybeBundledConfigIds"))
    destinations: list[InventoryDestination] = []
    for dest in sorted(settings.destinations.values(), key=lambda d: d.name):
        config = integrations.get(dest.name)
        mode, why = mode_of(dest, config if isinstance(config, dict) else None)
        ids = config_ids.get(dest.name)
        cmp = (
            {c: sorted(cmp_categories_of_ids([c], suite)) for c in dest.categories} if suite is not None else None
        )
        destinations.append(
            InventoryDestination(
                name=dest.name,
                display_name=dest.display_name if dest.display_name != dest.name else None,
                ids=[i for i in ids if isinstance(i, str)] if isinstance(ids, list) else [],
                mode=mode,
                mode_why=why,
                categories=list(dest.categories),
                categories_from="suite" if dest.from_suite else "settings",
                cmp=cmp,
                warehouse=is_warehouse(dest.name),
            )
        )
    return Inventory(
        source=source,
        source_kind=source_kind,
        write_key=settings.write_key,
        entry=settings.entry,
        suite=suite.name if suite else None,
        mapping_from=mapping_from,
        consent=SourceConsent(
            configured=settings.consent_configured,
            all_categories=list(settings.all_categories) if settings.all_categories is not None else None,
            has_unmapped_destinations=settings.has_unmapped,
        ),
        destinations=destinations,
    )
