"""What a HAR, a page or a suite says reaches the console as inert text: no terminal control, no markup."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console

from probe.cli import main
from probe.findings import EvidenceRef, Finding, Report, ScenarioResult, ToolInfo
from probe.report import render_console
from probe.report.text import one_line, plain
from tests.conftest import SITES

ESC = "\x1b"
# clear screen, an OSC-8 hyperlink hiding its target, NUL, a right-to-left override and an isolate,
# and closing markup that rich would refuse to parse
NASTY = (
    f"{ESC}[2J{ESC}]8;;https://evil.test/{ESC}\\click{ESC}]8;;{ESC}\\\x00\u202etxt.exe\u2066[/x][bold]\u200f"
)
# anything a terminal acts on: C0 but newline, DEL, C1, bidi controls, line/paragraph separators
FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def entry(url: str, at: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "POST" if body else "GET", "url": url, "headers": []}
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    return {
        "startedDateTime": at,
        "time": 1,
        "request": request,
        "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": "text/plain"}},
    }


def nasty_har(path: Path) -> Path:
    event = {
        "type": "track",
        "event": f"Order {NASTY}",
        "messageId": "m1",
        "anonymousId": "a1",
        "timestamp": "2024-01-01T00:00:01Z",
        "properties": {"note": NASTY},
    }
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": f"tool{NASTY}", "version": "1"},
            "entries": [
                entry(f"https://shop.test/[/x]?q={NASTY}", "2024-01-01T00:00:00Z"),
                entry(f"https://api.segment.io/v1/t?{NASTY}", "2024-01-01T00:00:01Z", event),
                entry(f"https://connect.facebook.net/[/x]/{NASTY}", "2024-01-01T00:00:02Z"),
                entry(f"https://unknown-tracker.test/[/x]/{NASTY}", "2024-01-01T00:00:02Z"),
                entry(f"https://tracker{ESC}[31m.evil.test/", "2024-01-01T00:00:02Z"),  # a note names it
                entry("https://shop.test/consent", "2024-01-01T00:00:03Z"),
            ],
        }
    }
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


def probe_process(*args: object, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env.update(COLUMNS="400", XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run(
        [sys.executable, "-m", "probe", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def assert_inert(*outputs: str) -> None:
    for output in outputs:
        assert not FORBIDDEN.search(output), FORBIDDEN.findall(output)


def test_replay_prints_har_content_as_inert_readable_text(tmp_path: Path) -> None:
    har = nasty_har(tmp_path / "nasty.har")
    done = probe_process("replay", har, "--out", tmp_path / "out", "--decision-at", "5", tmp_path=tmp_path)
    assert done.returncode == 1, done.stderr  # the violations are still found and judged
    assert_inert(done.stdout, done.stderr)
    # still readable: the escapes are shown, the markup is printed as written
    assert "https://connect.facebook.net/[/x]/\\x1b[2J\\x1b]8;;https://evil.test/" in done.stdout
    assert "\\u202etxt.exe\\u2066[/x][bold]\\u200f" in done.stdout
    assert "pixel-before-consent" in done.stdout and "segment-before-consent" in done.stdout
    assert "https://tracker\\x1b[31m.evil.test/" in done.stderr  # the note about the skipped entry
    assert done.stdout.splitlines()[-1] == str((tmp_path / "out" / "report.json").resolve())
    # the report keeps the site's text as it was: escaping is for the terminal only
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    urls = {ref["url"] for s in report["scenarios"] for f in s["findings"] for ref in f["evidence"]}
    assert f"https://connect.facebook.net/[/x]/{NASTY}" in urls


def test_a_one_line_cause_quoting_a_hostile_name_stays_one_inert_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # an argument cannot hold NUL; everything else a terminal acts on, it can
    missing = tmp_path / f"gone{NASTY.replace(chr(0), '')}\nprobe: all good.har"
    result = CliRunner().invoke(main, ["replay", str(missing)], catch_exceptions=False)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith("probe: ") and line.endswith("all good.har: no such file")
    assert_inert(result.output)


@pytest.mark.e2e
def test_run_prints_a_hostile_page_url_as_text_and_keeps_the_evidence(tmp_path: Path) -> None:
    url = f"https://down.test/[/x]/{NASTY}"
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "inj",
                "start_url": url,
                "categories": {"necessary": {"required": True}, "analytics": {"segment": ["analytics"]}},
                "offline": {"routes": [{"url": "https://broken.test/", "dir": str(SITES / "broken")}]},
                "scenarios": ["no_decision"],
                "settle_ms": 200,
            }
        ),
        encoding="utf-8",
    )
    done = probe_process("run", suite, "--out", tmp_path / "out", tmp_path=tmp_path)
    assert done.returncode == 2, done.stderr  # the site is unreachable: probe could not judge
    assert_inert(done.stdout, done.stderr)
    assert "MarkupError" not in done.stderr and "Traceback" not in done.stderr
    (error_line,) = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert f"ERROR site unreachable: {plain(url)} answered HTTP 502" in error_line
    assert "[/x]" in error_line
    (run_dir,) = (tmp_path / "out").iterdir()
    verified = CliRunner().invoke(main, ["verify", str(run_dir / "no_decision")])
    assert verified.exit_code == 0, verified.output  # the scenario's evidence was written whole


def test_every_console_string_of_a_report_is_escaped() -> None:
    finding = Finding(
        rule="pixel-before-consent",
        severity="error",
        phase="before-consent",
        message=f"msg {NASTY}",
        evidence=[EvidenceRef(entry=1, url=f"https://x.test/{NASTY}")],
    )
    report = Report(
        tool=ToolInfo(version="0", browser=f"chromium {NASTY}"),
        suite=f"suite {NASTY}",
        scenarios=[
            ScenarioResult(name=f"ok{NASTY}", status="fail", findings=[finding]),
            ScenarioResult(name="broken", status="error", error=f"site unreachable {NASTY}"),
        ],
    )
    console = Console(record=True, width=400, force_terminal=False, file=io.StringIO())
    render_console(report, console)
    text = console.export_text()
    assert_inert(text)
    assert text.count("[/x][bold]") == 6  # suite, browser, scenario name, message, url, error


def test_plain_and_one_line() -> None:
    assert plain("a\x1b[2Jb\x00c\x9bd\u202ee\u2066f\u200fg\u2028h") == (
        "a\\x1b[2Jb\\x00c\\x9bd\\u202ee\\u2066f\\u200fg\\u2028h"
    )
    assert plain("[/x] ünïcödé 日本 ✓") == "[/x] ünïcödé 日本 ✓"
    assert one_line("two\nlines\r\nhere\ttab") == "two lines  here\\x09tab"


def test_megabyte_strings_are_cut_before_the_console_lays_them_out() -> None:
    # found by benchmarks/fuzz_replay.py: rich took 94 s and 1 GB to lay out a 2.5 MB URL
    from probe.report.text import MAX_CHARS, one_line, plain

    long = "https://shop.test/?" + "a" * 2_500_000
    for cut in (plain(long), one_line(long)):
        assert cut.startswith(long[:MAX_CHARS]) and len(cut) < MAX_CHARS + 60
        assert cut.endswith(f"… ({len(long) - MAX_CHARS} more characters)")
