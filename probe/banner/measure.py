"""Measuring the consent banner in the page: its first-layer controls, their looks, and whether it walls the page.

What the page showed is recorded as plain JSON in the phase record (``banner``): texts, boxes,
colours, sampled points. What they mean (contrast ratios, areas, click counts, a wall) is worked out
by the rules in ``probe.rules.banner`` from that record alone, so a replay judges the same and a
changed rule judges old evidence anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

BANNER_FORMAT = "probe-banner/1"

# One control: its text, box, colours (text and the first opaque background behind it) and whether
# it looks like a button (own background or border) or like a link (bare text).
_CONTROL_JS = """
(el) => {
  const rgba = (s) => { const m = /rgba?\\(([^)]+)\\)/.exec(s || ''); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const cs = getComputedStyle(el);
  let bg = null, node = el;
  while (node && node.nodeType === 1) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c && c[3] > 0) { bg = c; break; }
    node = node.parentElement;
  }
  const own = rgba(cs.backgroundColor);
  const parentBg = (() => { let n = el.parentElement; while (n && n.nodeType === 1) {
    const c = rgba(getComputedStyle(n).backgroundColor); if (c && c[3] > 0) return c; n = n.parentElement; }
    return [255, 255, 255, 1]; })();
  const filled = !!own && own[3] > 0 && own.slice(0, 3).join() !== parentBg.slice(0, 3).join();
  const bordered = ['Top', 'Right', 'Bottom', 'Left'].some(s => parseFloat(cs['border' + s + 'Width']) > 0
    && cs['border' + s + 'Style'] !== 'none' && (rgba(cs['border' + s + 'Color']) || [0, 0, 0, 0])[3] > 0);
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), role: el.getAttribute('role'),
          text: (el.innerText || el.value || '').trim().slice(0, 80),
          box: {x: r.x, y: r.y, width: r.width, height: r.height},
          color: rgba(cs.color), background: bg || [255, 255, 255, 1],
          font_px: parseFloat(cs.fontSize), looks: (filled || bordered) ? 'button' : 'link'};
}
"""

# Points of the viewport outside the banner: the page is walled off when every one of them hits the
# CMP's own markup (an overlay), not the page.
_WALL_JS = """
([root, box]) => {
  const cmp = document.querySelector(root);
  const w = innerWidth, h = innerHeight, points = [];
  for (const fx of [0.1, 0.3, 0.5, 0.7, 0.9]) for (const fy of [0.1, 0.3, 0.5, 0.7, 0.9]) {
    const x = w * fx, y = h * fy;
    if (x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height) continue;
    const hit = document.elementFromPoint(x, y);
    points.push(!!(cmp && hit && cmp.contains(hit)));
  }
  return {points: points.length, covered: points.filter(Boolean).length};
}
"""


@dataclass(frozen=True)
class FirstLayer:
    """Where an adapter's CMP puts its first layer: the banner, its root and its controls (CSS)."""

    banner: str  # the visible first layer
    root: str  # the CMP's whole markup (overlays included)
    accept: str | None  # accept-all control on the first layer; None when the CMP has none there
    reject: str | None  # reject-all / necessary-only control on the first layer
    preferences_open: bool = False  # the first layer is the preferences themselves (toggles and save)


def _round(value: float) -> float:
    return round(value, 2)


def _control(page: Page, selector: str | None) -> dict[str, Any] | None:
    """One first-layer control as measured, or None when it is not visible on the page."""
    if selector is None:
        return None
    found = page.locator(selector).filter(visible=True)
    if not found.count():
        return None
    data: dict[str, Any] = found.first.evaluate(_CONTROL_JS)
    box = {k: _round(v) for k, v in data["box"].items()}
    return {
        "selector": selector,
        "text": data["text"],
        "tag": data["tag"],
        "role": data["role"],
        "looks": data["looks"],
        "box": box,
        "font_px": data["font_px"],
        "color": data["color"],
        "background": data["background"],
    }


def measure_first_layer(page: Page, layer: FirstLayer, out: Path, name: str) -> dict[str, Any]:
    """The first layer as shown now: controls, wall test, and a crop screenshot ``<name>.png`` in ``out``."""
    banner = page.locator(layer.banner).filter(visible=True).first
    rect = banner.bounding_box()
    box = {k: float(rect[k]) if rect else 0.0 for k in ("x", "y", "width", "height")}  # type: ignore[literal-required]
    shot: str | None = f"{name}.png"
    try:
        banner.screenshot(path=str(out / f"{name}.png"))
    except PlaywrightError:
        shot = None  # the banner moved away under the shot: the measurements still stand
    accept, reject = _control(page, layer.accept), _control(page, layer.reject)
    if layer.accept is not None and accept is None:
        # a CMP always shows its accept control: without it the markup is not what the adapter knows,
        # and a missing reject would read as a finding (or both missing as a fair banner)
        return {
            "format": BANNER_FORMAT,
            "measured": False,
            "why": f"the accept control ({layer.accept}) is not on the banner's first layer: its markup is not "
            "what the adapter knows",
        }
    wall = page.evaluate(_WALL_JS, [layer.root, box])
    return {
        "format": BANNER_FORMAT,
        "measured": True,
        "banner": {"selector": layer.banner, "box": {k: _round(v) for k, v in box.items()}},
        "screenshot": shot,
        "viewport": page.viewport_size,
        "accept": accept,
        "reject": reject,
        "preferences_open": layer.preferences_open,
        "wall": wall,
    }


def not_measured(cmp: str) -> dict[str, Any]:
    """The record for a CMP whose adapter does not know its first-layer controls."""
    return {
        "format": BANNER_FORMAT,
        "measured": False,
        "why": f"the {cmp} adapter does not know its banner's first-layer controls",
    }
