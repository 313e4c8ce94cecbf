"""``probe merge``: judge the evidence folders of several run folders together, as one run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from probe.evidence import HarError
from probe.evidence.har_reader import is_scenario_folder
from probe.judge import Judged, judge_bundle
from probe.shards import report_order
from probe.suite import SuiteError

EVIDENCE = "evidence.har"


class MergeError(ValueError):
    """Run folders that cannot be merged (missing, overlapping): one line, exit 2."""


def run_bundles(run_dir: Path) -> list[Path]:
    """A run folder's evidence folders: <run>/<scenario>/ (one suite) or <run>/<suite>/<scenario>/."""
    if not run_dir.is_dir():
        raise MergeError(f"{run_dir}: no such run folder")
    if (run_dir / EVIDENCE).is_file():
        return [run_dir]
    found: list[Path] = []
    for child in sorted(p for p in run_dir.iterdir() if p.is_dir() and is_scenario_folder(p)):
        if (child / EVIDENCE).is_file():
            found.append(child)
        else:
            found.extend(
                sorted(p for p in child.iterdir() if p.is_dir() and is_scenario_folder(p) and (p / EVIDENCE).is_file())
            )
    if not found and not (run_dir / "report.json").is_file():
        # an empty shard still wrote its (empty) report; a folder with neither is a wrong path
        raise MergeError(f"{run_dir}: not a probe run folder (no report.json, no evidence.har below it)")
    return found


def judge_runs(run_dirs: Sequence[Path]) -> tuple[list[Judged], list[Path]]:
    """Every evidence folder of the run folders judged, in report order; refuses an item seen twice."""
    seen: dict[tuple[str, str], Path] = {}
    judged: list[Judged] = []
    bundles: list[Path] = []
    for run_dir in run_dirs:
        for bundle in run_bundles(run_dir):
            try:
                verdict = judge_bundle(bundle)
            except (HarError, SuiteError, OSError) as exc:
                raise MergeError(f"{bundle}: cannot be judged ({exc})") from exc
            key = (verdict.suite.name, verdict.result.name)
            if key in seen:
                raise MergeError(
                    f"suite {key[0]!r} scenario {key[1]!r} is in both {seen[key]} and {bundle}; "
                    "merge shards of one run, each item once"
                )
            seen[key] = bundle
            judged.append(verdict)
            bundles.append(bundle)
    order = sorted(range(len(judged)), key=lambda i: report_order(judged[i].suite, judged[i].result.name))
    return [judged[i] for i in order], [bundles[i] for i in order]
