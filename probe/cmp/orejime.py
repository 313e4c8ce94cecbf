"""Orejime 3 (boscop-fr/orejime), standard theme.

A category is an Orejime purpose id (``purposes[].id``, nested purposes included). The choice is
read back from Orejime's cookie (``eu-consent`` by default, ``cookie.name`` in its config), which
holds URL-encoded JSON of purpose id -> consent.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from playwright.sync_api import Page

from probe.banner.measure import FirstLayer
from probe.cmp.base import CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie, evaluate_steady, set_checkbox

BANNER = "[data-testid=orejime-banner]"
MODAL = "[data-testid=orejime-modal]"


class Orejime(CmpAdapter):
    """Banner and modal carry ``data-testid=orejime-*``; purpose toggles ``orejime-purpose-<id>``."""

    name = "orejime"
    api = "window.orejime && window.orejime.manager"
    api_label = "window.orejime"

    def __init__(self, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self._cookie_name: str | None = None

    def _cookie(self, page: Page) -> str:
        # Learned once while the page is steady; the name does not change.
        if self._cookie_name is None:
            self.wait_for_api(page)
            self._cookie_name = str(evaluate_steady(
                page, "() => ((window.orejime && window.orejime.config.cookie) || {}).name || 'eu-consent'"))
        return self._cookie_name

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, BANNER, "the consent banner")
        self._cookie(page)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{BANNER} [data-testid=orejime-banner-accept]", "the accept button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{BANNER} [data-testid=orejime-banner-decline]", "the decline button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        self._cookie(page)
        if reopen:
            self.reopen_from_page(page, '[onclick*="orejime.prompt"]', "() => window.orejime.prompt()")
        else:
            self.wait_for_banner(page)
            self.wait_for(page, f"{BANNER} [data-testid=orejime-banner-configure]", "the configure button").click(
                timeout=self.timeout_ms)
        self.wait_for(page, MODAL, "the preferences modal")

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        if not set_checkbox(page, f"{MODAL} input[data-testid=orejime-purpose-{category}]", granted, self.timeout_ms):
            raise CmpError(f"{self.name}: no purpose {category!r} in the preferences modal")

    def save(self, page: Page, on_decide: OnDecide) -> None:
        button = self.wait_for(page, f"{MODAL} [data-testid=orejime-modal-save]", "the save button")
        on_decide()
        button.click(timeout=self.timeout_ms)

    def first_layer(self, page: Page) -> FirstLayer | None:
        # The adapter drives the banner only (forceModal opens the modal instead, which it does not
        # drive); forceBanner puts the same banner over an overlay inside .orejime-Root.
        return FirstLayer(BANNER, ".orejime-Root", f"{BANNER} [data-testid=orejime-banner-accept]",
                          f"{BANNER} [data-testid=orejime-banner-decline]")

    def optional_toggles(self, page: Page) -> dict[str, bool] | None:
        # a mandatory purpose's checkbox is disabled; nested purposes each have their own
        pairs = page.locator(f"{MODAL} input.orejime-Purpose-input:not([disabled])").evaluate_all(
            "els => els.map(e => [e.dataset.testid || e.id, e.checked])")
        return {str(i).removeprefix("orejime-purpose-"): bool(c) for i, c in pairs}

    def stored(self, page: Page) -> str | None:
        return cookie(page, self._cookie(page))

    def state(self, page: Page) -> dict[str, bool] | None:
        raw = self.stored(page)
        if raw is None:
            return None
        try:
            consents = json.loads(unquote(raw))
        except ValueError:
            return None
        return {str(k): v is True for k, v in consents.items()} if isinstance(consents, dict) else None
