"""Small page helpers the CMP adapters share: cookie reads, reads that survive a reload, visitor clicks."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from probe.cmp.base import CmpError


def cookie(page: Page, name: str) -> str | None:
    """The value of the context's cookie ``name`` (no page script: safe while the page reloads)."""
    return next((str(c["value"]) for c in page.context.cookies() if c["name"] == name), None)


def evaluate_steady(page: Page, script: str, arg: Any = None, attempts: int = 3) -> Any:
    """``page.evaluate`` that waits out a navigation (sites reload right after a consent change)."""
    for _ in range(attempts - 1):
        try:
            return page.evaluate(script, arg)
        except PlaywrightError:
            try:
                page.wait_for_load_state("domcontentloaded", timeout=3000)
            except PlaywrightError:
                pass  # the last attempt reports the real failure
    return page.evaluate(script, arg)


def local_storage(page: Page, key: str) -> str | None:
    """One localStorage item of the page's origin."""
    value = evaluate_steady(page, "k => window.localStorage.getItem(k)", key)
    return None if value is None else str(value)


def set_checkbox(page: Page, selector: str, granted: bool, timeout_ms: int) -> bool:
    """Flip a checkbox or ARIA switch to ``granted`` the way a visitor does; False when there is none.

    CMPs hide the real input behind a styled label, so a visible label is what gets clicked; a
    disabled (always-on) toggle is left alone.
    """
    box = page.locator(selector).first
    if not box.count():
        return False
    if box.is_disabled() or _checked(box) == granted:
        return True
    target = box
    box_id = box.get_attribute("id")
    for label in (page.locator(f'label[for="{box_id}"]') if box_id else None, box.locator("xpath=ancestor::label")):
        if label is not None and label.count() and label.first.is_visible():
            target = label.first
            break
    target.click(timeout=timeout_ms)
    for _ in range(max(1, timeout_ms // 50)):
        if _checked(box) == granted:
            return True
        page.wait_for_timeout(50)
    raise CmpError(f"toggle {selector} did not change to {'on' if granted else 'off'} when clicked")


def _checked(box: Locator) -> bool:
    return bool(box.evaluate("e => 'checked' in e && e.type === 'checkbox' ? e.checked "
                             ": e.getAttribute('aria-checked') === 'true'"))
