"""OneTrust (otBannerSdk).

A category is a OneTrust group id (``CustomGroupId``: ``C0001`` strictly necessary, ``C0002``
performance, ...), the same ids Segment's OneTrust wrapper stamps. The choice is read back from the
``groups`` field of the ``OptanonConsent`` cookie (``C0001:1,C0002:0,...``); a decision exists once
``OptanonAlertBoxClosed`` is set (OneTrust writes ``OptanonConsent`` on landing, before any answer).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from playwright.sync_api import Page

from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, set_checkbox, visible_first

BANNER = "#onetrust-banner-sdk"
CENTRE = "#onetrust-pc-sdk"


class OneTrust(CmpAdapter):
    """Banner ``#onetrust-banner-sdk``; preference centre ``#onetrust-pc-sdk`` with group toggles."""

    name = "onetrust"

    def detect(self, page: Page) -> bool:
        return bool(page.evaluate(
            "() => !!(window.OneTrust && window.OneTrust.GetDomainData) || !!document.getElementById('onetrust-consent-sdk')"))

    def wait_for_banner(self, page: Page) -> None:
        visible_first(page, BANNER, f"{self.name}: consent banner", self.timeout_ms)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator(f"{BANNER} #onetrust-accept-btn-handler").first
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = visible_first(page, f"{BANNER} #onetrust-reject-all-handler",
                               f"{self.name}: reject-all button", self.timeout_ms)
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            # What a visitor finds after the banner closed: the site's settings link, else the floating button.
            opener = page.locator(".ot-sdk-show-settings, #ot-sdk-btn-floating .ot-floating-button__open").filter(
                visible=True)
            if opener.count():
                opener.first.click(timeout=self.timeout_ms)
            else:
                page.evaluate("() => window.OneTrust.ToggleInfoDisplay()")
        else:
            self.wait_for_banner(page)
            page.locator(f"{BANNER} #onetrust-pc-btn-handler").first.click(timeout=self.timeout_ms)
        visible_first(page, CENTRE, f"{self.name}: preference centre", self.timeout_ms)

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        if set_checkbox(page, f"{CENTRE} input#ot-group-id-{category}", granted, self.timeout_ms):
            return
        if not page.locator(f'{CENTRE} .ot-cat-item[data-optanongroupid="{category}"]').count():
            raise CmpError(f"{self.name}: no group {category!r} in the preference centre")
        if not granted:
            raise CmpError(f"{self.name}: group {category!r} is always active and cannot be refused")

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = page.locator(f"{CENTRE} .save-preference-btn-handler").first
        on_decide()
        button.click(timeout=self.timeout_ms)

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
