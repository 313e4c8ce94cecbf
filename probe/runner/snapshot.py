"""What a phase leaves behind in the browser: a screenshot, cookies and localStorage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError


def snapshot(context: BrowserContext, page: Page, out: Path, phase: str) -> dict[str, Any]:
    """Screenshot plus cookies and localStorage at the end of a phase; returns the HAR page storage."""
    page.screenshot(path=str(out / f"{phase}.png"))
    cookies = context.cookies()
    storage: dict[str, dict[str, str]] = {}
    for open_page in context.pages:
        try:
            storage[open_page.url] = open_page.evaluate(
                "() => Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))"
            )
        except PlaywrightError:
            storage[open_page.url] = {}  # about:blank, or a page mid-navigation
    (out / f"{phase}.storage.json").write_text(
        json.dumps({"cookies": cookies, "localStorage": storage}, indent=1), encoding="utf-8"
    )
    flat = {k: v for values in storage.values() for k, v in values.items()}
    return {"cookies": {c["name"]: c["value"] for c in cookies}, "localStorage": flat}
