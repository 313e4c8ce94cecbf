"""Two inventories compared: destinations added, removed and changed (for ``probe diff``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from rich.console import Console
from rich.text import Text

from probe.report.text import one_line
from probe.workspace.inventory import Inventory, InventoryDestination

# what a destination's consent posture is made of; ids and display names may change without meaning
_COMPARED = ("mode", "categories", "categories_from", "cmp", "warehouse")
_STYLE = {"added": "bold red", "removed": "green", "changed": "yellow"}


class DestinationChange(BaseModel):
    """A destination NEW has and OLD had not (added), the reverse (removed), or one that changed."""

    change: Literal["added", "removed", "changed"]
    name: str
    fields: list[str] = Field(default_factory=list)  # for "changed": which of mode, categories, ...
    old: InventoryDestination | None = None
    new: InventoryDestination | None = None

    def describe(self) -> str:
        """The change in words: what changed from what to what, or the destination's posture."""
        if self.old is not None and self.new is not None:
            return "; ".join(f"{f} {_show(getattr(self.old, f))} → {_show(getattr(self.new, f))}" for f in self.fields)
        dest = self.new or self.old
        assert dest is not None  # an added one has new, a removed one old
        mode = "mode unknown" if dest.mode == "unknown" else f"{dest.mode}-mode"
        return f"{mode}; {', '.join(dest.categories) or 'no consent category'}"


def _show(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return "{" + "; ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def destination_changes(old: Inventory, new: Inventory) -> list[DestinationChange]:
    """One item per destination added, removed or changed, by name; unchanged ones are left out."""
    before = {d.name: d for d in old.destinations}
    after = {d.name: d for d in new.destinations}
    changes: list[DestinationChange] = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was is None:
            changes.append(DestinationChange(change="added", name=name, new=now))
        elif now is None:
            changes.append(DestinationChange(change="removed", name=name, old=was))
        elif fields := [f for f in _COMPARED if getattr(was, f) != getattr(now, f)]:
            changes.append(DestinationChange(change="changed", name=name, fields=fields, old=was, new=now))
    return changes


def render_destination_changes(console: Console, changes: list[DestinationChange]) -> None:
    """``ADDED / REMOVED / CHANGED  destination "X": ...`` lines as inert text, then one counting line."""
    for item in changes:
        text = Text(f"{item.change.upper():<9} ", style=_STYLE[item.change])
        text.append(one_line(f'destination "{item.name}": {item.describe()}'))
        console.print(text, soft_wrap=True)
    counts = ", ".join(f"{sum(1 for c in changes if c.change == k)} {k}" for k in ("added", "removed", "changed"))
    console.print(Text(f"destinations: {counts}", style="bold"), soft_wrap=True)
