"""Each vcrpy leak listed in docs/auth0-wire.md, closed whatever the user configures."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from pytest_auth0_m2m.cassettes import placeholders
from tests.test_replay import SPY_CONFTEST, cassette_texts, encodings, record, replay

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

LEAKY_TESTS = """
import json
from urllib.parse import quote

import httpx
import pytest


@pytest.mark.mgmt_scopes("read:clients")
def test_json_charset(m2m_credentials):
    body = {
        "grant_type": "client_credentials",
        "client_id": m2m_credentials.client_id,
        "client_secret": m2m_credentials.client_secret,
        "audience": m2m_credentials.audience,
    }
    reply = httpx.post(
        m2m_credentials.token_url,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert reply.status_code == 200, reply.text


@pytest.mark.mgmt_scopes("read:clients")
def test_secret_url_encoded_elsewhere(mgmt_client, m2m_credentials):
    mgmt_client.get("clients", params={"q": m2m_credentials.client_secret + "/=+"})


@pytest.mark.mgmt_scopes("read:clients")
@pytest.mark.vcr(filter_headers=["x-something-else"])
def test_own_filter_headers(mgmt_client):
    assert mgmt_client.get("clients").status_code == 200
"""

USER_HOOKS_CONFTEST = """
import pytest


def keep_everything(request):
    return request


@pytest.fixture
def vcr_config():
    return {"filter_headers": [], "before_record_request": keep_everything,
            "decode_compressed_response": False}
"""


@pytest.fixture
def leaky(project: pytest.Pytester) -> pytest.Pytester:
    project.makeconftest(SPY_CONFTEST + USER_HOOKS_CONFTEST)
    project.makepyfile(test_leaks=LEAKY_TESTS)
    return project


def issued(project: pytest.Pytester) -> list[str]:
    data = json.loads((project.path / "emulator-secrets.json").read_text())
    return [*data["secrets"], *data["tokens"]]


def assert_clean(project: pytest.Pytester, text: str) -> None:
    for value in issued(project):
        for form in encodings(value):
            assert form not in text


def cassette(project: pytest.Pytester, name: str) -> str:
    return (project.path / "cassettes" / "test_leaks" / f"{name}.yaml").read_text()


def test_json_with_charset_is_redacted(leaky: pytest.Pytester) -> None:
    record(leaky, "--record-mode=once", "-k", "json_charset").assert_outcomes(passed=1)
    text = cassette(leaky, "test_json_charset")
    assert "application/json; charset=utf-8" in text
    assert f'"client_secret":"{placeholders.PLACEHOLDER_CLIENT_SECRET}"' in text
    assert_clean(leaky, text)


def test_url_encoded_secret_is_caught_by_the_guard(leaky: pytest.Pytester) -> None:
    result = record(leaky, "--record-mode=once", "-k", "url_encoded")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*refused to write cassette */cassettes/test_leaks/test_secret_url_encoded_elsewhere"
            ".yaml: it would contain a secret this session knows:",
            "*the client secret of the app for {read:clients}* in interaction 1 "
            "(GET https://tenant.auth0.invalid/api/v2/clients) request URL",
            "*Nothing was written.*",
        ]
    )
    assert not (leaky.path / "cassettes/test_leaks/test_secret_url_encoded_elsewhere.yaml").exists()
    out = result.stdout.str() + result.stderr.str()
    assert_clean(leaky, out)


def test_response_headers_and_a_markers_own_filter_headers(leaky: pytest.Pytester) -> None:
    record(leaky, "--record-mode=once", "-k", "own_filter").assert_outcomes(passed=1)
    text = cassette(leaky, "test_own_filter_headers").lower()
    for header in ("authorization", "x-ratelimit", "date:", "server:", "cache-control", "host:"):
        assert header not in text
    assert "content-type:" in text
    assert_clean(leaky, text)


def test_record_mode_in_vcr_config_does_not_override_the_session(
    leaky: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaky.makeconftest(
        SPY_CONFTEST
        + """
@pytest.fixture
def vcr_config():
    return {"record_mode": "none"}
"""
    )
    # The session records although vcr_config says "none"...
    record(leaky, "--record-mode=once", "-k", "own_filter").assert_outcomes(passed=1)
    path = leaky.path / "cassettes/test_leaks/test_own_filter_headers.yaml"
    before = path.read_text()
    leaky.makeconftest(
        """
import pytest

@pytest.fixture
def vcr_config():
    return {"record_mode": "all"}
"""
    )
    # ... and replays, offline, although vcr_config says "all".
    replay(leaky, monkeypatch, "-k", "own_filter").assert_outcomes(passed=1)
    assert path.read_text() == before


def test_user_hook_that_puts_a_secret_back_is_refused(leaky: pytest.Pytester) -> None:
    leaky.makeconftest(
        SPY_CONFTEST
        + """
import os

def put_back(request, response):
    response["body"]["string"] = os.environ["LEAKED"].encode()
    return request, response

@pytest.fixture
def vcr_config():
    return {"before_save_interaction": put_back}
"""
    )
    leaky.makepyfile(
        test_put_back="""
        import os
        import pytest

        @pytest.mark.mgmt_scopes("read:clients")
        def test_put_back(mgmt_client, m2m_credentials):
            os.environ["LEAKED"] = m2m_credentials.client_secret
            mgmt_client.get("clients")
        """
    )
    result = record(leaky, "--record-mode=once", "-k", "put_back")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the client secret of the app for {read:clients} in*"])
    assert not (leaky.path / "cassettes/test_put_back").exists()


def test_cassettes_for_one_project_never_hold_the_tokens(leaky: pytest.Pytester) -> None:
    record(leaky, "--record-mode=once", "-k", "json_charset or own_filter").assert_outcomes(
        passed=2
    )
    everything = "\n".join(cassette_texts(leaky.path / "cassettes").values())
    assert_clean(leaky, everything)
    assert quote("localhost", safe="") not in everything
    assert Path(leaky.path / "cassettes").is_dir()


def test_a_secret_in_the_cassettes_file_name_is_refused(project: pytest.Pytester) -> None:
    # Red-team finding: a parametrized password, redacted from the body, named the cassette file
    # (test_param[<password>].yaml), which is committed with it.
    project.makepyfile(
        test_param="""
        import pytest

        @pytest.mark.mgmt_scopes("create:users")
        @pytest.mark.parametrize(
            "password",
            # plain; with characters pytest-recording turns into "-" in a file name; with
            # non-ASCII ones pytest writes as \\xNN in the test's id (red-team findings)
            [
                "Pz3Param-Planted_8r",
                "Pz3:Param?Planted*8r",
                'Pz3/Param"Planted<8r',
                "Pz3P\u00e4ramPl\u00f6nted8r",
            ],
        )
        def test_param(mgmt_client, password):
            email = f"a{len(password)}{ord(password[3])}@example.com"
            body = {"connection": "Username-Password-Authentication", "email": email,
                    "password": password}
            assert mgmt_client.post("users", json=body).status_code == 201

        @pytest.mark.mgmt_scopes("create:users")
        @pytest.mark.parametrize("password", ["Pz3Param-Planted_9s"], ids=["strong"])
        def test_param_with_id(mgmt_client, password):
            body = {"connection": "Username-Password-Authentication", "email": "b@example.com",
                    "password": password}
            assert mgmt_client.post("users", json=body).status_code == 201
        """
    )
    result = record(project, "--record-mode=once")
    result.assert_outcomes(passed=5, errors=4)
    result.stdout.fnmatch_lines(
        [
            "*refused to write cassette *test_param[[]***[]].yaml: *",
            "*a secret this session knows in the cassette's file name*",
            "*a parameter of the test holds the secret*",
        ]
    )
    names = [p.name for p in (project.path / "cassettes").rglob("*")]
    assert "test_param_with_id[strong].yaml" in names
    assert not any("Planted" in name or "Pl-" in name for name in names)
    # One refusal per parametrized case in the error sections; the short summary ("ERROR ...")
    # repeats each in full only where pytest does not truncate it (env CI set).
    refusals = [line for line in result.stdout.lines if "refused to write" in line]
    assert len([line for line in refusals if line.startswith("pytest-auth0-m2m: ")]) == 4
    # The test's id (pytest's, printed before the message) names the value; the message never.
    messages = [line[line.index("pytest-auth0-m2m: ") :] for line in refusals]
    assert not any("Planted" in message or "Pl-" in message for message in messages)
