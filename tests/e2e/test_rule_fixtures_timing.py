"""The timing fixture shops (see test_rule_fixtures.py): Segment batches that leave on the site's own delay.

They use the short default quiet window on purpose: probe must wait for the site's own delivery delay
(read from the page or the captured settings), not for a long settle_ms.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e import rule_fixtures
from tests.e2e.rule_fixtures import EXPECTED, STANDARD, TIMING, entries_of, fired, ingestion, waits

pytestmark = pytest.mark.e2e

judged = rule_fixtures.judged  # module-scoped: this file runs its own shops, once each


@pytest.mark.parametrize("variant", TIMING)
def test_variant_fires_exactly_its_rules(judged, variant: str) -> None:
    assert fired(judged(variant)) == EXPECTED[variant]


# -- the timing fixtures: what crossed which mark, and how long probe waited ----------------------------


def test_default_batch_leaves_before_the_decision_and_probe_says_it_waited_for_it(judged) -> None:
    runs = judged("batching-eager-default")
    for name in STANDARD:
        early = [(url, items) for phase, url, items in ingestion(runs[name]) if phase == "before-consent"]
        assert early[0] == ("https://api.segment.io/v1/b", [("page", None)]), name
    loads = [w for w in waits(runs["no_decision"], "before-consent") if w["after"].startswith("load ")]
    assert loads[0]["delivery"] == "batching timeout 5000 ms, size 10 (from the page)"
    assert loads[0]["window_ms"] == 5300 and loads[0]["settled"] is True


def test_short_batch_from_the_settings_is_waited_for(judged) -> None:
    j = judged("batching-eager-short")["accept_all"]
    before = [w for w in waits(j, "before-consent") if w["after"].startswith(("load ", "click "))]
    assert {w["delivery"] for w in before} == {"batching timeout 1000 ms, size 10 (from the page)"}
    assert [items for phase, _, items in ingestion(j) if phase == "before-consent"] == [
        [("page", None)],
        [("track", "Product Added")],
    ]


def test_an_event_held_in_a_slow_middleware_is_waited_for_before_the_revoke(judged) -> None:
    # every "Add to cart" of the decision's phase, stamped with the acceptance, leaves before the revoke
    # mark: probe counted the held event as pending (1.5 s in the middleware, 1 s in the batch) however
    # fast it went on to the revoke
    j = judged("slow-middleware")["revoke"]
    accepted = {"necessary": True, "analytics": True, "marketing": True}
    revoked = {"necessary": True, "analytics": False, "marketing": False}
    sent = [
        (e["pageref"], item["event"], item["context"]["consent"]["categoryPreferences"])
        for e in entries_of(j)
        if e["request"]["method"] == "POST" and e["request"]["url"].startswith("https://api.segment.io/v1/")
        for item in json.loads(e["request"]["postData"]["text"]).get("batch", [])
        if item.get("event") == "Product Added"
    ]
    phases = [phase for phase, _, _ in sent]
    assert "after-consent" in phases and "after-revoke" in phases
    assert [stamp for _, _, stamp in sent] == [accepted if p == "after-consent" else revoked for p in phases]
