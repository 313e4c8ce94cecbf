"""A fixed-seed sample of benchmarks/fuzz_replay.py: hostile evidence never crashes or hangs replay.

The full run (20,000 inputs) is a benchmark; this is the slice CI affords. Each input is replayed in a
worker process through ``probe.cli.main`` with a 60 s hang guard; a few go through the installed command.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

FUZZER = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_replay.py"


def load_fuzzer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_replay", FUZZER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_replay"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_two_hundred_mutated_inputs_give_no_crash_and_no_hang(tmp_path: Path) -> None:
    fuzz = load_fuzzer()
    # a hang guard, not a speed check: a busy CI machine may take seconds to start the command
    summary = fuzz.run(seed=20261130, count=200, workers=2, timeout=60.0, cli_every=50, keep=tmp_path)
    assert summary.count == 200 and summary.cli_runs == 4
    assert summary.crashes == []
    assert summary.hangs == []
    assert set(summary.codes) <= {"0", "1", "2"} and summary.codes["2"] > 0  # some were refused


def test_the_fuzzer_sees_a_crash_when_there_is_one() -> None:
    fuzz = load_fuzzer()
    assert fuzz.judge_outcome({"code": 2, "stderr": "probe: x.har: not a HAR file\n"}) is None
    assert fuzz.judge_outcome({"code": 1, "stderr": "  note: a\n  note: b\n"}) is None
    assert fuzz.judge_outcome({"code": "traceback", "stderr": "Traceback (most recent call last):"})
    assert fuzz.judge_outcome({"code": 2, "stderr": "probe: internal error: KeyError (traceback in x)\n"})
    assert fuzz.judge_outcome({"code": 2, "stderr": "line one\nline two\n"})
    assert fuzz.judge_outcome({"code": 3, "stderr": ""})


def test_inputs_are_the_same_for_the_same_seed() -> None:
    fuzz = load_fuzzer()
    assert fuzz.generate(5, 17) == fuzz.generate(5, 17)
    labels = {fuzz.generate(5, i)[0].split(": ")[1] for i in range(60)}
    assert {"json", "bytes"} <= labels and any("gzip" in label for label in labels)
