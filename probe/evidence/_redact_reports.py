"""Reports judged again from redacted evidence, so no un-redacted copy stays beside it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

REPORT_NAMES = ("report.json", "report.xml", "report.html")


def has_reports(folder: Path) -> bool:
    """True when ``folder`` holds any of probe's reports (or a half-written one)."""
    return any((folder / name).exists() or (folder / f"{name}.partial").exists() for name in REPORT_NAMES)


def _previous_order(folder: Path) -> list[str]:
    """Scenario names in the order the old report.json listed them (a live run's suite order)."""
    try:
        data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        return [str(s["name"]) for s in data["scenarios"]]
    except (OSError, UnicodeError, ValueError, TypeError, KeyError):
        return []


def regenerate_reports(folder: Path, bundles: Sequence[Path]) -> list[str]:
    """Judge ``bundles`` with their recorded suites and write all three reports into ``folder``."""
    # judging sits above the evidence layer: imported here, when a folder with reports is redacted
    from probe.judge import browser_of, build_report, judge_bundle, write_reports

    order = _previous_order(folder)
    ranked = sorted(bundles, key=lambda b: order.index(b.name) if b.name in order else len(order))
    try:
        judged = [judge_bundle(b) for b in ranked]
        report = build_report(judged, judged[0].suite.name if judged else None, browser_of(ranked))
        _remove(folder, partial_only=True)  # a half-written report of a full disk quotes the evidence too
        written = write_reports(folder, report, judged)
    except BaseException:
        # no report at all is better than an un-redacted one beside redacted evidence
        _remove(folder, partial_only=False)
        raise
    return [path.name for path in written.values()]


def _remove(folder: Path, *, partial_only: bool) -> None:
    for name in REPORT_NAMES:
        (folder / f"{name}.partial").unlink(missing_ok=True)
        if not partial_only:
            (folder / name).unlink(missing_ok=True)
