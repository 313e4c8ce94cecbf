"""The suite's backend block: validated at load, each refusal one line naming the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.suite import SuiteError, load_suite

BASE = """name: shop
start_url: https://shop.test/
categories:
  necessary: {segment: [necessary], required: true}
  analytics: {segment: [analytics], vendor_categories: [analytics]}
  marketing: {segment: [marketing], vendor_categories: [marketing]}
backend:
"""
FORWARD = "  forward: ['https://shop.test/api/']\n"


@pytest.mark.parametrize(
    ("block", "line", "field", "cause"),
    [
        ("  command: [python, app.py]\n", 7, "backend.forward", "Field required"),
        (
            FORWARD,
            7,
            "backend",
            "Value error, a backend without a command is one you started: give its address (127.0.0.1:PORT)",
        ),
        (
            "  address: '10.0.0.5:8080'\n" + FORWARD,
            8,
            "backend.address",
            "Value error, the backend must listen on loopback (127.0.0.1, [::1], localhost), not '10.0.0.5'",
        ),
        (
            "  address: '127.0.0.1:99999'\n" + FORWARD,
            8,
            "backend.address",
            "Value error, wants HOST:PORT with a port from 1 to 65535, not '127.0.0.1:99999'",
        ),
        (
            "  command: [python, app.py]\n  forward: ['https://shop.test/api/?x=1']\n",
            9,
            "backend.forward.0",
            "Value error, a backend prefix is http(s)://host/path/ with no query or fragment, "
            "not 'https://shop.test/api/?x=1'",
        ),
        (
            "  command: [python, app.py]\n  forward: ['https://shop.test/*/api/']\n",
            9,
            "backend.forward.0",
            "Value error, a backend prefix is matched literally; it cannot hold a *: 'https://shop.test/*/api/'",
        ),
        ("  command: []\n" + FORWARD, 8, "backend.command", "List should have at least 1 item after validation, not 0"),
        ("  command: [python, app.py]\n" + FORWARD + "  port: 8080\n", 10, "backend.port", "Extra inputs are not permitted"),
        ("  command: [python]\n" + FORWARD + "  flush_ms: -1\n", 10, "backend.flush_ms", "Input should be greater than or equal to 0"),
    ],
)
def test_a_bad_backend_block_is_one_line_naming_the_field(
    tmp_path: Path, block: str, line: int, field: str, cause: str
) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(BASE + block, encoding="utf-8")
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert str(caught.value) == f"{path}:{line}: field {field}: {cause}"


def test_a_backend_block_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(BASE + "  command: [python, app.py]\n" + FORWARD, encoding="utf-8")
    backend = load_suite(path).backend
    assert backend is not None
    assert backend.model_dump() == {
        "command": ["python", "app.py"],
        "cwd": tmp_path.resolve(),  # the suite's folder, absolute, so suite.json says where it ran
        "address": None,
        "forward": ["https://shop.test/api/"],
        "env": {},
        "ready_timeout_ms": 15000,
        "flush_ms": 1000,
    }
    started = load_suite(_write(tmp_path, BASE + "  address: 'localhost:8123'\n" + FORWARD)).backend
    assert started is not None and started.command is None and started.address == "localhost:8123"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "started.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_backend_cwd_is_relative_to_the_suite_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "shop" / "api").mkdir(parents=True)
    path = _write(tmp_path, BASE + "  command: [python, app.py]\n  cwd: shop/api\n" + FORWARD)
    backend = load_suite(path).backend
    assert backend is not None and backend.cwd == tmp_path.resolve() / "shop" / "api"
    path = _write(tmp_path, BASE + "  command: [python, app.py]\n  cwd: nowhere\n" + FORWARD)
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert str(caught.value) == f"{path}:9: field backend.cwd: no such folder {tmp_path.resolve() / 'nowhere'}"
