"""A 100k-request HAR replays into reports of bounded size: the HTML names every cited entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from probe.evidence import load_har
from probe.judge import Judged, build_report, judge_har, write_reports
from probe.report.html import stream_html
from probe.report.request_list import ROWS_LIMIT
from probe.report.timeline_svg import BIN_WIDTH, MAX_CITED_DOTS, PLOT_LEFT, PLOT_RIGHT

T0 = 1_795_946_400.0  # 2026-11-29 10:00:00 UTC
COUNT = 100_000
CONSENT = 60_000  # position of the consent event: cited requests before it lie far from it
UA = "Mozilla/5.0 Chrome/156.0"
CHOICE = {"necessary": True, "analytics": True, "marketing": False}


def _iso(seconds: float) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    clock = f"{whole // 3600 % 24 + 10:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{millis:03d}"
    return f"2026-11-29T{clock}Z"


def _event(name: str, consent: dict[str, bool] | None) -> str:
    context = {"consent": {"categoryPreferences": consent}} if consent else {}
    return json.dumps({"type": "track", "event": name, "context": context, "anonymousId": "a-1"})


def _entry(n: int) -> str:
    """The n-th request: mostly first-party images, a Segment event or a pixel now and then."""
    headers = [{"name": "user-agent", "value": UA}]
    request: dict[str, object] = {"method": "GET", "url": f"https://www.shop.example/img/{n % 300}.webp"}
    if n == CONSENT:
        request = {"method": "POST", "url": "https://api.segment.io/v1/t"}
        request["postData"] = {
            "mimeType": "text/plain",
            "text": _event("Segment Consent Preference Updated", CHOICE),
        }
    elif n % 1000 == 7:
        request = {"method": "POST", "url": "https://api.segment.io/v1/t"}
        decided = CHOICE if n > CONSENT else None
        request["postData"] = {"mimeType": "text/plain", "text": _event("Product Viewed", decided)}
    elif n % 500 == 250 and n > CONSENT:
        request = {"method": "GET", "url": f"https://www.facebook.com/tr?id=1234&ev=PageView&n={n}"}
    request["headers"] = headers
    response = {"status": 200, "headers": [], "content": {"size": 0, "mimeType": "image/webp"}}
    return json.dumps({"startedDateTime": _iso(n * 0.02), "request": request, "response": response})


@pytest.fixture(scope="module")
def big_har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "long-session.har"
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "WebInspector"}, "entries": [\n')
        out.write(",\n".join(_entry(n) for n in range(COUNT)))
        out.write("\n]}}\n")
    return path


@pytest.fixture(scope="module")
def judged(big_har: Path) -> Judged:
    return judge_har(big_har, None)


@pytest.fixture(scope="module")
def replayed(judged: Judged, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], str]:
    """report.json and report.html of the whole replay path (the CLI's, without the console)."""
    out = tmp_path_factory.mktemp("reports")
    paths = write_reports(out, build_report([judged], "big"), [judged])
    return json.loads(paths["json"].read_text(encoding="utf-8")), paths["html"].read_text(encoding="utf-8")


def test_repeated_headers_are_held_once(big_har: Path) -> None:
    entries = load_har(big_har).timeline.entries
    assert len(entries) == COUNT
    first, other = entries[1], entries[2]
    assert first.request_headers is other.request_headers  # one tuple for 100k identical header lists
    assert first.method is other.method
    assert not hasattr(first, "__dict__")  # slots: no per-entry dict


def test_the_html_report_stays_small_and_names_every_cited_entry(
    replayed: tuple[dict[str, object], str],
) -> None:
    report, html = replayed
    assert len(html.encode("utf-8")) <= 10 * 1024 * 1024
    (scenario,) = report["scenarios"]  # type: ignore[index]
    cited = {
        ref["entry"] for f in scenario["findings"] for ref in f["evidence"] if ref.get("entry") is not None
    }
    assert len(cited) > 50 and max(cited) > 50_000  # findings cite requests far into the recording
    rows = set(map(int, re.findall(r'<tr id="s1-[a-z0-9-]+-e(\d+)"', html)))
    assert cited <= rows
    assert ROWS_LIMIT < COUNT and len(rows) < 2 * ROWS_LIMIT  # a sample, not 100k rows
    for href in re.findall(r'class="entry-link" href="#([^"]+)"', html):
        assert f'id="{href}"' in html  # every evidence link has its row
    assert "requests not listed" in html and f"{COUNT:,} requests" in html


def test_the_timeline_has_a_bounded_number_of_elements(replayed: tuple[dict[str, object], str]) -> None:
    _, html = replayed
    svg = html.split('<svg class="timeline"', 1)[1].split("</svg>", 1)[0]
    lanes = svg.count('class="lane-label"')
    bins = svg.count('<rect class="bin"')
    dots = svg.count('<circle class="mark"')
    columns = (PLOT_RIGHT - PLOT_LEFT) / BIN_WIDTH + 1
    assert 0 < bins <= lanes * columns and 0 < dots <= MAX_CITED_DOTS
    assert svg.count("<") < 6000
    assert 'class="ring ring-error"' in svg  # cited requests still stand out


def test_the_html_is_written_in_pieces(judged: Judged) -> None:
    report = build_report([judged], "big")
    pieces = stream_html(report, {judged.result.name: judged.timeline})
    sizes = [len(piece) for piece in pieces]
    assert len(sizes) > 1000 and max(sizes) < 1024 * 1024
