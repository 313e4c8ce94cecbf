"""``probe workspace``: a Segment source's consent configuration from its CDN settings, without a browser."""

from probe.workspace.audit import Audit, audit, workspace_report
from probe.workspace.inventory import Inventory, InventoryDestination, WorkspaceReport, build_inventory
from probe.workspace.source import Loaded, SourceError, load_source

__all__ = [
    "Audit",
    "Inventory",
    "InventoryDestination",
    "Loaded",
    "SourceError",
    "WorkspaceReport",
    "audit",
    "build_inventory",
    "load_source",
    "workspace_report",
]
