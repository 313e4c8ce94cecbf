"""Google Consent Mode on GA4 / Ads hits: denied-consent pings and the identifiers they carry."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from probe.segment import request_cookies, response_cookies
from probe.timeline import Entry, Timeline

# gcd letters (one per storage): how the default and the update left it
_GCD_DENIED = frozenset("pqmu")
_GCD_GRANTED = frozenset("trnv")
_GCD_ORDER = ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization")
_GCS = re.compile(r"^G1([01-])([01-])$")
# Google identifier cookies; _ga carries the GA client id as its last two dot-separated parts
GOOGLE_ID_COOKIES = re.compile(r"^(_ga(_.+)?|_gid|_gcl_[a-z]+|FPID|IDE|DSID|__gads|__gpi|NID)$")


@dataclass(frozen=True)
class ConsentModeSignal:
    """The Consent Mode state a Google hit declares."""

    storage: dict[str, bool | None]  # storage type -> granted (None: not signalled)
    source: str  # the raw parameter(s), for evidence

    def denied(self, storage: str) -> bool:
        """True when the hit says ``storage`` is denied."""
        return self.storage.get(storage) is False


def read_signal(entry: Entry) -> ConsentModeSignal | None:
    """The ``gcs`` / ``gcd`` Consent Mode parameters of a hit, if any."""
    params = dict(entry.query)
    gcs, gcd = params.get("gcs"), params.get("gcd")
    storage: dict[str, bool | None] = {}
    if gcd:
        letters = [c for c in gcd if c.isalpha()]
        for name, letter in zip(_GCD_ORDER, letters, strict=False):
            storage[name] = False if letter in _GCD_DENIED else True if letter in _GCD_GRANTED else None
    if gcs and (match := _GCS.match(gcs)):
        # gcs is the older, explicit form; it wins where both speak
        for name, digit in zip(("ad_storage", "analytics_storage"), match.groups(), strict=True):
            if digit != "-":
                storage[name] = digit == "1"
    if not storage:
        return None
    source = "&".join(f"{k}={v}" for k, v in (("gcs", gcs), ("gcd", gcd)) if v)
    return ConsentModeSignal(storage, source)


def ga_client_ids(timeline: Timeline, entries: Iterable[Entry]) -> set[str]:
    """GA client ids stored in ``_ga`` cookies anywhere in the recording."""
    values = [v for snap in timeline.snapshots for k, v in snap.cookies.items() if k == "_ga"]
    for entry in entries:
        values += [v for k, v in request_cookies(entry) if k == "_ga"]
        values += [c.value for c in response_cookies(entry) if c.name == "_ga" and not c.deletes]
    ids = set()
    for value in values:
        parts = value.split(".")
        if len(parts) >= 4:
            ids.add(".".join(parts[-2:]))
    return ids


def google_identifier(entry: Entry, client_ids: set[str]) -> str | None:
    """The persistent identifier a Google hit carries, described; None for a cookieless hit."""
    for name, value in request_cookies(entry):
        if GOOGLE_ID_COOKIES.match(name):
            return f"cookie {name}={value}"
    params = dict(entry.query)
    if params.get("uid"):
        return f"uid={params['uid']}"
    cid = params.get("cid")
    if cid and cid in client_ids:
        return f"cid={cid} (the _ga cookie's client id)"
    return None


@dataclass(frozen=True)
class PingVerdict:
    """How a Google hit stands under Consent Mode."""

    cookieless: bool  # consent denied and no persistent identifier
    detail: str


def judge_ping(entry: Entry, storage: str | None, client_ids: set[str]) -> PingVerdict | None:
    """A verdict for hits that declare ``storage`` denied; None when Consent Mode does not apply."""
    if storage is None:
        return None
    signal = read_signal(entry)
    if signal is None or not signal.denied(storage):
        return None
    identifier = google_identifier(entry, client_ids)
    if identifier is None:
        return PingVerdict(True, f"Consent Mode ping with {storage} denied ({signal.source}), no identifier")
    return PingVerdict(False, f"{storage} denied ({signal.source}) but the hit carries {identifier}")
