"""Driving consent banners: named adapters, plain selectors, and detection."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from probe.cmp.autoconsent import Autoconsent
from probe.cmp.base import POLL_MS, ActionHadNoEffect, BannerNotFound, CmpAdapter, CmpError
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
    """``cmp: auto``: poll for up to ``timeout_ms`` (a tag manager may load the CMP late) until a named
    adapter's CMP is on the page, else the suite's selectors banner, else a popup one of autoconsent's
    rules knows; else CmpError naming everything it waited for."""
    named = [cls(config.timeout_ms) for cls in ADAPTERS.values() if cls is not Autoconsent]
    selectors = SelectorsAdapter(config.selectors, config.timeout_ms) if config.selectors.banner else None
    fallback = Autoconsent(config.timeout_ms)
    deadline = time.monotonic() + config.timeout_ms / 1000
    rounds = 0
    while True:
        found = next((a for a in named if a.detect(page)), None)
        if found is None and selectors is not None and selectors.detect(page):
            found = selectors
        # autoconsent's script goes into the page only once no named CMP answered the first look; when
        # its rule names a CMP probe has an adapter for, that CMP's API is still on its way (a busy page):
        # wait for it until the deadline, rather than drive it blind with accept/reject-all only
        if found is None and rounds and fallback.detect(page):
            if not (_has_named_adapter(fallback.cmp, named) and time.monotonic() < deadline):
                found = fallback
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            break
        rounds += 1
        page.wait_for_timeout(POLL_MS)
    apis = ", ".join(f"{a.api_label} ({a.name})" for a in named)
    banner = f"; cmp.selectors banner {selectors.sel.banner} did not appear" if selectors else (
        "; the suite gives no cmp.selectors")
    raise CmpError(
        f"cmp: auto found no CMP it can drive on {page.url}: waited {config.timeout_ms} ms for {apis}; "
        f"none appeared{banner}; {fallback.describe()}"
    )


def _has_named_adapter(rule: str | None, named: list[CmpAdapter]) -> bool:
    """Whether an autoconsent rule (``Onetrust``, ``Cybotcookiebot``, ``Tarteaucitron.js``) is a CMP
    one of probe's named adapters drives."""
    squeezed = "".join(ch for ch in (rule or "").lower() if ch.isalnum())
    return any(a.name.replace("-", "") in squeezed for a in named if a.name.replace("-", ""))


__all__ = [
    "ADAPTERS", "ActionHadNoEffect", "BannerNotFound", "CmpAdapter", "CmpError", "adapter_for", "detect_adapter",
]
