"""HAR reading throughput and peak memory: probe's streaming reader against a plain ``json.load``.

Generates a synthetic HAR that looks like a long browsing session (HTML pages, images as base64,
repeated SDK bundles, JSON API replies, Segment event POSTs), then measures, each in a fresh child
process so peak RSS is not shared: an interpreter that only imports (baseline), ``read_har`` and
``json.load`` of the same file. Prints MB/s, peak RSS above the baseline, and the ratios. Asserts
nothing: timing goals are read as ratios against the baseline measured in the same run.

    .venv/bin/python benchmarks/har_throughput.py --mb 100
    .venv/bin/python benchmarks/har_throughput.py --profile small --mb 100   # ~100k small requests
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.har_builder, as repeatability.py does for tests.e2e

from tests import har_builder as hb  # noqa: E402

MB = 1024 * 1024
when = hb.clock(datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC))
TIMINGS = {"send": 0.1, "wait": 10.0, "receive": 2.4}


def _entry(rng: random.Random, i: int, kind: str, body: str, *, base64_body: bool = False,
           mime: str = "text/html", post: str | None = None) -> dict[str, object]:  # fmt: skip
    started = when(i + rng.randrange(1000) / 1000)  # one a second, at a random millisecond
    method = "POST" if post is not None else "GET"
    url = f"https://shop.example/{kind}/{i}?v={rng.randrange(10**6)}"
    sent = hb.headers(
        (":authority", "shop.example"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0"),
        ("cookie", f"sid=s{i:08d}; ajs_anonymous_id=a{rng.randrange(10**9)}"),
    )
    return hb.entry(
        started,
        hb.request(method, url, sent, post=post),
        hb.response(
            hb.content(body, mime, base64=base64_body), header_list=hb.headers(("content-type", mime))
        ),
        time=12.5,
        timings=TIMINGS,
        kind=kind,
    )


def _event(rng: random.Random, i: int) -> dict[str, object]:
    event = {
        "type": "track",
        "event": "Viewed",
        "messageId": f"m{i}",
        "context": hb.segment_context({"C0001": True, "C0002": False}),
    }
    return _entry(rng, i, "fetch", '{"success":true}', mime="application/json", post=json.dumps(event))


def generate(path: Path, megabytes: float, profile: str = "session", seed: int = 7) -> int:
    """Write a synthetic HAR of about ``megabytes`` MB; returns the number of entries.

    ``session``: a browsing session, most bytes in bodies. ``small``: only small requests (events,
    pixels), the worst case for a per-entry reader.
    """
    rng = random.Random(seed)
    # a few SDK bundles served again on every page, as on a real site
    bundles = ["!function(){" + f"var a{n}={n};" * rng.randrange(5_000, 30_000) + "}();" for n in range(6)]
    html = "<p>" + "lorem ipsum dolor sit amet " * 1500 + "</p>"
    target = int(megabytes * MB)
    with hb.StreamedHar(path, [hb.page("page_1", "bench", when(0))]) as har:
        while har.written < target:
            count = har.count
            roll = rng.random()
            if profile == "small":
                pixel = _entry(rng, count, "image", "", mime="image/gif")
                entry = _event(rng, count) if roll < 0.5 else pixel
            elif roll < 0.35:
                image = base64.b64encode(rng.randbytes(rng.randrange(5_000, 120_000))).decode()
                entry = _entry(rng, count, "image", image, base64_body=True, mime="image/png")
            elif roll < 0.55:
                entry = _entry(rng, count, "document", html)
            elif roll < 0.70:
                entry = _entry(rng, count, "script", rng.choice(bundles), mime="application/javascript")
            elif roll < 0.85:
                items = [{"id": n, "name": f"item {n}"} for n in range(rng.randrange(5, 200))]
                api = json.dumps({"items": items})
                entry = _entry(rng, count, "fetch", api, mime="application/json")
            else:
                entry = _event(rng, count)
            har.add(entry)
    return har.count


def measure(mode: str, path: str) -> dict[str, float]:
    """Run in a child: load the file one way and report seconds and peak RSS."""
    started = time.perf_counter()
    entries = 0
    if mode == "reader":
        from probe.evidence import read_har

        entries = len(read_har(path).entries)
    elif mode == "json":
        with open(path, "rb") as handle:
            entries = len(json.load(handle)["log"]["entries"])
    elif mode == "baseline":
        import probe.evidence  # noqa: F401 - the imports are the baseline's whole cost
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "entries": entries}


def _child(mode: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return json.loads(out.stdout)


def main() -> None:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0, help="size of the synthetic HAR (default 200)")
    parser.add_argument("--profile", choices=["session", "small"], default="session", help="entry mix")
    parser.add_argument("--keep", action="store_true", help="keep the generated file and print its path")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return

    folder = Path(tempfile.mkdtemp(prefix="probe-har-bench-"))
    path = folder / "synthetic.har"
    started = time.perf_counter()
    count = generate(path, args.mb, args.profile)
    size_mb = path.stat().st_size / MB
    took = time.perf_counter() - started
    print(f"synthetic HAR ({args.profile}): {size_mb:.1f} MB, {count} entries, written in {took:.1f} s")
    try:
        base = _child("baseline", path)
        reader = _child("reader", path)
        plain = _child("json", path)
    finally:
        if not args.keep:
            path.unlink()
            folder.rmdir()
    print(f"baseline interpreter + imports: peak RSS {base['peak_mb']:.0f} MB")
    rows = [("read_har (streaming)", reader), ("json.load", plain)]
    for label, result in rows:
        rate = size_mb / result["seconds"]
        extra = result["peak_mb"] - base["peak_mb"]
        per_second = result["entries"] / result["seconds"]
        print(
            f"{label:22s} {result['seconds']:6.2f} s  {rate:7.1f} MB/s  {per_second:8.0f} entries/s"
            f"  peak RSS +{extra:7.1f} MB ({result['peak_mb']:.0f} MB)  ({result['entries']:.0f} entries)"
        )
    speed = plain["seconds"] / reader["seconds"]
    memory = (reader["peak_mb"] - base["peak_mb"]) / max(plain["peak_mb"] - base["peak_mb"], 1e-9)
    print(f"ratio read_har/json.load: throughput x{speed:.2f}, peak memory above baseline x{memory:.2f}")
    if args.keep:
        print(f"kept: {path}")


if __name__ == "__main__":
    main()
