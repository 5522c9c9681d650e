"""Where a live session keeps run state and tokens without the pytest cache (issue 13, item 3):
the user's own cache directory, never a predictable one under the system temp dir, and never
one someone else made first. Emulator on real sockets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prov_helpers import LIVE_ARGS, live, plugin_apps, tenant

from pytest_auth0_m2m.fake import FakeAuth0

__all__ = ["live", "tenant"]

pytestmark = pytest.mark.e2e

ONE_TEST = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_token(mgmt_token):
    assert mgmt_token
"""


def test_no_cacheprovider_uses_the_user_cache_dir(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    live.makepyfile(ONE_TEST)
    live.runpytest_subprocess(*LIVE_ARGS, "-p", "no:cacheprovider").assert_outcomes(passed=1)
    tokens = list((xdg / "pytest-auth0-m2m" / "tokens").glob("*.json"))
    assert len(tokens) == 1
    assert (tokens[0].stat().st_mode & 0o777) == 0o600
    assert ((xdg / "pytest-auth0-m2m").stat().st_mode & 0o777) == 0o700


def test_a_cache_dir_someone_else_made_first_is_refused(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    xdg = tmp_path / "xdg"
    planted = xdg / "pytest-auth0-m2m"
    planted.mkdir(parents=True)
    planted.chmod(0o777)
    os.chown(planted, 54321, 54321)  # another local user got there first
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    live.makepyfile(ONE_TEST)
    result = live.runpytest_subprocess(*LIVE_ARGS, "-p", "no:cacheprovider")
    assert result.ret != 0
    assert "owned by uid 54321, not by this user" in result.stdout.str() + result.stderr.str()
    assert not list(planted.rglob("*.json"))
    assert plugin_apps(tenant) == []  # refused before the first write
