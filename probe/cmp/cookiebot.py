"""Cookiebot (Cybot uc.js).

A category is a Cookiebot category: ``necessary``, ``preferences``, ``statistics``, ``marketing``.
The choice is read back from the ``CookieConsent`` cookie, a URL-encoded object literal such as
``{stamp:'...',necessary:true,preferences:false,statistics:true,marketing:false,...}``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, set_checkbox, visible_first

DIALOG = "#CybotCookiebotDialog"
CATEGORIES = ("necessary", "preferences", "statistics", "marketing")


class Cookiebot(CmpAdapter):
    """Dialog ``#CybotCookiebotDialog``; category checkboxes ``#CybotCookiebotDialogBodyLevelButton<Name>``."""

    name = "cookiebot"

    def detect(self, page: Page) -> bool:
        return bool(page.evaluate(
            "() => !!(window.Cookiebot && 'consent' in window.Cookiebot) || !!document.getElementById('CybotCookiebotDialog')"))

    def wait_for_banner(self, page: Page) -> None:
        visible_first(page, DIALOG, f"{self.name}: consent dialog", self.timeout_ms)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = visible_first(
            page, f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll, {DIALOG} #CybotCookiebotDialogBodyButtonAccept",
            f"{self.name}: allow-all button", self.timeout_ms)
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = visible_first(
            page, f"{DIALOG} #CybotCookiebotDialogBodyButtonDecline, {DIALOG} #CybotCookiebotDialogBodyLevelButtonLevelOptinDeclineAll",
            f"{self.name}: deny button", self.timeout_ms)
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            # Cookiebot's own "change your consent" links call Cookiebot.renew().
            opener = page.locator('a[href*="Cookiebot.renew"], [onclick*="Cookiebot.renew"]').filter(visible=True)
            if opener.count():
                opener.first.click(timeout=self.timeout_ms)
            else:
                page.evaluate("() => window.Cookiebot.renew()")
        self.wait_for_banner(page)
        # Templates that keep the checkboxes on a details tab show them after "Customize".
        customize = page.locator(f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonCustomize").filter(visible=True)
        if customize.count():
            customize.first.click(timeout=self.timeout_ms)

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        name = category[:1].upper() + category[1:]
        box = f"{DIALOG} input#CybotCookiebotDialogBodyLevelButton{name}"
        inline = page.locator(f"{box}Inline").filter(visible=True)
        if not set_checkbox(page, f"{box}Inline" if inline.count() else box, granted, self.timeout_ms):
            raise CmpError(f"{self.name}: no checkbox for category {category!r} in the dialog")

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = visible_first(
            page, f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection, "
                  f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonAccept",
            f"{self.name}: allow-selection button", self.timeout_ms)
        on_decide()
        button.click(timeout=self.timeout_ms)

    def stored(self, page: Page) -> str | None:
        return cookie(page, "CookieConsent")

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        text = unquote(raw)
        if text == "-1":
            return {"necessary": True}  # Cookiebot's value when no consent is needed: necessary only
        state = {c: bool(re.search(rf"\b{c}:true\b", text)) for c in CATEGORIES}
        return state if re.search(r"\bnecessary:", text) else None
