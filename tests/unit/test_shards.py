"""Shard selection: every (suite, scenario) item in exactly one shard, the same split everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.shards import Item, Shard, ShardError, check_names, parse_shard, select, suite_files
from probe.suite import Suite


def suite(name: str, scenarios: list[str]) -> Suite:
    return Suite.model_validate(
        {
            "name": name,
            "start_url": "https://shop.test/",
            "categories": {"necessary": {"segment": ["necessary"], "required": True}},
            "scenarios": [{"name": n, "decision": "accept_all"} if n != "no_decision" else n for n in scenarios],
        }
    )


def items() -> list[Item]:
    suites = [suite("beta", ["no_decision", "accept_all", "b1"]), suite("alpha", ["no_decision", "a1", "a2", "a3"])]
    return [Item(s, sc) for s in suites for sc in s.scenarios]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_every_item_is_in_exactly_one_shard(count: int) -> None:
    everything = items()
    shards = [select(everything, Shard(i, count)) for i in range(1, count + 1)]
    keys = [item.key for shard in shards for item in shard]
    assert sorted(keys) == sorted(item.key for item in everything)
    assert len(keys) == len(set(keys))
    # round-robin: shard sizes differ by one at most
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_the_split_depends_on_names_only_not_on_the_given_order() -> None:
    forward, backward = items(), list(reversed(items()))
    for index in (1, 2, 3):
        assert {i.key for i in select(forward, Shard(index, 3))} == {i.key for i in select(backward, Shard(index, 3))}
    # sorted by (suite, scenario) and dealt out: alpha/a1, alpha/a3, beta/accept_all, beta/no_decision
    assert [i.key for i in select(forward, Shard(1, 2))] == [
        ("beta", "no_decision"),
        ("beta", "accept_all"),
        ("alpha", "a1"),
        ("alpha", "a3"),
    ]


def test_a_shard_past_the_items_is_empty() -> None:
    assert select(items()[:2], Shard(5, 5)) == []


def test_no_shard_keeps_every_item_in_order() -> None:
    assert select(items(), None) == items()


@pytest.mark.parametrize("text", ["", "1", "0/2", "3/2", "1/0", "a/b", "-1/2", "1/2/3", "1.5/2"])
def test_bad_shard_values_are_refused(text: str) -> None:
    with pytest.raises(ShardError, match="--shard"):
        parse_shard(text)


def test_good_shard_values() -> None:
    assert parse_shard("1/1") == Shard(1, 1)
    assert parse_shard(" 2/4 ") == Shard(2, 4)
    assert str(parse_shard("2/4")) == "2/4"


def test_a_folder_is_its_yaml_suites_sorted(tmp_path: Path) -> None:
    for name in ("b.yml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub.yaml").mkdir()
    assert suite_files([tmp_path]) == [tmp_path / "a.yaml", tmp_path / "b.yml"]
    with pytest.raises(ShardError, match="no \\*.yaml"):
        suite_files([tmp_path / "sub.yaml"])


def test_suite_names_must_be_unique() -> None:
    with pytest.raises(ShardError, match="two suites are named 'x'"):
        check_names([suite("x", ["no_decision"]), suite("x", ["accept_all"])])


def test_the_ci_examples_are_valid_yaml() -> None:
    import yaml

    docs = Path(__file__).resolve().parents[2] / "docs" / "ci"
    github = yaml.safe_load((docs / "github-actions.yml").read_text(encoding="utf-8"))
    gitlab = yaml.safe_load((docs / "gitlab-ci.yml").read_text(encoding="utf-8"))
    shard_steps = " ".join(str(step.get("run", "")) for step in github["jobs"]["shard"]["steps"])
    assert "--shard ${{ matrix.shard }}/$SHARDS" in shard_steps
    assert len(github["jobs"]["shard"]["strategy"]["matrix"]["shard"]) == 4
    assert any("probe merge" in str(step.get("run", "")) for step in github["jobs"]["merge"]["steps"])
    assert gitlab["probe-shard"]["parallel"] == 4
    assert "--shard ${CI_NODE_INDEX}/${CI_NODE_TOTAL}" in " ".join(gitlab["probe-shard"]["script"])
    assert any("probe merge" in line for line in gitlab["probe-merge"]["script"])
