"""run_each, OrderedProgress and default_workers without a browser: a fake runner and Playwright."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from probe import interrupts
from probe.runner import parallel
from probe.runner.parallel import OrderedProgress, default_workers, run_each, visits
from probe.suite import Suite

WAIT_S = 30  # a generous bound on every hand-off between threads, so a bug fails instead of hanging


class FakeRunner:
    """What run_each uses of a Runner: ``progress`` and ``lane()``, which records the threads it served."""

    def __init__(self, emit: Callable[[str], None] | None = None) -> None:
        self.lines: list[str] = []
        self.progress: Callable[[str], None] = emit or self.lines.append
        self.lanes: list[tuple[str, object]] = []
        self.closed: list[str] = []

    @contextlib.contextmanager
    def lane(self, playwright: object) -> Iterator[None]:
        self.lanes.append((threading.current_thread().name, playwright))
        try:
            yield
        finally:
            self.closed.append(threading.current_thread().name)


@contextlib.contextmanager
def fake_playwright() -> Iterator[object]:
    yield "playwright"


def on_thread(body: Callable[[], object]) -> None:
    """Run ``body`` on a thread of its own (OrderedProgress knows the job by the calling thread)."""
    thread = threading.Thread(target=body)
    thread.start()
    thread.join(WAIT_S)
    assert not thread.is_alive()


def each(runner: FakeRunner, jobs: list[int], work: Callable[[int], bool], workers: int, **kw: Any) -> None:
    run_each(runner, jobs, work, workers, start_playwright=fake_playwright, **kw)  # type: ignore[arg-type]


# -- OrderedProgress ------------------------------------------------------------------------------------


def test_lines_come_out_in_job_order_whatever_finishes_first() -> None:
    out: list[str] = []
    progress = OrderedProgress(out.append, 3)

    def job(index: int, *lines: str, finish: bool = False) -> Callable[[], None]:
        def body() -> None:
            progress.start(index)
            for line in lines:
                progress(line)
            if finish:
                progress.finish(index)

        return body

    on_thread(job(2, "2a"))
    on_thread(job(1, "1a"))
    assert out == []  # not their turn: held
    on_thread(job(0, "0a"))
    assert out == ["0a"]  # the job whose turn it is streams live
    on_thread(job(2, "2b", finish=True))
    progress("no job")  # a line of no job (the proxy's own) goes out at once
    assert out == ["0a", "no job"]
    on_thread(job(0, "0b", finish=True))
    assert out == ["0a", "no job", "0b", "1a"]  # job 1's turn: its held lines out, job 2 waits for it
    on_thread(job(1, "1b"))
    assert out == ["0a", "no job", "0b", "1a", "1b"]  # now live
    on_thread(job(1, finish=True))
    assert out == ["0a", "no job", "0b", "1a", "1b", "2a", "2b"]


def test_release_all_lets_out_the_lines_of_jobs_finished_after_one_never_started() -> None:
    out: list[str] = []
    progress = OrderedProgress(out.append, 4)

    def job(index: int) -> Callable[[], None]:
        def body() -> None:
            progress.start(index)
            progress(f"{index} ran")
            progress.finish(index)

        return body

    on_thread(job(3))  # started first (the costliest), then the run stopped
    on_thread(job(0))
    assert out == ["0 ran"]  # job 1 never started: job 3's line is held behind it
    progress.release_all()
    assert out == ["0 ran", "3 ran"]
    progress.release_all()  # idempotent
    assert out == ["0 ran", "3 ran"]


# -- default_workers ------------------------------------------------------------------------------------

GIB = 1024**3


def machine(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, free_bytes: int | None, load: float | None = 0.0
) -> None:
    """Pretend to be a machine with ``cores`` usable cores, ``free_bytes`` free and a 1-minute ``load``."""
    if load is None:

        def unknown() -> tuple[float, float, float]:
            raise OSError("no load average here")

        monkeypatch.setattr(os, "getloadavg", unknown)
    else:
        monkeypatch.setattr(os, "getloadavg", lambda: (load, 0.0, 0.0))
    if cores is None:
        monkeypatch.delattr(os, "sched_getaffinity", raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda: None)
    else:
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
        monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the host's, not this process's: ignored

    def sysconf(name: str) -> int:
        if free_bytes is None:
            raise ValueError(name)
        return {"SC_AVPHYS_PAGES": free_bytes // 4096, "SC_PAGE_SIZE": 4096}[name]

    monkeypatch.setattr(os, "sysconf", sysconf)


@pytest.mark.parametrize(
    ("cores", "free_bytes", "jobs", "expected"),
    [
        (2, 64 * GIB, 4, 2),  # one per core
        (16, 64 * GIB, 40, parallel.MAX_DEFAULT_WORKERS),  # never more than four
        (16, 64 * GIB, 3, 3),  # never more than the jobs
        (16, 64 * GIB, 1, 1),
        (16, 64 * GIB, 0, 1),  # at least one
        (16, 2 * parallel.WORKER_BYTES + 1, 10, 2),  # as memory allows
        (16, parallel.WORKER_BYTES - 1, 10, 1),  # too little memory for even one: still one
        (1, 64 * GIB, 10, 1),
        (8, None, 10, parallel.MAX_DEFAULT_WORKERS),  # memory unknown: cores decide
        (None, 64 * GIB, 10, 1),  # cores unknown: one
    ],
)
def test_default_workers_bounds(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, free_bytes: int | None, jobs: int, expected: int
) -> None:
    machine(monkeypatch, cores, free_bytes)
    assert default_workers(jobs) == expected


@pytest.mark.parametrize(
    ("cores", "load", "expected"),
    [
        (2, 0.9, 2),  # less than a whole core busy: still every core
        (2, 1.0, 1),
        (2, 1.5, 1),
        (2, 17.5, 1),  # other work has every core: one, never none
        (8, 3.2, 4),  # four cores idle
        (8, 5.0, 3),
        (8, None, 4),  # load unknown: cores decide
    ],
)
def test_default_workers_leaves_the_cores_other_work_uses(
    monkeypatch: pytest.MonkeyPatch, cores: int, load: float | None, expected: int
) -> None:
    machine(monkeypatch, cores, 64 * GIB, load)
    assert default_workers(10) == expected


def test_costliest_scenarios_are_the_ones_with_more_phases_and_pages() -> None:
    suite = Suite.model_validate(
        {
            "name": "s",
            "start_url": "https://shop.test/",
            "pages": ["https://shop.test/", "https://shop.test/p"],
            "categories": {
                "necessary": {"required": True},
                "analytics": {"segment": ["analytics"]},
                "marketing": {"segment": ["marketing"]},
            },
            "scenarios": [
                "no_decision",
                "accept_all",
                "revoke",
                {"name": "back", "decision": "accept_all", "return_visit": True},
            ],
        }
    )
    assert [visits(suite, s) for s in suite.scenarios] == [3, 6, 9, 7]


# -- run_each -------------------------------------------------------------------------------------------


class Jobs:
    """Records which jobs ran on which thread; ``hold`` makes a job wait for an event first."""

    def __init__(self, result: Callable[[int], bool] = lambda _: True) -> None:
        self.lock = threading.Lock()
        self.ran: list[tuple[int, str]] = []
        self.started = {i: threading.Event() for i in range(20)}
        self.result = result

    def __call__(self, job: int) -> bool:
        with self.lock:
            self.ran.append((job, threading.current_thread().name))
        self.started[job].set()
        return self.result(job)

    @property
    def jobs(self) -> list[int]:
        return [job for job, _ in self.ran]


def test_every_job_runs_once_on_the_calling_thread_and_one_thread_per_other_lane() -> None:
    runner, work = FakeRunner(), Jobs()
    each(runner, list(range(7)), work, 3)
    assert sorted(work.jobs) == list(range(7))
    threads = {name for _, name in work.ran}
    assert threads <= {threading.current_thread().name, "probe-worker-1", "probe-worker-2"}
    # the calling thread keeps the runner's own browser; each other lane brings its own Playwright
    assert sorted(runner.lanes) == [("probe-worker-1", "playwright"), ("probe-worker-2", "playwright")]
    assert sorted(runner.closed) == ["probe-worker-1", "probe-worker-2"]
    assert runner.progress == runner.lines.append  # the runner's own progress is back


def test_no_more_lanes_than_jobs_and_one_lane_runs_in_order_without_threads() -> None:
    runner, work = FakeRunner(), Jobs()
    each(runner, [0, 1], work, 8)
    assert len(runner.lanes) == 1
    runner, work = FakeRunner(), Jobs()
    each(runner, [0, 1, 2], work, 1, cost=lambda job: job)
    assert work.ran == [(j, threading.current_thread().name) for j in (0, 1, 2)]
    assert runner.lanes == []


def test_the_costliest_jobs_start_first() -> None:
    both = threading.Barrier(2, timeout=WAIT_S)

    def result(job: int) -> bool:
        if job in (4, 5):  # the first two wait for each other: neither lane can take a third before
            both.wait()
        return True

    work = Jobs(result)
    each(FakeRunner(), [0, 1, 2, 3, 4, 5], work, 2, cost=lambda job: job)
    assert set(work.jobs[:2]) == {4, 5}
    assert sorted(work.jobs) == [0, 1, 2, 3, 4, 5]


def held_until_released(runner_lines: list[str], line: str) -> tuple[threading.Event, Callable[[str], None]]:
    """An event set when ``line`` reaches the runner's own progress (OrderedProgress let it out)."""
    released = threading.Event()

    def emit(text: str) -> None:
        runner_lines.append(text)
        if text == line:
            released.set()

    return released, emit


def test_a_false_stops_the_run_the_job_under_way_finishes_and_no_new_one_starts() -> None:
    lines: list[str] = []
    released, emit = held_until_released(lines, "1 waits")
    runner = FakeRunner(emit)

    def result(job: int) -> bool:
        if job == 0:
            assert work.started[1].wait(WAIT_S)
            return False  # as a folder that cannot be written does
        if job == 1:
            runner.progress("1 waits")  # held behind job 0 until it has finished, after the stop
            assert released.wait(WAIT_S)
        return True

    work = Jobs(result)
    each(runner, list(range(6)), work, 2)
    assert sorted(work.jobs) == [0, 1]
    assert lines == ["1 waits"]


def test_an_exception_in_a_lane_is_raised_after_every_lane_stopped() -> None:
    lines: list[str] = []
    released, emit = held_until_released(lines, "1 waits")
    runner = FakeRunner(emit)
    finished: list[int] = []

    def result(job: int) -> bool:
        if job == 0:
            assert work.started[1].wait(WAIT_S)
            raise RuntimeError("a bug in probe")
        if job == 1:
            runner.progress("1 waits")
            assert released.wait(WAIT_S)
            finished.append(job)
        return True

    work = Jobs(result)
    with pytest.raises(RuntimeError, match="a bug in probe"):
        each(runner, list(range(6)), work, 2)
    assert sorted(work.jobs) == [0, 1]
    assert finished == [1]  # the other lane's job ran to its end before run_each raised
    assert runner.progress == emit
    assert sorted(runner.closed) == ["probe-worker-1"]


def test_a_lane_whose_playwright_cannot_start_stops_the_run_with_its_error() -> None:
    runner, work = FakeRunner(), Jobs()

    @contextlib.contextmanager
    def broken() -> Iterator[object]:
        raise OSError("driver not found")
        yield  # pragma: no cover

    with pytest.raises(OSError, match="driver not found"):
        run_each(runner, list(range(3)), work, 2, start_playwright=broken)  # type: ignore[arg-type]
    assert runner.lanes == []
    assert len(work.jobs) < 3 or sorted(work.jobs) == [0, 1, 2]  # the calling lane may have run some
    assert runner.progress == runner.lines.append


def test_after_an_interrupt_no_job_starts_and_the_ones_under_way_finish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flagged = threading.Event()

    def result(job: int) -> bool:
        if job == 0:
            assert work.started[1].wait(WAIT_S)
            monkeypatch.setattr(interrupts._state, "received", "SIGTERM")  # what the handler does
            flagged.set()
        elif job == 1:
            assert flagged.wait(WAIT_S)
        return True

    work = Jobs(result)
    each(FakeRunner(), list(range(6)), work, 2)
    assert sorted(work.jobs) == [0, 1]


def test_one_lane_stops_on_false_and_on_an_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    work = Jobs(lambda job: job != 1)
    each(FakeRunner(), list(range(4)), work, 1)
    assert work.jobs == [0, 1]

    def result(job: int) -> bool:
        monkeypatch.setattr(interrupts._state, "received", "SIGINT")
        return True

    work = Jobs(result)
    each(FakeRunner(), list(range(4)), work, 1)
    assert work.jobs == [0]
