"""Driving consent banners: named adapters, plain selectors, and detection."""

from __future__ import annotations

from playwright.sync_api import Page

from probe.cmp.base import ActionHadNoEffect, BannerNotFound, CmpAdapter, CmpError
from probe.cmp.selectors import SelectorsAdapter
from probe.cmp.vanilla_cookieconsent import VanillaCookieConsent
from probe.suite import CmpConfig

ADAPTERS: dict[str, type[CmpAdapter]] = {VanillaCookieConsent.name: VanillaCookieConsent}


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
    for cls in ADAPTERS.values():
        adapter = cls(config.timeout_ms)
        if adapter.detect(page):
            return adapter
    if config.selectors.banner:
        return SelectorsAdapter(config.selectors, config.timeout_ms)
    raise CmpError("cmp: auto found no known CMP on the page and the suite gives no selectors")


__all__ = ["ADAPTERS", "ActionHadNoEffect", "BannerNotFound", "CmpAdapter", "CmpError", "adapter_for"]
