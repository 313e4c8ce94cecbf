"""A workspace audit's report.json, report.xml and report.html: the report layer, with the workspace rules."""

from __future__ import annotations

from pathlib import Path

from probe.judge import write_renderers
from probe.report import dumps_json, render_html, render_junit
from probe.rules import WORKSPACE_RULES
from probe.workspace.inventory import WorkspaceReport


def write_workspace_reports(out: Path, report: WorkspaceReport) -> dict[str, Path]:
    """The three reports into ``out``, each whole or not at all (see probe.judge.write_renderers).

    JUnit lists the workspace rules as its test cases: the traffic rules did not run, and a pass there
    would claim what no one checked.
    """
    out.mkdir(parents=True, exist_ok=True)
    rule_ids = tuple(r.id for r in WORKSPACE_RULES)
    return write_renderers(
        out,
        {
            "json": ("report.json", lambda: dumps_json(report)),
            "junit": ("report.xml", lambda: render_junit(report, rule_ids)),
            "html": ("report.html", lambda: render_html(report)),
        },
    )
