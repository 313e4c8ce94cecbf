"""Suite files: validation errors name the file, line and field; defaults expand."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.suite import SuiteError, load_suite

BASE = """\
name: t
start_url: https://shop.test/
categories:
  necessary: {segment: [necessary], required: true}
  analytics: {segment: [analytics]}
  marketing: {segment: [marketing]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return path


def test_defaults_to_the_four_standard_scenarios(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, BASE))
    assert [s.name for s in suite.scenarios] == ["no_decision", "accept_all", "reject_analytics", "revoke"]
    assert suite.scenario("reject_analytics").decision == {"analytics": False, "marketing": True}
    assert suite.scenario("revoke").revoke == {"analytics": False, "marketing": False}
    assert len(suite.sha256 or "") == 64


def test_custom_choice_is_expressible(tmp_path: Path) -> None:
    suite = load_suite(
        write(tmp_path, BASE + "scenarios:\n  - {name: mine, choose: {analytics: true, marketing: false}}\n")
    )
    mine = suite.scenario("mine")
    assert (mine.decision, mine.via_preferences) == ({"analytics": True, "marketing": False}, True)
    resolved = suite.resolve(mine.decision)
    assert resolved == {"necessary": True, "analytics": True, "marketing": False}
    assert suite.expected_preferences(resolved) == {"necessary": True, "analytics": True, "marketing": False}


def test_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "settle_ms: soon\n")
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert (
        str(err.value)
        == f"{path}:7: field settle_ms: Input should be a valid integer, unable to parse string as an integer"
    )


def test_unknown_field_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "actions:\n  - click: '#buy'\n    colour: red\n")
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value) == f"{path}:9: field actions.0.colour: Extra inputs are not permitted"


def test_unknown_category_in_a_choice(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "scenarios:\n  - {name: x, choose: {ads: true}}\n")
    with pytest.raises(SuiteError, match=r"scenario 'x' chooses unknown categories \['ads'\]"):
        load_suite(path)


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    path = write(tmp_path, "name: [unclosed\n")
    with pytest.raises(SuiteError, match=r"suite.yaml:2: not valid YAML"):
        load_suite(path)
    with pytest.raises(SuiteError, match=r"cannot read suite file"):
        load_suite(tmp_path / "absent.yaml")


def test_routes_resolve_against_the_suite_folder(tmp_path: Path) -> None:
    suite = load_suite(
        write(tmp_path, BASE + "offline:\n  routes:\n    - {url: 'https://shop.test/', dir: site}\n")
    )
    assert suite.offline is not None
    assert suite.offline.routes[0].dir == (tmp_path / "site").resolve()
