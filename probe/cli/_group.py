"""The ``probe`` command group: an unexpected exception is exit 2 with one line, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

import click
from rich.text import Text

from probe import __version__, interrupts
from probe.cli._baseline import Baseline
from probe.cli._console import err, fail
from probe.cli._crash import Log, internal_error, save_traceback
from probe.report.text import one_line


class _ProbeGroup(click.Group):
    """The command group: an unexpected exception is exit 2 with one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        Log.folder = None  # each command names its own folder (tests invoke several in one process)
        Baseline.report = None
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except interrupts.Interrupted as exc:
            fail(f"interrupted by {exc.signame}")
        except KeyboardInterrupt:
            fail("interrupted by SIGINT")
        except Exception as exc:  # a bug in probe: exit 2, never 1, and keep the traceback
            fail(f"{internal_error(exc)} ({save_traceback(exc)})")


class _PlainLog(logging.Handler):
    """Warnings of libraries (mitmproxy) as one inert line each: they may quote what a site sent."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(Text(one_line(f"{record.name}: {record.getMessage()}"), style="dim"), soft_wrap=True)


@click.group(cls=_ProbeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="probe")
def main() -> None:
    """Prove, with evidence, whether a Segment site respects the visitor's consent choice."""
    logging.lastResort = _PlainLog(logging.WARNING)
