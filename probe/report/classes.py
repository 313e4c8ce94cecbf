"""Request classes for the timeline picture: a stand-in classifier and how each class is drawn."""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from probe.timeline import Entry, Timeline

Classifier = Callable[[Entry], str]

SEGMENT_DOMAINS = ("segment.io", "segment.com", "segmentapis.com")
# A handful of well-known vendors so the default picture is useful before the catalog is plugged in;
# the real classification comes from probe.catalog through the ``classify`` parameter.
_VENDOR_DOMAINS = {
    "google-analytics.com": "analytics",
    "googletagmanager.com": "analytics",
    "mixpanel.com": "analytics",
    "amplitude.com": "analytics",
    "hotjar.com": "analytics",
    "facebook.com": "marketing",
    "facebook.net": "marketing",
    "doubleclick.net": "marketing",
    "googleadservices.com": "marketing",
    "tiktok.com": "marketing",
    "licdn.com": "marketing",
    "linkedin.com": "marketing",
    "pinterest.com": "marketing",
    "bing.com": "marketing",
}
_TWO_LABEL_SUFFIXES = {"co.uk", "org.uk", "ac.uk", "com.au", "co.jp", "co.nz", "com.br", "co.za"}


@dataclass(frozen=True)
class ClassStyle:
    """How one request class is drawn: lane label, fill colour, lane order, hollow marks."""

    label: str
    colour: str
    order: int
    hollow: bool = False


_FIXED = {
    "segment": ClassStyle("Segment", "#1f9d6b", 0),
    # the site's backend (to Segment, its Privacy API or anywhere): a lane of its own under Segment's
    "server": ClassStyle("Server side", "#0b7285", 5),
    "first-party": ClassStyle("First party", "#2f6fd6", 30),
    "third-party": ClassStyle("Other third party", "#5c6370", 40),
    "blocked": ClassStyle("Blocked (offline)", "#3d3d3d", 50, hollow=True),
    "noise": ClassStyle("Browser noise", "#b9bec7", 60),
}
_VENDOR_COLOURS = {
    "marketing": "#d63384",
    "advertising": "#d63384",
    "analytics": "#f08c00",
    "statistics": "#f08c00",
    "functional": "#7048e8",
    "preferences": "#7048e8",
    "personalization": "#7048e8",
    "necessary": "#0c8599",
}
_SPARE = ("#a61e4d", "#5f3dc4", "#e67700", "#2b8a3e", "#1864ab", "#862e9c", "#c92a2a", "#087f5b")


def style_for(cls: str) -> ClassStyle:
    """Drawing style of a class string such as ``segment`` or ``vendor:marketing``."""
    if cls in _FIXED:
        return _FIXED[cls]
    if cls.startswith("vendor:"):
        category = cls.split(":", 1)[1] or "unknown"
        colour = _VENDOR_COLOURS.get(category.lower()) or _spare(category)
        return ClassStyle(f"Vendor · {category}", colour, 10)
    # Unknown classes from a plugged-in classifier still get a lane and a stable colour.
    return ClassStyle(cls, _spare(cls), 20)


def site_of(host: str) -> str:
    """The registrable part of a host (a simple eTLD+1 guess; IPs and single labels stay whole)."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    keep = 3 if ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


def default_classifier(timeline: Timeline) -> Classifier:
    """A classifier for ``timeline`` using Entry flags, Segment hosts, a few vendors and the page's site."""
    site = _first_party_site(timeline)

    def classify(entry: Entry) -> str:
        if entry.noise:
            return "noise"
        if entry.server:
            return "server"
        if entry.blocked:
            return "blocked"
        host = entry.host
        if _under(host, SEGMENT_DOMAINS):
            return "segment"
        for domain, category in _VENDOR_DOMAINS.items():
            if _under(host, (domain,)):
                return f"vendor:{category}"
        if site and site_of(host) == site:
            return "first-party"
        return "third-party"

    return classify


def _first_party_site(timeline: Timeline) -> str | None:
    site_entries = timeline.site_entries()
    documents = [e for e in site_entries if e.resource_type == "document"]
    candidates = documents or site_entries
    return site_of(candidates[0].host) if candidates else None


def _under(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _spare(key: str) -> str:
    return _SPARE[zlib.crc32(key.encode()) % len(_SPARE)]
