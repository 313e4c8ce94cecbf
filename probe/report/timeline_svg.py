"""Layout of the timeline picture: requests as marks in one lane per class along a time axis.

Up to ``DOTS_LIMIT`` requests each get a dot. Above it, a lane is a row of bars, one per column of
``BIN_WIDTH`` user units, as high as the log of the requests in it, and only the requests a finding
cites stay dots (at most ``MAX_CITED_DOTS``): the picture has a bounded number of elements however
long the recording is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from probe.marks import ReadMark, window_of
from probe.report.classes import Classifier, style_for
from probe.timeline import BEFORE, Entry, Timeline

WIDTH = 1120
PLOT_LEFT = 178  # room for lane labels
PLOT_RIGHT = WIDTH - 24
TOP = 54  # two rows of phase labels
AXIS_HEIGHT = 40
RADIUS = 4.5
ROW_HEIGHT = 11.0
MIN_GAP = 10.5  # marks closer than this stack into the next row instead of hiding each other
MAX_ROWS = 6
LANE_PAD = 8.0
LABEL_ROW_GAP = 130  # phase labels closer than this alternate rows
DOTS_LIMIT = 2000  # requests drawn one dot each; above, bars per column (100k dots are megabytes)
BIN_WIDTH = 4.0  # user units per column of bars: about 230 columns across the plot
BIN_ROWS = 3  # a lane of bars is as high as this many rows of dots
MAX_CITED_DOTS = 500  # cited requests drawn as dots over the bars; the request list names them all

PHASE_TINT = {"before-consent": "#fff4db", "after-consent": "#e3f6e8", "after-revoke": "#efeafd"}
PHASE_INK = {"before-consent": "#b26b00", "after-consent": "#1f7a43", "after-revoke": "#5f3dc4"}


@dataclass(frozen=True)
class Mark:
    """One request drawn as a dot."""

    index: int
    x: float
    y: float
    cls: str
    colour: str
    hollow: bool
    title: str
    href: str
    flag: str | None  # "error" / "warning" when a finding cites the entry


@dataclass(frozen=True)
class Bin:
    """The requests of one class within one column of the picture, drawn as a bar."""

    cls: str
    x: float
    y: float  # top of the bar
    width: float
    height: float
    colour: str
    hollow: bool
    count: int
    title: str


@dataclass(frozen=True)
class Lane:
    """A horizontal band for one request class."""

    cls: str
    label: str
    colour: str
    hollow: bool
    y: float
    height: float
    count: int


@dataclass(frozen=True)
class PhaseLine:
    """A vertical line where a phase begins."""

    phase: str
    x: float
    label: str
    sublabel: str
    label_y: float
    title: str
    colour: str
    inferred: bool


@dataclass(frozen=True)
class Band:
    """The tinted background of one phase."""

    phase: str
    x0: float
    x1: float
    colour: str


@dataclass(frozen=True)
class Window:
    """The stretch in which an inferred click may have happened (its requests are at most warnings)."""

    phase: str
    x0: float
    x1: float
    title: str


@dataclass(frozen=True)
class Tick:
    """A labelled tick on the time axis."""

    x: float
    label: str


@dataclass
class TimelineLayout:
    """Everything the SVG template draws, in user units of a ``WIDTH`` x ``height`` viewBox."""

    width: int
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    lanes: list[Lane] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    lines: list[PhaseLine] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    start: float = 0.0
    bins: list[Bin] = field(default_factory=list)  # only when binned
    binned: bool = False  # more than DOTS_LIMIT requests: bars per column, dots for cited requests
    requests: int = 0


def layout_timeline(
    timeline: Timeline,
    classify: Classifier,
    flags: dict[int, tuple[str, list[str]]] | None = None,
    anchor: Callable[[int], str] = lambda index: f"#e{index}",
) -> TimelineLayout:
    """Place every entry, phase line and tick; ``flags`` maps entry index to (severity, rule ids)."""
    flags = flags or {}
    entries = sorted(timeline.entries, key=lambda e: (e.started, e.index))
    starts = _phase_starts(timeline)
    # The axis spans the recording; a mark given outside it (a time years away) sits at the edge
    # instead of stretching the axis until every request collapses into one dot.
    times = [e.started for e in entries] or [t for _, t, _ in starts]
    t0, t1 = (min(times), max(times)) if times else (0.0, 1.0)
    span = max(t1 - t0, 0.001)
    pad = span * 0.03

    def x_of(t: float) -> float:
        x = PLOT_LEFT + (t - t0 + pad) / (span + 2 * pad) * (PLOT_RIGHT - PLOT_LEFT)
        return min(max(x, PLOT_LEFT), PLOT_RIGHT)

    classes = [classify(e) for e in entries]
    lane_keys = sorted(set(classes), key=lambda c: (style_for(c).order, c))
    layout = TimelineLayout(WIDTH, 0.0, PLOT_LEFT, PLOT_RIGHT, TOP, 0.0, start=t0, requests=len(entries))
    phase_of = _phase_labeller(timeline)
    if len(entries) > DOTS_LIMIT:
        _place_bins(layout, entries, classes, lane_keys, x_of)
        _place_cited(layout, phase_of, entries, classes, flags, x_of, anchor)
    else:
        _place_dots(layout, phase_of, entries, classes, lane_keys, flags, x_of, anchor)
    layout.plot_bottom = layout.lanes[-1].y + layout.lanes[-1].height if layout.lanes else TOP + 40.0
    layout.height = layout.plot_bottom + AXIS_HEIGHT
    _place_phases(layout, starts, x_of, (t0 - pad, t1 + pad))
    for mark in timeline.marks:
        window = window_of(mark)
        if window is not None:
            title = (
                f"{mark.phase}: the click happened between {_utc(window[0])} and {_utc(window[1])}; "
                "requests in this stretch may have gone out before it, so they are at most warnings"
            )
            layout.windows.append(
                Window(mark.phase, round(x_of(window[0]), 2), round(x_of(window[1]), 2), title)
            )
    layout.ticks = [Tick(round(x_of(t0 + s), 2), label) for s, label in _ticks(span)]
    return layout


def _place_dots(
    layout: TimelineLayout,
    phase_of: Callable[[Entry], str],
    entries: list[Entry],
    classes: list[str],
    lane_keys: list[str],
    flags: dict[int, tuple[str, list[str]]],
    x_of: Callable[[float], float],
    anchor: Callable[[int], str],
) -> None:
    """One dot per request, stacked into rows where they would hide each other."""
    rows = {
        key: _stack([x_of(e.started) for e, c in zip(entries, classes, strict=True) if c == key])
        for key in lane_keys
    }
    y = float(TOP)
    for key in lane_keys:
        style = style_for(key)
        height = max(1, max(rows[key], default=0) + 1) * ROW_HEIGHT + 2 * LANE_PAD
        layout.lanes.append(Lane(key, style.label, style.colour, style.hollow, y, height, len(rows[key])))
        y += height
    lane_y = {lane.cls: lane.y for lane in layout.lanes}
    seen: dict[str, int] = {}
    for e, key in zip(entries, classes, strict=True):
        row = rows[key][seen.get(key, 0)]
        seen[key] = seen.get(key, 0) + 1
        style = style_for(key)
        flag = flags.get(e.index)
        layout.marks.append(
            Mark(
                index=e.index,
                x=round(x_of(e.started), 2),
                y=round(lane_y[key] + LANE_PAD + row * ROW_HEIGHT + ROW_HEIGHT / 2, 2),
                cls=key,
                colour=style.colour,
                hollow=style.hollow,
                title=_mark_title(e, layout.start, phase_of(e), style.label, flag),
                href=anchor(e.index),
                flag=flag[0] if flag else None,
            )
        )


def _place_bins(
    layout: TimelineLayout,
    entries: list[Entry],
    classes: list[str],
    lane_keys: list[str],
    x_of: Callable[[float], float],
) -> None:
    """Bars per lane and column, as high as the log of the requests in them."""
    # a log scale: a burst of 10k requests and a lone one in the next column are both visible
    columns = max(1, math.ceil((PLOT_RIGHT - PLOT_LEFT) / BIN_WIDTH))
    counts: dict[tuple[str, int], list[float]] = {}  # (class, column) -> [count, first, last start]
    totals: dict[str, int] = {}
    for e, key in zip(entries, classes, strict=True):
        column = min(int((x_of(e.started) - PLOT_LEFT) / BIN_WIDTH), columns - 1)
        totals[key] = totals.get(key, 0) + 1
        cell = counts.get((key, column))
        if cell is None:
            counts[(key, column)] = [1, e.started, e.started]
        else:
            cell[0] += 1
            cell[2] = e.started  # entries come in time order
    most = max((int(c[0]) for c in counts.values()), default=1)
    inner = BIN_ROWS * ROW_HEIGHT
    y = float(TOP)
    lane_y: dict[str, float] = {}
    for key in lane_keys:
        style = style_for(key)
        lane = Lane(key, style.label, style.colour, style.hollow, y, inner + 2 * LANE_PAD, totals.get(key, 0))
        layout.lanes.append(lane)
        lane_y[key] = y
        y += lane.height
    for (key, column), (count, first, last) in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        style = style_for(key)
        height = max(2.0, inner * math.log1p(count) / math.log1p(most))
        bottom = lane_y[key] + LANE_PAD + inner
        times = f"+{first - layout.start:.3f} s" + (
            f" to +{last - layout.start:.3f} s" if last > first else ""
        )
        title = f"{int(count)} request{'s' if count != 1 else ''} · {style.label} · {times}"
        layout.bins.append(
            Bin(
                key,
                round(PLOT_LEFT + column * BIN_WIDTH, 2),
                round(bottom - height, 2),
                BIN_WIDTH,
                round(height, 2),
                style.colour,
                style.hollow,
                int(count),
                title,
            )
        )
    layout.binned = True


def _place_cited(
    layout: TimelineLayout,
    phase_of: Callable[[Entry], str],
    entries: list[Entry],
    classes: list[str],
    flags: dict[int, tuple[str, list[str]]],
    x_of: Callable[[float], float],
    anchor: Callable[[int], str],
) -> None:
    """Dots over the bars for the requests findings cite, errors first, at most MAX_CITED_DOTS."""
    lane_mid = {lane.cls: lane.y + lane.height / 2 for lane in layout.lanes}
    cited = [(e, key) for e, key in zip(entries, classes, strict=True) if e.index in flags]
    cited.sort(key=lambda pair: flags[pair[0].index][0] != "error")  # stable: time order within each
    for e, key in cited[:MAX_CITED_DOTS]:
        style = style_for(key)
        flag = flags[e.index]
        layout.marks.append(
            Mark(
                index=e.index,
                x=round(x_of(e.started), 2),
                y=round(lane_mid[key], 2),
                cls=key,
                colour=style.colour,
                hollow=style.hollow,
                title=_mark_title(e, layout.start, phase_of(e), style.label, flag),
                href=anchor(e.index),
                flag=flag[0],
            )
        )
    layout.marks.sort(key=lambda m: (m.x, m.index))


def _phase_labeller(timeline: Timeline) -> Callable[[Entry], str]:
    """An entry's phase, or "no phase" when the recording has no phase information at all."""
    if not timeline.has_phases:  # asked once: it scans every entry
        return lambda entry: "no phase"
    return timeline.phase_of


def _phase_starts(timeline: Timeline) -> list[tuple[str, float, str]]:
    """(phase, start time, how it is known): the marks, else the first entry tagged with each phase."""
    if not timeline.entries and not timeline.marks:
        return []
    first = min((e.started for e in timeline.entries), default=None)
    marks = sorted(timeline.marks, key=lambda m: m.at)
    if marks:
        begin = min([m.at for m in marks] + ([first] if first is not None else []))
        starts = [(BEFORE, begin, "start")] if marks[0].phase != BEFORE else []
        return starts + [(m.phase, m.at, _how(m)) for m in marks]
    tagged = [e for e in sorted(timeline.entries, key=lambda e: e.started) if e.phase]
    if not tagged:
        return []
    # A foreign HAR with phase tags but no marks: the first request of a phase is the best guess.
    firsts: dict[str, float] = {}
    for e in tagged:
        firsts.setdefault(e.phase or BEFORE, e.started)
    if first is not None:
        firsts[BEFORE] = min(firsts.get(BEFORE, first), first)
    ordered = sorted(firsts.items(), key=lambda kv: kv[1])
    return [(phase, at, "start" if phase == BEFORE else "inferred") for phase, at in ordered]


def _how(mark: object) -> str:
    """How a mark is known, as the phase line's sublabel: its action, "given" or "inferred"."""
    if isinstance(mark, ReadMark):
        return mark.source
    return getattr(mark, "action", None) or ""


def _place_phases(
    layout: TimelineLayout,
    starts: list[tuple[str, float, str]],
    x_of: Callable[[float], float],
    shown: tuple[float, float],
) -> None:
    last_label_x = -1e9
    row = 0
    for i, (phase, at, how) in enumerate(starts):
        x = round(x_of(at), 2)
        x_end = round(x_of(starts[i + 1][1]), 2) if i + 1 < len(starts) else layout.plot_right
        # The first phase's tint reaches the plot edge: the time padding before it is still that phase.
        x_start = layout.plot_left if i == 0 else x
        layout.bands.append(Band(phase, x_start, x_end, PHASE_TINT.get(phase, "#f1f3f5")))
        row = 1 - row if x - last_label_x < LABEL_ROW_GAP else 0
        last_label_x = x
        inferred = how == "inferred"
        sub = "(inferred)" if inferred else ("" if how == "start" else how)
        if how != "start" and not shown[0] <= at <= shown[1]:
            sub = (sub + " " if sub else "") + (
                "(before the recording)" if at < shown[0] else "(after the recording)"
            )
        told = {
            "": "",
            "start": "",
            "inferred": " · inferred from the recording",
            "given": " · given on replay",
        }
        title = f"{phase} begins at {_utc(at)}" + told.get(how, f" · action {how}")
        layout.lines.append(
            PhaseLine(
                phase, x, phase, sub, 16.0 + row * 20.0, title, PHASE_INK.get(phase, "#495057"), inferred
            )
        )


def _stack(xs: list[float]) -> list[int]:
    """Row per mark (input in time order) so that marks in one row keep MIN_GAP apart."""
    row_ends: list[float] = []
    rows: list[int] = []
    for x in xs:
        free = next((i for i, end in enumerate(row_ends) if x - end >= MIN_GAP), None)
        if free is None and len(row_ends) < MAX_ROWS:
            row_ends.append(x)
            free = len(row_ends) - 1
        elif free is None:
            # Lane is full: overlap in the row that has been quiet longest.
            free = min(range(len(row_ends)), key=lambda i: row_ends[i])
        row_ends[free] = x
        rows.append(free)
    return rows


def _ticks(span: float) -> list[tuple[float, str]]:
    raw = span / 8
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    decimals = max(0, -math.floor(math.log10(step)))
    count = int(span / step + 1e-6)  # 1.6 / 0.2 is 7.999...: keep the last tick
    return [(i * step, f"{i * step:.{decimals}f} s") for i in range(count + 1)]


def _mark_title(e: Entry, t0: float, phase: str, label: str, flag: tuple[str, list[str]] | None) -> str:
    lines = [
        f"HAR entry {e.index}: {e.method} {e.url}",
        f"+{e.started - t0:.3f} s · {_utc(e.started)} · {phase}",
        f"{label}"
        + (f" · HTTP {e.status}" if e.status is not None else "")
        + (" · blocked" if e.blocked else ""),
    ]
    if flag:
        lines.append(f"{flag[0]}: {', '.join(flag[1])}")
    return "\n".join(lines)


def _utc(t: float) -> str:
    try:
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
    except (OverflowError, OSError, ValueError):
        # a HAR may say year 9999 with a negative offset: a time, but outside datetime's calendar
        return f"{t:.3f} s since 1970-01-01 UTC"
