"""auth0_arrange as a user meets it: arranged data in fake mode, recorded, replayed offline, and
held apart from the test's own scopes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

TESTS = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_reads_an_arranged_user(auth0_arrange, mgmt_client):
    user = auth0_arrange.user(email="ada@example.com", password="Aa1!planted-pw-7c2e")
    got = mgmt_client.get(f"users/{user.id}")
    assert got.status_code == 200
    assert got.json()["email"] == "ada@example.com"


@pytest.mark.mgmt_scopes("read:users")
def test_fails_after_arranging(auth0_arrange, mgmt_client, tmp_path_factory):
    user = auth0_arrange.user()
    (tmp_path_factory.getbasetemp().parent / "left.txt").write_text(user.id)
    assert False, "fails on purpose"


@pytest.mark.mgmt_scopes("read:users")
def test_nothing_left_by_the_failed_test(mgmt_client, tmp_path_factory):
    user_id = (tmp_path_factory.getbasetemp().parent / "left.txt").read_text()
    assert mgmt_client.get(f"users/{user_id}").status_code == 404
"""


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_arranged_data_is_deleted_even_when_the_test_fails(project: pytest.Pytester) -> None:
    project.makepyfile(test_app=TESTS)
    result = _run(project, "--auth0-fake", "--mgmt-scopes-report=report.json")
    result.assert_outcomes(passed=2, failed=1)
    # The setup identity's calls (create:users, delete:users) are not the test's requests.
    assert "create:users" not in (project.path / "report.json").read_text()
    # The setup identity's calls are not the test's: no create:users missing or used.
    result.stdout.fnmatch_lines(["*0 missing scopes*"])
    assert "create:users" not in result.stdout.str()


def test_recorded_on_the_emulator_replays_offline_and_narrowing_fails_as_live(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app=TESTS.split("@pytest.mark.mgmt_scopes")[0]
        + "@pytest.mark.mgmt_scopes"
        + TESTS.split("@pytest.mark.mgmt_scopes")[1]
    )
    _run(project, "--auth0-fake", "--record-mode=once").assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_app" / "test_reads_an_arranged_user.yaml"
    text = cassette.read_text()
    assert "X-Auth0-M2M-Arrange" in text or "x-auth0-m2m-arrange" in text
    assert "DELETE" in text
    assert "planted-pw-7c2e" not in text  # the arranged user's password is redacted
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    replayed = _run(project, "--block-network", "--mgmt-scopes-strict")
    replayed.assert_outcomes(passed=1)

    # Narrowed to a scope that does not cover GET /users/{id}: the tenant's 403 on replay,
    # while the arranged (setup) calls replay as recorded.
    source = (project.path / "test_app.py").read_text()
    (project.path / "test_app.py").write_text(source.replace('"read:users"', '"read:clients"'))
    narrowed = _run(project, "--block-network")
    narrowed.assert_outcomes(failed=1)
    narrowed.stdout.fnmatch_lines(["*missing*read:users*"])
    assert "403" in narrowed.stdout.str()
