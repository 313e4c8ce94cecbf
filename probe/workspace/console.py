"""A workspace's inventory on the console: every destination, its mode, categories and CMP mapping."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from probe.report.text import safe_text
from probe.workspace.inventory import Inventory

_MODE_STYLE = {"device": "cyan", "cloud": "blue", "unknown": "yellow"}


def print_inventory(console: Console, inventory: Inventory) -> None:
    """Every destination, one block each: name, mode and why, categories and their CMP mapping."""
    consent = inventory.consent
    head = Text("workspace ", style="bold") + safe_text(inventory.source)
    console.print(head, soft_wrap=True)
    if consent.configured:
        cats = ", ".join(consent.all_categories or []) or "none"
        flag = {True: "true", False: "false", None: "absent"}[consent.has_unmapped_destinations]
        line = f"  consentSettings: allCategories {cats}; hasUnmappedDestinations {flag}"
    else:
        line = "  consentSettings: absent"
    console.print(safe_text(line), soft_wrap=True)
    console.print(Text(f"  {len(inventory.destinations)} destination(s)", style="bold"))
    for d in inventory.destinations:
        title = Text("  ") + safe_text(d.name, "bold")
        if d.display_name:
            title += safe_text(f" ({d.display_name})")
        title += Text(" · ") + Text(f"{d.mode}-mode", style=_MODE_STYLE[d.mode])
        if d.warehouse:
            title += Text(" · warehouse")
        console.print(title, soft_wrap=True)
        console.print(Text("      ") + safe_text(d.mode_why, "dim"), soft_wrap=True)
        if not d.categories:
            mapping = "no consent category"
        elif d.cmp is None:
            mapping = f"Segment categories {', '.join(d.categories)} (CMP mapping unknown: no suite)"
        else:
            mapping = "; ".join(f"{c} → CMP {', '.join(d.cmp[c]) or '(none)'}" for c in d.categories)
        if d.categories_from == "suite":
            mapping += " (from suite segment.destinations)"
        console.print(Text("      ") + safe_text(mapping), soft_wrap=True)
