"""cmp.selectors.toggles: a selector, or {click, state}; anything else is refused naming the field and line.
And the one-line reason a CMP wait gives up."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.cmp.base import CmpAdapter
from probe.suite import Selectors, SuiteError, load_suite

SUITE = """\
name: toggles
start_url: https://x.test/
cmp:
  adapter: selectors
  selectors:
    banner: "#banner"
    toggles:
      analytics: {toggle}
      marketing: "#marketing"
categories:
  analytics: {{segment: [analytics]}}
  marketing: {{segment: [marketing]}}
"""


def load_with(tmp_path: Path, toggle: str) -> Selectors:
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE.format(toggle=toggle), encoding="utf-8")
    return load_suite(path).cmp.selectors


def test_a_toggle_is_a_selector_or_a_click_and_a_state(tmp_path: Path) -> None:
    selectors = load_with(tmp_path, '{click: "label[for=a]", state: "#a"}')
    assert selectors.toggles == {
        "analytics": Selectors.Toggle(click="label[for=a]", state="#a"),
        "marketing": "#marketing",
    }
    assert load_with(tmp_path, '"#analytics"').toggles["analytics"] == "#analytics"


@pytest.mark.parametrize(
    ("toggle", "error"),
    [
        ('{click: "label", state: "#a", colour: red}', "toggle.colour: Extra inputs are not permitted"),
        ('{click: "label", stat: "#a"}', "toggle.state: Field required (+1 more)"),
        ("[label, '#a']", "toggle: Input should be a valid dictionary or instance of Toggle"),
    ],
)
def test_a_toggle_of_another_shape_is_refused_naming_the_line_and_key(
    tmp_path: Path, toggle: str, error: str
) -> None:
    with pytest.raises(SuiteError) as raised:
        load_with(tmp_path, toggle)
    assert str(raised.value) == f"{tmp_path / 'suite.yaml'}:8: field cmp.selectors.toggles.analytics.{error}"


class _Klaro(CmpAdapter):
    name = "klaro"
    api = "window.klaro"
    api_label = "window.klaro"


def test_a_wait_that_gives_up_says_what_it_waited_for_and_what_never_came() -> None:
    adapter = _Klaro(8000)
    notice = ".klaro .cookie-notice"
    assert adapter.waited_for(notice, "the consent notice", ready=False, shown=False) == (
        "klaro: waited 8000 ms for window.klaro and the consent notice .klaro .cookie-notice; neither appeared"
    )
    assert adapter.waited_for(notice, "the consent notice", ready=True, shown=False).endswith(
        "; .klaro .cookie-notice did not appear"
    )
    assert adapter.waited_for(notice, "the consent notice", ready=False, shown=True).endswith(
        "; window.klaro did not appear"
    )
    assert adapter.waited_for(None, "", ready=False, shown=True) == (
        "klaro: waited 8000 ms for window.klaro; it did not appear"
    )
