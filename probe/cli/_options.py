"""Option declarations more than one command shares, and ``options`` to apply a list of them in order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def options(*decorators: Callable[[Any], Any]) -> Callable[[F], F]:
    """One decorator applying ``decorators`` so that ``--help`` lists them in the order given."""

    def apply(fn: F) -> F:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


def folder_options(
    out: str = "Folder the timestamped run folder goes into (default ./artifacts).",
    run_dir: str = "The exact run folder (new or empty; not with --out).",
) -> Callable[[F], F]:
    """``--out`` and ``--run-dir``, with the help they have for a command making a run folder."""
    return options(
        click.option("--out", type=click.Path(path_type=Path), help=out),
        click.option("--run-dir", type=click.Path(path_type=Path), help=run_dir),
    )


browser_path_option = click.option(
    "--browser-path", envvar="PROBE_BROWSER_PATH", help="Chromium executable to use."
)

# probe run and probe demo: which scenarios, where the run goes, which browser, how many at once
run_options = options(
    click.option("--scenario", "scenarios", multiple=True, help="Run only this scenario (repeatable)."),
    folder_options(),
    click.option("--headed", is_flag=True, help="Show the browser window."),
    browser_path_option,
    click.option(
        "--redact", is_flag=True, help="Redact secrets and personal data in the evidence (findings unchanged)."
    ),
    click.option(
        "--workers",
        type=click.IntRange(1, 64),
        help="Scenarios run at once, each in its own browser context (default: the cores the load "
        "average leaves idle, 1 to 4, as memory allows).",
    ),
    click.option(
        "--connect",
        metavar="WS_ENDPOINT",
        help="Use a running Playwright browser server (ws://...) instead of launching Chromium.",
    ),
    click.option(
        "--proxy-listen",
        metavar="HOST:PORT",
        help="Where the capture proxy listens (default 127.0.0.1 on a free port); for --connect to a "
        "browser on another machine.",
    ),
)
