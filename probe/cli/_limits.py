"""The options of ``probe replay`` that raise the HAR reading caps (``probe.evidence.limits``).

Each option puts its cap in force for everything the command reads (the HAR, a bundle, a redaction)
and gives the previous caps back when the command ends, so an in-process caller (a test, the fuzzer)
never inherits them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click

from probe.cli._options import options
from probe.evidence.limits import DEFAULT_LIMITS, current_limits, reset_read_limits, set_read_limits


def _apply(field: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        token = set_read_limits(dataclasses.replace(current_limits(), **{field: value}))
        ctx.call_on_close(lambda: reset_read_limits(token))

    return callback


# (option, ReadLimits field, type, help); every option names the field it sets
_OPTIONS: list[tuple[str, str, click.ParamType, str]] = [
    ("--max-entries", "max_entries", click.IntRange(min=1), "Refuse a HAR with more entries than this."),
    (
        "--max-string-mb",
        "max_string_mb",
        click.FloatRange(min=0.001),
        "Refuse a HAR holding a longer JSON string or number (MB).",
    ),
    (
        "--max-ratio",
        "max_ratio",
        click.FloatRange(min=1),
        "Refuse a gzip HAR that expands to more than this many times its size "
        f"(once past {DEFAULT_LIMITS.ratio_floor_mb:g} MB).",
    ),
    ("--max-depth", "max_depth", click.IntRange(min=2), "Refuse a HAR nested deeper than this."),
    (
        "--max-values",
        "max_values",
        click.IntRange(min=1),
        "Refuse a HAR with more JSON values than this in one entry.",
    ),
]

# the cap options of a command; they take effect while it runs
read_limit_options = options(
    *(
        click.option(
            flag,
            type=kind,
            default=getattr(DEFAULT_LIMITS, field),
            show_default=True,
            help=text,
            callback=_apply(field),
            expose_value=False,
        )
        for flag, field, kind, text in _OPTIONS
    )
)
