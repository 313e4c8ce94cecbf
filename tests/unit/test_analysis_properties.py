"""Property tests: any mix of recorded requests and decisions is judged without errors, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from timeline_factory import (
    ACCEPT_ALL,
    AMPLITUDE_BUNDLE,
    ANALYTICS_ONLY,
    API,
    BRAZE_BUNDLE,
    FB_HIT,
    GA4_HIT,
    REJECT_ALL,
    SITE,
    Recording,
    Req,
    batch,
    consent_updated,
    event,
    get,
    golden,
    loader,
    make_suite,
    raw_post,
    single,
)
from timeline_factory import settings as settings_req

from probe.analysis import analyse
from probe.rules import RULE_IDS

CHOICES = [ACCEPT_ALL, ANALYTICS_ONLY, REJECT_ALL, None]
REQUESTS: list[Req] = [
    get(f"{SITE}/"),
    loader(),
    settings_req(),
    get(AMPLITUDE_BUNDLE),
    get(BRAZE_BUNDLE),
    get(FB_HIT),
    get(GA4_HIT + "&gcs=G100"),
    get("https://unknown.example/x"),
    single(event("page", "Home", None)),
    single(event("track", "X", ACCEPT_ALL)),
    single(consent_updated(REJECT_ALL)),
    batch([event("track", "A", ANALYTICS_ONLY), event("track", "B", None)]),
    raw_post(f"{API}/t", golden("malformed.txt")),
    raw_post(f"{API}/m", golden("metrics.json")),
    get(f"{SITE}/", response_headers=(("set-cookie", "ajs_anonymous_id=a; Path=/"),)),
]
steps = st.lists(
    st.one_of(st.sampled_from(REQUESTS), st.tuples(st.just("mark"), st.sampled_from(CHOICES))), max_size=25
)


@settings(max_examples=60, deadline=None)
@given(steps, st.sampled_from(["opt-in", "opt-out"]))
def test_any_recording_is_judged_in_rule_then_entry_order(
    plan: list[Req | tuple[str, dict[str, bool] | None]], model: str
) -> None:
    recording = Recording()
    marks = 0
    for step in plan:
        if isinstance(step, Req):
            recording.add(step)
            continue
        if marks == 0:
            recording.decide(step[1])
        elif marks == 1:
            recording.revoke(step[1])
        marks += 1
    findings = analyse(recording.build(), make_suite(consent_model=model))
    order = [RULE_IDS.index(f.rule) for f in findings]
    assert order == sorted(order)
    for f in findings:
        assert f.evidence
        assert all(ref.excerpt is None or len(ref.excerpt) <= 300 for ref in f.evidence)
