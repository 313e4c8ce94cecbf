"""Report formats: console (rich), report.json, JUnit XML and a self-contained HTML page.

Every format reads only the Report (findings); the HTML page also draws the scenario Timelines.
"""

from probe.report.classes import Classifier, default_classifier, style_for
from probe.report.console import render_console
from probe.report.html import render_html, write_html
from probe.report.json_report import ReportFormatError, dumps_json, load_report, write_json
from probe.report.junit import render_junit, write_junit
from probe.report.order import normalized, sorted_findings
from probe.report.summary import Summary, summarize

__all__ = [
    "Classifier",
    "ReportFormatError",
    "Summary",
    "default_classifier",
    "dumps_json",
    "load_report",
    "normalized",
    "render_console",
    "render_html",
    "render_junit",
    "sorted_findings",
    "style_for",
    "summarize",
    "write_html",
    "write_json",
    "write_junit",
]
