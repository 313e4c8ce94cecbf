"""The analysis input: one scenario's recording as an ordered list of requests plus phase marks.

Everything the rules judge is in here, and everything in here comes from evidence files (a HAR and,
for probe's own bundles, the resolved suite). Readers in ``probe.evidence`` build it; nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PHASES = ("before-consent", "after-consent", "after-revoke")
BEFORE, AFTER, REVOKED = PHASES
BROWSER, SERVER = "browser", "server"  # which side of the site made a request (``_probe.side``)
VISITOR_BY = ("anonymousId", "userId", "cookie", "subject")  # how a server entry was attributed


@dataclass(frozen=True, slots=True)
class Visitor:
    """Why a server-side entry is this scenario's visitor's (``_probe.visitor``)."""

    by: str  # one of VISITOR_BY
    ids: tuple[str, ...] = ()  # the identifiers that matched
    events: tuple[int, ...] | None = None  # this visitor's items of the body's batch[]; None: the whole body

    def record(self) -> dict[str, Any]:
        """As written into the HAR (``_probe.visitor``)."""
        return {"by": self.by, "ids": list(self.ids), "events": None if self.events is None else list(self.events)}


@dataclass(frozen=True, slots=True)  # slots: a 100k-request HAR holds 100k of these for the whole run
class Entry:
    """One HTTP exchange, as recorded (HAR entry ``index`` is the evidence pointer)."""

    index: int
    started: float  # epoch seconds, wire time of the request
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...] = ()  # names lower-cased, HTTP/2 pseudo-headers dropped
    request_body: bytes | None = None
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes | None = None
    phase: str | None = None  # one of PHASES, None when unknown
    context: str | None = None  # browser context (scenario) that made it
    noise: bool = False  # the browser's own background traffic
    blocked: bool = False  # refused by the offline proxy
    served: str | None = None  # who answered (``_probe.served``): upstream, local, sink, blocked, backend, error
    resource_type: str | None = None
    side: str = BROWSER  # SERVER: the site's backend made it (recorded through the proxy)
    visitor: Visitor | None = None  # a server entry's attribution to this scenario; None: not attributed

    @property
    def server(self) -> bool:
        """True for a request the site's backend made."""
        return self.side == SERVER

    @property
    def host(self) -> str:
        """Lower-case host name without port."""
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def path(self) -> str:
        """URL path without query."""
        return urlsplit(self.url).path or "/"

    @property
    def query(self) -> list[tuple[str, str]]:
        """Decoded query parameters in order."""
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    def header(self, name: str, *, response: bool = False) -> str | None:
        """First header value by case-insensitive name."""
        wanted = name.lower()
        for key, value in self.response_headers if response else self.request_headers:
            if key == wanted:
                return value
        return None


@dataclass(frozen=True)
class PhaseMark:
    """The moment a phase began (the consent click) and the banner choice in force after it."""

    phase: str
    at: float  # epoch seconds
    choice: dict[str, bool] | None = None  # CMP category -> granted; None when not known
    action: str | None = None  # e.g. "accept_all", "choose", "revoke"


@dataclass(frozen=True)
class StorageSnapshot:
    """Cookies and localStorage at the end of a phase."""

    phase: str
    cookies: dict[str, str] = field(default_factory=dict)  # name -> value
    local_storage: dict[str, str] = field(default_factory=dict)


@dataclass
class Timeline:
    """A scenario's recording, ready for the rules."""

    scenario: str
    entries: list[Entry]
    marks: list[PhaseMark] = field(default_factory=list)  # ordered by time; before-consent implicit
    snapshots: list[StorageSnapshot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how phases were found, entries skipped, ...
    page_signals: dict[str, dict[str, Any]] = field(default_factory=dict)  # phase -> consent signals on the page
    page_banner: dict[str, dict[str, Any]] = field(default_factory=dict)  # phase -> banner measured (probe.banner)

    @property
    def has_phases(self) -> bool:
        """True when phase information exists (own evidence, or given/inferred for a foreign HAR)."""
        return bool(self.marks) or any(e.phase for e in self.entries)

    def mark(self, phase: str) -> PhaseMark | None:
        """The mark that starts ``phase``, if any."""
        return next((m for m in self.marks if m.phase == phase), None)

    def phase_at(self, when: float) -> str:
        """The phase in force at wire time ``when``."""
        current = BEFORE
        for m in sorted(self.marks, key=lambda m: m.at):
            if when >= m.at:
                current = m.phase
        return current

    def phase_of(self, entry: Entry) -> str:
        """The entry's phase: its recorded tag, else derived from the marks."""
        return entry.phase or self.phase_at(entry.started)

    def site_entries(self) -> list[Entry]:
        """Entries that are not browser background noise."""
        return [e for e in self.entries if not e.noise]
