"""Fake mode's isolation as a user meets it: what one test makes on the emulator (data, faults,
rate limits) is gone for the next, the plugin's apps and tokens survive the restore, and the
level is chosen with the ini value or the marker."""

from __future__ import annotations

import pytest

from pytest_auth0_m2m.fake import FakeAuth0

pytestmark = pytest.mark.e2e

# Each test leaves a trace in a file, so the next one knows what to look for.
TESTS = """
import pytest


@pytest.fixture(scope="session")
def seeded(auth0_fake):
    # Seeded by a session fixture: part of what every test starts from.
    return auth0_fake.seed({"users": [{"email": "seeded@example.com"}]})["users"][0]


@pytest.mark.mgmt_scopes("create:users", "read:users")
def test_a_creates(mgmt_client, mgmt_token, auth0_fake, seeded, tmp_path_factory):
    made = mgmt_client.post(
        "users",
        json={"email": "made@example.com", "connection": "Username-Password-Authentication",
              "password": "Aa1!isolation-pw"},
    )
    assert made.status_code == 201, made.text
    auth0_fake.faults.add(status=503, count=None, operation="get_users_by_id")
    auth0_fake.set_rate_limits("free")
    auth0_fake.search_lag = 3
    base = tmp_path_factory.getbasetemp().parent
    (base / "user.txt").write_text(made.json()["user_id"])
    (base / "token.txt").write_text(mgmt_token)


@pytest.mark.mgmt_scopes("create:users", "read:users")
def test_b_sees_none_of_it(mgmt_client, mgmt_token, seeded, auth0_fake, tmp_path_factory):
    base = tmp_path_factory.getbasetemp().parent
    user_id = (base / "user.txt").read_text()
    # The user is gone and the fault with it (a 503 would answer otherwise).
    assert mgmt_client.get(f"users/{user_id}").status_code == 404
    # The session fixture's seed is still there.
    assert mgmt_client.get(f"users/{seeded}").status_code == 200
    # No "free" limit left behind: a burst of 10 is not answered 429.
    assert [mgmt_client.get("users").status_code for _ in range(10)] == [200] * 10
    # Nor the search lag test_a set.
    assert auth0_fake.search_lag == 0
    # The same token as before, still accepted: its app and grant survived the restore.
    assert mgmt_token == (base / "token.txt").read_text()
"""


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_each_test_starts_from_the_same_tenant(project: pytest.Pytester) -> None:
    project.makepyfile(test_iso=TESTS)
    result = _run(project, "--auth0-fake", "-p", "no:xdist")
    result.assert_outcomes(passed=2)
    # One app, one token for the two tests: the restore kept the plugin's cache valid.
    result.stdout.fnmatch_lines(["auth0-m2m: apps 1 created*tokens 1 fetched,*"])


def test_without_isolation_the_next_test_sees_it_all(project: pytest.Pytester) -> None:
    """The test above can fail: with isolation off the same tests see the first one's data."""
    project.makepyfile(test_iso=TESTS)
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_fake_isolation = session\n"
    )
    result = _run(project, "--auth0-fake")
    # The user is still there, or the fault (a 503) still answers: either way test_b fails.
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_b_sees_none_of_it*"])


MODULE_TESTS = """
import pytest

pytestmark = pytest.mark.auth0_fake_isolation("module")


@pytest.mark.mgmt_scopes("create:roles", "read:roles")
def test_a_creates(mgmt_client, auth0_fake, tmp_path_factory):
    made = mgmt_client.post("roles", json={"name": "kept-in-module"})
    assert made.status_code == 200, made.text
    auth0_fake.faults.add(status=503, count=None, operation="get_roles")
    auth0_fake.faults.add(status=418, count=None, operation="delete_roles_by_id", scope="session")
    (tmp_path_factory.getbasetemp().parent / "role.txt").write_text(made.json()["id"])


@pytest.mark.mgmt_scopes("create:roles", "read:roles")
def test_b_same_module_sees_the_role_not_the_fault(mgmt_client, tmp_path_factory):
    role = (tmp_path_factory.getbasetemp().parent / "role.txt").read_text()
    # The role is kept within the module; the test's fault is not (a 503 otherwise).
    assert mgmt_client.get(f"roles/{role}").status_code == 200
    assert mgmt_client.get("roles").status_code == 200
"""

NEXT_MODULE = """
import pytest


@pytest.mark.mgmt_scopes("read:roles", "delete:roles")
def test_c_next_module(mgmt_client, tmp_path_factory):
    role = (tmp_path_factory.getbasetemp().parent / "role.txt").read_text()
    assert mgmt_client.get(f"roles/{role}").status_code == 404
    # The fault set "for the session" is still there.
    assert mgmt_client.delete(f"roles/{role}").status_code == 418
"""


def test_module_level_keeps_data_within_the_module(project: pytest.Pytester) -> None:
    project.makepyfile(test_1_module=MODULE_TESTS, test_2_next=NEXT_MODULE)
    result = _run(project, "--auth0-fake", "-p", "no:xdist")
    result.assert_outcomes(passed=3)


def test_a_bad_level_is_reported_at_once(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_bad="""
import pytest


@pytest.mark.auth0_fake_isolation("modul")
@pytest.mark.mgmt_scopes("read:users")
def test_one(mgmt_client):
    pass


@pytest.mark.auth0_fake_isolation("tests")
@pytest.mark.mgmt_scopes("read:users")
def test_two(mgmt_client):
    pass


@pytest.mark.auth0_fake_isolation("sesion")
def test_three():  # uses no emulator fixture: its typo is still one (red-team finding)
    pass
"""
    )
    # A collection error of the module, as a bad scope marker is: under xdist too (red-team
    # finding: a UsageError raised in a worker's collection was an INTERNALERROR).
    for args in (["--auth0-fake"], ["--auth0-fake", "-n", "2"]):
        result = _run(project, *args)
        # xdist ends a run with collection errors as failed (1), plain pytest as interrupted (2)
        expected = pytest.ExitCode.TESTS_FAILED if "-n" in args else pytest.ExitCode.INTERRUPTED
        assert result.ret == expected, args
        result.stdout.fnmatch_lines(
            [
                "*test_bad.py::test_one: auth0_fake_isolation: 'modul' is not an isolation level;*",
                "*test_bad.py::test_two: auth0_fake_isolation: 'tests' is not an isolation level;*",
                "*test_bad.py::test_three: auth0_fake_isolation: 'sesion' is not an isolation*",
            ]
        )
        assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    project.makeini("[pytest]\nauth0_fake_isolation = per-test\n")
    bad_ini = _run(project, "--auth0-fake")
    bad_ini.stderr.fnmatch_lines(
        ["*ini auth0_fake_isolation: 'per-test' is not an isolation level; use one of*"]
    )


def test_restore_keeps_session_faults() -> None:
    """The emulator side: a restore drops the faults added since, except scope="session"."""
    with FakeAuth0() as fake:
        point = fake.checkpoint()
        fake.faults.add(status=503, operation="get_users")
        fake.faults.add(status=418, operation="get_roles", scope="session")
        fake.restore(point)
        assert [(f.status, f.scope) for f in fake.faults.pending] == [(418, "session")]
        fake.faults.clear(scope="session")
        assert fake.faults.pending == []
