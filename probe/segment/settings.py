"""The CDN settings JSON: destinations, their consent categories, consentSettings, apiHost."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from probe.segment.body import clip, compact_json

SEGMENT_IO = "Segment.io"


@dataclass(frozen=True)
class Destination:
    """A destination enabled on the source, with the consent categories that gate it."""

    name: str  # integrations key / remotePlugins[].creationName
    categories: tuple[str, ...] = ()
    device_mode: bool = False
    bundle_url: str | None = None  # remotePlugins[].url (action destinations)
    library_name: str | None = None
    display_name: str | None = None  # remotePlugins[].name, e.g. "Amplitude (Actions)"
    from_suite: bool = False  # categories come from suite.segment.destinations
    raw: str = ""  # compact JSON of its settings, for evidence

    @property
    def mapped(self) -> bool:
        """True when at least one consent category gates the destination."""
        return bool(self.categories)

    @property
    def slug(self) -> str:
        """The path name analytics-next uses for classic device-mode bundles."""
        return normalize_name(self.name)


@dataclass(frozen=True)
class SegmentSettings:
    """What the captured settings (merged with the suite override) say about the source."""

    destinations: dict[str, Destination] = field(default_factory=dict)
    all_categories: tuple[str, ...] | None = None  # consentSettings.allCategories
    has_unmapped: bool | None = None  # consentSettings.hasUnmappedDestinations
    api_host: str | None = None  # integrations["Segment.io"].apiHost
    write_key: str | None = None
    entry: int | None = None  # HAR entry index of the settings response
    url: str | None = None

    @property
    def consent_configured(self) -> bool:
        """True when the source has top-level consentSettings (Segment Consent Management)."""
        return self.all_categories is not None


def normalize_name(name: str) -> str:
    """analytics-next's ``normalizeName``: lower case, first dot dropped, whitespace to dashes."""
    return re.sub(r"\s+", "-", name.lower().replace(".", "", 1))


def _categories(value: Any) -> tuple[str, ...]:
    if not isinstance(value, dict):
        return ()
    cats = value.get("categories")
    if not isinstance(cats, list):
        return ()
    return tuple(str(c) for c in cats if isinstance(c, str) and c)


def _is_classic_device_mode(config: Mapping[str, Any]) -> bool:
    version = config.get("versionSettings")
    components = version.get("componentTypes") if isinstance(version, dict) else None
    browser = config.get("type") == "browser" or (isinstance(components, list) and "browser" in components)
    return browser and config.get("bundlingStatus") != "unbundled"


def _compact(value: Any) -> str:
    return clip(compact_json(value))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_settings(data: Any, *, entry: int | None = None, url: str | None = None) -> SegmentSettings:
    """Read one settings document; unknown or broken parts are skipped, never raised."""
    if not isinstance(data, dict):
        return SegmentSettings(entry=entry, url=url)
    integrations = _dict(data.get("integrations"))
    destinations: dict[str, Destination] = {}
    for name, config in integrations.items():
        if name == SEGMENT_IO or not isinstance(config, dict):
            continue
        destinations[name] = Destination(
            name=name,
            categories=_categories(config.get("consentSettings")),
            device_mode=_is_classic_device_mode(config),
            raw=_compact({name: config}),
        )
    plugins = data.get("remotePlugins")
    for plugin in plugins if isinstance(plugins, list) else []:
        if not isinstance(plugin, dict):
            continue
        plugin_name = _str(plugin.get("creationName")) or _str(plugin.get("name"))
        if plugin_name is None:
            continue
        name = plugin_name
        known = destinations.get(name)
        plugin_settings = _dict(plugin.get("settings"))
        categories = (known.categories if known else ()) or _categories(
            plugin_settings.get("consentSettings")
        )
        destinations[name] = Destination(
            name=name,
            categories=categories,
            device_mode=True,
            bundle_url=_str(plugin.get("url")),
            library_name=_str(plugin.get("libraryName")),
            display_name=_str(plugin.get("name")),
            raw=known.raw if known else _compact({"remotePlugins": [plugin]}),
        )
    consent = data.get("consentSettings")
    all_categories: tuple[str, ...] | None = None
    has_unmapped: bool | None = None
    if isinstance(consent, dict):
        cats = consent.get("allCategories")
        all_categories = tuple(str(c) for c in cats if isinstance(c, str)) if isinstance(cats, list) else ()
        flag = consent.get("hasUnmappedDestinations")
        has_unmapped = flag if isinstance(flag, bool) else None
    segment_io = _dict(integrations.get(SEGMENT_IO))
    return SegmentSettings(
        destinations=destinations,
        all_categories=all_categories,
        has_unmapped=has_unmapped,
        api_host=_str(segment_io.get("apiHost")),
        write_key=_str(segment_io.get("apiKey")),
        entry=entry,
        url=url,
    )


def merge_settings(
    found: Iterable[SegmentSettings], overrides: Mapping[str, list[str]] | None = None
) -> SegmentSettings:
    """Later settings win per destination; the suite's ``segment.destinations`` wins over all."""
    merged = SegmentSettings()
    for item in found:
        merged = SegmentSettings(
            destinations={**merged.destinations, **item.destinations},
            all_categories=item.all_categories if item.all_categories is not None else merged.all_categories,
            has_unmapped=item.has_unmapped if item.has_unmapped is not None else merged.has_unmapped,
            api_host=item.api_host or merged.api_host,
            write_key=item.write_key or merged.write_key,
            entry=item.entry if item.entry is not None else merged.entry,
            url=item.url or merged.url,
        )
    destinations = dict(merged.destinations)
    for name, categories in (overrides or {}).items():
        cats = tuple(categories)
        known = destinations.get(name)
        destinations[name] = (
            replace(known, categories=cats, from_suite=True)
            if known
            else Destination(name=name, categories=cats, from_suite=True, raw=_compact({name: list(cats)}))
        )
    return replace(merged, destinations=destinations)
