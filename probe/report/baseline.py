"""Console lines for a comparison with a baseline: which findings are new, fixed or unchanged.

Every string may come from the audited site: it goes through ``one_line``.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from probe.findings import Finding
from probe.report.text import one_line

_STYLE = {"new": "bold red", "fixed": "green", "unchanged": "dim"}


def finding_line(kind: str, scenario: str, finding: Finding) -> Text:
    """``NEW  scenario  rule  phase  severity  message  [fingerprint]`` as inert text."""
    text = Text(f"{kind.upper():<9} ", style=_STYLE.get(kind, ""))
    fields = (scenario, finding.rule, finding.phase or "-", finding.severity, finding.message)
    text.append(one_line("  ".join(fields)))
    text.append(f"  [{finding.fingerprint}]", style="dim")
    return text


def render_changes(
    console: Console,
    groups: dict[str, list[tuple[str, Finding]]],
    *,
    show_unchanged: bool = True,
) -> None:
    """Print each group (new, fixed, unchanged) finding by finding, then one counting line."""
    for kind, items in groups.items():
        if kind == "unchanged" and not show_unchanged:
            continue
        for scenario, finding in items:
            console.print(finding_line(kind, scenario, finding), soft_wrap=True)
    counts = ", ".join(f"{len(items)} {kind}" for kind, items in groups.items())
    console.print(Text(f"against the baseline: {counts}", style="bold"), soft_wrap=True)
