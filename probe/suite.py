"""Suite files: YAML validated with pydantic; errors name the file, line and field.

Everything a run needs is checked here, before any browser starts: the file's size, encoding and
shape (``suite_yaml``), each field's type and range, selector syntax (``suite_selectors``), CMP
adapter names, vendor names against the catalog, and phase names.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from probe.netaddr import LOOPBACK_HOSTS, HostPort, parse_hostport
from probe.suite_selectors import selector_problem
from probe.suite_yaml import SuiteReadError, dotted, parse_suite_text, read_capped

STANDARD_SCENARIOS = ("no_decision", "accept_all", "reject_analytics", "revoke")
ConsentModel = Literal["opt-in", "opt-out"]
PhaseName = Literal["before-consent", "after-consent", "after-revoke"]  # probe.timeline.PHASES
# cmp.adapter: probe.cmp.ADAPTERS plus the two modes; a static list (probe.cmp needs Playwright),
# kept equal to ADAPTERS by a test
CMP_ADAPTERS = (
    "auto",
    "selectors",
    "autoconsent",
    "cookiebot",
    "didomi",
    "klaro",
    "onetrust",
    "orejime",
    "segment-consent-manager",
    "tarteaucitron",
    "usercentrics",
    "vanilla-cookieconsent",
)
HOUR_MS = 3_600_000  # longer waits are typos, and time.sleep overflows far beyond


def _check_selector(value: str) -> str:
    problem = selector_problem(value)
    if problem is not None:
        raise ValueError(f"{value!r} is not a Playwright selector: {problem}")
    return value


def _check_adapter(value: str) -> str:
    if value not in CMP_ADAPTERS:
        raise ValueError(f"unknown CMP adapter {value!r} (known: {', '.join(CMP_ADAPTERS)})")
    return value


@lru_cache(maxsize=1)
def _catalog_vendors() -> dict[str, str]:
    """Catalog vendor names, lower-cased -> as written (suite overrides match case-insensitively)."""
    from probe.catalog import load_catalog  # the catalog is read once, and only by suites with vendors

    return {v.name.lower(): v.name for v in load_catalog().vendors}


def _check_vendor(name: str) -> str:
    known = _catalog_vendors()
    if name.lower() not in known:
        close = difflib.get_close_matches(name.lower(), known, n=1)
        hint = f"; did you mean {known[close[0]]!r}?" if close else " (see probe/catalog/vendors.yaml)"
        raise ValueError(f"unknown vendor {name!r}: not in probe's vendor catalog{hint}")
    return name


def _error_at(loc: tuple[str | int, ...], message: str, value: Any) -> ValidationError:
    # raised from a field validator, pydantic reports it at that field plus ``loc``: the exact key
    error = PydanticCustomError("value_error", "{message}", {"message": message})
    return ValidationError.from_exception_data("Suite", [InitErrorDetails(type=error, loc=loc, input=value)])


Selector = Annotated[str, AfterValidator(_check_selector)]  # syntax checked at load, without a browser
Millis = Annotated[int, Field(ge=0, le=HOUR_MS)]
VendorName = Annotated[str, AfterValidator(_check_vendor)]


class SuiteError(Exception):
    """A suite file that cannot be used; the message names file, line and field."""

    def __init__(self, message: str) -> None:
        # one printable line, whatever the file held: a lone surrogate cannot even be printed
        super().__init__(" ".join(message.encode("utf-8", "backslashreplace").decode("utf-8").split()))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Category(_Strict):
    """A CMP category and the Segment consent category ids it stands for."""

    segment: list[str] = Field(default_factory=list)
    required: bool = False  # strictly necessary: always granted, cannot be refused
    vendor_categories: list[str] = Field(default_factory=list)  # catalog categories it governs
    tcf_purposes: list[int] = Field(default_factory=list)  # TCF v2 purposes; empty: default by name


# A consent choice: "accept_all", "reject_all", or CMP category -> granted.
Choice = Literal["accept_all", "reject_all"] | dict[str, bool]


NAME_MAX = 100  # scenario names become folder names; short enough for any file system
# bidi embeddings, overrides, isolates and marks: they make a name read differently from what it is
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a scenario's evidence folder name (one path component), or None."""
    if not name.strip():
        return "must not be empty"
    if len(name) > NAME_MAX:
        return f"is {len(name)} characters long; at most {NAME_MAX}"
    if "/" in name or "\\" in name:
        return "must not contain a path separator ('/' or '\\')"
    if name in (".", ".."):
        return "must not be '.' or '..'"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "must not contain control characters"
    if any(c in BIDI_CONTROLS for c in name):
        return "must not contain bidi control characters"
    return None


class Scenario(_Strict):
    """One scenario: a fresh browser context, an optional decision, an optional later change."""

    name: str  # also its evidence folder's name: one safe path component
    decision: Choice | None = None  # None: never answer the banner
    revoke: Choice | None = None  # change of mind after browsing, through the reopened preferences
    via_preferences: bool = False  # make the decision through the preferences UI, not the banner buttons
    gpc: bool = False
    return_visit: bool = False

    @model_validator(mode="before")
    @classmethod
    def _choose_alias(cls, data: Any) -> Any:
        # `choose: {analytics: true}` reads better in suites than `decision: {...}`
        if isinstance(data, dict) and "choose" in data:
            data = dict(data)
            data["decision"] = data.pop("choose")
            data.setdefault("via_preferences", True)
        return data

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem is not None:
            raise ValueError(f"scenario name {value!r} {problem} (it names the evidence folder)")
        return value

    @model_validator(mode="after")
    def _revoke_after_decision(self) -> Scenario:
        if self.revoke is not None and self.decision is None:
            message = f"scenario {self.name!r} revokes without a decision: give it a decision too"
            raise _error_at(("revoke",), message, None)
        return self


class Action(_Strict):
    """A page action (e.g. click "Add to cart"): done on its page while browsing, and on the page the
    visitor is on right after each decision and revoke when that is its page."""

    click: Selector | None = None  # a Playwright selector
    goto: str | None = None
    # where: a URL (default: the last listed page), `every` listed page, or only the `current` page
    # right after a decision or revoke
    page: str | None = None
    phases: list[PhaseName] | None = Field(default=None, min_length=1)  # default: every phase

    @model_validator(mode="after")
    def _one(self) -> Action:
        if (self.click is None) == (self.goto is None):
            raise ValueError("an action needs exactly one of click or goto")
        if self.page is not None and self.page not in ("current", "every") and "://" not in self.page:
            raise ValueError(f"page must be a URL, `every` or `current`, not {self.page!r}")
        return self


class Selectors(_Strict):
    """Plain selectors for the generic CMP adapter."""

    class Toggle(_Strict):
        """A category toggle given as what to click (e.g. a styled label) and what to read back."""

        click: Selector
        state: Selector  # the checkbox or ARIA switch: `checked`, or aria-checked="true"

    banner: Selector | None = None
    accept_all: Selector | None = None
    reject_all: Selector | None = None
    open_preferences: Selector | None = None  # inside the banner
    reopen: Selector | None = None  # on the page, after the banner closed (to revoke)
    # category -> the toggle: one selector (clicked and read back), or {click, state}; a mapping is
    # validated as a Toggle only, so a wrong key is named rather than "not a valid string"
    toggles: dict[
        str,
        Annotated[
            Annotated[Selector, Tag("selector")] | Annotated[Toggle, Tag("toggle")],
            Discriminator(lambda v: "selector" if isinstance(v, str) else "toggle"),
        ],
    ] = Field(default_factory=dict)
    save: Selector | None = None
    consent_cookie: str | None = None  # cookie whose change proves an action took effect


class CmpConfig(_Strict):
    """How to drive the banner."""

    adapter: Annotated[str, AfterValidator(_check_adapter)] = "auto"
    selectors: Selectors = Field(default_factory=Selectors)
    timeout_ms: Millis = 8000


class SegmentConfig(_Strict):
    """What probe should know about the site's Segment setup."""

    write_key: str | None = None
    hosts: list[str] = Field(default_factory=list)  # extra ingestion hosts (first-party proxies)
    privacy_endpoint: str | None = None  # URL substring the site calls to delete/suppress on revocation
    destinations: dict[str, list[str]] = Field(default_factory=dict)  # override: destination -> Segment ids


class Route(_Strict):
    """An origin (or URL pattern) the proxy serves from local files in offline mode."""

    url: str  # prefix, or a glob with * when it contains one
    file: Path | None = None
    dir: Path | None = None
    content_type: str | None = None
    replace: dict[str, str] = Field(default_factory=dict)  # text substitutions (e.g. __WRITE_KEY__)

    @model_validator(mode="after")
    def _one(self) -> Route:
        if (self.file is None) == (self.dir is None):
            raise ValueError("a route needs exactly one of file or dir")
        return self


def _check_sink(value: str) -> str:
    """A sink is a host name, ``*.suffix``, or a URL prefix ``https://host/path/`` (a first-party proxy)."""
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"a URL-prefix sink is http(s)://host/path/ with no query or fragment, not {value!r}"
        )
    if "*" in value:
        raise ValueError(f"a URL-prefix sink is matched literally; it cannot hold a *: {value!r}")
    try:
        _ = parts.port  # checked here rather than when the proxy starts
    except ValueError as exc:
        raise ValueError(f"a URL-prefix sink needs a valid port, not {value!r}") from exc
    return value


class Offline(_Strict):
    """Offline mode: local routes, hosts the proxy answers itself; everything else is blocked."""

    enabled: bool = True
    routes: list[Route] = Field(default_factory=list)
    # host names (or *.suffix), or URL prefixes (https://host/path/), answered by the proxy
    sinks: list[Annotated[str, AfterValidator(_check_sink)]] = Field(default_factory=list)


def _check_forward(value: str) -> str:
    """A backend prefix is ``http(s)://host/path/``: the site URLs the proxy hands to the backend."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"a backend prefix is http(s)://host/path/ with no query or fragment, not {value!r}")
    if "*" in value:
        raise ValueError(f"a backend prefix is matched literally; it cannot hold a *: {value!r}")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"a backend prefix needs a valid port, not {value!r}") from exc
    return value


def _check_address(value: str) -> str:
    """``127.0.0.1:PORT`` (or ``[::1]:PORT``, ``localhost:PORT``): where the backend listens, loopback only."""
    try:
        address: HostPort | None = parse_hostport(value)
    except ValueError:
        address = None
    if address is None or address.port == 0:
        raise ValueError(f"wants HOST:PORT with a port from 1 to 65535, not {value!r}")
    host = address.host
    if host not in LOOPBACK_HOSTS:
        # offline, the proxy may connect to this one address only: it must not be another machine
        raise ValueError(f"the backend must listen on loopback (127.0.0.1, [::1], localhost), not {host!r}")
    return value


class Backend(_Strict):
    """The site's backend: probe starts it (``command``) or the user did; its traffic goes through the proxy."""

    # argv, run in `cwd`; `python` is probe's own interpreter. None: already running
    command: list[Annotated[str, Field(min_length=1)]] | None = Field(default=None, min_length=1)
    cwd: Path | None = None  # relative to the suite file; default its folder (made absolute at load)
    # where it listens; with a command and no address probe picks a free loopback port (env PORT)
    address: Annotated[str, AfterValidator(_check_address)] | None = None
    # site URL prefixes the proxy forwards to it (https://shop.test/api/)
    forward: list[Annotated[str, AfterValidator(_check_forward)]] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)  # extra environment for the command
    ready_timeout_ms: Millis = 15000  # how long its port may take to answer
    # the longest its Segment library may hold an event (analytics-python: upload_interval 0.5 s)
    flush_ms: Millis = 1000

    @model_validator(mode="after")
    def _where(self) -> Backend:
        if self.command is None and self.address is None:
            raise ValueError("a backend without a command is one you started: give its address (127.0.0.1:PORT)")
        return self


def map_choice(
    categories: dict[str, Category], choice: dict[str, bool], where: str = "a choice"
) -> dict[str, bool]:
    """A choice keyed by the suite's categories; other keys go through ``vendor_categories``.

    The standard scenarios say ``analytics`` and ``marketing``; a suite whose categories are named
    otherwise (OneTrust's ``C0002``) maps them through the categories that govern those vendor
    categories. A key that is a category name is taken as is. A mapped key skips required categories
    (they stay granted); refusing a key that only required categories govern, two keys choosing one
    category differently, and a key nothing governs are errors.
    """
    chosen: dict[str, tuple[bool, str]] = {}  # category -> (granted, the key that chose it)
    unknown: list[str] = []
    for key, granted in choice.items():
        if key in categories:
            targets = [key]
        else:
            governing = [c for c, cat in categories.items() if key in cat.vendor_categories]
            if not governing:
                unknown.append(key)
                continue
            targets = [c for c in governing if not categories[c].required]
            if not targets and not granted:
                raise ValueError(
                    f"{where} refuses {key!r}, but only required categories "
                    f"{governing} govern it, and they cannot be refused"
                )
        for category in targets:
            earlier = chosen.get(category)
            if earlier is not None and earlier[0] != granted:
                raise ValueError(
                    f"{where}: {earlier[1]!r} and {key!r} both choose category "
                    f"{category!r}, one granting and one refusing it"
                )
            chosen[category] = (granted, key)
    if unknown:
        raise ValueError(
            f"{where} chooses unknown categories {sorted(unknown)}: neither a category "
            "of this suite nor in any category's vendor_categories"
        )
    return {c: chosen[c][0] for c in categories if c in chosen}


class Suite(_Strict):
    """A scenario suite: one site, how to drive its banner, what its consent must look like."""

    name: str
    start_url: str
    pages: list[str] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    consent_model: ConsentModel = "opt-in"
    cmp: CmpConfig = Field(default_factory=CmpConfig)
    categories: dict[str, Category] = Field(min_length=1)
    segment: SegmentConfig = Field(default_factory=SegmentConfig)
    vendors: dict[VendorName, str] = Field(default_factory=dict)  # vendor name -> CMP category (override)
    offline: Offline | None = None
    sink_segment: bool = False  # live mode: still answer Segment ingestion locally
    backend: Backend | None = None  # the site's backend, whose calls to Segment are captured too
    # validate_default: the default standard scenarios need their choices mapped too
    scenarios: list[Scenario] = Field(
        default_factory=lambda: [Scenario.model_validate(standard_scenario(n)) for n in STANDARD_SCENARIOS],
        validate_default=True,
    )
    settle_ms: Millis = (
        500  # quiet window (the same 500 ms Playwright calls network idle) that means "traffic settled"
    )
    settle_max_ms: Millis = 10000

    path: Path | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

    @field_validator("vendors", mode="after")
    @classmethod
    def _vendor_categories(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        categories = info.data.get("categories")
        if categories is None:
            return value  # the categories failed validation; that error is the one to report
        for vendor, category in value.items():
            if category not in categories:
                known = ", ".join(categories)
                message = (
                    f"vendor {vendor!r} is mapped to {category!r}, not a category of this suite ({known})"
                )
                raise _error_at((vendor,), message, category)
        return value

    @field_validator("scenarios", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        if not value:
            return [standard_scenario(n) for n in STANDARD_SCENARIOS]
        return [standard_scenario(v) if isinstance(v, str) else v for v in value]

    @field_validator("scenarios", mode="after")
    @classmethod
    def _resolve_choices(cls, value: list[Scenario], info: ValidationInfo) -> list[Scenario]:
        # Resolved once here, so the suite.json written into the evidence names only real categories.
        categories = info.data.get("categories")
        if categories is None:
            return value  # the categories failed validation; that error is the one to report
        resolved = []
        for sc in value:
            update = {
                field: map_choice(categories, choice, f"scenario {sc.name!r}")
                for field, choice in (("decision", sc.decision), ("revoke", sc.revoke))
                if isinstance(choice, dict)
            }
            resolved.append(sc.model_copy(update=update) if update else sc)
        return resolved

    @field_validator("scenarios", mode="after")
    @classmethod
    def _unique_names(cls, value: list[Scenario]) -> list[Scenario]:
        # each name is an evidence folder: a second one would overwrite the first
        first: dict[str, int] = {}
        for i, sc in enumerate(value):
            if sc.name in first:
                message = f"scenario name {sc.name!r} is used twice (scenarios {first[sc.name]} and {i})"
                raise _error_at((i, "name"), message, sc.name)
            first[sc.name] = i
        return value

    def resolve(self, choice: Choice) -> dict[str, bool]:
        """A choice as CMP category -> granted, required categories always granted."""
        if choice == "accept_all":
            return {c: True for c in self.categories}
        if choice == "reject_all":
            return {c: cat.required for c, cat in self.categories.items()}
        assert isinstance(choice, dict)
        # suite scenarios are mapped at load already; a hand-written test's decided({...}) is not
        choice = map_choice(self.categories, choice)
        return {c: cat.required or bool(choice.get(c, False)) for c, cat in self.categories.items()}

    def expected_preferences(self, choice: dict[str, bool]) -> dict[str, bool]:
        """The ``categoryPreferences`` stamp a choice implies (mapped Segment ids only)."""
        prefs: dict[str, bool] = {}
        for name, cat in self.categories.items():
            for seg_id in cat.segment:
                prefs[seg_id] = prefs.get(seg_id, True) and choice.get(name, False)
        return prefs

    def choice_from_stamp(self, preferences: dict[str, bool]) -> dict[str, bool] | None:
        """The CMP choice a ``categoryPreferences`` stamp implies, for phases inferred from a HAR.

        A category counts as granted when every one of its Segment ids that the stamp names is true;
        categories the stamp says nothing about are left out. None when no category is named.
        """
        choice: dict[str, bool] = {}
        for name, cat in self.categories.items():
            named = [preferences[i] for i in cat.segment if i in preferences]
            if cat.required:
                choice[name] = True
            elif named:
                choice[name] = all(named)
        return choice if len(choice) > sum(c.required for c in self.categories.values()) else None

    def scenario(self, name: str) -> Scenario:
        """Scenario by name."""
        for sc in self.scenarios:
            if sc.name == name:
                return sc
        raise SuiteError(
            f"{self.path}: no scenario named {name!r} (have: {[s.name for s in self.scenarios]})"
        )


def standard_scenario(name: str) -> dict[str, Any]:
    """The four standard scenarios by name."""
    table: dict[str, dict[str, Any]] = {
        "no_decision": {},
        "accept_all": {"decision": "accept_all"},
        "reject_all": {"decision": "reject_all"},
        "reject_analytics": {"decision": {"analytics": False, "marketing": True}, "via_preferences": True},
        "revoke": {"decision": "accept_all", "revoke": {"analytics": False, "marketing": False}},
        "gpc": {"gpc": True},
        # a restrictive stored choice is what a returning visit can get wrong
        "return_visit": {
            "decision": {"analytics": False, "marketing": True},
            "via_preferences": True,
            "return_visit": True,
        },
        # its counterpart: the banner must not come back after one choice only (banner-re-prompt-asymmetry)
        "return_visit_accept": {"decision": "accept_all", "return_visit": True},
    }
    if name not in table:
        raise ValueError(f"unknown standard scenario {name!r} (known: {sorted(table)})")
    return {"name": name, **table[name]}


def _route_target_problem(kind: str, full: Path) -> str | None:
    """Why a route's ``file`` or ``dir`` cannot be served, or None when it can."""
    if kind == "file":
        if full.is_file():
            return None
        return f"{full} is a folder, not a file (use dir:)" if full.is_dir() else f"no such file {full}"
    if full.is_dir():
        return None
    return f"{full} is a file, not a folder (use file:)" if full.exists() else f"no such folder {full}"


def load_suite(path: str | Path, *, routes_must_exist: bool = True) -> Suite:
    """Read and validate a suite file; relative route paths resolve against its folder.

    ``routes_must_exist=False`` is for judging recorded evidence (replay), where routes are not used.
    Every refusal is a SuiteError of one line: ``FILE:LINE: field F: cause``.
    """
    path = Path(path)
    try:
        raw = read_capped(path)
        document = parse_suite_text(raw)
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read suite file ({exc.strerror or exc})") from exc
    except SuiteReadError as exc:
        raise _read_error(path, exc) from exc
    if not isinstance(document.data, dict):
        raise SuiteError(f"{path}:1: a suite file must be a YAML mapping, not {_kind(document.data)}")
    lines = document.lines
    suite = _validated(document.data, path, lines)
    base = path.resolve().parent
    if suite.offline:
        for i, route in enumerate(suite.offline.routes):
            for kind in ("file", "dir"):
                given = getattr(route, kind)
                if given is None:
                    continue
                full = (base / given).resolve()
                problem = _route_target_problem(kind, full) if routes_must_exist else None
                if problem is not None:
                    # refused here, before any browser starts, rather than as 404s in the middle of a run
                    line = lines.get(("offline", "routes", i, kind))
                    where = f":{line}" if line else ""
                    raise SuiteError(f"{path}{where}: field offline.routes.{i}.{kind}: {problem}")
                setattr(route, kind, full)
    if suite.backend is not None:
        cwd = (base / (suite.backend.cwd or ".")).resolve()
        if routes_must_exist and not cwd.is_dir():
            line = lines.get(("backend", "cwd")) or lines.get(("backend",))
            where = f":{line}" if line else ""
            raise SuiteError(f"{path}{where}: field backend.cwd: no such folder {cwd}")
        suite.backend.cwd = cwd  # the suite.json of the evidence names where it ran
    suite.path = path.resolve()
    suite.sha256 = hashlib.sha256(raw).hexdigest()
    return suite


def check_suite_data(data: dict[str, Any], path: Path, text: str) -> Suite:
    """Validate a recorded suite (an evidence folder's suite.json) with the same one-line errors."""
    try:
        lines = parse_suite_text(text.encode("utf-8", "surrogatepass")).lines  # JSON is YAML too
    except SuiteReadError as exc:
        raise _read_error(path, exc) from exc
    return _validated(data, path, lines)


def _validated(data: dict[str, Any], path: Path, lines: dict[tuple[Any, ...], int]) -> Suite:
    """``Suite.model_validate`` with its first error as ``FILE:LINE: field F: cause``."""
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _data_path(tuple(err["loc"]), data)
        # a missing field has no line of its own: the mapping that lacks it has (down to line 1)
        line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        where = f":{line}" if line else ""
        raise SuiteError(f"{path}{where}: field {dotted(loc)}: {_one_line(err['msg'])}{more}") from exc


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """pydantic's error location without the names it gives union members (``literal['a','b']``)."""
    out: list[Any] = []
    node = data
    for part in loc:
        inside = isinstance(node, dict) and part in node
        if not inside and isinstance(part, str) and "[" in part:
            continue
        out.append(part)
        if inside or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _read_error(path: Path, exc: SuiteReadError) -> SuiteError:
    where = f":{exc.line}" if exc.line else ""
    field = f" field {exc.field}:" if exc.field else ""
    return SuiteError(f"{path}{where}:{field} {_one_line(exc.cause)}")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _kind(value: Any) -> str:
    kinds = {list: "a list", str: "a string", type(None): "an empty document"}
    return kinds.get(type(value), type(value).__name__)
