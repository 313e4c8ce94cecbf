"""Mutation fuzzer for ``probe replay``: hostile HARs and evidence folders must end in 0, 1 or 2.

Takes the golden HARs in tests/golden/har/ (plain, gzip, malformed) and the probe bundle, and
mutates them: byte flips, truncations, garbage, wrong JSON types, deleted keys, huge and
escape-heavy strings, lone surrogate escapes, huge numbers, deep nesting, wide arrays, many entries,
invalid UTF-8, corrupt or bomb-like gzip, and broken suite.json / storage files in bundles. Each
input is replayed in a worker process through the function the CLI runs (``probe.cli.main``), with
a per-input timeout (the worker is killed and replaced on a hang); every ``--cli-every``-th input
also goes through the installed ``probe`` command.

A crash is a traceback, an exit code outside 0/1/2, an ``internal error`` line, or an exit 2 whose
cause is not exactly one line. Prints crashes, hangs (over ``--timeout`` s), exit-code counts, the
slowest input and the peak RSS of any worker; exits 1 when there was a crash or a hang.

    .venv/bin/python benchmarks/fuzz_replay.py --seed 1 --count 20000 [--workers 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import io
import json
import os
import random
import resource
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "har"
PROBE = Path(sys.executable).with_name("probe")
MEMORY_LIMIT = 3 * 1024**3  # per worker: a blow-up becomes a MemoryError (a crash), not a dead machine
PARENT_MEMORY_LIMIT = 4 * 1024**3  # the machine is shared: the fuzzer itself must never exhaust it

Files = dict[str, bytes]  # one HAR ("input.har" / "input.har.gz") or a bundle's files


# -- sources ----------------------------------------------------------------------------------------


def sources() -> list[tuple[str, Files]]:
    """(name, files) of every seed input: single HARs and the bundle."""
    found: list[tuple[str, Files]] = []
    for path in sorted([*GOLDEN.glob("*.har"), *GOLDEN.glob("*.har.gz"), *GOLDEN.glob("malformed/*")]):
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        found.append((path.name, {"input.har": raw}))
    bundle = {p.name: p.read_bytes() for p in (GOLDEN / "bundle").iterdir() if p.is_file()}
    found.append(("bundle", bundle))
    return found


# -- mutations --------------------------------------------------------------------------------------


def _paths(value: Any) -> list[tuple[Any, ...]]:
    """Key paths to mutate: not below 40 levels, and at most 20 items of a long list (no recursion)."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        prefix, node = stack.pop()
        out.append(prefix)
        if len(prefix) >= 40:
            continue
        if isinstance(node, dict):
            stack.extend(((*prefix, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*prefix, i), node[i]) for i in range(min(len(node), 20)))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return root


def _wrong_value(rng: random.Random) -> Any:
    return rng.choice(
        [None, True, False, 0, -1, 2**53, 1e308, -0.0, "", "x", [], {}, [None], {"": None}, "\u0000",
         "2026-13-45T99:99:99Z", "not a url", {"name": 1, "value": []}, [[]], "\ud800"]
    )  # fmt: skip


def _huge_string(rng: random.Random) -> str:
    size = rng.choice([10_000, 100_000, 1_000_000, rng.randrange(2_000_000, 6_000_000)])
    kind = rng.randrange(4)
    if kind == 0:
        return "a" * size
    if kind == 1:
        return 'é\n"\\\u2028' * (size // 5)  # every character an escape once dumped
    if kind == 2:
        return base64.b64encode(rng.randbytes(size * 3 // 4)).decode()
    return json.dumps({"type": "track", "context": {"consent": {"categoryPreferences": {"x": True}}}}) * (
        size // 80
    )


def _json_mutation(rng: random.Random, raw: bytes) -> bytes:
    """Parse, change one to three values structurally, dump (with escapes or raw UTF-8)."""
    try:
        doc = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return _byte_mutation(rng, raw)
    repeat = 1  # entries repeated last, when the document's size is known (copies share objects)
    for _ in range(rng.randint(1, 3)):
        paths = _paths(doc)
        path = rng.choice(paths)
        action = rng.randrange(9)
        if action == 0 and path:
            parent: Any = doc
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict):
                del parent[path[-1]]
            continue
        if action in (1, 2, 3):
            doc = _set(doc, path, _wrong_value(rng))
        elif action == 4:
            doc = _set(doc, path, _huge_string(rng))
        elif action == 5:
            depth = rng.choice([100, 300, 1000, 20_000])
            value: Any = 1
            for _ in range(depth):
                value = [value] if rng.random() < 0.7 else {"k": value}
            doc = _set(doc, path, value)
        elif action == 6:
            doc = _set(doc, path, [0] * rng.choice([1000, 100_000, 2_100_000]))
        elif action == 7:
            repeat = rng.choice([2, 50, 200])
        else:
            doc = _set(doc, path, rng.choice(["\\ud800", "\udc00", "\ud83d", "x\x00y", "\u202e", "\ufeff"]))
    ensure_ascii = rng.random() < 0.5
    try:
        text = json.dumps(doc, ensure_ascii=ensure_ascii)
    except (RecursionError, ValueError):
        return raw
    if repeat > 1 and len(text) * 2 <= MAX_INPUT:
        text = _repeat_entries(text, min(repeat, MAX_INPUT // max(len(text), 1)))
    return text.encode("utf-8", "surrogatepass")


def _repeat_entries(text: str, times: int) -> str:
    """The HAR with its entries array written ``times`` times over (textually: bounded, no sharing)."""
    try:
        doc = json.loads(text)
        entries = doc["log"]["entries"]
        assert isinstance(entries, list) and entries
    except (ValueError, TypeError, KeyError, AssertionError, RecursionError):
        return text
    one = json.dumps(entries)[1:-1]
    doc["log"]["entries"] = "@@ENTRIES@@"
    return json.dumps(doc).replace('"@@ENTRIES@@"', "[" + ", ".join([one] * times) + "]", 1)


def _byte_mutation(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        if not data:
            break
        at = rng.randrange(len(data))
        action = rng.randrange(7)
        if action == 0:
            data[at] = rng.randrange(256)
        elif action == 1:
            del data[at:]
        elif action == 2:
            data[at:at] = rng.randbytes(rng.randint(1, 16))
        elif action == 3:
            del data[at : at + rng.randint(1, 64)]
        elif action == 4:
            data[at:at] = rng.choice(
                [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x00"]
            )
        elif action == 5:
            start = rng.randrange(len(data))
            data[at:at] = data[start : start + rng.randint(1, 4096)]
        else:
            data[at:at] = rng.choice(
                [b"\\ud800", b'"' * 3, b"[" * 5000, b"1" * 10_000, b"1e99999", b"-", b"\\"]
            )
    return bytes(data)


def _gzip_mutation(rng: random.Random, raw: bytes) -> bytes:
    if rng.random() < 0.25:  # a small bomb: blanks expand a thousandfold
        raw = raw.replace(b"[", b"[" + b" " * rng.choice([1_000_000, 20_000_000]), 1)
    packed = bytearray(gzip.compress(raw, rng.choice([1, 6, 9])))
    action = rng.randrange(5)
    if action == 0 and len(packed) > 20:
        packed[rng.randrange(10, len(packed))] ^= 1 << rng.randrange(8)
    elif action == 1:
        del packed[rng.randrange(2, len(packed)) :]
    elif action == 2:
        packed += rng.randbytes(rng.randint(1, 32))
    elif action == 3:
        packed += gzip.compress(raw[: len(raw) // 2])
    return bytes(packed)


# Judging costs ~0.2 ms an entry (a real 100 MB HAR of 100k entries takes ~25 s), so a 10 s hang
# limit holds for inputs of at most 16 MB; larger ones are mutated again (their cost is linear, see
# benchmarks/har_throughput.py, and the reading caps have their own tests).
MAX_INPUT = 16 * 1024 * 1024


def generate(seed: int, index: int) -> tuple[str, Files]:
    """Input number ``index`` of a run: the same for the same seed, in any process."""
    rng = random.Random(f"{seed}:{index}")
    seeds = _SOURCES or _SOURCES.extend(sources()) or _SOURCES
    while True:
        name, files = rng.choice(seeds)
        label, mutated = mutate(rng, name, files)
        if sum(len(d) for d in mutated.values()) <= MAX_INPUT:
            return label, mutated


_SOURCES: list[tuple[str, Files]] = []


def mutate(rng: random.Random, name: str, files: Files) -> tuple[str, Files]:
    """One mutated input: (what was done, its files)."""
    files = dict(files)
    target = "evidence.har" if "evidence.har" in files else "input.har"
    roll = rng.random()
    if name == "bundle" and roll < 0.3:
        victim = rng.choice([n for n in files if n.endswith(".json")] + ["evidence.har"])
        if rng.random() < 0.15:
            del files[victim]
            return f"bundle: {victim} removed", files
        files[victim] = (
            _json_mutation(rng, files[victim]) if rng.random() < 0.6 else _byte_mutation(rng, files[victim])
        )
        return f"bundle: {victim} mutated", files
    kind = "json" if roll < 0.55 else "bytes"
    files[target] = (
        _json_mutation(rng, files[target]) if kind == "json" else _byte_mutation(rng, files[target])
    )
    if rng.random() < 0.2:
        files[target] = _gzip_mutation(rng, files[target])
        kind += "+gzip"
        if target == "input.har":
            files["input.har.gz"] = files.pop("input.har")
    return f"{name}: {kind}", files


# -- one replay, in a worker ------------------------------------------------------------------------


def replay_once(folder: Path, files: Files, via_cli: bool, timeout: float) -> dict[str, Any]:
    """Write the input, replay it (in-process, or through the installed command); the outcome."""
    evidence = folder / "evidence"
    evidence.mkdir()
    for name, data in files.items():
        (evidence / name).write_bytes(data)
    target = evidence if "evidence.har" in files or "suite.json" in files else evidence / next(iter(files))
    args = ["replay", str(target), "--out", str(folder / "out")]
    if via_cli:
        try:
            done = subprocess.run([str(PROBE), *args], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"code": "hang", "stderr": ""}
        return {"code": done.returncode, "stderr": done.stderr}
    from probe.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main.main(args=args, prog_name="probe", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - exactly what the fuzzer is looking for
            return {"code": "traceback", "stderr": traceback.format_exc()}
    return {"code": code, "stderr": err.getvalue()}


def worker() -> None:
    """Read tasks (JSON lines) from stdin, answer each with one JSON line on stdout."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    sys.path.insert(0, str(ROOT))
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    for line in sys.stdin:
        task = json.loads(line)
        try:
            label, files = generate(task["seed"], task["id"])
        except (MemoryError, RecursionError) as exc:  # the fuzzer's own limit, not probe's
            skipped = {"code": "skipped", "stderr": type(exc).__name__, "seconds": 0, "peak_mb": 0}
            answers.write(json.dumps({"id": task["id"], "event": "done", "input": "?", **skipped}) + "\n")
            continue
        folder = Path(tempfile.mkdtemp(prefix="probe-fuzz-"))
        # the clock starts now: generating and writing the input is not probe's time
        answers.write(json.dumps({"id": task["id"], "event": "start", "input": label}) + "\n")
        started = time.perf_counter()
        try:
            outcome = replay_once(folder, files, task["cli"], task["timeout"])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        outcome["seconds"] = time.perf_counter() - started
        outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        answers.write(json.dumps({"id": task["id"], "event": "done", "input": label, **outcome}) + "\n")


# -- the pool ---------------------------------------------------------------------------------------


class Worker:
    """A worker process, killed and replaced when an input hangs it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        self.task: dict[str, Any] | None = None
        self.started = 0.0
        self.running = False  # the input is written and probe is on it (the clock runs)
        self.label = ""
        self.pending = b""  # read from the pipe, not yet a whole line

    def messages(self) -> list[dict[str, Any]] | None:
        """Every whole line the worker has written so far; None when it died.

        Read straight from the pipe: a buffered readline() could hold a second line where select()
        no longer sees it, and a finished input would look like a hang.
        """
        assert self.proc.stdout is not None
        data = os.read(self.proc.stdout.fileno(), 1 << 16)
        if not data:
            return None
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def send(self, task: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.task, self.started, self.running = task, time.monotonic(), False
        self.proc.stdin.write(json.dumps(task) + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@dataclass
class Summary:
    """What a fuzzing run found."""

    count: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    crashes: list[dict[str, Any]] = field(default_factory=list)
    hangs: list[dict[str, Any]] = field(default_factory=list)
    peak_mb: float = 0.0
    peak_input: str = ""
    slowest: tuple[float, str] = (0.0, "")
    cli_runs: int = 0
    seconds: float = 0.0


def judge_outcome(outcome: dict[str, Any]) -> str | None:
    """Why an outcome is a crash, or None."""
    code, stderr = outcome["code"], outcome.get("stderr", "")
    if code == "traceback" or "Traceback (most recent call last)" in stderr:
        return "traceback"
    if code not in (0, 1, 2):
        return f"exit code {code}"
    if "internal error" in stderr:
        return "internal error"
    if code == 2 and len([line for line in stderr.splitlines() if line.strip()]) != 1:
        return "exit 2 without exactly one line"
    return None


def run(
    seed: int,
    count: int,
    workers: int = 2,
    timeout: float = 10.0,
    cli_every: int = 100,
    keep: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Fuzz ``count`` inputs; every ``cli_every``-th through the installed command (0: none)."""
    summary = Summary()
    started = time.monotonic()
    pool = [Worker() for _ in range(workers)]
    chooser = selectors.DefaultSelector()
    for w in pool:
        chooser.register(w.proc.stdout, selectors.EVENT_READ, w)  # type: ignore[arg-type]
    next_id = 0

    def feed(w: Worker) -> None:
        nonlocal next_id
        if next_id < count:
            via_cli = bool(cli_every) and next_id % cli_every == cli_every - 1
            w.send({"id": next_id, "seed": seed, "cli": via_cli, "timeout": timeout})
            next_id += 1

    def record(kind: str, i: int, detail: dict[str, Any]) -> None:
        try:
            label, files = generate(seed, i)  # regenerated: the worker may be gone
        except (MemoryError, RecursionError):
            label, files = "?", {}
        entry = {"id": i, "input": label, **detail}
        if keep is not None:
            folder = keep / f"{kind}-{seed}-{i}"
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                (folder / name).write_bytes(data)
            entry["saved"] = str(folder)
        (summary.crashes if kind == "crash" else summary.hangs).append(entry)

    def finished(w: Worker) -> None:
        summary.count += 1
        if progress and summary.count % 500 == 0:
            last = summary.crashes[-1] if summary.crashes else None
            latest = f" (latest: #{last['id']} {last['why']})" if last else ""
            progress(
                f"{summary.count}/{count} inputs, {len(summary.crashes)} crashes, {len(summary.hangs)} hangs"
                + latest
            )

    try:
        for w in pool:
            feed(w)
        while any(w.task is not None for w in pool):
            for key, _ in chooser.select(timeout=0.5):
                w = key.data
                messages = w.messages()
                if messages is None:  # the worker died (killed by the kernel, or a fatal error)
                    assert w.task is not None
                    record("crash", w.task["id"], {"why": f"worker died ({w.proc.poll()})"})
                    finished(w)
                    feed(_replace(pool, w, chooser))
                    continue
                for message in messages:
                    if message["event"] == "start":
                        w.running, w.started, w.label = True, time.monotonic(), message["input"]
                        continue
                    i = message["id"]
                    summary.cli_runs += bool(w.task and w.task["cli"])
                    summary.codes[str(message["code"])] += 1
                    if message["code"] == "skipped":
                        pass  # counted under its code; the input could not even be generated
                    elif message["code"] == "hang":
                        record("hang", i, {"why": f"the probe command ran over {timeout:g} s"})
                    elif (why := judge_outcome(message)) is not None:
                        record("crash", i, {"why": why, "stderr": message["stderr"][-2000:]})
                    if message["peak_mb"] > summary.peak_mb:
                        summary.peak_mb, summary.peak_input = message["peak_mb"], message["input"]
                    if message["seconds"] > summary.slowest[0]:
                        summary.slowest = (message["seconds"], message["input"])
                    w.task = None
                    finished(w)
                    feed(w)
            now = time.monotonic()
            for w in list(pool):
                # an in-process replay over the timeout is a hang; the installed command times itself
                limit = timeout + (10 if w.task and w.task["cli"] else 1)
                if w.task is not None and w.running and now - w.started > limit:
                    record("hang", w.task["id"], {"why": f"no answer within {timeout:g} s"})
                    finished(w)
                    feed(_replace(pool, w, chooser))
    finally:
        for w in pool:
            w.kill()
    summary.seconds = time.monotonic() - started
    return summary


def _replace(pool: list[Worker], dead: Worker, chooser: selectors.BaseSelector) -> Worker:
    chooser.unregister(dead.proc.stdout)
    dead.kill()
    fresh = Worker()
    pool[pool.index(dead)] = fresh
    chooser.register(fresh.proc.stdout, selectors.EVENT_READ, fresh)
    return fresh


def main() -> None:
    """Parse options, fuzz, print the summary; exit 1 on any crash or hang."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds before an input counts as a hang"
    )
    parser.add_argument(
        "--cli-every", type=int, default=100, help="every Nth input through the installed command"
    )
    parser.add_argument("--keep", type=Path, help="save crashing and hanging inputs here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    resource.setrlimit(resource.RLIMIT_AS, (PARENT_MEMORY_LIMIT, PARENT_MEMORY_LIMIT))
    summary = run(
        args.seed, args.count, args.workers, args.timeout, args.cli_every, args.keep, progress=print
    )
    print(
        f"inputs: {summary.count} ({summary.cli_runs} through the installed command) in {summary.seconds:.0f} s"
    )
    print("exit codes: " + ", ".join(f"{code}: {n}" for code, n in sorted(summary.codes.items())))
    print(f"crashes: {len(summary.crashes)}")
    for crash in summary.crashes[:20]:
        print(f"  #{crash['id']} {crash['input']}: {crash['why']} {crash.get('saved', '')}")
        for line in str(crash.get("stderr", "")).strip().splitlines()[-3:]:
            print(f"      {line}")
    print(f"hangs: {len(summary.hangs)}")
    for hang in summary.hangs[:20]:
        print(f"  #{hang['id']} {hang['input']}: {hang['why']} {hang.get('saved', '')}")
    print(f"peak RSS of a worker: {summary.peak_mb:.0f} MB ({summary.peak_input})")
    print(f"slowest input: {summary.slowest[0]:.2f} s ({summary.slowest[1]})")
    sys.exit(1 if summary.crashes or summary.hangs else 0)


if __name__ == "__main__":
    main()
