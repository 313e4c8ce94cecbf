"""Cookiebot (Cybot uc.js).

A category is a Cookiebot category: ``necessary``, ``preferences``, ``statistics``, ``marketing``.
The choice is read back from the ``CookieConsent`` cookie, a URL-encoded object literal such as
``{stamp:'...',necessary:true,preferences:false,statistics:true,marketing:false,...}``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, set_checkbox

DIALOG = "#CybotCookiebotDialog"
UNDERLAY = "#CybotCookiebotDialogBodyUnderlay"  # the dimmed page behind the dialog: its sibling, not its child
LEVEL = "CybotCookiebotDialogBodyLevelButton"
CATEGORIES = ("necessary", "preferences", "statistics", "marketing")


class Cookiebot(CmpAdapter):
    """Dialog ``#CybotCookiebotDialog``; category checkboxes ``#CybotCookiebotDialogBodyLevelButton<Name>``."""

    name = "cookiebot"
    api = "window.Cookiebot && 'consent' in window.Cookiebot"
    api_label = "window.Cookiebot"
    marker = "#CybotCookiebotDialog"

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, DIALOG, "the consent dialog")

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(
            page, f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll, {DIALOG} #CybotCookiebotDialogBodyButtonAccept",
            "the allow-all button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(
            page, f"{DIALOG} #CybotCookiebotDialogBodyButtonDecline, {DIALOG} #CybotCookiebotDialogBodyLevelButtonLevelOptinDeclineAll",
            "the deny button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        if reopen:
            # Cookiebot's own "change your consent" links call Cookiebot.renew().
            self.reopen_from_page(page, 'a[href*="Cookiebot.renew"], [onclick*="Cookiebot.renew"]',
                                  "() => window.Cookiebot.renew()")
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
        button = self.wait_for(
            page, f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection, "
                  f"{DIALOG} #CybotCookiebotDialogBodyLevelButtonAccept",
            "the allow-selection button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # The wall test hit-tests one element: the underlay when the template dims the page, else the dialog.
        root = UNDERLAY if page.locator(UNDERLAY).filter(visible=True).count() else DIALOG
        # Templates that show the category checkboxes and "Allow selection" on the first layer (no
        # "Customize" step) make the first layer the preferences themselves.
        shows = page.locator(f"{DIALOG} input.{LEVEL}:not([disabled])").filter(visible=True).count() > 0
        customize = page.locator(f"{DIALOG} #{LEVEL}Customize").filter(visible=True).count() > 0
        selection = page.locator(f"{DIALOG} #{LEVEL}LevelOptinAllowallSelection").filter(visible=True).count() > 0
        return FirstLayer(
            DIALOG, root, f"{DIALOG} #{LEVEL}LevelOptinAllowAll, {DIALOG} #CybotCookiebotDialogBodyButtonAccept",
            f"{DIALOG} #CybotCookiebotDialogBodyButtonDecline, {DIALOG} #{LEVEL}LevelOptinDeclineAll",
            preferences_open=shows and selection and not customize)

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # The checkboxes of the tab open now (inline ones on the first layer, or the details tab's),
        # named by category; necessary's is disabled.
        pairs = page.locator(f"{DIALOG} input.{LEVEL}:not([disabled])").filter(visible=True).evaluate_all(
            "els => els.map(e => [e.id, e.checked])")
        toggles = {}
        for box_id, checked in pairs:
            category = str(box_id).removeprefix(LEVEL).removesuffix("Inline").lower()
            if category in CATEGORIES:
                toggles[category] = bool(checked)
        return toggles

    def stored(self, page: Page) -> str | None:
        return cookie(page, "CookieConsent")

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        text = unquote(raw)
        if text == "-1":
            return {"necessary": True}  # Cookiebot's value when no consent is needed: necessary only
        # only the categories the cookie names: one it stores nothing for (necessary) is not "refused"
        state = {c: re.search(rf"\b{c}:true\b", text) is not None for c in CATEGORIES if re.search(rf"\b{c}:", text)}
        return state or None
