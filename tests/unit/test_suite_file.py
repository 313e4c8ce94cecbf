"""Suite files: validation errors name the file, line and field; defaults expand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probe.suite import Suite, SuiteError, load_suite

ONETRUST = Path(__file__).resolve().parents[1] / "sites" / "cmp" / "onetrust" / "suite.yaml"

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
    (tmp_path / "site").mkdir()
    suite = load_suite(
        write(tmp_path, BASE + "offline:\n  routes:\n    - {url: 'https://shop.test/', dir: site}\n")
    )
    assert suite.offline is not None
    assert suite.offline.routes[0].dir == (tmp_path / "site").resolve()


# -- standard scenarios through the suite's own category names ---------------------------------------


@pytest.fixture
def onetrust_standard(tmp_path: Path) -> Path:
    """The OneTrust fixture suite (group ids as categories) listing only standard scenario names."""
    text = ONETRUST.read_text()
    (tmp_path / "site").symlink_to(ONETRUST.parent / "site")  # its routes are relative to the suite
    return write(
        tmp_path, text[: text.index("scenarios:")] + "scenarios: [accept_all, reject_analytics, revoke]\n"
    )


def test_standard_scenarios_map_through_vendor_categories_to_group_ids(onetrust_standard: Path) -> None:
    suite = load_suite(onetrust_standard)
    # C0002 governs analytics, C0004 marketing; C0003 governs neither, so it is left out (refused)
    assert suite.scenario("reject_analytics").decision == {"C0002": False, "C0004": True}
    assert suite.scenario("revoke").decision == "accept_all"
    assert suite.scenario("revoke").revoke == {"C0002": False, "C0004": False}
    assert suite.resolve(suite.scenario("reject_analytics").decision) == {
        "C0001": True,
        "C0002": False,
        "C0003": False,
        "C0004": True,
    }
    # the resolved suite.json of the evidence names real categories, and reads back unchanged
    dumped = json.loads(suite.model_dump_json())
    assert [s["decision"] for s in dumped["scenarios"]][1] == {"C0002": False, "C0004": True}
    assert Suite.model_validate(dumped).scenarios == suite.scenarios


def test_default_standard_scenarios_are_mapped_too() -> None:
    suite = Suite.model_validate(
        {
            "name": "t",
            "start_url": "https://x.test/",
            "categories": {
                "C0001": {"required": True},
                "C0002": {"vendor_categories": ["analytics"]},
                "C0004": {"vendor_categories": ["marketing"]},
            },
        }
    )
    assert suite.scenario("reject_analytics").decision == {"C0002": False, "C0004": True}


def test_one_vendor_category_in_several_categories_chooses_them_all(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
name: t
start_url: https://shop.test/
categories:
  stats: {vendor_categories: [analytics]}
  heatmaps: {vendor_categories: [analytics]}
  ads: {vendor_categories: [marketing]}
scenarios: [reject_analytics]
""",
    )
    assert load_suite(path).scenario("reject_analytics").decision == {
        "stats": False,
        "heatmaps": False,
        "ads": True,
    }


def test_a_standard_name_nothing_governs_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
name: t
start_url: https://shop.test/
categories:
  C0001: {required: true}
  C0002: {vendor_categories: [analytics]}
scenarios:
  - accept_all
  - reject_analytics
""",
    )
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value) == (
        f"{path}:6: field scenarios: Value error, scenario 'reject_analytics' chooses unknown "
        "categories ['marketing']: neither a category of this suite nor in any category's vendor_categories"
    )


def test_refusing_what_only_a_required_category_governs_is_an_error(tmp_path: Path) -> None:
    # granting it is harmless (required categories are always granted); refusing it cannot be done
    base = "name: t\nstart_url: https://s.test/\ncategories:\n  core: {required: true, vendor_categories: [analytics]}\n  ads: {vendor_categories: [marketing]}\n"
    granted = load_suite(
        write(tmp_path, base + "scenarios:\n  - {name: g, choose: {analytics: true, marketing: false}}\n")
    )
    assert granted.scenario("g").decision == {"ads": False}
    with pytest.raises(
        SuiteError,
        match=r"scenario 'reject_analytics' refuses 'analytics', but only required categories \['core'\] govern it",
    ):
        load_suite(write(tmp_path, base + "scenarios: [reject_analytics]\n"))


def test_a_mapped_key_skips_required_categories_it_shares(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: t\nstart_url: https://s.test/\ncategories:\n  core: {required: true, vendor_categories: [analytics]}\n"
        "  stats: {vendor_categories: [analytics]}\n  ads: {vendor_categories: [marketing]}\nscenarios: [revoke]\n",
    )
    assert load_suite(path).scenario("revoke").revoke == {"stats": False, "ads": False}


def test_two_keys_choosing_one_category_differently_is_an_error(tmp_path: Path) -> None:
    # Usercentrics-like: one category governs analytics and marketing, so reject_analytics cannot be said
    path = write(
        tmp_path,
        "name: t\nstart_url: https://s.test/\ncategories:\n  marketing: {vendor_categories: [analytics, marketing]}\n"
        "scenarios: [reject_analytics]\n",
    )
    with pytest.raises(
        SuiteError,
        match=r"scenario 'reject_analytics': 'analytics' and 'marketing' both choose category 'marketing', "
        r"one granting and one refusing it",
    ):
        load_suite(path)


# -- routes must exist ---------------------------------------------------------------------------------


ROUTES = (
    BASE
    + "offline:\n  routes:\n    - {url: 'https://cdn.test/a.js', file: a.js}\n    - url: 'https://shop.test/'\n      dir: site\n"
)


def test_routes_that_exist_load(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("1")
    (tmp_path / "site").mkdir()
    suite = load_suite(write(tmp_path, ROUTES))
    assert suite.offline is not None
    assert [r.file or r.dir for r in suite.offline.routes] == [tmp_path / "a.js", tmp_path / "site"]


def test_missing_route_file_names_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    path = write(tmp_path, ROUTES)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value) == f"{path}:9: field offline.routes.0.file: no such file {tmp_path / 'a.js'}"


def test_missing_route_dir_names_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("1")
    path = write(tmp_path, ROUTES)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value) == f"{path}:11: field offline.routes.1.dir: no such folder {tmp_path / 'site'}"


def test_a_folder_given_as_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.js").mkdir()
    (tmp_path / "site").mkdir()
    path = write(tmp_path, ROUTES)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value) == (
        f"{path}:9: field offline.routes.0.file: {tmp_path / 'a.js'} is a folder, not a file (use dir:)"
    )


def test_a_file_given_as_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("1")
    (tmp_path / "site").write_text("not a folder")
    path = write(tmp_path, ROUTES)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value) == (
        f"{path}:11: field offline.routes.1.dir: {tmp_path / 'site'} is a file, not a folder (use file:)"
    )


def test_replayed_suite_json_does_not_need_the_route_files() -> None:
    # routes are checked when a suite file is loaded, not when recorded evidence is judged elsewhere
    suite = Suite.model_validate(
        {
            "name": "t",
            "start_url": "https://shop.test/",
            "categories": {"a": {}},
            "scenarios": ["accept_all"],
            "offline": {"routes": [{"url": "https://shop.test/", "dir": "/nowhere/site"}]},
        }
    )
    assert suite.offline is not None and suite.offline.routes[0].dir == Path("/nowhere/site")


# -- URL-prefix sinks ----------------------------------------------------------------------------------


def test_sinks_may_be_hosts_or_url_prefixes(tmp_path: Path) -> None:
    suite = load_suite(
        write(
            tmp_path,
            BASE + "offline:\n  sinks: [api.shop.test, '*.pixel.test', 'https://www.shop.test/ingest/']\n",
        )
    )
    assert suite.offline is not None
    assert suite.offline.sinks == ["api.shop.test", "*.pixel.test", "https://www.shop.test/ingest/"]


@pytest.mark.parametrize(
    "sink",
    [
        "ftp://www.shop.test/x/",
        "https:///ingest/",
        "https://www.shop.test/i/?a=1",
        "https://*.shop.test/i/",
        "https://www.shop.test:99999/i/",
    ],
)
def test_malformed_url_prefix_sinks_are_refused_with_their_line(tmp_path: Path, sink: str) -> None:
    path = write(tmp_path, BASE + f"offline:\n  sinks:\n    - www.shop.test\n    - '{sink}'\n")
    with pytest.raises(
        SuiteError, match=r"suite.yaml:10: field offline.sinks.1: Value error, a URL-prefix sink"
    ):
        load_suite(path)


def test_replay_loads_a_suite_whose_routes_are_elsewhere(tmp_path: Path) -> None:
    # an auditor replaying evidence with the suite file needs its category mapping, not its site files
    suite = load_suite(write(tmp_path, ROUTES), routes_must_exist=False)
    assert suite.offline is not None and suite.offline.routes[1].dir == tmp_path / "site"


def test_resolve_maps_a_hand_written_choice_too(onetrust_standard: Path) -> None:
    # consent_capture.decided({...}) in a hand-written pytest test goes through resolve, not the loader
    suite = load_suite(onetrust_standard)
    assert suite.resolve({"analytics": True, "marketing": False}) == {
        "C0001": True,
        "C0002": True,
        "C0003": False,
        "C0004": False,
    }
    assert suite.resolve({"C0003": True}) == {"C0001": True, "C0002": False, "C0003": True, "C0004": False}
    with pytest.raises(ValueError, match=r"a choice chooses unknown categories \['ads'\]"):
        suite.resolve({"ads": True})


# -- hardening: caps, encodings, duplicates, ranges, names checked against probe's own lists ---------


REPO = Path(__file__).resolve().parents[2]


def refusal(tmp_path: Path, text: str | bytes, name: str = "suite.yaml") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message.removeprefix(str(path))


def test_every_suite_in_the_repository_still_loads() -> None:
    suites = [
        p
        for p in [*REPO.glob("scenarios/**/*.yaml"), *REPO.glob("tests/sites/**/*.yaml")]
        if "start_url" in p.read_text(encoding="utf-8")
    ]
    assert len(suites) >= 10
    for path in suites:
        load_suite(path, routes_must_exist=False)


def test_the_adapter_and_phase_lists_match_probes_own() -> None:
    from typing import get_args

    from probe.cmp import ADAPTERS
    from probe.suite import CMP_ADAPTERS, PhaseName
    from probe.timeline import PHASES

    assert sorted(CMP_ADAPTERS) == sorted([*ADAPTERS, "selectors", "auto"])
    assert get_args(PhaseName) == PHASES


def test_aliases_and_merge_keys_within_the_cap_are_fine(tmp_path: Path) -> None:
    text = BASE.replace("analytics: {segment: [analytics]}", "analytics: &cat {segment: [analytics]}")
    text += "actions:\n  - &buy {click: '#buy', page: every}\n  - *buy\ncmp:\n  <<: {adapter: klaro}\n  timeout_ms: 100\n"
    suite = load_suite(write(tmp_path, text))
    assert [a.click for a in suite.actions] == ["#buy", "#buy"] and suite.cmp.adapter == "klaro"


def test_a_bom_and_surrogate_pairs_are_read(tmp_path: Path) -> None:
    text = BASE.replace("name: t", 'name: "shop \\ud83d\\ude00"')
    suite = load_suite(write(tmp_path, "\ufeff" + text))
    assert suite.name == "shop \U0001f600"


def test_bad_bytes_are_an_error_with_offset_line_and_field(tmp_path: Path) -> None:
    message = refusal(tmp_path, (BASE + "pages: [https://shop.test/caf\xe9]\n").encode("latin-1"))
    assert message.startswith(":7: field pages: not valid UTF-8: byte 0xE9 at offset ")
    assert "(line 7, column 30)" in message


def test_a_lone_surrogate_is_an_error_and_the_message_stays_printable(tmp_path: Path) -> None:
    message = refusal(
        tmp_path, '{"name": "t", "start_url": "https://x/", "categories": {"\\udc00": {}}}', "s.json"
    )
    assert message.startswith(r":1: field categories.\udc00: holds a lone UTF-16 surrogate")
    message.encode("utf-8")  # no surrogate left in it


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    assert refusal(tmp_path, BASE + "settle_ms: 1\nsettle_ms: 2\n").startswith(
        ":8: field settle_ms: duplicate key 'settle_ms' (first at line 7)"
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("settle_ms: -1\n", ":7: field settle_ms: Input should be greater than or equal to 0"),
        (
            "settle_max_ms: 3600001\n",
            ":7: field settle_max_ms: Input should be less than or equal to 3600000",
        ),
        ("cmp: {timeout_ms: -5}\n", ":7: field cmp.timeout_ms: Input should be greater than or equal to 0"),
        ("cmp: {adapter: OneTrust}\n", ":7: field cmp.adapter: Value error, unknown CMP adapter 'OneTrust'"),
        ("actions:\n  - {click: '#a', phases: [after]}\n", ":8: field actions.0.phases.0: Input should be"),
        (
            "vendors:\n  Hotjarr: analytics\n",
            ":8: field vendors.Hotjarr: Value error, unknown vendor 'Hotjarr'",
        ),
        ("vendors:\n  hotjar: ads\n", ":8: field vendors.hotjar: vendor 'hotjar' is mapped to 'ads', not a"),
        (
            "actions:\n  - {click: 'div >> >> a'}\n",
            ":8: field actions.0.click: Value error, 'div >> >> a' is",
        ),
    ],
)
def test_values_probe_cannot_use_are_refused_at_load(tmp_path: Path, extra: str, expected: str) -> None:
    assert refusal(tmp_path, BASE + extra).startswith(expected)


def test_empty_categories_are_refused(tmp_path: Path) -> None:
    text = "name: t\nstart_url: https://shop.test/\ncategories: {}\n"
    assert refusal(tmp_path, text).startswith(":3: field categories: Dictionary should have at least 1 item")


@pytest.mark.parametrize(
    "selector",
    ["#a", "text=Accept all", "role=button[name='Accept all']", "xpath=//button", "//button[@id='x']",
     "button:has-text('OK')", "#banner >> text=OK >> nth=0", "label[for=marketing]", "'Accept'",
     "button:right-of(#x)", ":nth-match(:text('Buy'), 2)", "data-testid=accept", "internal:role=button"],
)  # fmt: skip
def test_playwright_selectors_are_accepted(tmp_path: Path, selector: str) -> None:
    text = BASE + f"actions:\n  - click: {json.dumps(selector)}\n"
    assert load_suite(write(tmp_path, text)).actions[0].click == selector


def test_caps_on_size_depth_and_aliases(tmp_path: Path) -> None:
    assert "larger than 1024 KiB (the suite size cap)" in refusal(tmp_path, BASE + "#" * 1_100_000 + "\n")
    assert refusal(tmp_path, BASE + "pages: " + "[" * 40 + "]" * 40 + "\n").startswith(
        ":7: nested deeper than 32 levels (the suite nesting cap)"
    )
    nested = f"pages: &a {'[' * 20}1{']' * 20}\nactions: {'[' * 14}*a{']' * 14}\n"  # 21 + 15 levels
    assert "nested deeper than 32 levels" in refusal(tmp_path, BASE + nested)  # counted through the alias
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)
    )
    assert "more than 100000 values once its YAML aliases are expanded" in refusal(tmp_path, bomb)


def test_a_recorded_suite_json_is_checked_with_file_and_field(tmp_path: Path) -> None:
    from probe.suite import check_suite_data

    text = (
        "{\n \"name\": \"t\",\n \"start_url\": \"https://x/\",\n \"categories\": {\"a\": {}},\n"
        " \"scenarios\": [\"accept_all\"],\n \"settle_ms\": -3\n}\n"
    )
    path = tmp_path / "suite.json"
    with pytest.raises(SuiteError) as err:
        check_suite_data(json.loads(text), path, text)
    assert str(err.value) == f"{path}:6: field settle_ms: Input should be greater than or equal to 0"
