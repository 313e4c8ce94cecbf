"""``probe run --live`` against the staging server, as a user runs it: exit codes, causes, kept evidence."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.capture.servers import StagingServer
from tests.conftest import read_har
from tests.faults.conftest import CREDENTIALS, movable_demo

pytestmark = pytest.mark.e2e

PROBE = str(Path(sys.executable).with_name("probe"))



@pytest.fixture(scope="module")
def suite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo suite as a staging suite: logged in through the URL, one scenario, absolute paths."""
    data = movable_demo()
    start = f"https://{CREDENTIALS}@shop.test/"
    data.update(name="staging-shop", start_url=start, pages=[start, "https://shop.test/product.html"])
    data["scenarios"] = ["accept_all"]
    path = tmp_path_factory.mktemp("suite") / "staging.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROBE, *args], capture_output=True, text=True, timeout=240, check=False)


def live_args(suite_file: Path, staging: StagingServer, run_dir: Path) -> list[str]:
    mapping = [f"{host}=127.0.0.1:{staging.port}" for host in ("shop.test", "cdn.segment.com")]
    return ["run", str(suite_file), "--live", "--sink-segment", "--run-dir", str(run_dir)] + [
        arg for m in mapping for arg in ("--resolve", m)
    ]


def test_live_run_without_the_staging_ca_exits_2_with_the_tls_cause(
    suite_file: Path, staging: StagingServer, tmp_path: Path
) -> None:
    done = probe(*live_args(suite_file, staging, tmp_path / "run"))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    cause = [line.strip() for line in lines if "upstream error: https://shop.test:443" in line]
    assert len(cause) == 1, done.stderr
    assert "certificate verify failed" in cause[0].lower() and "--upstream-ca FILE" in cause[0]
    assert done.stdout.splitlines()[-1] == str((tmp_path / "run" / "report.json").resolve())
    har = read_har(tmp_path / "run" / "accept_all")
    assert har["log"]["_probe"]["error"].startswith("site unreachable: https://")
    assert probe("verify", str(tmp_path / "run" / "accept_all")).returncode == 0


def test_live_run_with_the_staging_ca_passes_and_its_evidence_verifies(
    suite_file: Path, staging: StagingServer, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    done = probe(*live_args(suite_file, staging, run_dir), "--upstream-ca", str(staging.ca))
    assert done.returncode == 0, done.stderr + done.stdout
    assert "upstream error" not in done.stderr and "WARNING" not in done.stderr
    verified = probe("verify", str(run_dir / "accept_all"))
    assert verified.returncode == 0, verified.stdout
    har = read_har(run_dir / "accept_all")
    assert har["log"]["_probe"]["upstream"]["tls_verify"] is True


@pytest.mark.parametrize(
    ("extra", "cause"),
    [
        (["--upstream-ca", "{bad}"], "not a PEM certificate file"),
        (["--upstream-ca", "{missing}"], "cannot read it"),
        (["--upstream-resolve", "shop.test"], "--resolve wants HOST:ADDRESS[:PORT]"),
    ],
)
def test_unusable_upstream_options_exit_2_with_one_line(
    suite_file: Path, staging: StagingServer, tmp_path: Path, extra: list[str], cause: str
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    extra = [e.format(bad=bad, missing=tmp_path / "missing.pem") for e in extra]
    done = probe(*live_args(suite_file, staging, tmp_path / "run"), *extra)
    assert done.returncode == 2
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("probe: ")]
    assert cause in line


def test_upstream_options_on_an_offline_run_exit_2(suite_file: Path, tmp_path: Path) -> None:
    done = probe("run", str(suite_file), "--upstream-insecure", "--run-dir", str(tmp_path / "run"))
    assert done.returncode == 2
    assert "apply to live mode only" in done.stderr


def test_a_wrong_login_from_the_environment_exits_2_and_the_password_is_nowhere(
    suite_file: Path, staging: StagingServer, tmp_path: Path
) -> None:
    data = yaml.safe_load(suite_file.read_text(encoding="utf-8"))
    data.update(start_url="https://shop.test/", pages=["https://shop.test/", "https://shop.test/product.html"])
    plain = tmp_path / "plain.yaml"  # no login in the URL: PROBE_HTTP_CREDENTIALS is the only one
    plain.write_text(yaml.safe_dump(data), encoding="utf-8")
    secret = "Wrong-4b1d-pass"
    run_dir = tmp_path / "run"
    args = live_args(plain, staging, run_dir) + ["--upstream-ca", str(staging.ca)]
    # from the environment, as CI hands over a secret (the e2e staging test gives the option)
    env = {**os.environ, "PROBE_HTTP_CREDENTIALS": f"probe:{secret}"}
    done = subprocess.run([PROBE, *args], capture_output=True, text=True, timeout=240, check=False, env=env)
    assert done.returncode == 2, done.stderr + done.stdout
    assert "site unreachable: https://shop.test/ answered HTTP 401" in done.stderr, done.stderr
    forms = [secret.encode(), base64.b64encode(f"probe:{secret}".encode()), base64.b64encode(secret.encode())]
    said = (done.stdout + done.stderr).encode()
    assert not [f for f in forms if f in said], "the password is in the console output"
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert "evidence.har" in {p.name for p in files}
    for path in files:
        assert not [f for f in forms if f in path.read_bytes()], f"the password is in {path}"
    har = read_har(run_dir / "accept_all")
    refused = [e for e in har["log"]["entries"] if e["response"]["status"] == 401]
    assert refused, "staging never refused the wrong login"
    # the wrong login is still this run's login: masked where the browser sent it
    assert har["log"]["_probe"]["http_credentials"]["masked"] > 0
