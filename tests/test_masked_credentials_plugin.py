"""A failing assertion on a token or client secret prints neither, whatever the verbosity."""

from __future__ import annotations

from pathlib import Path

import pytest

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

TESTS = """
import pytest
from pathlib import Path

@pytest.mark.mgmt_scopes("read:users")
def test_token(mgmt_token):
    Path("token.txt").write_text(str(mgmt_token))
    copy = mgmt_token
    assert mgmt_token == "nope"

@pytest.mark.mgmt_scopes("read:users")
def test_token_in(mgmt_token):
    assert "nope" in mgmt_token

@pytest.mark.mgmt_scopes("read:clients")
def test_secret(m2m_credentials):
    Path("secret.txt").write_text(str(m2m_credentials.client_secret))
    assert m2m_credentials.client_secret == "nope"

@pytest.mark.mgmt_scopes("read:clients")
def test_credentials(m2m_credentials):
    assert m2m_credentials == "nope"
"""


def _pieces(secret: str, width: int = 16) -> list[str]:
    return [secret[i : i + width] for i in range(0, max(1, len(secret) - width), 4)]


@pytest.mark.parametrize(
    "flags",
    [["-vv"], ["-vv", "-l"], ["-vv", "--showlocals", "--tb=long"], ["-vvv", "--tb=native"]],
    ids=lambda f: " ".join(f),
)
def test_failing_assertions_print_no_credential(project: pytest.Pytester, flags: list[str]) -> None:
    project.makepyfile(test_masked=TESTS)
    result = project.runpytest_subprocess("--auth0-fake", "-p", "no:cacheprovider", *flags)
    result.assert_outcomes(failed=4)
    output = result.stdout.str() + result.stderr.str()
    token = Path(project.path, "token.txt").read_text()
    secret = Path(project.path, "secret.txt").read_text()
    assert token.count(".") == 2, "the test must have had a real JWT"
    assert len(secret) >= 24
    for piece in _pieces(token) + _pieces(secret):
        assert piece not in output
    assert "'<token …" in output
    assert "client_secret='***'" in output or "'<client secret" in output
    assert "does not print a credential" in output


def test_the_token_still_works_as_a_str(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_ok="""
import pytest, jwt

@pytest.mark.mgmt_scopes("read:users")
def test_token(mgmt_token, mgmt_client):
    assert isinstance(mgmt_token, str)
    assert jwt.decode(mgmt_token, options={"verify_signature": False})["scope"] == "read:users"
    assert mgmt_client.get("/users").status_code == 200
"""
    )
    project.runpytest_subprocess("--auth0-fake", "-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("record", [[], ["--record-mode=once"]], ids=["journal", "cassette"])
def test_a_token_in_a_request_path_is_masked_in_the_report(
    project: pytest.Pytester, record: list[str]
) -> None:
    project.makepyfile(
        test_path="""
import pytest
from pathlib import Path

@pytest.mark.mgmt_scopes("read:users")
def test_path(mgmt_token, mgmt_client, m2m_credentials):
    Path("token.txt").write_text(str(mgmt_token))
    mgmt_client.get(f"/nothing-here/{mgmt_token}")
    mgmt_client.get(f"/nothing-either/{m2m_credentials.client_secret}?q={mgmt_token}")
"""
    )
    report = project.path / "scopes.json"
    result = project.runpytest_subprocess(
        "--auth0-fake", "-p", "no:cacheprovider", f"--mgmt-scopes-report={report}", *record
    )
    output = result.stdout.str() + result.stderr.str()
    token = Path(project.path, "token.txt").read_text()
    text = report.read_text()
    assert "/api/v2/nothing-here/***" in output
    assert "/api/v2/nothing-either/***" in output
    assert "/api/v2/nothing-here/***" in text
    for piece in _pieces(token):
        assert piece not in output
        assert piece not in text
