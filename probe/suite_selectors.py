"""Playwright selector syntax, checked without a browser: a typo fails at load, not mid-run.

Follows Playwright's own selector parser: a ``>>`` chain of parts; a part is ``engine=body`` when
what precedes its first ``=`` is an engine name, an XPath when it starts with ``//`` or ``..``, text
when it is quoted, and CSS otherwise. CSS goes through cssselect, after Playwright's own
pseudo-classes (``:has-text()``, ``:right-of(#x)``, ``:nth-match(sel, 2)``, …) are checked and set
aside, since cssselect does not know that they take selectors or several arguments.
"""

from __future__ import annotations

import re

import cssselect

ENGINES = frozenset(
    {"css", "xpath", "text", "id", "data-testid", "data-test-id", "data-test", "nth", "visible", "role"}
    | {"_react", "_vue"}
)
_ENGINE_NAME = re.compile(r"[a-zA-Z_0-9\-+:*]+")
# Playwright pseudo-classes cssselect cannot parse: (name, arguments that are selectors)
_PW_PSEUDOS = {
    "has-text": False,
    "text": False,
    "text-is": False,
    "text-matches": False,
    "nth-match": True,
    "left-of": True,
    "right-of": True,
    "above": True,
    "below": True,
    "near": True,
}
_PW_PSEUDO = re.compile(r":(" + "|".join(sorted(_PW_PSEUDOS, key=len, reverse=True)) + r")\(")
_ROLE = re.compile(
    r"""\s*[a-zA-Z][a-zA-Z-]*\s*
        (\[\s*[a-zA-Z-]+\s*(=\s*("(\\.|[^"\\])*"|'(\\.|[^'\\])*'|[^\]\s"']+)\s*[is]?\s*)?\]\s*)*""",
    re.X,
)
_NUMBER = re.compile(r"\s*-?\d+(\.\d+)?\s*")
_QUOTES = "\"'`"


def selector_problem(selector: str) -> str | None:
    """Why Playwright would refuse ``selector``, or None when its syntax is sound."""
    if not selector.strip():
        return "a selector must not be empty"
    parts = _split_chain(selector)
    if isinstance(parts, str):
        return parts
    for part in parts:
        problem = _part_problem(part)
        if problem is not None:
            return problem if len(parts) == 1 else f"{problem} (in {part.strip()!r})"
    return None


def _split_chain(selector: str) -> list[str] | str:
    """The parts of a ``>>`` chain, or why it cannot be split (an unclosed quote)."""
    parts: list[str] = []
    quote: str | None = None
    start = index = 0
    while index < len(selector):
        c = selector[index]
        if c == "\\" and index + 1 < len(selector):
            index += 2
            continue
        if quote is not None:
            quote = None if c == quote else quote
        elif c in _QUOTES:
            quote = c
        elif c == ">" and selector.startswith(">>", index):
            parts.append(selector[start:index])
            start = index + 2
            index += 1
        index += 1
    if quote is not None:
        return f"unclosed {quote} quote"
    parts.append(selector[start:])
    if any(not p.strip() for p in parts):
        return "empty part in a >> chain"
    return parts


def _part_problem(part: str) -> str | None:
    equals = part.find("=")
    name = part[:equals].strip() if equals > 0 else ""
    if name and _ENGINE_NAME.fullmatch(name):
        engine = name.removeprefix("*").removesuffix(":light")  # *: capture; :light was Playwright 1.x
        body = part[equals + 1 :]
        if engine.startswith("internal:"):
            return None if body.strip() else f"{name}= needs a value"
        if engine not in ENGINES:
            return f"unknown selector engine {name!r} (known: {', '.join(sorted(ENGINES))})"
        return _engine_problem(engine, body)
    stripped = part.strip()
    if len(stripped) > 1 and stripped[0] in "\"'" and stripped[-1] == stripped[0]:
        return None  # quoted text
    if re.match(r"\(*//", stripped) or stripped.startswith(".."):
        return _xpath_problem(stripped)
    return css_problem(stripped)


def _engine_problem(engine: str, body: str) -> str | None:
    text = body.strip()
    if not text:
        return f"{engine}= needs a value"
    if engine == "css":
        return css_problem(text)
    if engine == "xpath":
        return _xpath_problem(text)
    if engine == "text":
        return _text_problem(text)
    if engine == "nth":
        return None if re.fullmatch(r"-?\d+", text) else f"nth= takes an index, not {text!r}"
    if engine == "visible":
        return None if text in ("true", "false") else f"visible= takes true or false, not {text!r}"
    if engine == "role" and not _ROLE.fullmatch(body):
        return f"role= takes a role and [attribute=value] filters, not {text!r}"
    return None


def _text_problem(text: str) -> str | None:
    if text[0] in "\"'":
        closing = _closing_quote(text, 0)
        if closing is None:
            return f"unclosed {text[0]} quote in text={text}"
        if text[closing + 1 :] not in ("", "i", "s"):
            return f"text after the closing quote in text={text}"
    elif text.startswith("/") and not re.fullmatch(r"/.+/[dgimsuy]*", text, re.S):
        return f"a text regular expression is /pattern/flags, not {text}"
    return None


def _closing_quote(text: str, start: int) -> int | None:
    quote, index = text[start], start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return None


def _xpath_problem(text: str) -> str | None:
    depth = {"(": 0, "[": 0}
    closers = {")": "(", "]": "["}
    index = 0
    while index < len(text):
        c = text[index]
        if c in "\"'":
            closing = _closing_quote(text, index)
            if closing is None:
                return f"unclosed {c} quote in the XPath {text!r}"
            index = closing
        elif c in depth:
            depth[c] += 1
        elif c in closers:
            depth[closers[c]] -= 1
            if depth[closers[c]] < 0:
                return f"unbalanced {c!r} in the XPath {text!r}"
        index += 1
    if any(depth.values()):
        return f"unclosed bracket in the XPath {text!r}"
    return None


def css_problem(text: str) -> str | None:
    """Why ``text`` is not CSS as Playwright reads it, or None."""
    plain = _set_aside_playwright_pseudos(text)
    if not isinstance(plain, str):
        return plain[0]
    try:
        cssselect.parse(plain)
    except cssselect.SelectorError as exc:
        return f"not a valid CSS selector: {exc}"
    return None


def _set_aside_playwright_pseudos(text: str) -> str | tuple[str]:
    """``text`` with each Playwright pseudo-class checked and replaced by a plain one, or (problem,)."""
    out: list[str] = []
    pos = 0
    while (match := _PW_PSEUDO.search(text, pos)) is not None:
        closing = _closing_paren(text, match.end())
        if closing is None:
            return (f"unclosed ( after :{match.group(1)}",)
        problem = _pseudo_args_problem(match.group(1), text[match.end() : closing])
        if problem is not None:
            return (problem,)
        out.append(text[pos : match.start()] + ":scope")
        pos = closing + 1
    out.append(text[pos:])
    return "".join(out)


def _closing_paren(text: str, start: int) -> int | None:
    depth, index = 1, start
    while index < len(text):
        c = text[index]
        if c == "\\":
            index += 2
            continue
        if c in "\"'":
            closing = _closing_quote(text, index)
            if closing is None:
                return None
            index = closing
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _pseudo_args_problem(name: str, args: str) -> str | None:
    if not args.strip():
        return f":{name}() needs an argument"
    if not _PW_PSEUDOS[name]:
        return None  # text: quoted or not, Playwright takes it as it is
    first, *rest = _split_top_level_commas(args)
    problem = css_problem(first.strip())
    if problem is not None:
        return f"in :{name}(): {problem}"
    if any(not _NUMBER.fullmatch(r) for r in rest):
        return f":{name}() takes a selector and then numbers"
    return None


def _split_top_level_commas(args: str) -> list[str]:
    parts, depth, start, index = [], 0, 0, 0
    while index < len(args):
        c = args[index]
        if c == "\\":
            index += 2
            continue
        if c in "\"'":
            index = _closing_quote(args, index) or len(args)
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(args[start:index])
            start = index + 1
        index += 1
    parts.append(args[start:])
    return parts
