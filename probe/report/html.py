"""The self-contained HTML report: timeline pictures, findings, screenshots and the audit checklist."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from probe.findings import EvidenceRef, Finding, Report, ScenarioResult
from probe.marks import ReadMark, iso
from probe.report.classes import Classifier, default_classifier, style_for
from probe.report.order import phase_rank, sorted_findings
from probe.report.request_list import Listing, list_requests
from probe.report.summary import summarize
from probe.report.timeline_svg import TimelineLayout, layout_timeline
from probe.timeline import Entry, Timeline

_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class EvidenceView:
    """An evidence pointer with the in-page link to its request row (when the recording is present)."""

    entry: int | None
    url: str | None
    excerpt: str | None
    href: str | None
    scenario: str | None = None


@dataclass(frozen=True)
class FindingView:
    """A finding ready for the template."""

    rule: str
    severity: str
    phase: str | None
    message: str
    reference: str | None
    evidence: list[EvidenceView]
    baseline: str | None = None  # "new" or "unchanged" when judged against a --baseline


@dataclass(frozen=True)
class EntryRow:
    """One row of a scenario's request list."""

    index: int
    anchor: str
    offset: str
    phase: str
    label: str
    colour: str
    hollow: bool
    method: str
    status: int | None
    url: str
    flag: str | None
    gap: int = 0  # requests of a long recording left out of the list just before this row


@dataclass(frozen=True)
class Screenshot:
    """A phase screenshot as a data URI, or why it is missing."""

    phase: str
    data_uri: str | None
    problem: str | None = None


@dataclass
class ScenarioView:
    """Everything the template shows for one scenario."""

    slug: str
    result: ScenarioResult
    findings: list[FindingView]
    counts: dict[str, int]
    layout: TimelineLayout | None
    legend: list[tuple[str, str, bool, int]]  # label, colour, hollow, count
    entries: list[EntryRow]
    screenshots: list[Screenshot]
    choices: list[tuple[str, str, str, str]]  # phase, action, choice summary, how the mark is known
    signals: str | None
    notes: list[str] = field(default_factory=list)
    listed: dict[int, Entry] = field(default_factory=dict)  # the requests with a row, by HAR index
    requests: int = 0  # requests in the recording
    rows_after: int = 0  # requests left out of the list after its last row


def render_html(
    report: Report,
    timelines: Mapping[str, Timeline] | None = None,
    screenshots: Mapping[str, Mapping[str, Path]] | None = None,
    classify: Classifier | Mapping[str, Classifier] | None = None,
) -> str:
    """The whole report as one HTML document that needs no network to view."""
    return "".join(stream_html(report, timelines, screenshots, classify))


def stream_html(
    report: Report,
    timelines: Mapping[str, Timeline] | None = None,
    screenshots: Mapping[str, Mapping[str, Path]] | None = None,
    classify: Classifier | Mapping[str, Classifier] | None = None,
) -> Iterator[str]:
    """The HTML report in pieces, to write as they come (a long recording's page is never held whole)."""
    timelines = timelines or {}
    screenshots = screenshots or {}
    # entry indices restart in every HAR, so a classifier may be given per scenario
    per_scenario = classify if isinstance(classify, Mapping) else {}
    wanted = _checklist_entries(report)
    views = [
        _scenario_view(
            i,
            s,
            timelines.get(s.name),
            screenshots.get(s.name, {}),
            per_scenario.get(s.name) if per_scenario else classify,  # type: ignore[arg-type]
            wanted.get(s.name, set()) | wanted.get(None, set()),
        )
        for i, s in enumerate(report.scenarios)
    ]
    checklist = [(item, [_locate(ref, views) for ref in item.evidence]) for item in report.checklist]
    template = _environment().get_template("report.html.j2")
    yield from template.generate(
        report=report,
        summary=summarize(report),
        scenarios=views,
        checklist=checklist,
        data=_embedded_json(report),
    )


def _checklist_entries(report: Report) -> dict[str | None, set[int]]:
    """Entries the checklist cites, by scenario (None: a pointer that names none), so they get rows."""
    items = [*report.checklist, *(item for suite in report.suites for item in suite.checklist)]
    names = {s.name for s in report.scenarios}
    wanted: dict[str | None, set[int]] = {}
    for item in items:
        for ref in item.evidence:
            if ref.entry is not None:
                # a scenario the report names otherwise (suite/scenario) is looked for everywhere
                key = ref.scenario if ref.scenario in names else None
                wanted.setdefault(key, set()).add(ref.entry)
    return wanted


def write_html(
    path: str | Path,
    report: Report,
    timelines: Mapping[str, Timeline] | None = None,
    screenshots: Mapping[str, Mapping[str, Path]] | None = None,
    classify: Classifier | Mapping[str, Classifier] | None = None,
) -> Path:
    """Write the HTML report and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8") as out:
        out.writelines(stream_html(report, timelines, screenshots, classify))
    return target


# control characters from a hostile page or HAR (a terminal escape in a banner's text): shown as U+FFFD
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _inert(value: object) -> object:
    """What the template prints, without control characters (markup probe built stays markup)."""
    if isinstance(value, Markup):  # an SVG drawing may quote a URL of the site
        return Markup(_CONTROL.sub("\ufffd", str(value)))
    if isinstance(value, str):
        return _CONTROL.sub("\ufffd", value)
    return value


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("probe.report", "templates"),
        autoescape=True,  # every string in a report may come from the audited site
        finalize=_inert,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _scenario_view(
    position: int,
    result: ScenarioResult,
    timeline: Timeline | None,
    shots: Mapping[str, Path],
    classify: Classifier | None,
    wanted: set[int],
) -> ScenarioView:
    slug = f"s{position + 1}-{_slug(result.name)}"
    findings = sorted_findings(result.findings)
    cited = {r.entry for f in findings for r in f.evidence if r.entry is not None}
    listing = list_requests(timeline, cited | wanted) if timeline else None
    present = {e.index for e in listing.entries} if listing else set()

    def href(entry: int | None) -> str | None:
        return f"#{slug}-e{entry}" if entry is not None and entry in present else None

    views = [
        FindingView(
            f.rule,
            f.severity,
            f.phase,
            f.message,
            f.reference,
            [EvidenceView(r.entry, r.url, r.excerpt, href(r.entry)) for r in f.evidence],
            f.baseline,
        )
        for f in findings
    ]
    counts = Counter(f.severity for f in findings)
    view = ScenarioView(
        slug=slug,
        result=result,
        findings=views,
        counts={k: counts[k] for k in ("error", "warning", "info")},
        layout=None,
        legend=[],
        entries=[],
        screenshots=[
            _screenshot(phase, shots[phase]) for phase in sorted(shots, key=lambda p: (phase_rank(p), p))
        ],
        choices=[],
        signals=json.dumps(result.signals, indent=2, sort_keys=True, default=str) if result.signals else None,
        # the reasons a scenario was not fully judged have their own box; no need to say them twice
        notes=[n for n in result.notes if n not in {gap.reason for gap in result.unjudged}],
    )
    if timeline is not None and listing is not None:
        classify = classify or default_classifier(timeline)
        flags = _flags(findings)
        _add_timeline(view, timeline, flags, classify)
        _add_rows(view, timeline, listing, flags, classify)
    return view


def _add_rows(
    view: ScenarioView,
    timeline: Timeline,
    listing: Listing,
    flags: dict[int, tuple[str, list[str]]],
    classify: Classifier,
) -> None:
    """The request list: every request of a short recording, a bounded sample of a long one."""
    start = view.layout.start if view.layout else 0.0
    has_phases = timeline.has_phases  # asked once: it may scan every entry
    for e, gap in zip(listing.entries, listing.gaps, strict=True):
        style = style_for(classify(e))
        flag = flags.get(e.index)
        view.entries.append(
            EntryRow(
                e.index,
                f"{view.slug}-e{e.index}",
                f"+{e.started - start:.3f} s",
                # with no phase information, no request was judged as "before-consent": say so
                timeline.phase_of(e) if has_phases else "no phase",
                style.label,
                style.colour,
                style.hollow,
                e.method,
                e.status,
                e.url,
                flag[0] if flag else None,
                gap,
            )
        )
        view.listed[e.index] = e
    view.requests, view.rows_after = listing.total, listing.after


def _add_timeline(
    view: ScenarioView, timeline: Timeline, flags: dict[int, tuple[str, list[str]]], classify: Classifier
) -> None:
    view.layout = layout_timeline(timeline, classify, flags, anchor=lambda i: f"#{view.slug}-e{i}")
    view.legend = [(lane.label, lane.colour, lane.hollow, lane.count) for lane in view.layout.lanes]
    for mark in sorted(timeline.marks, key=lambda m: m.at):
        if mark.choice is None:
            chosen = "choice unknown" if isinstance(mark, ReadMark) else "choice not recorded"
        else:
            chosen = ", ".join(
                f"{cat} {'granted' if ok else 'denied'}" for cat, ok in sorted(mark.choice.items())
            )
        view.choices.append((mark.phase, mark.action or "", chosen, _how_known(mark)))
    skip = set(view.notes) | {gap.reason for gap in view.result.unjudged}
    view.notes += [n for n in timeline.notes if n not in skip]


_CHOICE_FROM = {"stated": "choice as stated", "stamps": "choice read from the site's own stamps"}


def _how_known(mark: object) -> str:
    """How a mark's time and choice are known, in words (recorded marks need none)."""
    if not isinstance(mark, ReadMark):
        return ""
    parts = [f"{mark.source}" + (f", confidence {mark.confidence}" if mark.source == "inferred" else "")]
    if mark.window is not None:
        parts.append(f"the click lies between {iso(mark.window[0])} and {iso(mark.window[1])}")
    if mark.choice_source in _CHOICE_FROM and mark.choice is not None:
        parts.append(_CHOICE_FROM[mark.choice_source])
    return "; ".join(parts)


def _flags(findings: list[Finding]) -> dict[int, tuple[str, list[str]]]:
    """Entry index -> (worst severity citing it, rule ids), so the picture can ring cited requests."""
    worst: dict[int, str] = {}
    rules: dict[int, list[str]] = {}
    for f in findings:
        if f.severity == "info":
            continue
        for ref in f.evidence:
            if ref.entry is None:
                continue
            if worst.get(ref.entry) != "error":
                worst[ref.entry] = f.severity
            if f.rule not in rules.setdefault(ref.entry, []):
                rules[ref.entry].append(f.rule)
    return {i: (worst[i], rules[i]) for i in worst}


def _locate(ref: EvidenceRef, views: list[ScenarioView]) -> EvidenceView:
    """The scenario and anchor a checklist pointer means (by its scenario, else by entry and URL)."""
    if ref.scenario is not None:
        views = [v for v in views if v.result.name == ref.scenario] or views
    if ref.entry is not None:
        for view in views:
            entry = view.listed.get(ref.entry)  # every entry the checklist cites is listed
            if entry is not None and (ref.url is None or _same_url(entry, ref.url)):
                return EvidenceView(
                    ref.entry, ref.url, ref.excerpt, f"#{view.slug}-e{ref.entry}", view.result.name
                )
    for view in views:
        for f in view.findings:
            if any(e.entry == ref.entry and e.url == ref.url for e in f.evidence):
                return EvidenceView(ref.entry, ref.url, ref.excerpt, f"#{view.slug}", view.result.name)
    return EvidenceView(ref.entry, ref.url, ref.excerpt, None)


def _same_url(entry: Entry, url: str) -> bool:
    return entry.url == url or entry.url.split("?", 1)[0] == url.split("?", 1)[0]


def _screenshot(phase: str, path: Path) -> Screenshot:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Screenshot(phase, None, f"not readable: {exc.strerror or exc}")
    mime = next((m for magic, m in _IMAGE_MAGIC if data.startswith(magic)), None)
    if mime is None:
        return Screenshot(phase, None, f"{Path(path).name} is not a PNG or JPEG image")
    return Screenshot(phase, f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}")


def _embedded_json(report: Report) -> Markup:
    # Inside <script>, only "<" can end the element early; \u003c keeps the JSON identical when parsed.
    text = report.model_dump_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"
