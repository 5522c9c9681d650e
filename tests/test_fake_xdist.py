"""Fake mode under xdist, as a user runs it with -n 2: each worker has its own emulator (its own
CA, tenant, apps and tokens), isolation holds on each, and what the README says about the token
economy of per-worker emulators is what a run prints."""

from __future__ import annotations

import pytest

from tests.test_isolation_plugin import TESTS as ISOLATION_TESTS
from tests.test_polish_plugin import CLIENTS

pytestmark = pytest.mark.e2e


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_isolation_holds_on_each_worker(project: pytest.Pytester) -> None:
    # loadfile: both tests of the module on one worker, so the second looks at the first's
    # emulator (on another worker's emulator the user would be missing anyway).
    project.makepyfile(test_iso=ISOLATION_TESTS)
    _run(project, "--auth0-fake", "-n", "2", "--dist", "loadfile").assert_outcomes(passed=2)


def test_each_worker_trusts_its_own_emulator(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.makepyfile(test_clients=CLIENTS)
    _run(project, "--auth0-fake", "-n", "2").assert_outcomes(passed=2)


ONE_SET = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(8))
def test_users(mgmt_client, i):
    assert mgmt_client.get("users").status_code == 200
"""


def test_per_worker_emulators_make_one_app_and_token_per_worker(project: pytest.Pytester) -> None:
    """Pins the README's Limitations line: one scope set costs one app and one token per
    worker in fake mode (a shared tenant, as in live mode, would make one of each)."""
    project.makepyfile(test_one=ONE_SET)
    result = _run(project, "--auth0-fake", "-n", "2")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["auth0-m2m: apps 2 created, 0 reused;*tokens 2 fetched*"])
    alone = _run(project, "--auth0-fake", "-p", "no:xdist")
    alone.stdout.fnmatch_lines(["auth0-m2m: apps 1 created, 0 reused;*tokens 1 fetched*"])
