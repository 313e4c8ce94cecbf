"""``probe replay`` on hostile evidence: every cap is exit 2 with one line naming the file, the cap
and the option that raises it; the option raises it; a bad suite.json is one line naming its field."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe.evidence.limits import DEFAULT_LIMITS, current_limits

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
PROBE = Path(sys.executable).with_name("probe")
ENTRY = {
    "startedDateTime": "2026-01-01T00:00:00Z",
    "request": {"method": "GET", "url": "https://shop.test/x", "headers": []},
    "response": {"status": 200, "headers": []},
}


def replay(*args: str) -> Result:
    from probe.cli import main

    return CliRunner().invoke(main, ["replay", *args])


def one_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "internal error" not in lines[0]
    return lines[0]


def write(path: Path, log: dict[str, object]) -> Path:
    path.write_text(json.dumps({"log": log}))
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, tuple[Path, list[str], list[str]]]:
    """name -> (file, options that trip its cap, options that let it through)."""
    escapes = 'é\n"' * 150_000  # 1.8 MB of JSON escapes
    body = {**ENTRY, "request": {**ENTRY["request"], "method": "POST", "postData": {"text": escapes}}}
    bomb = tmp_path / "bomb.har.gz"
    # 20 MB of blanks: a thousandfold expansion that is quick to read once the cap is raised
    bomb.write_bytes(
        gzip.compress(b'{"log": {"entries": [' + b" " * 20_000_000 + json.dumps(ENTRY).encode() + b"]}}")
    )
    deep = tmp_path / "deep.har"
    deep.write_text('{"log": {"entries": [{"x": ' + "[" * 300 + "]" * 300 + "}]}}")
    return {
        "max-entries": (write(tmp_path / "many.har", {"entries": [ENTRY] * 30}), ["--max-entries", "20"], []),
        "max-string-mb": (write(tmp_path / "long.har", {"entries": [body]}), ["--max-string-mb", "1"], []),
        "max-ratio": (bomb, [], ["--max-ratio", "100000"]),
        "max-depth": (deep, [], ["--max-depth", "400"]),
        "max-values": (write(tmp_path / "wide.har", {"entries": [{**ENTRY, "_x": [0] * 5000}]}), ["--max-values", "1000"], []),
    }  # fmt: skip


CAP_NAMES = {
    "max-entries": "entry",
    "max-string-mb": "string length",
    "max-ratio": "gzip ratio",
    "max-depth": "nesting",
    "max-values": "values-per-entry",
}


@pytest.mark.parametrize("cap", sorted(CAP_NAMES))
def test_each_cap_is_exit_2_naming_file_cap_and_option(
    cap: str, hostile: dict[str, tuple[Path, list[str], list[str]]], tmp_path: Path
) -> None:
    path, tight, loose = hostile[cap]
    result = replay(str(path), "--out", str(tmp_path / "refused"), *tight)
    assert result.exit_code == 2
    line = one_line(result)
    assert line.startswith(f"probe: {path}: ")
    assert line.endswith(f"(the {CAP_NAMES[cap]} cap; raise it with probe replay --{cap})")
    assert not (tmp_path / "refused").exists()
    raised = replay(str(path), "--out", str(tmp_path / "raised"), *loose)
    # judged once the cap is raised: these recordings have no phase information, so inconclusive
    assert raised.exit_code == 2 and one_line(raised).startswith("probe: inconclusive"), raised.stderr
    assert (tmp_path / "raised" / "report.json").is_file()
    assert current_limits() == DEFAULT_LIMITS  # the options end with the command


def test_the_installed_command_refuses_a_gzip_bomb(
    hostile: dict[str, tuple[Path, list[str], list[str]]], tmp_path: Path
) -> None:
    path = hostile["max-ratio"][0]
    done = subprocess.run(
        [str(PROBE), "replay", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        f"probe: {path}: gzip data expands to more than 16 MB, over 200 times its compressed size "
    )
    assert line.endswith("(the gzip ratio cap; raise it with probe replay --max-ratio)")


def test_a_bad_suite_json_in_evidence_is_one_line_naming_file_and_field(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(GOLDEN / "bundle", bundle)
    suite = json.loads((bundle / "suite.json").read_text())
    suite["settle_ms"] = "soon"
    (bundle / "suite.json").write_text(json.dumps(suite, indent=1))
    result = replay(str(bundle), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    line = one_line(result)
    settle_line = 1 + (bundle / "suite.json").read_text().splitlines().index(' "settle_ms": "soon"')
    assert line.startswith(
        f"probe: {bundle / 'suite.json'}:{settle_line}: field settle_ms: Input should be a valid integer"
    )
