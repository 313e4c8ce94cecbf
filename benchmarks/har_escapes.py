"""Escape-heavy strings in a HAR: the old read path (quadratic) against probe's reader (linear).

Writes HARs whose one request body is a JSON string made of escapes (``\\u00e9``, ``\\n``, ``\\"``),
of growing size, and times for each:

- ``old``: ijson's yajl2_c backend pulling 64 KiB reads from the file, the path probe used before
  (yajl re-lexes a token that spans reads from its first byte, so cost grows with the square);
- ``probe``: ``load_har``, whose chunks end between tokens (each token is lexed once).

Doubling the size should double ``probe`` and quadruple ``old``. Asserts nothing.

    .venv/bin/python benchmarks/har_escapes.py --mb 4 8 16 33 [--skip-old-above 40]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import ijson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probe.evidence import load_har  # noqa: E402
from probe.evidence._stream import PARSER_BACKEND  # noqa: E402
from probe.evidence.limits import ReadLimits  # noqa: E402

MB = 1024 * 1024
PIECE = '\\u00e9\\n\\"'  # 10 bytes of JSON, 3 characters


def write_har(path: Path, megabytes: float) -> int:
    """A one-entry HAR whose POST body is ``megabytes`` MB of escapes; returns the file size."""
    body = PIECE * int(megabytes * MB / len(PIECE))
    head = '{"log": {"version": "1.2", "creator": {"name": "bench"}, "entries": [{"startedDateTime": '
    entry = (
        '"2026-11-29T10:00:00Z", "request": {"method": "POST", "url": "https://api.segment.io/v1/t", '
        f'"headers": [], "postData": {{"mimeType": "text/plain", "text": "{body}"}}}}, '
        '"response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": "x"}}}]}}'
    )
    path.write_text(head + entry, encoding="utf-8")
    return path.stat().st_size


def time_old(path: Path) -> float:
    """The old path: yajl pulling fixed 64 KiB reads (tokenizing only: that is where the time went)."""
    backend = ijson.get_backend("yajl2_c")
    started = time.perf_counter()
    with open(path, "rb") as handle:
        for _ in backend.basic_parse(io.BufferedReader(handle, 1 << 16), use_float=True):
            pass
    return time.perf_counter() - started


def time_probe(path: Path) -> float:
    """probe's reader, end to end, with the string cap raised out of the way."""
    started = time.perf_counter()
    read = load_har(path, limits=ReadLimits(max_string_mb=1024))
    assert read.entries_in_file == 1
    return time.perf_counter() - started


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[4, 8, 16, 33], help="HAR sizes in MB")
    parser.add_argument("--skip-old-above", type=float, default=40, help="skip the old path above this size")
    args = parser.parse_args()
    print(f"parser backend: {PARSER_BACKEND}")
    print(f"{'HAR MB':>7} {'old s':>8} {'probe s':>8} {'probe MB/s':>11}")
    with tempfile.TemporaryDirectory(prefix="probe-escapes-") as folder:
        for size in args.mb:
            path = Path(folder) / f"escapes-{size:g}.har"
            actual = write_har(path, size) / MB
            old = f"{time_old(path):8.2f}" if size <= args.skip_old_above else f"{'-':>8}"
            mine = time_probe(path)
            print(f"{actual:7.1f} {old} {mine:8.2f} {actual / mine:11.1f}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
