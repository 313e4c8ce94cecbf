"""The banner record as the evidence carries it (``_probe.banner``): checked once, where a HAR is read.

A HAR is hostile input: a record the rules could not read (a control that is a string, a colour of
text, a negative box) becomes "not measured" with the reason, never a traceback and never a pass.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_Size = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Channel = Annotated[float, Field(ge=0, le=255, allow_inf_nan=False)]
_Colour = Annotated[list[_Channel], Field(min_length=3, max_length=4)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")  # what the rules do not read is kept as written


class _Box(_Open):
    width: _Size
    height: _Size


class _Control(_Open):
    text: str
    looks: str
    box: _Box
    color: _Colour | None = None
    background: _Colour | None = None


class _Wall(_Open):
    points: Annotated[int, Field(ge=0)]
    covered: Annotated[int, Field(ge=0)]


class _Preferences(_Open):
    measured: bool
    optional: dict[str, bool] = Field(default_factory=dict)


class _Measured(_Open):
    measured: bool
    accept: _Control | None = None
    reject: _Control | None = None
    preferences_open: bool = False
    wall: _Wall | None = None
    preferences: _Preferences | None = None
    screenshot: str | None = None


def read_record(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` when the rules can read it; else a not-measured record saying what was wrong."""
    if not raw.get("measured"):
        return raw  # not measured: only "why" is read, as text
    try:
        _Measured.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "record"
        why = f"the banner record in the evidence is unreadable ({where}: {error['msg']})"
        unread = {"format": raw.get("format"), "measured": False, "why": why}
        if "return_visit" in raw:  # judged on its own (banner-re-prompt-asymmetry reads it defensively)
            unread["return_visit"] = raw["return_visit"]
        return unread
    return raw
