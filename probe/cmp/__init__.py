"""Driving consent banners: named adapters, plain selectors, and detection."""

from __future__ import annotations

from playwright.sync_api import Page

from probe.cmp.autoconsent import Autoconsent
from probe.cmp.base import ActionHadNoEffect, BannerNotFound, CmpAdapter, CmpError
from probe.cmp.cookiebot import Cookiebot
from probe.cmp.didomi import Didomi
from probe.cmp.klaro import Klaro
from probe.cmp.onetrust import OneTrust
from probe.cmp.orejime import Orejime
from probe.cmp.segment_consent_manager import SegmentConsentManager
from probe.cmp.selectors import SelectorsAdapter
from probe.cmp.tarteaucitron import Tarteaucitron
from probe.cmp.usercentrics import Usercentrics
from probe.cmp.vanilla_cookieconsent import VanillaCookieConsent
from probe.suite import CmpConfig

# Named adapters in detection order, most specific first: a vendor SDK's own globals before the
# small libraries, and vanilla-cookieconsent's generic `CookieConsent` global last. autoconsent is
# the fallback (after a suite's own selectors), never detected in the first pass.
ADAPTERS: dict[str, type[CmpAdapter]] = {
    cls.name: cls
    for cls in (
        OneTrust,
        Cookiebot,
        Usercentrics,
        Didomi,
        SegmentConsentManager,
        Tarteaucitron,
        Orejime,
        Klaro,
        VanillaCookieConsent,
        Autoconsent,
    )
}


def adapter_for(config: CmpConfig, page: Page | None = None) -> CmpAdapter:
    """The adapter a suite asks for; ``auto`` detects the CMP on the page."""
    if config.adapter == "selectors":
        return SelectorsAdapter(config.selectors, config.timeout_ms)
    if config.adapter != "auto":
        try:
            return ADAPTERS[config.adapter](config.timeout_ms)
        except KeyError:
            raise CmpError(
                f"unknown CMP adapter {config.adapter!r} (known: {sorted(ADAPTERS)}, selectors, auto)"
            ) from None
    if page is None:
        raise CmpError("cmp: auto needs a loaded page to detect the CMP")
    return detect_adapter(config, page)


def detect_adapter(config: CmpConfig, page: Page) -> CmpAdapter:
    """``cmp: auto``: the first named adapter whose CMP is on the page, else the suite's selectors,
    else autoconsent when one of its rules sees an open popup; else CmpError saying what was tried."""
    named = [cls for cls in ADAPTERS.values() if cls is not Autoconsent]
    for cls in named:
        adapter = cls(config.timeout_ms)
        if adapter.detect(page):
            return adapter
    if config.selectors.banner:
        return SelectorsAdapter(config.selectors, config.timeout_ms)
    fallback = Autoconsent(config.timeout_ms)
    if fallback.detect(page):
        return fallback
    raise CmpError(
        f"cmp: auto found no CMP it can drive on {page.url}: no adapter detected its CMP "
        f"({', '.join(cls.name for cls in named)}), {fallback.describe()}, "
        "and the suite gives no cmp.selectors"
    )


__all__ = [
    "ADAPTERS", "ActionHadNoEffect", "BannerNotFound", "CmpAdapter", "CmpError", "adapter_for", "detect_adapter",
]
