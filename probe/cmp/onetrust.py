"""OneTrust (otBannerSdk).

A category is a OneTrust group id (``CustomGroupId``: ``C0001`` strictly necessary, ``C0002``
performance, ...), the same ids Segment's OneTrust wrapper stamps. The choice is read back from the
``groups`` field of the ``OptanonConsent`` cookie (``C0001:1,C0002:0,...``); a decision exists once
``OptanonAlertBoxClosed`` is set (OneTrust writes ``OptanonConsent`` on landing, before any answer).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, set_checkbox

BANNER = "#onetrust-banner-sdk"
CENTRE = "#onetrust-pc-sdk"
ROOT = "#onetrust-consent-sdk"  # banner, preference centre and the dark filter behind them


class OneTrust(CmpAdapter):
    """Banner ``#onetrust-banner-sdk``; preference centre ``#onetrust-pc-sdk`` with group toggles."""

    name = "onetrust"
    api = "window.OneTrust && window.OneTrust.GetDomainData"
    api_label = "window.OneTrust"
    marker = "#onetrust-consent-sdk"

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, BANNER, "the consent banner")

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{BANNER} #onetrust-accept-btn-handler", "the accept-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{BANNER} #onetrust-reject-all-handler", "the reject-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            # What a visitor finds after the banner closed: the site's settings link, else the floating button.
            self.reopen_from_page(page, ".ot-sdk-show-settings, #ot-sdk-btn-floating .ot-floating-button__open",
                                  "() => window.OneTrust.ToggleInfoDisplay()")
        else:
            self.wait_for_banner(page)
            self.wait_for(page, f"{BANNER} #onetrust-pc-btn-handler", "the settings button").click(
                timeout=self.timeout_ms)
        self.wait_for(page, CENTRE, "the preference centre")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        if set_checkbox(page, f"{CENTRE} input#ot-group-id-{category}", granted, self.timeout_ms):
            return
        if not page.locator(f'{CENTRE} .ot-cat-item[data-optanongroupid="{category}"]').count():
            raise CmpError(f"{self.name}: no group {category!r} in the preference centre")
        if not granted:
            raise CmpError(f"{self.name}: group {category!r} is always active and cannot be refused")

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{CENTRE} .save-preference-btn-handler", "the save button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # the banner's "Reject All" exists only when the site's template enables it
        return FirstLayer(BANNER, ROOT, f"{BANNER} #onetrust-accept-btn-handler",
                          f"{BANNER} #onetrust-reject-all-handler")

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # An always-active group has no switch. A group's consent switch is exactly ot-group-id-<group>;
        # a legitimate-interest one carries a suffix and is no consent toggle.
        pairs = page.locator(f'{CENTRE} input.category-switch-handler[id^="ot-group-id-"]:not([disabled])').evaluate_all(
            "els => els.map(e => [e.id.slice('ot-group-id-'.length), e.dataset.optanongroupid, e.checked])")
        return {str(i): bool(c) for i, group, c in pairs if not group or i == group}

    def stored(self, page: Page) -> str | None:
        if cookie(page, "OptanonAlertBoxClosed") is None:
            return None  # only the landing record: no decision yet
        return cookie(page, "OptanonConsent")

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        groups = parse_qs(raw).get("groups", [""])[0]
        state = {}
        for pair in filter(None, groups.split(",")):
            group, _, flag = pair.partition(":")
            state[group] = flag == "1"
        return state or None
