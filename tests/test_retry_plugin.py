"""The plugin's clients on a rate-limited, flaky tenant, as users run them (pytester sessions).

Live mode runs against an emulator this module owns (AUTH0_DOMAIN=localhost:PORT, see
prov_helpers), so that what the tenant saw, and when, is read from its journal after the run;
fake mode's own emulator is driven from inside the generated tests through ``auth0_fake``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prov_helpers import LIVE_ARGS, LIVE_INI, live, tenant

from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.fake.journal import JournalEntry

pytestmark = pytest.mark.e2e

__all__ = ["live", "tenant"]  # fixtures, imported for pytest

# 20 tests, 10 on each client, three GETs each: 60 of the tests' own calls.
NOISY_TESTS = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(10))
def test_sync(mgmt_client, i):
    for page in range(3):
        response = mgmt_client.get("users", params={"page": page, "per_page": 1})
        assert response.status_code == 200, response.status_code


@pytest.mark.asyncio
@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(10))
async def test_async(mgmt_async_client, i):
    async with mgmt_async_client as client:
        for page in range(3):
            response = await client.get("users", params={"page": page, "per_page": 1})
            assert response.status_code == 200, response.status_code
"""


def own_calls(tenant: FakeAuth0, mark: int) -> list[JournalEntry]:
    """The generated tests' own requests (provisioning never lists users)."""
    return [e for e in tenant.journal.since(mark) if e.path == "/api/v2/users"]


def test_20_percent_429_503_fail_no_test(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile(test_noisy=NOISY_TESTS)
    # Every tenant call, the plugin's own provisioning and token requests included.
    noisy = tenant.faults.random(0.2, statuses=(429, 503), seed=1414)
    mark = tenant.journal.mark()
    try:
        result = live.runpytest_subprocess(*LIVE_ARGS)
    finally:
        tenant.faults.clear()
    result.assert_outcomes(passed=20)
    seen = [e.status for e in own_calls(tenant, mark)]
    # The noise reached the tests' own calls, both kinds, and each was answered in the end.
    assert seen.count(429) >= 1
    assert seen.count(503) >= 1
    assert seen.count(200) == 60
    assert noisy.served > seen.count(429) + seen.count(503)  # provisioning met some too
    result.stdout.fnmatch_lines(["*auth0-m2m: apps 1 created*[1-9]* rate-limit waits (429)*"])


def test_the_same_noise_fails_tests_with_auth0_no_retry(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    # The other side of the test above: without the clients' retries the noise is seen.
    live.makepyfile(test_noisy=NOISY_TESTS)
    tenant.faults.random(0.2, statuses=(429, 503), seed=1414, operation="get_users")
    try:
        result = live.runpytest_subprocess(*LIVE_ARGS, "--auth0-no-retry")
    finally:
        tenant.faults.clear()
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, result.stdout.str()
    assert outcomes.get("failed", 0) + outcomes.get("passed", 0) == 20
    result.stdout.fnmatch_lines(["*assert 429 == 200*"])


# The next GET /users is refused with a 429: by the emulator, or played back from a cassette.
REFUSES_ONE_GET = """
import pytest


@pytest.fixture
def refused(auth0_tenant, request):
    if auth0_tenant.mode == "fake":
        fake = request.getfixturevalue("auth0_fake")
        fake.faults.add(status=429, count=1, operation="get_users", scope="test")
"""

SEES_429 = (
    REFUSES_ONE_GET
    + """

@pytest.mark.mgmt_scopes("read:users")
def test_sync_sees_the_429(refused, mgmt_client):
    response = mgmt_client.get("users")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"


@pytest.mark.asyncio
@pytest.mark.mgmt_scopes("read:users")
async def test_async_sees_the_429(refused, mgmt_async_client):
    async with mgmt_async_client as client:
        assert (await client.get("users")).status_code == 429
"""
)


def test_auth0_no_retry_lets_a_test_assert_on_a_429(project: pytest.Pytester) -> None:
    project.makepyfile(test_429=SEES_429)
    project.runpytest_subprocess("--auth0-fake", "--auth0-no-retry").assert_outcomes(passed=2)


def test_ini_auth0_retry_false_does_the_same(project: pytest.Pytester) -> None:
    project.makepyfile(test_429=SEES_429)
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_retry = false\n"
    )
    project.runpytest_subprocess("--auth0-fake").assert_outcomes(passed=2)


def test_by_default_the_429_is_waited_out(project: pytest.Pytester) -> None:
    project.makepyfile(test_429=SEES_429)
    result = project.runpytest_subprocess("--auth0-fake")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*assert 200 == 429*"])


ONE_TEST_SEES_429 = (
    REFUSES_ONE_GET
    + """

@pytest.mark.auth0_no_retry
@pytest.mark.mgmt_scopes("read:users")
def test_sees_the_429(refused, mgmt_client):
    assert mgmt_client.get("users").status_code == 429
    assert mgmt_client.get("users").status_code == 200


@pytest.mark.asyncio
@pytest.mark.auth0_no_retry
@pytest.mark.mgmt_scopes("read:users")
async def test_async_sees_the_429(refused, mgmt_async_client):
    async with mgmt_async_client as client:
        assert (await client.get("users")).status_code == 429


@pytest.mark.mgmt_scopes("read:users")
def test_others_still_wait_it_out(refused, mgmt_client):
    assert mgmt_client.get("users").status_code == 200
"""
)


def test_auth0_no_retry_marker_turns_retries_off_for_one_test(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Red-team findings: retries could only be turned off for the whole run; and a 429 the
    # client handed to the test was dropped from the cassette, so the test failed on replay.
    project.makepyfile(test_429=ONE_TEST_SEES_429)
    result = project.runpytest_subprocess("--auth0-fake", "--record-mode=once")
    result.assert_outcomes(passed=3)
    cassettes = {p.name: recorded_statuses(p) for p in project.path.rglob("*.yaml")}
    assert cassettes == {
        "test_sees_the_429.yaml": [429, 200],
        "test_async_sees_the_429.yaml": [429],
        "test_others_still_wait_it_out.yaml": [200],
    }
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.runpytest_subprocess("--block-network").assert_outcomes(passed=3)
    project.runpytest_subprocess("--markers").stdout.fnmatch_lines(["*auth0_no_retry*"])


def test_a_429_handed_to_the_test_with_auth0_no_retry_replays(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_429=SEES_429)
    result = project.runpytest_subprocess("--auth0-fake", "--auth0-no-retry", "--record-mode=once")
    result.assert_outcomes(passed=2)
    assert sorted(recorded_statuses(p) for p in project.path.rglob("*.yaml")) == [[429], [429]]
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.runpytest_subprocess("--block-network", "--auth0-no-retry").assert_outcomes(passed=2)


RETRY_AFTER = """
import time

import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_waits_as_told(auth0_fake, mgmt_client):
    auth0_fake.faults.add(
        status=429, count=1, operation="get_users", headers={"retry-after": "2"}
    )
    mark = auth0_fake.journal.mark()
    assert mgmt_client.get("users").status_code == 200
    entries = [e for e in auth0_fake.journal.since(mark) if e.path == "/api/v2/users"]
    assert [e.status for e in entries] == [429, 200]
    assert entries[1].at - entries[0].at >= 1.9


@pytest.mark.asyncio
@pytest.mark.mgmt_scopes("read:users")
async def test_async_waits_until_the_reset(auth0_fake, mgmt_async_client):
    reset = int(time.time()) + 3
    auth0_fake.faults.add(
        status=429,
        count=1,
        operation="get_users",
        headers={"retry-after": "", "x-ratelimit-reset": str(reset)},
    )
    mark = auth0_fake.journal.mark()
    async with mgmt_async_client as client:
        assert (await client.get("users")).status_code == 200
    entries = [e for e in auth0_fake.journal.since(mark) if e.path == "/api/v2/users"]
    assert [e.status for e in entries] == [429, 200]
    assert entries[1].at >= reset - 0.05


@pytest.mark.mgmt_scopes("create:users")
def test_post_503_is_not_repeated_but_its_429_is(auth0_fake, mgmt_client):
    mark = auth0_fake.journal.mark()
    body = {
        "connection": "Username-Password-Authentication",
        "email": "ada@example.com",
        "password": "Correct-Horse-9",
    }
    auth0_fake.faults.add(status=503, count=1, operation="post_users")
    assert mgmt_client.post("users", json=body).status_code == 503
    auth0_fake.faults.add(status=429, count=1, operation="post_users")
    assert mgmt_client.post("users", json=body).status_code == 201
    entries = [e for e in auth0_fake.journal.since(mark) if e.path == "/api/v2/users"]
    assert [e.status for e in entries] == [503, 429, 201]
"""


def test_retry_after_reset_and_post_rules_in_fake_mode(project: pytest.Pytester) -> None:
    project.makepyfile(test_waits=RETRY_AFTER)
    project.runpytest_subprocess("--auth0-fake", "-p", "no:randomly").assert_outcomes(passed=3)


# --- the pacer, shared by xdist workers -------------------------------------------------------

PACED_TESTS = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(24))
def test_paced(mgmt_client, i):
    assert mgmt_client.get("users", params={"per_page": 1}).status_code == 200
"""


def busiest_window(times: list[float], width: float) -> int:
    """The most requests any ``width``-second window holds."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_two_xdist_workers_share_one_pacer(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile(test_paced=PACED_TESTS)
    rate = 6.0
    mark = tenant.journal.mark()
    result = live.runpytest_subprocess(
        *LIVE_ARGS, "-n", "2", "-v", "--auth0-rate-limit", f"{rate:g}/2"
    )
    result.assert_outcomes(passed=24)
    # Both workers ran tests (else sharing proved nothing) ...
    result.stdout.fnmatch_lines(["*[[]gw0[]]*PASSED*"])
    result.stdout.fnmatch_lines(["*[[]gw1[]]*PASSED*"])
    entries = [e for e in tenant.journal.since(mark) if e.path.startswith("/api/v2/")]
    tests = [e for e in entries if e.path == "/api/v2/users"]
    assert len(tests) == 24
    times = sorted(e.at for e in entries)
    span = times[-1] - times[0]
    # ... and the whole run (preflight, both workers' provisioning and tests, teardown) kept to
    # the limit: after the bucket's one token, one request per 1/rate s. Two unshared pacers
    # would let twice the rate through while both workers run (measured: 24 requests in the
    # busiest 2 s with one bucket per worker, 13 shared, against 2 * 6 + 1 = 13 allowed).
    # The journal holds arrival times: on a loaded machine a request sent late after its
    # reservation arrives bunched with the next ones (16 seen in a full -n 2 suite run), so the
    # window's bound sits halfway between one shared bucket (13) and two (24 and more).
    assert (len(times) - 1) / span <= rate * 1.2, (len(times), span)
    busiest = busiest_window(times, 2.0)
    assert busiest <= 18, (busiest, len(times), span)


def test_a_paced_xdist_run_meets_no_429_on_a_free_tenant(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    # Red-team finding: the xdist controller's final teardown was not paced: 3 x 429 at the end
    # of every `-n 2 --auth0-rate-limit free` run on a free-plan tenant.
    live.makepyfile(test_paced=PACED_TESTS.replace("range(24)", "range(4)"))
    mark = tenant.journal.mark()
    tenant.set_rate_limits("free")
    try:
        result = live.runpytest_subprocess(*LIVE_ARGS, "-n", "2", "--auth0-rate-limit", "free")
    finally:
        tenant.set_rate_limits(None)
    result.assert_outcomes(passed=4)
    statuses = [e.status for e in tenant.journal.since(mark)]
    deletes = [e for e in tenant.journal.since(mark) if e.method == "DELETE"]
    assert deletes, "the controller's teardown ran"
    assert 429 not in statuses, statuses


def test_sessions_of_two_projects_share_one_pacer(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Red-team finding: the bucket was kept in each project's pytest cache, so two checkouts
    # (two CI workspaces on one runner) against one tenant each had the whole limit.
    xdg = live.path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    projects = [live.path / "one", live.path / "two"]
    for project in projects:
        project.mkdir()
        (project / "pytest.ini").write_text(LIVE_INI)
        (project / "test_paced.py").write_text(PACED_TESTS.replace("range(24)", "range(12)"))
    rate = 6.0
    mark = tenant.journal.mark()
    command = [
        sys.executable,
        "-m",
        "pytest",
        *LIVE_ARGS,
        "-q",
        "--auth0-rate-limit",
        f"{rate:g}/2",
    ]
    runs = [
        subprocess.Popen(command, cwd=p, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for p in projects
    ]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    for output in outputs:
        assert "12 passed" in output, output
    times = sorted(e.at for e in tenant.journal.since(mark) if e.path.startswith("/api/v2/"))
    # One limit for both sessions (the bound as in the xdist test above: two buckets would let
    # about twice the rate through while both run).
    assert (len(times) - 1) / (times[-1] - times[0]) <= rate * 1.2, len(times)
    assert busiest_window(times, 2.0) <= 18
    buckets = list((xdg / "pytest-auth0-m2m" / "pacing").glob("*.json"))
    assert len(buckets) == 1
    assert not [found for p in projects for found in p.rglob("pacing")]


# --- the setting, checked before anything runs --------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        (("--auth0-rate-limit", "fast"), None, "--auth0-rate-limit"),
        (("--auth0-rate-limit=2/s",), None, "--auth0-rate-limit"),
        ((), "enterprise", "env AUTH0_RATE_LIMIT"),  # the plan is enterprise-dev
    ],
)
def test_a_bad_rate_limit_is_a_usage_error(
    project: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: str | None,
    source: str,
) -> None:
    project.makepyfile(test_one="def test_one():\n    pass\n")
    if env is not None:
        monkeypatch.setenv("AUTH0_RATE_LIMIT", env)
    result = project.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: pytest-auth0-m2m: {source}: rate limit * is not one of enterprise-dev, free, "
            "off, a rate such as 15 (requests a second) or a rate with its burst such as 15/30"
        ]
    )
    assert "1 passed" not in result.stdout.str()


def test_a_bad_ini_rate_limit_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_rate_limit = 2 per s\n"
    )
    project.makepyfile(test_one="def test_one():\n    pass\n")
    result = project.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-auth0-m2m: ini auth0_rate_limit: rate limit '2 per s' is not one of*"]
    )


# --- what a cassette keeps of a retried call ----------------------------------------------

RETRIED_TESTS = """
import pytest


@pytest.fixture
def flaky(request, auth0_tenant):
    # Transient tenant trouble on the test's own call: a 503, then a 429, then the answer.
    if auth0_tenant.mode != "fake":  # replayed: the cassette answers
        yield
        return
    auth0_fake = request.getfixturevalue("auth0_fake")
    auth0_fake.faults.add(status=503, count=1, operation="get_users", scope="test")
    auth0_fake.faults.add(status=429, count=1, operation="get_users", scope="test")
    yield
    auth0_fake.faults.clear(scope="test")


@pytest.mark.mgmt_scopes("read:users")
def test_sync(flaky, mgmt_client):
    assert mgmt_client.get("users", params={"q": "sync"}).status_code == 200


@pytest.mark.asyncio
@pytest.mark.mgmt_scopes("read:users")
async def test_async(flaky, mgmt_async_client):
    async with mgmt_async_client as client:
        assert (await client.get("users", params={"q": "async"})).status_code == 200


@pytest.mark.mgmt_scopes("create:users")
def test_post(flaky_post, mgmt_client):
    # Not repeated (it may have gone through): the 503 is the answer, and it is recorded.
    assert mgmt_client.post("users", json={"email": "ada@example.com"}).status_code == 503


@pytest.fixture
def flaky_post(request, auth0_tenant):
    if auth0_tenant.mode == "fake":
        auth0_fake = request.getfixturevalue("auth0_fake")
        auth0_fake.faults.add(status=503, count=1, operation="post_users", scope="test")
    yield
"""


def recorded_statuses(path: Path) -> list[int]:
    data = yaml.safe_load(path.read_text())
    return [int(i["response"]["status"]["code"]) for i in data["interactions"]]


@pytest.mark.parametrize("mode", ["once", "new_episodes", "all"])
def test_a_cassette_holds_only_the_answer_the_test_got(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    project.makepyfile(test_retried=RETRIED_TESTS)
    project.runpytest_subprocess(
        "--auth0-fake", f"--record-mode={mode}", "-p", "no:cacheprovider"
    ).assert_outcomes(passed=3)
    cassettes = {p.name: recorded_statuses(p) for p in project.path.rglob("*.yaml")}
    # The 503 and the 429 were the tenant's weather, not the code's behaviour: replay must
    # not depend on them (nor re-recording change the cassette when they come or go). A 503
    # the client handed to the test is the test's answer.
    assert cassettes == {"test_async.yaml": [200], "test_sync.yaml": [200], "test_post.yaml": [503]}
    # Replayed offline, with retries off too: the test gets the answer it got live.
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for extra in ((), ("--auth0-no-retry",)):
        project.runpytest_subprocess(
            "--block-network", "-p", "no:cacheprovider", *extra
        ).assert_outcomes(passed=3)


def test_pacing_without_a_private_cache_directory_warns_and_paces_the_run(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = project.path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)  # anyone may swap what is kept there (no sticky bit)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    project.makepyfile(test_paced=PACED_TESTS.replace("range(24)", "range(2)"))
    result = project.runpytest_subprocess("--auth0-fake", "--auth0-rate-limit", "50")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*can be written by group or others*pacing is shared by this*"])
    assert not (shared / "pytest-auth0-m2m").exists()
