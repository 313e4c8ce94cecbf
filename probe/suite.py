"""Suite files: YAML validated with pydantic; errors name the file, line and field."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
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

STANDARD_SCENARIOS = ("no_decision", "accept_all", "reject_analytics", "revoke")
ConsentModel = Literal["opt-in", "opt-out"]


class SuiteError(Exception):
    """A suite file that cannot be used; the message names file, line and field."""


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


class Scenario(_Strict):
    """One scenario: a fresh browser context, an optional decision, an optional later change."""

    name: str
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


class Action(_Strict):
    """A page action (e.g. click "Add to cart"): done on its page while browsing, and on the page the
    visitor is on right after each decision and revoke when that is its page."""

    click: str | None = None  # a Playwright selector
    goto: str | None = None
    # where: a URL (default: the last listed page), `every` listed page, or only the `current` page
    # right after a decision or revoke
    page: str | None = None
    phases: list[str] | None = None  # default: every phase

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

        click: str
        state: str  # the checkbox or ARIA switch: `checked`, or aria-checked="true"

    banner: str | None = None
    accept_all: str | None = None
    reject_all: str | None = None
    open_preferences: str | None = None  # inside the banner
    reopen: str | None = None  # on the page, after the banner closed (to revoke)
    # category -> the toggle: one selector (clicked and read back), or {click, state}; a mapping is
    # validated as a Toggle only, so a wrong key is named rather than "not a valid string"
    toggles: dict[
        str,
        Annotated[
            Annotated[str, Tag("selector")] | Annotated[Toggle, Tag("toggle")],
            Discriminator(lambda v: "selector" if isinstance(v, str) else "toggle"),
        ],
    ] = Field(default_factory=dict)
    save: str | None = None
    consent_cookie: str | None = None  # cookie whose change proves an action took effect


class CmpConfig(_Strict):
    """How to drive the banner."""

    adapter: str = "auto"
    selectors: Selectors = Field(default_factory=Selectors)
    timeout_ms: int = 8000


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
    categories: dict[str, Category]
    segment: SegmentConfig = Field(default_factory=SegmentConfig)
    vendors: dict[str, str] = Field(default_factory=dict)  # vendor name -> CMP category (override)
    offline: Offline | None = None
    sink_segment: bool = False  # live mode: still answer Segment ingestion locally
    # validate_default: the default standard scenarios need their choices mapped too
    scenarios: list[Scenario] = Field(
        default_factory=lambda: [Scenario.model_validate(standard_scenario(n)) for n in STANDARD_SCENARIOS],
        validate_default=True,
    )
    settle_ms: int = (
        500  # quiet window (the same 500 ms Playwright calls network idle) that means "traffic settled"
    )
    settle_max_ms: int = 10000

    path: Path | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

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
    }
    if name not in table:
        raise ValueError(f"unknown standard scenario {name!r} (known: {sorted(table)})")
    return {"name": name, **table[name]}


def _line_index(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map every key path in a YAML document to its 1-based line."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            lines.update(_line_index(value, sub))
            lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, (*path, i)))
    return lines


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
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read suite file ({exc.strerror})") from exc
    text = raw.decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise SuiteError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite file must be a YAML mapping")
    lines = _line_index(node) if node is not None else {}
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = next((lines[loc[:i]] for i in range(len(loc), 0, -1) if loc[:i] in lines), None)
        field = ".".join(str(p) for p in loc) or "(top level)"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        where = f":{line}" if line else ""
        raise SuiteError(f"{path}{where}: field {field}: {err['msg']}{more}") from exc
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
    suite.path = path.resolve()
    suite.sha256 = hashlib.sha256(raw).hexdigest()
    return suite
