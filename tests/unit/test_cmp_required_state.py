"""Every adapter verifies a choice from storage that holds nothing for the strictly necessary category:
the runner leaves required categories out of the choice, and verify compares only what was chosen."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from probe.cmp import ActionHadNoEffect, CmpAdapter
from probe.cmp.cookiebot import Cookiebot
from probe.cmp.didomi import Didomi
from probe.cmp.klaro import Klaro
from probe.cmp.onetrust import OneTrust
from probe.cmp.orejime import Orejime
from probe.cmp.segment_consent_manager import SegmentConsentManager
from probe.cmp.tarteaucitron import Tarteaucitron
from probe.cmp.usercentrics import Usercentrics
from probe.cmp.vanilla_cookieconsent import VanillaCookieConsent


class FakePage:
    """Just what the adapters' storage reads use: the context's cookies and localStorage."""

    def __init__(self, cookies: dict[str, str], local: dict[str, str] | None = None) -> None:
        self.context = SimpleNamespace(cookies=lambda: [{"name": k, "value": v} for k, v in cookies.items()])
        self.local = local or {}

    def evaluate(self, script: str, arg: Any = None) -> Any:
        assert "localStorage.getItem" in script
        return self.local.get(arg)

    def wait_for_timeout(self, ms: float) -> None:
        """No page to wait for."""


def klaro() -> CmpAdapter:
    adapter = Klaro(200)
    adapter._config = {
        "storage": "cookie",
        "name": "klaro",
        "services": [
            {"name": "segment", "purposes": ["analytics"], "required": False},
            {"name": "pinterest", "purposes": ["marketing"], "required": False},
        ],
    }
    return adapter


def orejime() -> CmpAdapter:
    adapter = Orejime(200)
    adapter._cookie_name = "eu-consent"
    return adapter


def tarteaucitron() -> CmpAdapter:
    adapter = Tarteaucitron(200)
    adapter._config = {
        "cookie": "tarteaucitron",
        "services": [{"key": "shopanalytics", "type": "analytic"}, {"key": "shopads", "type": "ads"}],
    }
    return adapter


def usercentrics() -> CmpAdapter:
    adapter = Usercentrics(200)
    adapter._categories = {"svc-a": "functional", "svc-m": "marketing"}  # no essential service at all
    return adapter


DIDOMI = base64.b64encode(
    json.dumps({"purposes": {"enabled": ["measure"], "disabled": ["ads"]}}).encode()
).decode()
# adapter, storage holding no necessary/required category, the visitor's choice (required ones left out)
CASES: dict[str, tuple[Any, FakePage, dict[str, bool]]] = {
    "vanilla-cookieconsent": (
        lambda: VanillaCookieConsent(200),
        FakePage({"cc_cookie": '{"categories":["analytics"]}'}),
        {"analytics": True, "marketing": False},
    ),
    "klaro": (
        klaro,
        FakePage({"klaro": '{"segment":true,"pinterest":false}'}),
        {"analytics": True, "marketing": False},
    ),
    "orejime": (
        orejime,
        FakePage({"eu-consent": '{"analytics":true,"marketing":false}'}),
        {"analytics": True, "marketing": False},
    ),
    "tarteaucitron": (
        tarteaucitron,
        FakePage({"tarteaucitron": "!shopanalytics=true!shopads=false"}),
        {"analytic": True, "ads": False},
    ),
    "segment-consent-manager": (
        lambda: SegmentConsentManager(200),
        FakePage(
            {
                "tracking-preferences": '{"version":1,"custom":{"marketingAndAnalytics":true,"advertising":false}}'
            }
        ),
        {"marketingAndAnalytics": True, "advertising": False},
    ),
    "onetrust": (
        lambda: OneTrust(200),
        FakePage({"OptanonAlertBoxClosed": "now", "OptanonConsent": "groups=C0002%3A1%2CC0004%3A0"}),
        {"C0002": True, "C0004": False},
    ),
    "cookiebot": (
        lambda: Cookiebot(200),
        FakePage({"CookieConsent": "{stamp:'x',preferences:false,statistics:true,marketing:false}"}),
        {"preferences": False, "statistics": True, "marketing": False},
    ),
    "usercentrics": (
        usercentrics,
        FakePage(
            {},
            {
                "uc_user_interaction": "true",
                "uc_settings": json.dumps(
                    {"services": [{"id": "svc-a", "status": True}, {"id": "svc-m", "status": False}]}
                ),
            },
        ),
        {"functional": True, "marketing": False},
    ),
    "didomi": (lambda: Didomi(200), FakePage({"didomi_token": DIDOMI}), {"measure": True, "ads": False}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_choice_verifies_without_anything_stored_for_necessary(name: str) -> None:
    make, page, choice = CASES[name]
    state = make().verify(page, choice, before=None)
    assert state is not None and "necessary" not in state and "essential" not in state
    assert {c: state.get(c, False) for c in choice} == choice


@pytest.mark.parametrize("name", list(CASES))
def test_a_choice_the_storage_contradicts_still_fails(name: str) -> None:
    make, page, choice = CASES[name]
    flipped = {c: not g for c, g in choice.items()}
    with pytest.raises(ActionHadNoEffect, match=r"stored .*, expected "):
        make().verify(page, flipped, before=None)
