"""The HTML report: self-contained, escaped, a dot per request (bars when long); in the real Chromium too."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from markupsafe import Markup
from playwright.sync_api import Playwright

from probe.browser import find_browser, launch_args
from probe.findings import ChecklistItem, EvidenceRef, Finding, Report, ScenarioResult, ToolInfo, Unjudged
from probe.judge import build_report, judge_har, write_reports
from probe.marks import ReadMark
from probe.report import default_classifier, render_html, write_html
from probe.report.request_list import AROUND_MARK, FIRST_ROWS, ROWS_LIMIT, list_requests
from probe.report.timeline_svg import (
    BIN_WIDTH,
    DOTS_LIMIT,
    MAX_CITED_DOTS,
    MAX_ROWS,
    MIN_GAP,
    PLOT_LEFT,
    PLOT_RIGHT,
    layout_timeline,
)
from probe.timeline import Entry, PhaseMark, Timeline

if TYPE_CHECKING:
    from playwright.sync_api import Page

T0 = 1_767_261_600.0  # 2026-01-01 10:00:00 UTC
HOSTILE = "<script>alert('x')</script> & \"quoted\""


def _e(index: int, at: float, url: str, method: str = "GET", **kw: object) -> Entry:
    return Entry(index=index, started=T0 + at, method=method, url=url, status=kw.pop("status", 200), **kw)  # type: ignore[arg-type]


def _reject_timeline() -> Timeline:
    entries = [
        _e(0, 0.00, "https://shop.test/", resource_type="document", phase="before-consent"),
        *[
            _e(i, 0.04 + i * 0.01, f"https://shop.test/static/{n}", phase="before-consent")
            for i, n in enumerate(["app.css", "app.js", "logo.svg", "hero.webp", "font.woff2"], start=1)
        ],
        _e(6, 0.21, "https://cdn.segment.com/analytics.js/v1/wk/analytics.min.js", phase="before-consent"),
        _e(7, 0.33, "https://cdn.segment.com/v1/projects/wk/settings", phase="before-consent"),
        _e(8, 0.52, "https://api.segment.io/v1/p", "POST", phase="before-consent"),
        _e(9, 0.60, "https://connect.facebook.net/en_US/fbevents.js", phase="before-consent"),
        _e(10, 0.76, "https://www.facebook.com/tr?id=123&ev=PageView", phase="before-consent"),
        _e(
            11,
            0.90,
            "https://update.googleapis.com/service/update2/json",
            "POST",
            noise=True,
            phase="before-consent",
        ),
        _e(12, 1.10, "https://fonts.cdn-example.net/inter.woff2", phase="before-consent"),
        _e(13, 2.30, "https://api.segment.io/v1/t", "POST", phase="after-consent"),
        _e(
            14,
            2.42,
            "https://cdn.segment.com/next-integrations/actions/google-analytics-4/ga4.js",
            phase="after-consent",
        ),
        _e(
            15,
            2.61,
            "https://www.google-analytics.com/g/collect?v=2&tid=G-TEST",
            "POST",
            blocked=True,
            status=None,
            phase="after-consent",
        ),
        _e(16, 3.50, "https://api.segment.io/v1/t", "POST", phase="after-consent"),
        _e(17, 3.62, "https://shop.test/api/cart", phase="after-consent"),
    ]
    marks = [
        PhaseMark(
            "after-consent", T0 + 2.0, {"analytics": False, "marketing": False, "necessary": True}, "choose"
        )
    ]
    return Timeline("reject_analytics", entries, marks)


def _revoke_timeline() -> Timeline:
    entries = [
        _e(0, 0.0, "https://shop.test/", resource_type="document"),
        _e(1, 0.1, "https://shop.test/static/app.js"),
        _e(2, 0.3, "https://cdn.segment.com/analytics.js/v1/wk/analytics.min.js"),
        _e(3, 1.9, "https://api.segment.io/v1/p", "POST"),
        _e(4, 2.1, "https://connect.facebook.net/en_US/fbevents.js"),
        _e(5, 2.5, "https://api.segment.io/v1/t", "POST"),
        _e(6, 4.6, "https://api.segment.io/v1/t", "POST"),
        _e(7, 5.2, "https://shop.test/api/cart"),
    ]
    marks = [
        PhaseMark("after-consent", T0 + 1.5, {"analytics": True, "marketing": True}, "accept_all"),
        PhaseMark("after-revoke", T0 + 4.0, {"analytics": False, "marketing": False}, "revoke"),
    ]
    return Timeline("revoke", entries, marks)


def _accept_timeline() -> Timeline:
    entries = [
        _e(0, 0.0, "https://shop.test/", resource_type="document"),
        _e(1, 1.4, "https://api.segment.io/v1/p", "POST"),
        _e(2, 1.6, "https://widgets.chat-example.io/loader.js"),
    ]
    return Timeline("accept_all", entries, [PhaseMark("after-consent", T0 + 1.2, None, "accept_all")])


def sample() -> tuple[Report, dict[str, Timeline]]:
    """A run with a failing, a revoking, a passing and an unjudgeable scenario."""
    reject = ScenarioResult.judged(
        "reject_analytics",
        [
            Finding(
                rule="segment-before-consent",
                phase="before-consent",
                message="Segment page event sent before the banner was answered.",
                reference="Does the SDK wait for consent?",
                evidence=[
                    EvidenceRef(
                        entry=8,
                        url="https://api.segment.io/v1/p",
                        excerpt='{"type":"page","anonymousId":"6f1c2d","context":{}}',
                    )
                ],
            ),
            Finding(
                rule="pixel-before-consent",
                phase="before-consent",
                message="Facebook Pixel (marketing) fired before the banner was answered.",
                evidence=[
                    EvidenceRef(entry=9, url="https://connect.facebook.net/en_US/fbevents.js"),
                    EvidenceRef(entry=10, url="https://www.facebook.com/tr?id=123&ev=PageView"),
                ],
            ),
            Finding(
                rule="denied-destination-loaded",
                phase="after-consent",
                message="Google Analytics 4 (analytics) loaded although analytics was denied.",
                evidence=[
                    EvidenceRef(
                        entry=14,
                        url="https://cdn.segment.com/next-integrations/actions/google-analytics-4/ga4.js",
                    )
                ],
            ),
            Finding(
                rule="denied-pixel",
                phase="after-consent",
                message=HOSTILE,
                evidence=[
                    EvidenceRef(
                        entry=15,
                        url="https://www.google-analytics.com/g/collect?v=2&tid=G-TEST",
                        excerpt=HOSTILE,
                    )
                ],
            ),
            Finding(
                rule="unmapped-destination",
                severity="warning",
                phase=None,
                message="Destination 'Braze' has no CMP category in the suite.",
                evidence=[],
            ),
            Finding(
                rule="unclassified-third-party",
                severity="info",
                phase="before-consent",
                message="fonts.cdn-example.net is not in the vendor catalog.",
                evidence=[EvidenceRef(entry=12, url="https://fonts.cdn-example.net/inter.woff2")],
            ),
        ],
        evidence_dir="artifacts/run-1/reject_analytics",
        signals={"after-consent": {"categoryPreferences": {"C0002": False, "C0004": False}}},
    )
    revoke = ScenarioResult.judged(
        "revoke",
        [
            Finding(
                rule="event-after-revoke",
                phase="after-revoke",
                message="Segment track event sent after analytics was revoked.",
                evidence=[
                    EvidenceRef(
                        entry=6,
                        url="https://api.segment.io/v1/t",
                        excerpt='{"type":"track","event":"Add to cart"}',
                    )
                ],
            ),
            Finding(
                rule="revoke-no-deletion",
                phase="after-revoke",
                message="No Segment deletion or suppression request followed the revocation.",
            ),
        ],
    )
    accept = ScenarioResult.judged(
        "accept_all",
        [
            Finding(
                rule="unclassified-third-party",
                severity="info",
                phase="after-consent",
                message="widgets.chat-example.io is not in the vendor catalog.",
                evidence=[EvidenceRef(entry=2, url="https://widgets.chat-example.io/loader.js")],
            )
        ],
    )
    broken = ScenarioResult(
        name="no_decision",
        status="error",
        error="banner not found: no element matches '#cookie-banner' after 10 s",
    )
    checklist = [
        ChecklistItem(
            id="categorization",
            question="Is destination categorization documented?",
            answer="no",
            detail="1 enabled destination (Braze) has no category.",
        ),
        ChecklistItem(
            id="sdk-waits",
            question="Does the SDK wait for consent?",
            answer="no",
            detail="Segment sent a page event before the banner was answered.",
            evidence=[EvidenceRef(entry=8, url="https://api.segment.io/v1/p")],
        ),
        ChecklistItem(
            id="consent-stamped",
            question="Are consent payloads stamped on every event?",
            answer="yes",
            detail="Every event after the decision carried context.consent.categoryPreferences.",
        ),
        ChecklistItem(
            id="filters-honor",
            question="Do destination filters honor categories?",
            answer="no",
            evidence=[
                EvidenceRef(
                    entry=14,
                    url="https://cdn.segment.com/next-integrations/actions/google-analytics-4/ga4.js",
                )
            ],
        ),
        ChecklistItem(
            id="server-side",
            question="Do server-side sources carry consent?",
            answer="not-tested",
            detail="A browser run cannot observe server-side sources.",
        ),
        ChecklistItem(
            id="privacy-api",
            question="Does the Privacy API fire on revocation?",
            answer="no",
            evidence=[EvidenceRef(entry=6, url="https://api.segment.io/v1/t")],
        ),
    ]
    report = Report(
        tool=ToolInfo(version="0.1.0", browser="chromium 156.0.8078.108"),
        suite="demo-shop",
        scenarios=[reject, revoke, accept, broken],
        checklist=checklist,
    )
    timelines = {t.scenario: t for t in (_reject_timeline(), _revoke_timeline(), _accept_timeline())}
    return report, timelines


class _Collector(HTMLParser):
    """Collects attributes of every element, and the class lists of SVG marks and phase lines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.classes: list[tuple[str, str]] = []  # (tag, class)
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "data") and value is not None:
                self.links.append(value)
            if name == "class" and value:
                self.classes.extend((tag, c) for c in value.split())

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def test_every_link_stays_inside_the_page() -> None:
    report, timelines = sample()
    parsed = _parse(render_html(report, timelines, {}))
    assert parsed.links, "the page should link evidence to request rows"
    outside = [link for link in parsed.links if not link.startswith(("#", "data:"))]
    assert outside == []


def test_site_supplied_text_is_escaped() -> None:
    report, timelines = sample()
    html = render_html(report, timelines, {})
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(" in html
    # The embedded report.json copy must not be able to close its <script> element early.
    data = html.split('id="probe-report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and "\\u003cscript\\u003e" in data


def test_one_mark_per_entry_and_a_line_per_phase() -> None:
    report, timelines = sample()
    parsed = _parse(render_html(report, timelines, {}))
    marks = [c for tag, c in parsed.classes if tag == "circle" and c == "mark"]
    lines = [c for tag, c in parsed.classes if tag == "g" and c == "phase-line"]
    assert len(marks) == sum(len(t.entries) for t in timelines.values())
    # before-consent is implicit, so each timeline draws one line more than it has marks
    assert len(lines) == sum(len(t.marks) + 1 for t in timelines.values())
    rows = [c for tag, c in parsed.classes if tag == "tr" and c == "finding"]
    assert len(rows) == sum(len(s.findings) for s in report.scenarios)


def test_default_classifier_uses_flags_segment_hosts_and_the_page_site() -> None:
    _, timelines = sample()
    timeline = timelines["reject_analytics"]
    classify = default_classifier(timeline)
    by_index = {e.index: classify(e) for e in timeline.entries}
    assert by_index[0] == "first-party"
    assert by_index[8] == "segment"
    assert by_index[10] == "vendor:marketing"
    assert by_index[11] == "noise"
    assert by_index[12] == "third-party"
    assert by_index[15] == "blocked"


def test_a_plugged_in_classifier_decides_lanes_and_colours() -> None:
    report, timelines = sample()
    html = render_html(
        report,
        timelines,
        {},
        classify=lambda e: "vendor:advertising" if "facebook" in e.url else "first-party",
    )
    assert "Vendor · advertising" in html
    assert 'data-class="vendor:advertising"' in html
    assert 'data-class="segment"' not in html


def test_bursts_stack_instead_of_hiding_each_other() -> None:
    burst = [_e(i, i * 0.001, f"https://shop.test/{i}") for i in range(MAX_ROWS)]
    timeline = Timeline("burst", burst + [_e(99, 10.0, "https://shop.test/late")])
    layout = layout_timeline(timeline, lambda e: "first-party")
    first = [m for m in layout.marks if m.index < MAX_ROWS]
    assert len({m.y for m in first}) == MAX_ROWS
    assert max(m.x for m in first) - min(m.x for m in first) < MIN_GAP


def test_phases_are_inferred_from_entry_tags_when_marks_are_missing() -> None:
    entries = [
        _e(0, 0.0, "https://shop.test/", phase="before-consent"),
        _e(1, 1.0, "https://api.segment.io/v1/t", phase="after-consent"),
    ]
    layout = layout_timeline(Timeline("foreign-har", entries), lambda e: "first-party")
    assert [(line.phase, line.inferred) for line in layout.lines] == [
        ("before-consent", False),
        ("after-consent", True),
    ]
    assert layout.lines[1].x == layout.marks[1].x


def test_the_time_axis_reaches_the_last_request() -> None:
    layout = layout_timeline(_accept_timeline(), lambda e: "first-party")
    assert [t.label for t in layout.ticks][-2:] == ["1.4 s", "1.6 s"]


def test_an_inconclusive_scenario_is_never_shown_as_judged_before_consent() -> None:
    timeline = Timeline(
        "foreign", [_e(0, 0.0, "https://shop.test/"), _e(1, 0.5, "https://api.segment.io/v1/p")]
    )
    gap = Unjudged(reason="no phase information in this recording", rules=["segment-before-consent"])
    result = ScenarioResult.judged("foreign", [], [gap])
    html = render_html(Report(tool=ToolInfo(version="0.1.0"), scenarios=[result]), {"foreign": timeline})
    assert '<header class="top verdict-inconclusive">' in html
    assert '<span class="badge status-inconclusive">INCONCLUSIVE</span>' in html
    assert "Inconclusive: not every rule could run" in html and "not run: segment-before-consent" in html
    assert "every rule stayed silent" not in html
    assert html.count(">no phase</span>") == 2 and ">before-consent</span>" not in html
    layout = layout_timeline(timeline, lambda e: "first-party")
    assert layout.bands == [] and "no phase" in layout.marks[0].title


def test_a_mark_far_outside_the_recording_sits_at_the_edge() -> None:
    timeline = _accept_timeline()
    timeline.marks = [PhaseMark("after-consent", T0 + 2.3e9, None, None)]
    layout = layout_timeline(timeline, lambda e: "first-party")
    assert [t.label for t in layout.ticks][-1] == "1.6 s"
    line = layout.lines[-1]
    assert (line.x, line.sublabel) == (layout.plot_right, "(after the recording)")


@pytest.mark.parametrize(
    ("decision", "where"), [("2090-01-01T00:00:00Z", "after"), ("1990-01-01T00:00:00Z", "before")]
)
def test_a_decision_given_far_outside_the_recording_does_not_stretch_the_axis(
    tmp_path: Path, decision: str, where: str
) -> None:
    entries = [
        {
            "startedDateTime": f"2026-01-01T10:00:0{seconds}Z",
            "request": {"method": "GET", "url": f"https://shop.test/{seconds}", "headers": []},
            "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": "text/html"}},
        }
        for seconds in (0, 1, 2)
    ]
    har = tmp_path / "foreign.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x"}, "entries": entries}}))
    judged = judge_har(har, None, decision_at=decision)
    paths = write_reports(tmp_path / "out", build_report([judged], "x"), [judged])
    svg = paths["html"].read_text(encoding="utf-8").split('<svg class="timeline"', 1)[1].split("</svg>")[0]
    ticks = re.findall(r'<text class="tick"[^>]*>([0-9.]+ s)</text>', svg)
    assert ticks[0] == "0.0 s" and ticks[-1] == "2.0 s"  # the recording's two seconds, not 64 years
    line = re.search(r'data-phase="after-consent">\s*<title>[^<]*</title>\s*<line x1="([0-9.]+)"', svg)
    assert line is not None
    assert float(line.group(1)) == (PLOT_RIGHT if where == "after" else PLOT_LEFT)
    assert f"({where} the recording)" in svg
    dots = [float(x) for x in re.findall(r'<circle class="mark"[^>]*cx="([0-9.]+)"', svg)]
    assert len(dots) == 3 and max(dots) - min(dots) > (PLOT_RIGHT - PLOT_LEFT) * 0.9  # spread, not one dot


def _long(count: int, cited: set[int]) -> tuple[Timeline, dict[int, tuple[str, list[str]]]]:
    entries = [
        _e(i, i * 0.05, f"https://api.segment.io/v1/t?{i}" if i % 3 else f"https://shop.test/{i}")
        for i in range(count)
    ]
    mark = PhaseMark("after-consent", T0 + count * 0.05 / 2, None, "accept_all")
    return Timeline("long", entries, [mark]), {i: ("error", ["rule"]) for i in cited}


def test_a_long_recording_is_drawn_as_bars_with_dots_for_cited_requests() -> None:
    count = DOTS_LIMIT * 5
    timeline, flags = _long(count, {7, 4321, count - 1})
    layout = layout_timeline(timeline, lambda e: "segment" if "segment" in e.url else "first-party", flags)
    assert layout.binned and layout.requests == count
    assert [(lane.cls, lane.count) for lane in layout.lanes] == [
        ("segment", count - count // 3 - 1),
        ("first-party", count // 3 + 1),
    ]
    assert sum(b.count for b in layout.bins) == count
    columns = (PLOT_RIGHT - PLOT_LEFT) / BIN_WIDTH + 1
    assert len(layout.bins) <= len(layout.lanes) * columns
    assert all(PLOT_LEFT <= b.x <= PLOT_RIGHT and b.height >= 2 for b in layout.bins)
    assert sorted(m.index for m in layout.marks) == [7, 4321, count - 1]
    assert all(m.flag == "error" for m in layout.marks)
    html = render_html(
        Report(tool=ToolInfo(version="0.1.0"), scenarios=[ScenarioResult.judged("long", [])]),
        {"long": timeline},
    )
    assert html.count('<rect class="bin"') == len(layout.bins)
    assert html.count('<circle class="mark"') == 0  # no finding cites anything here


def test_cited_dots_are_capped_errors_first() -> None:
    count = DOTS_LIMIT + 1
    timeline, flags = _long(count, set(range(count)))
    flags[count - 1] = ("warning", ["rule"])
    flags[0] = ("warning", ["rule"])
    layout = layout_timeline(timeline, lambda e: "first-party", flags)
    assert len(layout.marks) == MAX_CITED_DOTS
    assert {m.flag for m in layout.marks} == {"error"}


def test_a_long_recording_lists_a_sample_with_every_cited_request() -> None:
    count = ROWS_LIMIT * 3
    timeline, _ = _long(count, set())
    cited = {FIRST_ROWS + 100, count - 1}
    listing = list_requests(timeline, cited)
    listed = [e.index for e in listing.entries]
    middle = count // 2
    assert listed[:FIRST_ROWS] == list(range(FIRST_ROWS))
    assert set(range(middle - AROUND_MARK, middle + AROUND_MARK)) <= set(listed)  # around the mark
    assert cited <= set(listed) and len(listed) == FIRST_ROWS + 2 * AROUND_MARK + 2
    assert sum(listing.gaps) + listing.after + len(listed) == count == listing.total
    assert listing.after == 0 and listing.gaps[listed.index(FIRST_ROWS + 100)] == 100
    short = list_requests(_long(ROWS_LIMIT, set())[0], set())
    assert len(short.entries) == ROWS_LIMIT and short.left_out == 0


def test_a_long_recording_links_every_finding_and_checklist_entry_to_its_row() -> None:
    count = ROWS_LIMIT * 3
    timeline, _ = _long(count, set())
    finding = Finding(
        rule="segment-before-consent",
        message="late",
        evidence=[EvidenceRef(entry=count - 2, url=timeline.entries[count - 2].url)],
    )
    item = ChecklistItem(
        id="sdk-waits",
        question="Does the SDK wait for consent?",
        answer="no",
        evidence=[EvidenceRef(entry=count - 5, url=timeline.entries[count - 5].url)],
    )
    report = Report(
        tool=ToolInfo(version="0.1.0"), scenarios=[ScenarioResult.judged("long", [finding])], checklist=[item]
    )
    html = render_html(report, {"long": timeline})
    assert f'href="#s1-long-e{count - 2}"' in html and f'id="s1-long-e{count - 2}"' in html
    assert f'href="#s1-long-e{count - 5}"' in html and f'id="s1-long-e{count - 5}"' in html
    assert html.count('<tr id="s1-long-e') < ROWS_LIMIT
    assert f"of {count:,} listed" in html and "requests not listed" in html


def test_the_window_of_doubt_is_drawn_between_its_earliest_and_latest_moment() -> None:
    timeline = _accept_timeline()
    timeline.marks = [ReadMark("after-consent", T0 + 0.5, source="inferred", latest=T0 + 1.4, latest_entry=1)]
    layout = layout_timeline(timeline, lambda e: "first-party")
    (window,) = layout.windows
    assert window.x0 < layout.marks[1].x == window.x1
    assert "the click happened between" in window.title
    assert layout.lines[-1].inferred


def test_screenshots_are_embedded_and_missing_ones_explained(tmp_path: Path) -> None:
    png = tmp_path / "before-consent.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    bogus = tmp_path / "after-consent.png"
    bogus.write_text("not an image")
    report, timelines = sample()
    shots = {
        "reject_analytics": {
            "before-consent": png,
            "after-consent": bogus,
            "after-revoke": tmp_path / "gone.png",
        }
    }
    html = render_html(report, timelines, shots)
    assert html.count("data:image/png;base64,iVBORw0KGgo") == 1
    assert "after-consent.png is not a PNG or JPEG image" in html
    assert "not readable" in html


def test_checklist_evidence_links_to_the_scenario_that_holds_the_entry() -> None:
    report, timelines = sample()
    html = render_html(report, timelines, {})
    checklist = html.split('id="checklist"', 1)[1].split("</section>", 1)[0]
    assert 'href="#s1-reject-analytics-e8"' in checklist
    assert 'href="#s2-revoke-e6"' in checklist


def test_without_timelines_the_report_still_renders(tmp_path: Path) -> None:
    report, _ = sample()
    path = write_html(tmp_path / "out" / "report.html", report)
    html = path.read_text(encoding="utf-8")
    assert html.count("No recording is available") == len(report.scenarios)
    assert html.count('class="finding ') == sum(len(s.findings) for s in report.scenarios)


def _shop_screenshots(page: Page, folder: Path) -> dict[str, Path]:
    """Phase screenshots of a small fake shop, taken by the real browser."""
    banner = """<div style="position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;
      padding:22px 28px;font:18px sans-serif">We use cookies for analytics and marketing.
      <button>Accept all</button> <button>Reject</button> <button>Preferences</button></div>"""
    shop = """<body style="margin:0;font:20px sans-serif">
      <header style="background:#0b7285;color:#fff;padding:18px 28px;font-size:24px">Demo shop</header>
      <main style="padding:10px 28px"><h1>Running shoes</h1><p>Trail runner · 89 EUR</p>
      <button style="font-size:20px">Add to cart</button></main>{}</body>"""
    shots = {}
    for phase, extra in (("before-consent", banner), ("after-consent", "")):
        page.set_content(shop.format(extra))
        shots[phase] = folder / f"{phase}.png"
        page.screenshot(path=str(shots[phase]))
    return shots


@pytest.mark.e2e
def test_report_in_chromium(tmp_path: Path, playwright: Playwright) -> None:
    report, timelines = sample()
    choice = find_browser(playwright)
    browser = playwright.chromium.launch(executable_path=choice.executable, args=launch_args(None))
    try:
        shot_page = browser.new_page(viewport={"width": 900, "height": 560})
        shots = {"reject_analytics": _shop_screenshots(shot_page, tmp_path)}
        shot_page.close()
        path = write_html(tmp_path / "report.html", report, timelines, shots)

        page = browser.new_page(viewport={"width": 1360, "height": 900})
        problems: list[str] = []
        requested: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("request", lambda r: requested.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")

        assert problems == []
        assert all(u.startswith(("file:", "data:")) for u in requested), requested
        assert page.locator("#verdict").inner_text() == "ERROR"  # an unjudged scenario wins
        for view_id, scenario in (
            ("#s1-reject-analytics", "reject_analytics"),
            ("#s2-revoke", "revoke"),
            ("#s3-accept-all", "accept_all"),
        ):
            timeline = timelines[scenario]
            section = page.locator(view_id)
            assert section.locator("svg.timeline circle.mark").count() == len(timeline.entries)
            phases = section.locator("svg.timeline g.phase-line")
            assert phases.count() == len(timeline.marks) + 1
            assert phases.first.get_attribute("data-phase") == "before-consent"
            expected = len(next(s for s in report.scenarios if s.name == scenario).findings)
            assert section.locator("table.findings tr.finding").count() == expected
        assert page.locator("#s4-no-decision .error-box").is_visible()
        revoke_lines = page.locator("#s2-revoke g.phase-line")
        assert [revoke_lines.nth(i).get_attribute("data-phase") for i in range(3)] == [
            "before-consent",
            "after-consent",
            "after-revoke",
        ]

        # Screenshots are real decoded images, not broken placeholders.
        widths = page.locator("#s1-reject-analytics .shots img").evaluate_all(
            "imgs => imgs.map(i => i.naturalWidth)"
        )
        assert widths == [900, 900]

        # A dot is a link to its request row, which lives in a closed <details> until clicked.
        row = page.locator("#s1-reject-analytics-e8")
        assert not row.is_visible()
        page.locator('#s1-reject-analytics circle.mark[data-entry="8"]').click()
        assert row.is_visible()
        title = page.locator('#s1-reject-analytics circle.mark[data-entry="8"] title').text_content() or ""
        assert "https://api.segment.io/v1/p" in title and "+0.520 s" in title

        page.locator("#s1-reject-analytics").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "report-top.png"))
        page.screenshot(path=str(tmp_path / "report-full.png"), full_page=True)
        assert (tmp_path / "report-full.png").stat().st_size > 10_000
    finally:
        browser.close()


def test_control_characters_from_the_site_never_reach_the_html() -> None:
    from probe.report.html import _inert

    assert _inert("\x1b[31mRED\x07 ok\ttab\n") == "\ufffd[31mRED\ufffd ok\ttab\n"
    drawn = _inert(Markup("<b>\x1b</b>"))
    assert isinstance(drawn, Markup) and drawn == "<b>\ufffd</b>"  # still markup, never escaped again
    assert _inert(3) == 3
