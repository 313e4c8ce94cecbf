"""Malformed suites through the real CLI: exit 2, one line naming file, line and field, no browser.

Every file in ``suites/`` is listed in ``suites/expected.yaml`` with the line, field and cause
``probe run`` must print. That no browser starts is asserted structurally: Playwright is never
entered and the run folder is never made.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import playwright.sync_api
import pytest
import yaml
from click.testing import CliRunner

from probe.cli import main
from probe.suite_yaml import MAX_BYTES

SUITES = Path(__file__).resolve().parent / "suites"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((SUITES / "expected.yaml").read_text(encoding="utf-8"))
PROBE = Path(sys.executable).with_name("probe")


def test_every_fixture_has_an_expectation_and_there_are_at_least_50() -> None:
    files = {p.name for p in SUITES.iterdir() if p.name != "expected.yaml"}
    assert files == set(EXPECTED)
    assert len(files) >= 50


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Playwright entered, if ever (it must not be)."""
    entered: list[str] = []

    def refuse() -> Any:
        entered.append("sync_playwright")
        raise AssertionError("a browser was about to start")

    monkeypatch.setattr(playwright.sync_api, "sync_playwright", refuse)
    return entered


def check_refusal(stderr: str, path: Path, expected: dict[str, Any]) -> None:
    """One line: ``probe: FILE:LINE: field F: ...cause...``."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    where = f"{path}:{expected['line']}:" if expected["line"] is not None else f"{path}:"
    assert line.startswith(f"probe: {where} "), line
    if expected["field"] is not None:
        assert line.startswith(f"probe: {where} field {expected['field']}: "), line
    assert expected["cause"] in line, line
    assert "internal error" not in line and "Traceback" not in stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_malformed_suite_is_refused_before_any_browser(
    name: str, tmp_path: Path, no_browser: list[str]
) -> None:
    path = SUITES / name
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, (result.output, result.stderr)
    check_refusal(result.stderr, path, EXPECTED[name])
    assert not no_browser
    assert not out.exists()  # no run folder, so no evidence either


def test_an_oversized_suite_is_refused_unread(tmp_path: Path, no_browser: list[str]) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\npages:\n" + "  - https://shop.test/a-page-of-the-shop\n" * 40_000)
    assert path.stat().st_size > MAX_BYTES
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    expected = {
        "line": None,
        "field": None,
        "cause": "suite file is larger than 1024 KiB (the suite size cap)",
    }
    check_refusal(result.stderr, path, expected)
    assert not no_browser and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "name",
    ["cap-alias-bomb.yaml", "cap-deep-flow.yaml", "enc-latin1-value.yaml", "enc-lone-surrogate-key.json",
     "selector-click-unknown-engine.yaml", "vendor-unknown.yaml"],
)  # fmt: skip
def test_the_installed_command_exits_2_with_one_line(name: str, tmp_path: Path) -> None:
    path = SUITES / name
    out = tmp_path / "out"
    done = subprocess.run(
        [str(PROBE), "run", str(path), "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    check_refusal(done.stderr, path, EXPECTED[name])
    assert not out.exists()
