"""What one decision showed of the banner: the observer a scenario hangs on the CMP adapter's hooks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from probe.banner.measure import measure_first_layer, not_measured

if TYPE_CHECKING:
    from probe.cmp.base import CmpAdapter

RETURN_GRACE_S = 2.0  # how long a return visit's banner may take to appear once the CMP's API is there


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


class BannerObserver:
    """Measures the first layer and the preferences as the adapter reaches them; ``record`` is the JSON."""

    def __init__(self, adapter: CmpAdapter, out: Path, name: str) -> None:
        self.adapter, self.out, self.name = adapter, out, name
        self.record: dict[str, Any] = not_measured(adapter.name)

    def attach(self) -> None:
        """Hang on the adapter's hooks for its next decision."""
        self.adapter.on_banner = self.first_layer
        self.adapter.before_toggles = self.preferences

    def detach(self) -> None:
        """Leave the adapter as it was."""
        self.adapter.on_banner = self.adapter.before_toggles = None

    def first_layer(self, page: Page) -> None:
        """The first layer as the visitor meets it (measuring never fails the scenario)."""
        try:
            layer = self.adapter.first_layer(page)
            if layer is None:
                return
            self.record = measure_first_layer(page, layer, self.out, self.name)
        except PlaywrightError as exc:
            self.record = {**not_measured(self.adapter.name), "why": f"measuring failed: {_first_line(exc)}"}
            return
        self.record["cmp"] = self.adapter.name

    def preferences(self, page: Page) -> None:
        """The optional categories' toggles as the preferences open, before probe touches one."""
        if not self.record.get("measured"):
            return
        try:
            toggles = self.adapter.optional_toggles(page)
        except PlaywrightError as exc:
            self.record["preferences"] = {"measured": False, "why": f"measuring failed: {_first_line(exc)}"}
            return
        if toggles is not None:
            self.record["preferences"] = {"measured": True, "optional": toggles}


def return_visit(adapter: CmpAdapter, page: Page, out: Path, name: str) -> dict[str, Any] | None:
    """Whether the banner shows again on a return visit, with a crop ``<name>.png`` of it when it does;
    None when the adapter cannot tell.

    A CMP may draw its banner a moment after its API is there and the traffic is quiet: "not shown"
    is said only after the API came and the banner stayed away for ``RETURN_GRACE_S``, or a late
    banner would read as a remembered choice.
    """
    from probe.cmp.base import CmpError

    try:
        if adapter.first_layer(page) is None:
            return None
        adapter.wait_for_api(page)
        deadline = time.monotonic() + RETURN_GRACE_S
        while True:
            layer = adapter.first_layer(page)  # the visible variant may change as the CMP draws
            shown = page.locator(layer.banner).filter(visible=True) if layer is not None else None
            if shown is not None and shown.count():
                break
            if time.monotonic() >= deadline:
                return {"banner_shown": False}
            page.wait_for_timeout(100)
    except (PlaywrightError, CmpError) as exc:
        return {"measured": False, "why": f"measuring failed: {_first_line(exc)}"}
    try:
        shown.first.screenshot(path=str(out / f"{name}.png"))
    except PlaywrightError:
        return {"banner_shown": True, "screenshot": None}  # it moved away under the shot: it was shown
    return {"banner_shown": True, "screenshot": f"{name}.png"}
