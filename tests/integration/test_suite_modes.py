"""The integration suite as CI and its authors meet it, run on a copy of it in a temporary
project (the suite's files and cassettes copied, then edited there): the default command
replays it offline with the network blocked; a missing cassette, a narrowed marker and a
widened one each say what they should; fake mode runs only when asked for by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Runs pytest end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASSETTES = ROOT / "cassettes" / "tests" / "integration"
TESTS = sorted(p.name for p in HERE.glob("test_helpdesk_*.py"))


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A project holding a copy of tests/integration (this file left out) and its cassettes."""
    shutil.copytree(
        HERE,
        tmp_path / "tests" / "integration",
        ignore=shutil.ignore_patterns("__pycache__", Path(__file__).name),
    )
    shutil.copytree(CASSETTES, tmp_path / "cassettes" / "tests" / "integration")
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    (tmp_path / "pytest.ini").write_text(ini)
    return tmp_path


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def _n_tests() -> int:
    return sum(
        1
        for name in TESTS
        for line in (HERE / name).read_text().splitlines()
        if line.startswith(("def test_", "async def test_"))
    )


def test_every_test_has_its_cassette() -> None:
    recorded = sorted(p.relative_to(CASSETTES).as_posix() for p in CASSETTES.rglob("*.yaml"))
    expected = sorted(
        f"{name[:-3]}/{line.split('(')[0].split()[-1]}.yaml"
        for name in TESTS
        for line in (HERE / name).read_text().splitlines()
        if line.startswith(("def test_", "async def test_"))
    )
    assert recorded == expected


def test_the_default_run_replays_offline_with_the_network_blocked(suite: Path) -> None:
    # A plain test beside them, to see that the suite's tests run with the network blocked
    # although the command line has no --block-network.
    (suite / "tests" / "integration" / "test_probe.py").write_text(
        "import socket\n\nimport pytest\n\n\n"
        "def test_probe():\n"
        '    with pytest.raises(RuntimeError, match="Network is disabled"):\n'
        '        socket.create_connection(("127.0.0.1", 9), timeout=1)\n'
    )
    result = _run(suite, "-n", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "auth0-m2m: mode=replay, tenant=tenant.auth0.invalid" in result.stdout
    assert f"{_n_tests() + 1} passed" in result.stdout
    assert "0 missing scopes" in result.stdout


def test_a_missing_cassette_fails_with_the_rerecord_command(suite: Path) -> None:
    gone = suite / "cassettes/tests/integration/test_helpdesk_users/test_removes_a_user.yaml"
    gone.unlink()
    result = _run(suite, "--block-network")
    assert result.returncode == 1, result.stdout[-3000:]
    assert f"1 failed, {_n_tests() - 1} passed" in result.stdout
    assert "no cassette for tests/integration/test_helpdesk_users.py::test_removes_a_user" in (
        result.stdout
    )
    assert "    bash scripts/record-integration.sh" in result.stdout


def test_a_narrowed_marker_gets_the_tenants_403_on_replay(suite: Path) -> None:
    _edit(
        suite / "tests/integration/test_helpdesk_users.py",
        '@pytest.mark.mgmt_scopes("update:users")',
        '@pytest.mark.mgmt_scopes("read:users")',
    )
    result = _run(suite, "--block-network")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAILED tests/integration/test_helpdesk_users.py::test_suspends_and_reinstates" in (
        result.stdout
    )
    assert "HelpdeskError: 403 insufficient_scope" in result.stdout
    assert (
        "test_suspends_and_reinstates_a_user: missing any of update:users, "
        "update:users_app_metadata, update:current_user_metadata for PATCH /api/v2/users/"
    ) in result.stdout
    assert "1 missing scopes" in result.stdout


def test_a_widened_marker_is_reported_unused_and_still_replays(suite: Path) -> None:
    _edit(
        suite / "tests/integration/test_helpdesk_organizations.py",
        '@pytest.mark.mgmt_scopes("create:organization_members", "read:organization_members")',
        '@pytest.mark.mgmt_scopes(\n    "create:organization_members",\n'
        '    "read:organization_members",\n    "read:roles",\n)',
    )
    result = _run(suite, "--block-network")
    assert result.returncode == 0, result.stdout[-3000:]
    assert (
        "test_helpdesk_organizations.py::test_enrolls_a_user: unused read:roles (narrower: "
        '@pytest.mark.mgmt_scopes("create:organization_members", "read:organization_members"))'
    ) in result.stdout


def test_fake_mode_only_when_asked_for_on_the_command_line(suite: Path) -> None:
    result = _run(suite, "-o", "auth0_fake=true")
    assert result.returncode == 4, result.stdout[-3000:] + result.stderr[-2000:]
    assert "tests/integration replays its cassettes unless --auth0-fake" in result.stderr
