"""The whole ``probe replay`` of a big HAR: read, analyse, report.json, report.xml and report.html.

Generates two synthetic Chrome DevTools HARs of the same size (deterministic content):

- ``many-small``: a long session of small requests (Segment events, pixels, API calls, images
  without bodies), about 1 KB each: 100 MB is about 100,000 entries;
- ``session``: a browsing session of few large entries (pages, base64 images, SDK bundles, JSON
  replies): 100 MB is about 1,500 entries.

Both decide consent early (a ``Segment Consent Preference Updated`` event, analytics granted,
marketing denied), so the replay infers a mark, reads the choice from the stamps and finds
violations before it (Segment events) and after it (a marketing pixel). Each case runs the installed
``probe replay`` in its own child process; its peak RSS comes from ``wait4``. Prints wall and CPU time,
throughput, peak RSS, the size of each report, and the ratio many-small / session. Asserts nothing.

    .venv/bin/python benchmarks/replay_e2e.py [--mb 100] [--profile small] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.har_builder, as repeatability.py does for tests.e2e

from tests import har_builder as hb  # noqa: E402

PROBE = Path(sys.executable).with_name("probe")
MB = 1024 * 1024
when = hb.clock(datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC))
SITE = "https://www.shop.example"
CONSENT_AT = 0.005  # share of the file written before the visitor decides
UA = "Mozilla/5.0 Chrome/156.0"
PROFILES = {"full": 100.0, "small": 8.0}  # default --mb of each profile
TIMINGS = {"send": 0.1, "wait": 10.4, "receive": 0.8}


def _entry(
    at: float,
    method: str,
    url: str,
    kind: str,
    *,
    post: str | None = None,
    body: str | None = None,
    mime: str = "x-unknown",
    base64_body: bool = False,
    cookie: str = "",
) -> dict[str, object]:
    """One entry as Chrome DevTools writes it (HTTP/2 pseudo-headers, initiator, timings)."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    sent = hb.headers(
        (":authority", host),
        (":method", method),
        (":path", "/" + path),
        (":scheme", scheme),
        ("user-agent", UA),
    )
    if cookie:
        sent += hb.headers(("cookie", cookie))
    return hb.entry(
        when(at),
        hb.request(method, url, sent, post=post),
        hb.response(
            hb.content(body, mime, base64=base64_body), header_list=hb.headers(("content-type", mime))
        ),
        time=12.5,
        timings=TIMINGS,
        kind=kind,
    )


def _event(at: float, n: int, name: str, consent: dict[str, bool] | None) -> str:
    event = {
        "timestamp": when(at),
        "integrations": {},
        "type": "track",
        "event": name,
        "properties": {"sku": f"sku-{n % 997}", "price": n % 89},
        "context": hb.segment_context(consent, page={"path": "/", "url": SITE + "/"}),
        "messageId": f"ajs-next-{n:012d}",
        "anonymousId": "0d7f2c1e-5a6b-4c3d-8e9f-0a1b2c3d4e5f",
        "writeKey": "wk_bench",
        "sentAt": when(at),
    }
    return hb.compact(event)


CHOICE = {"necessary": True, "analytics": True, "marketing": False}


def _small(rng: random.Random, n: int, t: float, decided: bool) -> dict[str, object]:
    """A small request: most of a long-running page's traffic."""
    roll = n % 10
    cookie = "OptanonAlertBoxClosed=2026-11-29T10:00:01.000Z" if decided else ""
    if roll < 3:
        post = _event(t, n, "Product Viewed", CHOICE if decided else None)
        return _entry(t, "POST", hb.segment_url("track"), "fetch", post=post, body='{"success":true}',
                      mime="application/json")  # fmt: skip
    if roll == 3:
        return _entry(t, "GET", f"https://www.facebook.com/tr?id=1234&ev=ViewContent&n={n}", "image")
    if roll == 4:
        url = f"https://www.google-analytics.com/g/collect?v=2&tid=G-BENCH&cid=555.666&_p={n}"
        return _entry(t, "POST", url, "ping")
    if roll < 7:
        body = json.dumps({"page": n % 50, "items": [rng.randrange(1000) for _ in range(12)]})
        return _entry(t, "GET", f"{SITE}/api/items?page={n % 50}", "fetch", body=body, mime="application/json",
                      cookie=cookie)  # fmt: skip
    if roll < 9:
        return _entry(t, "GET", f"{SITE}/img/p{n % 400}.webp", "image", mime="image/webp", cookie=cookie)
    return _entry(t, "GET", f"https://fonts.cdn-example.net/f{n % 7}.woff2", "font", mime="font/woff2")


class _Big:
    """Bodies of the session shape: a few SDK bundles served again and again, pages, images, replies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bundles = [
            "!function(){" + f"var a{k}={k};" * rng.randrange(20_000, 60_000) + "}();" for k in range(6)
        ]
        self.html = "<p>" + "lorem ipsum dolor sit amet " * 3000 + "</p>"

    def entry(self, n: int, t: float, decided: bool) -> dict[str, object]:
        rng, roll = self.rng, n % 10
        if roll < 2:
            return _small(rng, n, t, decided)  # the events and pixels are there too
        if roll < 5:
            image = base64.b64encode(rng.randbytes(rng.randrange(40_000, 160_000))).decode()
            return _entry(
                t, "GET", f"{SITE}/img/{n}.png", "image", body=image, mime="image/png", base64_body=True
            )
        if roll < 7:
            return _entry(t, "GET", f"{SITE}/p/{n}", "document", body=self.html, mime="text/html")
        if roll < 9:
            url = f"https://cdn.shop-assets.example/js/b{n % 6}.js"
            return _entry(t, "GET", url, "script", body=self.bundles[n % 6], mime="application/javascript")
        items = [{"id": k, "name": f"item {k}", "rank": rng.random()} for k in range(rng.randrange(200, 900))]
        return _entry(
            t, "GET", f"{SITE}/api/catalog?n={n}", "fetch", body=json.dumps(items), mime="application/json"
        )


def generate(path: Path, shape: str, megabytes: float, seed: int = 7) -> int:
    """Write a synthetic DevTools HAR of about ``megabytes`` MB; returns the number of entries."""
    rng = random.Random(seed)
    big = _Big(rng) if shape == "session" else None
    step = 0.018 if shape == "many-small" else 1.2
    target = int(megabytes * MB)
    decided = False
    with hb.StreamedHar(path, [hb.page("page_1", SITE + "/", when(0))]) as har:
        har.add(_entry(0, "GET", SITE + "/", "document", body="<html></html>", mime="text/html"))
        while har.written < target:
            at = har.count * step
            if not decided and har.written >= CONSENT_AT * target:
                decided = True
                post = _event(at, har.count, "Segment Consent Preference Updated", CHOICE)
                entry = _entry(at, "POST", hb.segment_url("track"), "fetch", post=post)
            elif big is not None:
                entry = big.entry(har.count, at, decided)
            else:
                entry = _small(rng, har.count, at, decided)
            har.add(entry)
    return har.count


def run_replay(har: Path, out: Path) -> dict[str, float]:
    """``probe replay HAR --run-dir OUT`` in a child: wall and CPU seconds, peak RSS (MB), exit code, sizes."""
    started = time.perf_counter()
    with open(out.with_suffix(".console.txt"), "w") as console:
        proc = subprocess.Popen(
            [str(PROBE), "replay", str(har), "--run-dir", str(out)],
            stdout=console,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "80"},
        )
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    sizes = {name: (out / name).stat().st_size / MB if (out / name).is_file() else -1 for name in
             ("report.json", "report.xml", "report.html")}  # fmt: skip
    cpu = usage.ru_utime + usage.ru_stime  # steadier than wall time on a shared machine
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": usage.ru_maxrss / 1024,
        "exit": proc.returncode,
        **sizes,
    }


def baseline() -> float:
    """Peak RSS (MB) of an interpreter that imports the CLI and does nothing."""
    proc = subprocess.Popen([sys.executable, "-c", "import probe.cli"], cwd=ROOT)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss / 1024


def main() -> None:
    """Generate both shapes, replay each in a child, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mb", type=float, help="size of each synthetic HAR (default 100; 8 with --profile small)"
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full", help="small: a quick run")
    parser.add_argument(
        "--shape", choices=["many-small", "session"], action="append", help="only these shapes"
    )
    parser.add_argument("--keep", type=Path, help="keep the HARs and the reports in this folder")
    args = parser.parse_args()
    megabytes = args.mb or PROFILES[args.profile]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="probe-replay-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, float]] = {}
    try:
        base = baseline()
        print(f"baseline interpreter + imports: peak RSS {base:.0f} MB")
        for shape in args.shape or ["many-small", "session"]:
            har = folder / f"{shape}.har"
            began = time.perf_counter()
            count = generate(har, shape, megabytes)
            size = har.stat().st_size / MB
            print(
                f"{shape:10s} HAR: {size:.1f} MB, {count} entries (written in {time.perf_counter() - began:.1f} s)"
            )
            result = run_replay(har, folder / shape)
            results[shape] = result
            print(
                f"{shape:10s} replay: {result['seconds']:6.1f} s (CPU {result['cpu']:.1f} s)  "
                f"{size / result['seconds']:6.2f} MB/s  "
                f"{count / result['seconds']:8.0f} entries/s  peak RSS {result['peak_mb']:6.0f} MB  exit "
                f"{result['exit']:.0f}  report.json {result['report.json']:.2f} MB  report.xml "
                f"{result['report.xml']:.2f} MB  report.html {result['report.html']:.2f} MB"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if len(results) == 2:
        ratio = results["many-small"]["peak_mb"] / results["session"]["peak_mb"]
        print(f"peak RSS many-small / session: x{ratio:.2f} (the goal is at most x3)")
    if args.keep is not None:
        print(f"kept: {folder}")


if __name__ == "__main__":
    main()
