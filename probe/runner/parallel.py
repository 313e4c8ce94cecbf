"""Scenarios side by side: worker threads, each with its own Playwright and browser, behind one proxy.

Scenarios are independent browser contexts that mostly wait on the network, so N of them can run
at once. Playwright's sync API belongs to the thread that started it, hence a Playwright (and a
browser) per worker; the calling thread is one of the workers and keeps the runner's own. The proxy
tags every flow with its context's user, so one proxy serves all. Progress lines are held per
scenario and let out in the suite's order: a log reads the same whatever finished first.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

from playwright.sync_api import Playwright

from probe import interrupts
from probe.runner.run import Progress, Runner
from probe.suite import Scenario, Suite

T = TypeVar("T")
# what one worker costs: a Chromium with a page of a typical shop open, and its Playwright driver
WORKER_BYTES = 700 * 1024 * 1024
MAX_DEFAULT_WORKERS = 4


def default_workers(jobs: int) -> int:
    """Workers when the user names none: the cores other work leaves idle, as memory allows, up to 4."""
    # A scenario keeps a core busy only while pages load and script runs; most of its time is settle
    # windows, so more workers than cores would still shorten a run (benchmarks/suite_scaling.py).
    # But a quiet window is only meaningful while the page gets the CPU it asks for: starved, a page
    # stays silent while it parses a bundle, probe takes that for quiet and reads the page's batching
    # before the page has set it up, and a site's own timers cross phase marks. On a 2-core machine
    # loaded by other work (1-minute load 15-20), 2 and 4 workers changed a batching fixture's
    # findings where 1 worker did not, so the default never goes past the cores the load leaves idle.
    cores = _cores()
    try:
        busy = os.getloadavg()[0]
    except OSError:  # not every platform can tell
        busy = 0.0
    idle = math.ceil(cores - busy)  # a core counts as taken only once a whole one is busy
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):  # not every platform names these
        free = WORKER_BYTES * MAX_DEFAULT_WORKERS
    by_memory = max(1, free // WORKER_BYTES)
    return max(1, min(jobs, idle, by_memory, MAX_DEFAULT_WORKERS))


def _cores() -> int:
    """The cores this process may run on (a container's CPU set), else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        return os.cpu_count() or 1


def visits(suite: Suite, scenario: Scenario) -> int:
    """How many page visits and clicks a scenario makes: its time is mostly one settle window each."""
    phases = 1 + (scenario.decision is not None) + (scenario.revoke is not None)
    return phases * (len(suite.pages) + len(suite.actions) + 1) + scenario.return_visit


class OrderedProgress:
    """Progress lines held per job and released in job order."""

    def __init__(self, emit: Progress, jobs: int) -> None:
        self._emit, self._lock = emit, threading.Lock()
        self._held: list[list[str]] = [[] for _ in range(jobs)]
        self._done = [False] * jobs
        self._turn = 0  # the job whose lines go out as they come
        self._current = threading.local()

    def start(self, index: int) -> None:
        """The calling thread now works on job ``index``."""
        self._current.index = index

    def __call__(self, line: str) -> None:
        index: int | None = getattr(self._current, "index", None)
        with self._lock:
            if index is None or index == self._turn:
                self._emit(line)  # a line of no job, or of the job whose turn it is
            else:
                self._held[index].append(line)

    def finish(self, index: int) -> None:
        """Job ``index`` is done: let out the held lines of every job whose turn has come."""
        with self._lock:
            self._done[index] = True
            while self._turn < len(self._done) and self._done[self._turn]:
                self._turn += 1
                if self._turn < len(self._held):
                    for line in self._held[self._turn]:
                        self._emit(line)
                    self._held[self._turn].clear()
        self._current.index = None

    def release_all(self) -> None:
        """Count every job not finished as done (never started, after a stop); held lines go out in order."""
        for index, done in enumerate(self._done):
            if not done:
                self.finish(index)


def run_each(
    runner: Runner,
    jobs: Sequence[T],
    work: Callable[[T], bool],
    workers: int,
    *,
    cost: Callable[[T], float] | None = None,
    start_playwright: Callable[[], AbstractContextManager[Playwright]] | None = None,
) -> None:
    """Call ``work(job)`` for each job, on ``workers`` lanes; a False return stops the run.

    The calling thread is one lane, with the runner's own browser; each other lane is a thread that
    starts its own Playwright (``start_playwright``, sync_playwright() by default) and browser. Jobs
    start costliest first (``cost``; ties in their given order), so the longest does not start last
    and run alone. No job starts after an interrupt, a False or an exception; jobs under way finish.
    The first exception of any lane is raised here once every lane has stopped.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            if interrupts.received() or not work(job):
                return
        return
    order = sorted(range(len(jobs)), key=lambda i: -cost(jobs[i])) if cost else range(len(jobs))
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in order:
        todo.put(index)
    ordered = OrderedProgress(runner.progress, len(jobs))
    stop = threading.Event()
    failures: list[BaseException] = []

    def drain() -> None:
        while not stop.is_set() and not interrupts.received():
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            ordered.start(index)
            try:
                if not work(jobs[index]):
                    stop.set()
            finally:
                ordered.finish(index)

    def guarded(body: Callable[[], None]) -> None:
        try:
            body()
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            failures.append(exc)
            stop.set()

    def lane() -> None:
        from playwright.sync_api import sync_playwright

        with (start_playwright or sync_playwright)() as playwright, runner.lane(playwright):
            drain()

    lanes = min(workers, len(jobs))
    threads = [
        threading.Thread(target=guarded, args=(lane,), name=f"probe-worker-{i}") for i in range(1, lanes)
    ]
    previous, runner.progress = runner.progress, ordered
    try:
        for thread in threads:
            thread.start()
        guarded(drain)
        _join(threads, stop)
    finally:
        runner.progress = previous
        ordered.release_all()  # jobs never started (after a stop) must not hold back later lines
    if failures:
        raise failures[0]


def _join(threads: list[threading.Thread], stop: threading.Event) -> None:
    """Wait for every lane; an exception here (a bare Ctrl-C) lets them finish their job first."""
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        stop.set()  # a lane must not outlive the proxy and the reports it writes into
        for thread in threads:
            thread.join()
        raise
