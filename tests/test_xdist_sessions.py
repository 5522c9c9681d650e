"""Concurrent sessions on one tenant, xdist inside each, and a session killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prov_helpers import (
    K_SETS,
    LIVE_ARGS,
    LIVE_INI,
    N_TESTS,
    SAMPLE_TESTS,
    live,
    live_env,
    plugin_apps,
    plugin_grants,
    tenant,
)

from pytest_auth0_m2m.fake import FakeAuth0

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

__all__ = ["live", "tenant"]  # fixtures, imported for pytest

# Uses its app's grant only once the file WAIT_FOR exists (the other session has ended, its
# teardown done): it fails if that teardown pulled the grant from under this session.
LATE_TEST = """
import os
import time

import httpx
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_zz_grant_still_there(m2m_credentials):
    wait_for = os.environ.get("WAIT_FOR")
    deadline = time.monotonic() + 60
    while wait_for and not os.path.exists(wait_for):
        assert time.monotonic() < deadline, "the other session never ended"
        time.sleep(0.05)
    response = httpx.post(
        m2m_credentials.token_url,
        json={
            "grant_type": "client_credentials",
            "client_id": m2m_credentials.client_id,
            "client_secret": m2m_credentials.client_secret,
            "audience": m2m_credentials.audience,
        },
    )
    assert response.status_code == 200, response.text
"""


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "pytest.ini").write_text(LIVE_INI)
    (root / "test_sample.py").write_text(SAMPLE_TESTS)
    (root / "test_zz_late.py").write_text(LATE_TEST)
    return root


def _start(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *LIVE_ARGS, *args],
        cwd=root,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_two_sessions_at_once_with_xdist_leave_no_grant(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    # Two CI jobs: separate checkouts (no shared cache, locks or run state), one tenant.
    env = live_env(tenant)
    # Apps and grants already there, as after a --auth0-keep run: both jobs lease the same ones.
    warmup = _start(_project(live.path / "job0"), env, "--auth0-keep")
    assert warmup.wait(timeout=120) == 0, warmup.communicate()[0]
    apps = sorted(app["client_id"] for app in plugin_apps(tenant))
    assert len(plugin_grants(tenant)) == len(apps) == K_SETS
    first_done = live.path / "job1-done"
    first = _start(_project(live.path / "job1"), env, "-n", "2")
    second = _start(_project(live.path / "job2"), {**env, "WAIT_FOR": str(first_done)}, "-n", "2")
    outputs = [first.communicate(timeout=120)[0]]
    first_done.touch()  # job1 has torn down: job2's late test now uses the shared grant
    outputs.append(second.communicate(timeout=120)[0])
    for proc, output in zip((first, second), outputs, strict=True):
        assert proc.returncode == 0, output
        assert f"{N_TESTS + 1} passed" in output
    assert plugin_grants(tenant) == []
    assert sorted(app["client_id"] for app in plugin_apps(tenant)) == apps


def test_killed_session_is_repaired_by_the_next_run(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    root = _project(live.path / "job")
    (root / "test_hang.py").write_text(
        "import os, time, pytest\n\n"
        '@pytest.mark.mgmt_scopes("read:users", "read:roles")\n'
        "def test_hang(m2m_credentials):\n"
        '    if os.environ.get("HANG"):\n'
        '        open("provisioned", "w").close()\n'
        "        time.sleep(120)\n"
    )
    env = live_env(tenant)
    victim = _start(root, {**env, "HANG": "1"})
    deadline = time.monotonic() + 60
    while not (root / "provisioned").exists():
        assert victim.poll() is None, victim.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.communicate()
    assert plugin_grants(tenant)  # the killed run left its grants behind

    rerun = _start(root, env, "--auth0-delete-apps")
    output = rerun.communicate(timeout=120)[0]
    assert rerun.returncode == 0, output
    assert plugin_grants(tenant) == []
    assert plugin_apps(tenant) == []

    sweep = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m", "sweep"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert sweep.returncode == 0, sweep.stderr
    assert sweep.stdout.strip() == f"nothing to sweep in {tenant.domain}"
