"""JUnit XML for CI: a testsuite per scenario, a testcase per scenario x rule."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path

from probe.findings import Finding, Report, ScenarioResult
from probe.report.order import sorted_findings

# XML 1.0 cannot carry these at all, not even escaped; HAR excerpts and error texts may contain them.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ERROR_CASE = "scenario"  # the testcase name of a scenario the tool could not judge


def render_junit(report: Report, rules: Sequence[str] = ()) -> str:
    """JUnit XML text; every id in ``rules`` becomes a testcase so passing rules show as passed."""
    root = ET.Element("testsuites", name=_clean(report.suite or report.tool.name))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for scenario in report.scenarios:
        suite = _suite(report, scenario, rules)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: str | Path, report: Report, rules: Sequence[str] = ()) -> Path:
    """Write the JUnit XML file and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_junit(report, rules), encoding="utf-8")
    return target


def _suite(report: Report, scenario: ScenarioResult, rules: Sequence[str]) -> ET.Element:
    suite = ET.Element("testsuite", name=_clean(scenario.name))
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("tool", f"{report.tool.name} {report.tool.version}"),
        ("browser", report.tool.browser),
        ("status", scenario.status),
        ("evidence_dir", scenario.evidence_dir),
    ):
        if value:
            ET.SubElement(props, "property", name=name, value=_clean(value))
    classname = _clean(f"probe.{scenario.name}")
    findings = sorted_findings(scenario.findings)
    if scenario.status == "error":
        case = ET.SubElement(suite, "testcase", classname=classname, name=ERROR_CASE, time="0")
        error = ET.SubElement(
            case, "error", message=_clean(_first_line(scenario.error or "unknown error")), type="probe-error"
        )
        error.text = _clean(scenario.error or "unknown error")
        if findings:
            ET.SubElement(case, "system-out").text = _clean(_describe(findings))
        _count(suite, tests=1, failures=0, errors=1)
        return suite
    failures = skipped = 0
    not_run = _not_run(scenario)
    for rule in _rule_ids(rules, [*findings, *(Finding(rule=r, message="") for r in not_run)]):
        case = ET.SubElement(suite, "testcase", classname=classname, name=_clean(rule), time="0")
        mine = [f for f in findings if f.rule == rule]
        errors = [f for f in mine if f.severity == "error"]
        others = [f for f in mine if f.severity != "error"]
        if errors:
            failures += 1
            message = errors[0].message + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
            failure = ET.SubElement(case, "failure", message=_clean(message), type=_clean(rule))
            failure.text = _clean(_describe(errors))
        elif rule in not_run:
            # the rule could not run: a skip with the reason, never a silent pass
            skipped += 1
            reasons = not_run[rule]
            ET.SubElement(case, "skipped", message=_clean(_first_line(reasons[0]))).text = _clean(
                "\n".join(reasons)
            )
        if others:
            ET.SubElement(case, "system-out").text = _clean(_describe(others))
    _count(suite, tests=len(suite.findall("testcase")), failures=failures, errors=0, skipped=skipped)
    return suite


def _not_run(scenario: ScenarioResult) -> dict[str, list[str]]:
    """Rule id -> why it could not run on this scenario."""
    reasons: dict[str, list[str]] = {}
    for gap in scenario.unjudged:
        for rule in gap.rules:
            reasons.setdefault(rule, []).append(gap.reason)
    return reasons


def _rule_ids(registry: Sequence[str], findings: Iterable[Finding]) -> list[str]:
    # Registry order first; rules missing from the registry still get a testcase, or CI would hide them.
    ordered = list(dict.fromkeys(registry))
    known = set(ordered)
    ordered += sorted({f.rule for f in findings} - known)
    return ordered


def _describe(findings: Iterable[Finding]) -> str:
    lines: list[str] = []
    for f in findings:
        lines.append(f"[{f.severity}] [{f.phase or 'no phase'}] {f.rule}: {f.message}")
        if f.reference:
            lines.append(f"  reference: {f.reference}")
        for ref in f.evidence:
            where = f"HAR entry {ref.entry}" if ref.entry is not None else "no HAR entry"
            lines.append(f"  evidence: {where} {ref.url or ''}".rstrip())
            if ref.excerpt:
                lines.append(f"    excerpt: {ref.excerpt}")
    return "\n".join(lines)


def _count(suite: ET.Element, *, tests: int, failures: int, errors: int, skipped: int = 0) -> None:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", "0")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
