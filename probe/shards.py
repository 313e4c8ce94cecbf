"""Which suites a run covers and which (suite, scenario) items one shard of it runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from probe.suite import Scenario, Suite, SuiteError, name_problem

SUITE_SUFFIXES = (".yaml", ".yml")


class ShardError(ValueError):
    """A bad --shard value, suite folder or suite set: one line, exit 2."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based): ``--shard 2/4``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class Item:
    """One scenario of one suite: the unit that shards share out."""

    suite: Suite
    scenario: Scenario

    @property
    def key(self) -> tuple[str, str]:
        """(suite name, scenario name): what makes an item the same on every machine."""
        return (self.suite.name, self.scenario.name)


def parse_shard(text: str) -> Shard:
    """``I/N`` with 1 <= I <= N; anything else is a ShardError."""
    index, slash, count = text.strip().partition("/")
    if not slash or not index.isdigit() or not count.isdigit():
        raise ShardError(f"--shard {text!r}: give I/N, such as 1/4 (shard I of N, counted from 1)")
    shard = Shard(int(index), int(count))
    if shard.count < 1 or not 1 <= shard.index <= shard.count:
        raise ShardError(f"--shard {text!r}: I must be between 1 and N, and N at least 1")
    return shard


def suite_files(paths: Sequence[Path]) -> list[Path]:
    """The suite files named: a file as given, a folder as every *.yaml / *.yml in it, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUITE_SUFFIXES)
            if not found:
                raise ShardError(f"{path}: a folder with no *.yaml or *.yml suite in it")
            files.extend(found)
        else:
            files.append(path)  # a missing file is told by load_suite, with its usual message
    return list(dict.fromkeys(files))  # the same file named twice is one suite, run once


def check_names(suites: Sequence[Suite]) -> None:
    """Several suites share a run folder by name: names must be unique and safe folder names."""
    seen: set[str] = set()
    for suite in suites:
        if suite.name in seen:
            raise ShardError(f"two suites are named {suite.name!r}; suite names must be unique in one run")
        seen.add(suite.name)
        problem = name_problem(suite.name)
        if problem is not None and len(suites) > 1:
            raise ShardError(f"suite name {suite.name!r} {problem} (it names the suite's evidence folder)")


def chosen_items(suites: Sequence[Suite], names: Sequence[str]) -> list[Item]:
    """Every scenario of every suite, or those named (each named one must exist in some suite)."""
    if not names:
        return [Item(s, sc) for s in suites for sc in s.scenarios]
    if len(suites) == 1:
        # one suite keeps the old contract: an unknown name is the suite's own one-line error
        return [Item(suites[0], suites[0].scenario(n)) for n in names]
    items = [Item(s, sc) for s in suites for n in names for sc in s.scenarios if sc.name == n]
    missing = [n for n in names if not any(i.scenario.name == n for i in items)]
    if missing:
        raise SuiteError(f"--scenario {missing[0]!r}: no suite of this run has such a scenario")
    return items


def select(items: Sequence[Item], shard: Shard | None) -> list[Item]:
    """The items of ``shard``, in their given order: round-robin over (suite, scenario) names sorted.

    Sorting by names alone makes the split the same on every machine and for every order the suites
    were given in; round-robin keeps shard sizes within one of each other.
    """
    if shard is None:
        return list(items)
    ranked = sorted({item.key for item in items})
    mine = {key for position, key in enumerate(ranked) if position % shard.count == shard.index - 1}
    return [item for item in items if item.key in mine]


def report_order(suite: Suite, scenario_name: str) -> tuple[str, int, str]:
    """Where a scenario sits in a report: suites by name, then the suite's own scenario order."""
    names = [s.name for s in suite.scenarios]
    position = names.index(scenario_name) if scenario_name in names else len(names)
    return (suite.name, position, scenario_name)
