"""Scenarios side by side: worker threads, each with its own Playwright and browser, behind one proxy.

Scenarios are independent browser contexts that mostly wait on the network, so N of them can run
at once. Playwright's sync API belongs to the thread that started it, hence a Playwright (and a
browser) per worker; the proxy tags every flow with its context's user, so one proxy serves all.
Progress lines are held per scenario and let out in the suite's order: a log reads the same
whatever finished first (the scenario whose turn it is streams live).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from probe import interrupts
from probe.runner.run import Progress, Runner

T = TypeVar("T")
# what one worker costs: a Chromium with a page of a typical shop open, and its Playwright driver
WORKER_BYTES = 700 * 1024 * 1024
MAX_DEFAULT_WORKERS = 4


def default_workers(jobs: int) -> int:
    """Workers when the user names none: one per core, as memory allows, never more than the jobs.

    A scenario keeps a core busy only while pages load and script runs; the rest is waiting for
    the site. One per core (up to four) kept the demo's timing-sensitive fixtures exact on a
    2-core machine; benchmarks/suite_scaling.py measures 1, 2 and 4.
    """
    cores = os.cpu_count() or 1
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):  # not every platform names these
        free = WORKER_BYTES * MAX_DEFAULT_WORKERS
    by_memory = max(1, free // WORKER_BYTES)
    return max(1, min(jobs, cores, by_memory, MAX_DEFAULT_WORKERS))


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
                self._emit(line)  # the proxy's own warnings, and the job whose turn it is
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
        """Let out every held line, in job order."""
        for index, done in enumerate(self._done):
            if not done:
                self.finish(index)


def run_each(
    runner: Runner,
    jobs: Sequence[T],
    work: Callable[[T], bool],
    workers: int,
    *,
    start_playwright: Callable[[], object] | None = None,
) -> None:
    """Call ``work(job)`` for each job, on ``workers`` threads; a False return stops the run.

    One worker runs in the calling thread with the runner's own browser. Several each start their
    own Playwright (``start_playwright``, sync_playwright() by default) and browser. No new job starts
    after an interrupt or a False; an exception in a worker is raised here once all have stopped.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            if interrupts.received() or not work(job):
                return
        return
    from playwright.sync_api import sync_playwright

    start = start_playwright or (lambda: sync_playwright())
    todo: queue.SimpleQueue[tuple[int, T]] = queue.SimpleQueue()
    for numbered in enumerate(jobs):
        todo.put(numbered)
    ordered = OrderedProgress(runner.progress, len(jobs))
    stop = threading.Event()
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with start() as playwright, runner.lane(playwright):  # type: ignore[attr-defined]
                while not stop.is_set() and not interrupts.received():
                    try:
                        index, job = todo.get_nowait()
                    except queue.Empty:
                        return
                    ordered.start(index)
                    try:
                        if not work(job):
                            stop.set()
                    finally:
                        ordered.finish(index)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            failures.append(exc)
            stop.set()

    previous, runner.progress = runner.progress, ordered
    threads = [threading.Thread(target=worker, name=f"probe-worker-{i}") for i in range(workers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        runner.progress = previous
        ordered.release_all()  # jobs never started (after a stop) must not hold back later lines
    if failures:
        raise failures[0]
