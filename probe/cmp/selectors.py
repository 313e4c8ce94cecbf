"""The generic adapter: plain selectors from the suite.

Proof that an action was recorded is the consent cookie changing. After a choice made in the
preferences, each category's state is also read back from its toggle's state element (a checkbox's
``checked``, or ``aria-checked``), so a click that turned a category the wrong way cannot pass as
verified. After a first-layer button nothing is read back: the visitor touched no toggle, and many
banners only sync their hidden toggles when the preferences open.
"""

from __future__ import annotations

import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from probe.cmp.base import POLL_MS, BannerNotFound, CmpAdapter, CmpError, OnDecide
from probe.cmp.page_tools import cookie
from probe.suite import Selectors

# The state of a checkbox/radio, or of an ARIA switch; null for anything else (a <label>, a <span>).
_STATE = """e => (e instanceof HTMLInputElement && (e.type === 'checkbox' || e.type === 'radio')) ? e.checked
  : e.hasAttribute('aria-checked') ? e.getAttribute('aria-checked') === 'true' : null"""
RECLICK_MS = 500  # an opener that did nothing (its handler not wired yet) is clicked again after this


def _onoff(value: bool) -> str:
    return "on" if value else "off"


class SelectorsAdapter(CmpAdapter):
    """Clicks what the suite names; a toggle is clicked only when its read-back state differs."""

    name = "selectors"

    def __init__(self, selectors: Selectors, timeout_ms: int = 8000) -> None:
        super().__init__(timeout_ms)
        self.sel = selectors
        self._chosen: list[str] = []  # categories set in the preferences during the current action

    def _need(self, what: str) -> str:
        value = getattr(self.sel, what)
        if not value:
            raise CmpError(f"selectors adapter: the suite gives no cmp.selectors.{what}")
        return str(value)

    def _toggle(self, category: str) -> tuple[str, str]:
        """(what to click, what to read back) for a category."""
        toggle = self.sel.toggles.get(category)
        if toggle is None:
            raise CmpError(f"selectors adapter: cmp.selectors.toggles has no entry for category {category!r}")
        if isinstance(toggle, str):
            return toggle, toggle
        return toggle.click, toggle.state

    def detect(self, page: Page) -> bool:
        try:
            return bool(self.sel.banner and page.locator(self.sel.banner).count())
        except PlaywrightError:
            return False  # mid-navigation

    def wait_for_banner(self, page: Page) -> None:
        self.wait_for(page, self._need("banner"), "the banner")

    def _click(self, page: Page, what: str) -> None:
        self.wait_for(page, self._need(what), f"cmp.selectors.{what}").click(timeout=self.timeout_ms)

    def accept_all(self, page: Page, on_decide: OnDecide) -> None:
        self._chosen = []
        on_decide()
        self._click(page, "accept_all")

    def reject_all(self, page: Page, on_decide: OnDecide) -> None:
        self._chosen = []
        on_decide()
        self._click(page, "reject_all")

    def open_preferences(self, page: Page, *, reopen: bool) -> None:
        self._chosen = []
        if not reopen:
            self.wait_for_banner(page)
        opener, save = self._need("reopen" if reopen else "open_preferences"), self._need("save")
        link = self.wait_for(page, opener, f"cmp.selectors.{'reopen' if reopen else 'open_preferences'}")
        # No CMP API to wait for: a link in the page's HTML may do nothing until the CMP's late script
        # wired it, so it is clicked again (only while the preferences are still closed) until they open.
        deadline = time.monotonic() + self.timeout_ms / 1000
        while True:
            link.click(timeout=self.timeout_ms)
            shown = time.monotonic() + RECLICK_MS / 1000
            while time.monotonic() < min(shown, deadline):
                if page.locator(save).filter(visible=True).count():
                    return
                page.wait_for_timeout(POLL_MS)
            if time.monotonic() >= deadline:
                raise BannerNotFound(
                    f"selectors: waited {self.timeout_ms} ms after clicking {opener} for cmp.selectors.save "
                    f"{save}; it did not appear"
                )

    def set_category(self, page: Page, category: str, granted: bool) -> None:
        click, state = self._toggle(category)
        self._chosen.append(category)
        target = self.wait_for(page, click, f"the {category} toggle")
        current = self._read(page, state)
        if current is None:
            hint = f" (give toggles.{category} as {{click: ..., state: ...}})" if click == state else ""
            raise CmpError(
                f"selectors: cannot read the {category!r} toggle's state from {state}: "
                f"not a checkbox and no aria-checked{hint}"
            )
        if current == granted:
            return
        target.click(timeout=self.timeout_ms)
        deadline = time.monotonic() + self.timeout_ms / 1000
        while time.monotonic() < deadline:
            current = self._read(page, state)
            if current == granted:
                return
            page.wait_for_timeout(50)
        now = "could not be read" if current is None else f"is {_onoff(current)}"
        raise CmpError(
            f"selectors: toggle {category!r}: clicked {click}, but {state} {now}; wanted {_onoff(granted)}"
        )

    def save(self, page: Page, on_decide: OnDecide) -> None:
        on_decide()
        self._click(page, "save")

    @staticmethod
    def _read(page: Page, selector: str) -> bool | None:
        """A toggle's state, None when the element is absent or neither checkbox nor switch."""
        element = page.locator(selector)
        if not element.count():
            return None
        value = element.first.evaluate(_STATE)
        return None if value is None else bool(value)

    def state(self, page: Page) -> dict[str, bool] | None:
        """What the toggles set in the preferences read now; None after a first-layer button, or when a
        toggle left the DOM with its dialog (the cookie change is then the only proof)."""
        if not self._chosen:
            return None
        page.wait_for_load_state("domcontentloaded", timeout=self.timeout_ms)  # sites reload after saving
        observed: dict[str, bool] = {}
        for category in self._chosen:
            value = self._read(page, self._toggle(category)[1])
            if value is None:
                return None
            observed[category] = value
        return observed

    def stored(self, page: Page) -> str | None:
        name = self.sel.consent_cookie
        if not name:
            raise CmpError("selectors adapter: cmp.selectors.consent_cookie is needed to verify actions")
        return cookie(page, name)
