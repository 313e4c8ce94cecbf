"""From evidence to verdict: judge evidence folders or HARs and write every report.

A live run and ``probe replay`` both come through here, so the same evidence always gives the same
report: nothing is judged from memory.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from probe import __version__
from probe.analysis import Analysis, analyse_timeline, checklist
from probe.evidence import HarError, HarRead, apply_phases, load_bundle, load_har, read_har
from probe.evidence.har_reader import UNATTRIBUTED_DIR
from probe.evidence.manifest import read_manifest
from probe.findings import MarkInfo, Report, ScenarioResult, SuiteGroup, ToolInfo
from probe.marks import ReadMark, iso
from probe.report import dumps_json, render_junit
from probe.report.html import stream_html
from probe.rules import ACROSS_IDS, RULE_IDS, run_across
from probe.rules.checklist import with_unattributed
from probe.segment.endpoints import is_ingestion_path
from probe.signals import decode_timeline_signals
from probe.stated import apply_stated, stated_choices
from probe.suite import Choice, Suite
from probe.timeline import PHASES, Timeline


@dataclass
class Judged:
    """One scenario's verdict with what the HTML report draws."""

    result: ScenarioResult
    timeline: Timeline
    suite: Suite
    analysis: Analysis
    screenshots: dict[str, Path] = field(default_factory=dict)


def default_suite(timeline: Timeline) -> Suite:
    """For a foreign HAR judged without --suite: the common necessary/analytics/marketing mapping."""
    start = next((e.url for e in timeline.entries if not e.noise), "https://unknown.invalid/")
    return Suite.model_validate(
        {
            "name": timeline.scenario,
            "start_url": start,
            "categories": {
                "necessary": {"segment": ["necessary"], "required": True},
                "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
                "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
            },
        }
    )


def judge_read(read: HarRead, suite: Suite, name: str | None = None) -> Judged:
    """Judge one read HAR with a suite."""
    timeline = read.timeline
    analysis = analyse_timeline(timeline, suite)
    result = ScenarioResult.judged(
        name or timeline.scenario,
        analysis.findings,
        analysis.unjudged,
        marks=mark_infos(timeline),
        notes=list(timeline.notes),
        signals=decode_timeline_signals(timeline),
    )
    if read.error:
        result = result.model_copy(update={"status": "error", "error": read.error})
    return Judged(result, timeline, suite, analysis)


def judge_bundle(directory: Path, suite: Suite | None = None) -> Judged:
    """Judge a probe evidence folder with the suite it recorded (``suite`` overrides it)."""
    read, suite_data = load_bundle(directory)
    if suite is None:
        suite = Suite.model_validate(suite_data) if suite_data is not None else default_suite(read.timeline)
    judged = judge_read(read, suite, directory.name)
    judged.result.evidence_dir = str(directory)
    judged.screenshots = {p: directory / f"{p}.png" for p in PHASES if (directory / f"{p}.png").is_file()}
    return judged


def judge_har(
    path: Path,
    suite: Suite | None,
    *,
    decision_at: str | int | None = None,
    revoke_at: str | int | None = None,
    choice: Choice | None = None,
    revoke_choice: Choice | None = None,
    scenario: str | None = None,
) -> Judged:
    """Judge any HAR (probe's, Playwright's, DevTools', mitmproxy's), finding phases if it has none.

    What the visitor chose comes from ``choice`` / ``revoke_choice``, else the suite's scenario (the
    one named, or a given suite's only one), else the consent stamps after each mark. Raises
    PhaseSpecError (a HarError) or ValueError for what cannot apply to this recording.
    """
    read = load_har(path)
    timeline = read.timeline
    stated_suite = suite or default_suite(timeline)
    stated = stated_choices(stated_suite, scenario, choice, revoke_choice, suite_given=suite is not None)
    inference = apply_phases(timeline, decision_at=decision_at, revoke_at=revoke_at)
    if inference.note and inference.note not in timeline.notes:
        timeline.notes.append(inference.note)
    apply_stated(
        timeline,
        stated_suite,
        stated,
        decision_given=decision_at is not None,
        revoke_given=revoke_at is not None,
    )
    return judge_read(read, stated_suite)


def mark_infos(timeline: Timeline) -> list[MarkInfo]:
    """The phase marks as report.json states them: time, window of doubt, source, choice."""
    infos: list[MarkInfo] = []
    for mark in sorted(timeline.marks, key=lambda m: m.at):
        if isinstance(mark, ReadMark):
            latest = mark.latest if mark.latest is not None else mark.at
            infos.append(
                MarkInfo(
                    phase=mark.phase,
                    at=iso(mark.at),
                    earliest=iso(mark.at),
                    latest=iso(max(latest, mark.at)),
                    earliest_entry=mark.earliest_entry,
                    latest_entry=mark.latest_entry,
                    source=mark.source,
                    confidence=mark.confidence,
                    signals=list(mark.signals),
                    choice=mark.choice,
                    choice_source=mark.choice_source if mark.choice is not None else None,
                )
            )
        else:
            infos.append(
                MarkInfo(
                    phase=mark.phase,
                    at=iso(mark.at),
                    earliest=iso(mark.at),
                    latest=iso(mark.at),
                    source="recorded",
                    confidence="high",
                    choice=mark.choice,
                    choice_source="recorded" if mark.choice is not None else None,
                )
            )
    return infos


def build_report(judged: Sequence[Judged], suite_name: str | None, browser: str | None = None) -> Report:
    """The run's report.json model, grouped by suite, each suite with the audit checklist over its scenarios."""
    groups = judge_suites(judged)
    suites = [
        SuiteGroup(
            name=name,
            scenarios=[j.result.name for j in members],
            # the checklist needs one suite's categories and consent model
            checklist=with_unattributed(
                checklist([j.analysis for j in members if j.result.status != "error"], members[0].suite),
                unattributed_requests(members),
            ),
        )
        for name, members in groups.items()
    ]
    several = len(suites) > 1
    return Report(
        tool=ToolInfo(version=__version__, browser=browser),
        suite=None if several else suite_name,
        scenarios=[j.result.model_copy(update={"suite": j.suite.name}) for j in judged],
        checklist=[] if several or not suites else suites[0].checklist,
        suites=suites,
    )


def unattributed_requests(members: Sequence[Judged]) -> int:
    """The backend's requests to Segment that no scenario's visitor made, in the run folders of ``members``.

    A run keeps them beside its scenario folders (``server-unattributed/``); a folder whose HAR is
    unreadable counts none (verify says why), never fails the report.
    """
    folders = {Path(j.result.evidence_dir).parent for j in members if j.result.evidence_dir}
    count = 0
    for folder in sorted(folders):
        path = folder / UNATTRIBUTED_DIR / "evidence.har"
        if not path.is_file():
            continue
        try:
            timeline = read_har(path)
        except (HarError, OSError):
            continue
        count += sum(
            1
            for e in timeline.entries
            if e.server and is_ingestion_path(urlsplit(e.url).path) and e.method == "POST"
        )
    return count


def judge_suites(judged: Sequence[Judged]) -> dict[str, list[Judged]]:
    """The verdicts grouped by suite, in order, each suite's scenarios compared (``judge_across``)."""
    groups: dict[str, list[Judged]] = {}
    for j in judged:
        groups.setdefault(j.suite.name, []).append(j)
    for members in groups.values():
        judge_across(members)
    return groups


def judge_across(members: Sequence[Judged]) -> None:
    """Give one suite's scenarios what only comparing them shows (``probe.rules.run_across``).

    Each result is updated in place, and again from scratch when judged again: a shard merge or a
    replay of a whole run folder compares the same scenarios a live run did.
    """
    findings, notes = run_across(
        [(j.result.name, j.analysis.context) for j in members if j.result.status != "error"]
    )
    for j in members:
        own = [f for f in j.result.findings if f.rule not in ACROSS_IDS]
        noted = [n for n in j.result.notes if not n.startswith(ACROSS_IDS)]  # its notes name the rule first
        j.result = j.result.with_findings(
            own + findings.get(j.result.name, []), noted + notes.get(j.result.name, [])
        )


class ReportsNotWritten(OSError):
    """Some reports could not be written (full disk, read-only folder); the others were."""

    def __init__(self, written: dict[str, Path], failed: dict[str, str]) -> None:
        super().__init__(f"could not write {by_reason(failed)}")
        self.written, self.failed = written, failed


def by_reason(failed: dict[str, str]) -> str:
    """File names grouped by why they failed: ``a, b (No space left on device); c (...)``."""
    names: dict[str, list[str]] = {}
    for name, why in failed.items():
        names.setdefault(why, []).append(name)
    return "; ".join(f"{', '.join(group)} ({why})" for why, group in names.items())


def write_reports(out: Path, report: Report, judged: Sequence[Judged]) -> dict[str, Path]:
    """report.json, report.xml (JUnit) and report.html into ``out``, each whole or not at all.

    Raises ReportsNotWritten naming each report that could not be written, after trying them all.
    """
    out.mkdir(parents=True, exist_ok=True)
    shown, label = _shown(report, judged)
    classes = {label(j): j.analysis.classes for j in judged}

    def classify_for(name: str) -> Any:
        return lambda entry: classes[name].get(entry.index, "third-party")

    def html() -> Iterable[str]:
        # written piece by piece: a long recording's page is never held whole in memory
        return stream_html(
            shown,
            {label(j): j.timeline for j in judged},
            {label(j): j.screenshots for j in judged},
            classify={name: classify_for(name) for name in classes},
        )

    return write_renderers(
        out,
        {
            # the verdict first: with room for one file only, report.json is the one to have
            "json": ("report.json", lambda: dumps_json(report)),
            "junit": ("report.xml", lambda: render_junit(shown, RULE_IDS)),
            "html": ("report.html", html),
        },
    )


Renderers = dict[str, tuple[str, Callable[[], str | Iterable[str]]]]


def write_renderers(out: Path, renderers: Renderers) -> dict[str, Path]:
    """Each report file into ``out``, whole or not at all; ReportsNotWritten names any that failed."""
    written: dict[str, Path] = {}
    failed: dict[str, str] = {}
    for kind, (name, render) in renderers.items():
        try:
            written[kind] = _write_whole(out / name, render())
        except OSError as exc:
            failed[name] = exc.strerror or str(exc)
    if failed:
        raise ReportsNotWritten(written, failed)
    return written


def _shown(report: Report, judged: Sequence[Judged]) -> tuple[Report, Callable[[Judged], str]]:
    """The report as JUnit and HTML name it: ``suite/scenario`` when several suites share a report.

    Two suites may both have a ``no_decision``; report.json keeps names plain beside their suite.
    """
    if len(report.suites) < 2:
        return report, lambda j: j.result.name
    scenarios = [s.model_copy(update={"name": f"{s.suite}/{s.name}"}) for s in report.scenarios]
    return report.model_copy(update={"scenarios": scenarios}), lambda j: f"{j.suite.name}/{j.result.name}"


def _write_whole(target: Path, text: str | Iterable[str]) -> Path:
    """Write beside and rename: a CI job never picks up a half-written report, a full disk leaves none."""
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8") as out:
            out.writelines([text] if isinstance(text, str) else text)
        os.replace(partial, target)
    except BaseException:  # a report that fails while it is rendered leaves no partial file either
        with contextlib.suppress(OSError):  # a read-only folder refuses even this
            partial.unlink(missing_ok=True)
        raise
    return target


def browser_of(evidence_dirs: Sequence[Path]) -> str | None:
    """The browser name and version recorded in the first readable manifest."""
    for directory in evidence_dirs:
        try:
            manifest = read_manifest(directory)
        except (OSError, ValueError):
            continue
        if manifest.browser is not None:
            return f"{manifest.browser.name} {manifest.browser.version}"
    return None
