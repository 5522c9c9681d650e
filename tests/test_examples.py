"""The example project, run as its users run it: on the emulator, then replayed offline from its
committed cassettes with the network blocked and no AUTH0_* variable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(*args: str, tmpdir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("mode", "args"),
    [("replay", ("--block-network",)), ("fake", ("--auth0-fake", "-n", "2"))],
)
def test_example_suite_passes(mode: str, args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"auth0-m2m: mode={mode}," in result.stdout
    assert "6 passed" in result.stdout


def test_example_cassettes_hold_no_secret() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m", "audit", str(EXAMPLES / "cassettes")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 cassette(s) checked, no secret found." in result.stdout


def test_fake_runs_tear_down_each_emulator_and_leave_no_state(tmp_path: Path) -> None:
    # Under xdist every worker has its own emulator: each tears its own tenant down, and the
    # run's state (in a temporary directory of its own) is gone afterwards.
    result = _run("--auth0-fake", "-n", "2", tmpdir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    created = re.search(r"grants (\d+) created, (\d+) deleted", result.stdout)
    assert created is not None, result.stdout[-2000:]
    assert int(created.group(1)) > 0
    assert created.group(1) == created.group(2)
    # Only pytest's own base temp may be left in the temp directory.
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("pytest-of-")] == []
