"""ajs_* identifiers in snapshots, Set-Cookie and Cookie headers."""

from __future__ import annotations

from timeline_factory import SITE, Recording, get

from probe.segment import find_identifiers, in_snapshot, parse_set_cookie
from probe.timeline import AFTER, BEFORE, StorageSnapshot


def test_snapshot_cookies_and_local_storage() -> None:
    snap = StorageSnapshot(
        BEFORE,
        cookies={"ajs_anonymous_id": "0d7f2c1e-5a6b", "ajs_user_id": "", "other": "x"},
        local_storage={"ajs_anonymous_id": '"0d7f2c1e-5a6b"', "ajs_user_id": "null", "ajs_group_id": '"g-1"'},
    )
    found = {(s.name, s.source) for s in in_snapshot(snap)}
    assert found == {
        ("ajs_anonymous_id", "cookie"),
        ("ajs_anonymous_id", "localStorage"),
        ("ajs_group_id", "localStorage"),
    }


def test_classic_quoted_cookie_values_count_but_quoted_empties_do_not() -> None:
    snap = StorageSnapshot(BEFORE, cookies={"ajs_anonymous_id": "%22b2c1f0aa%22", "ajs_user_id": "%22%22"})
    assert [s.name for s in in_snapshot(snap)] == ["ajs_anonymous_id"]


def test_set_cookie_and_cookie_headers_on_entries() -> None:
    timeline = (
        Recording()
        .add(
            get(
                f"{SITE}/",
                response_headers=(
                    ("set-cookie", "ajs_anonymous_id=abc; Path=/; Max-Age=31536000; SameSite=Lax"),
                    ("set-cookie", "ajs_user_id=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
                ),
            ),
            get(f"{SITE}/products", ("cookie", "session=1; ajs_anonymous_id=abc; ajs_group_id=null")),
        )
        .decide({"analytics": True})
        .add(get(f"{SITE}/cart", ("cookie", "ajs_user_id=u-1")))
        .build()
    )
    found = [(s.name, s.source, s.phase, s.entry) for s in find_identifiers(timeline)]
    assert found == [
        ("ajs_anonymous_id", "set-cookie", BEFORE, 0),
        ("ajs_anonymous_id", "cookie-header", BEFORE, 1),
        ("ajs_user_id", "cookie-header", AFTER, 2),
    ]


def _deletes(header: str) -> bool:
    parsed = parse_set_cookie(header, 1_764_370_000.0)
    assert parsed is not None and parsed.name == "ajs_user_id"
    return parsed.deletes


def test_set_cookie_deletions() -> None:
    assert _deletes("ajs_user_id=x; Max-Age=0")
    assert _deletes("ajs_user_id=x; Expires=Wed, 21 Oct 2015 07:28:00 GMT")
    assert not _deletes("ajs_user_id=x; Expires=Wed, 21 Oct 2099 07:28:00 GMT")
    assert not _deletes("ajs_user_id=x; Max-Age=bogus")
    assert parse_set_cookie("no-equals-sign", 0.0) is None
