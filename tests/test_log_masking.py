"""Live mode: no log record names the tenant or holds the provisioner's secret or a JWT, whoever
logs it (httpx logs every request URL at INFO; pytest shows captured logs in CI output)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from prov_helpers import LIVE_ARGS, live, tenant

from pytest_auth0_m2m.plugin.logs import MaskedLogRecords

__all__ = ["live", "tenant"]  # fixtures

TENANT = "dev-acme42.eu.auth0.com"
SECRET = "pr0visioner-s3cret-value-XYZ"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def test_records_are_masked_while_installed_and_not_after(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    masking = MaskedLogRecords([TENANT], [SECRET])
    previous = logging.getLogRecordFactory()
    masking.install()
    try:
        logging.getLogger("httpx").info(
            'HTTP Request: GET %s "HTTP/1.1 200 OK"', "https://DEV-ACME42.eu.auth0.com/api/v2/x"
        )
        logging.getLogger("vcr.stubs").debug("body %s and bearer %s", SECRET, JWT)
    finally:
        masking.uninstall()
    assert logging.getLogRecordFactory() is previous
    text = caplog.text
    assert "acme42" not in text.lower()
    assert SECRET not in text
    assert JWT not in text
    assert "https://de***.eu.auth0.com/api/v2/x" in text
    logging.getLogger("httpx").info("after: %s", TENANT)
    assert TENANT in caplog.records[-1].getMessage()


def test_a_secret_url_encoded_in_a_logged_url_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    # Red-team finding: httpx's request line showed a redacted password in its query, encoded.
    caplog.set_level(logging.INFO)
    secret = 'Sup3r Secret&Pw!#"'
    masking = MaskedLogRecords([TENANT], [], learned=lambda: (secret,))
    masking.install()
    try:
        for encoded in (quote_plus(secret, safe=""), quote(secret, safe="")):
            logging.getLogger("httpx").info("HTTP Request: GET /api/v2/users?q=%s", encoded)
    finally:
        masking.uninstall()
    assert [r.getMessage() for r in caplog.records] == ["HTTP Request: GET /api/v2/users?q=***"] * 2


def test_a_logged_exception_and_stack_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    masking = MaskedLogRecords([TENANT], [SECRET])
    masking.install()
    try:
        try:
            raise ValueError(f"POST https://{TENANT}/oauth/token with {SECRET} gave {JWT}")
        except ValueError:
            logging.getLogger("app").exception("token request failed")
        logging.getLogger("app").warning("where: %s", TENANT, stack_info=True)
    finally:
        masking.uninstall()
    text = caplog.text
    for planted in ("acme42", SECRET.lower(), JWT.lower()):
        assert planted not in text.lower()
    assert "ValueError: POST https://de***.eu.auth0.com/oauth/token with *** gave ***" in text
    assert "Stack (most recent call last)" in text  # the stack is still shown, masked


LOGS_THE_TENANT = f"""
import logging


def test_logs(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("httpx").info("HTTP Request: GET https://{TENANT}/api/v2/users")
    logging.getLogger("httpx").info("secret {SECRET}")
    assert "acme42" not in caplog.text
    assert "{SECRET}" not in caplog.text
    assert "de***.eu.auth0.com" in caplog.text
"""


@pytest.fixture
def unreachable_tenant(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A project in live mode against TENANT, which never answers (no network here)."""
    monkeypatch.setenv("AUTH0_DOMAIN", TENANT)
    monkeypatch.setenv("AUTH0_CLIENT_ID", "client-id-of-the-provisioner")
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", SECRET)
    pytester.makeini(f"[pytest]\nauth0_allowed_domains = {TENANT}\n")
    return pytester


@pytest.mark.e2e
def test_a_live_session_masks_what_httpx_logs(unreachable_tenant: pytest.Pytester) -> None:
    pytester = unreachable_tenant
    pytester.makepyfile(test_logs=LOGS_THE_TENANT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=all")
    result.assert_outcomes(passed=1)
    assert "mode=live" in result.stdout.str()


def test_secrets_learned_later_are_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    learned: list[str] = []
    masking = MaskedLogRecords([TENANT], [], learned=lambda: tuple(learned))
    masking.install()
    try:
        learned.append("an-app-secret-learned-at-run-time")
        logging.getLogger("app").warning("secret an-app-secret-learned-at-run-time")
    finally:
        masking.uninstall()
    assert "an-app-secret-learned-at-run-time" not in caplog.text
    assert "secret ***" in caplog.text


LOGS_ITS_APP_SECRET = """
import logging

import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_logs(m2m_credentials, mgmt_token, caplog):
    caplog.set_level(logging.INFO)
    secret = str(m2m_credentials.client_secret)
    logging.getLogger("app").warning("secret %s token %s", secret, str(mgmt_token))
    assert secret not in caplog.text
    assert str(mgmt_token) not in caplog.text
    assert "secret *** token ***" in caplog.text
"""


@pytest.mark.e2e
@pytest.mark.parametrize(
    "recording",
    [["--record-mode=all"], ["--record-mode=all", "--disable-recording"]],
    ids=["recording", "recording-disabled"],
)
def test_a_live_session_masks_its_apps_secrets_in_logs(
    live: pytest.Pytester, recording: list[str]
) -> None:
    # Red-team finding: the per-API app's client secret was printed in a failing test's logs;
    # then, with recording disabled, the session's registry never learned it.
    live.makepyfile(test_logs=LOGS_ITS_APP_SECRET)
    live.runpytest_subprocess(*recording, "-p", "no:randomly").assert_outcomes(passed=1)


LOGS_WHAT_IT_RECORDS = """
import pathlib

import pytest


@pytest.mark.mgmt_scopes("create:clients")
def test_creates_an_app(mgmt_client):
    made = mgmt_client.post("clients", json={"name": "logged", "app_type": "non_interactive"})
    pathlib.Path("planted.txt").write_text(made.json()["client_secret"])
    assert False, "fails, so that pytest shows the captured log"
"""


@pytest.mark.e2e
def test_vcrpy_never_logs_a_recorded_response_unredacted(pytester: pytest.Pytester) -> None:
    # Red-team finding: vcrpy logs each recorded response at INFO before before_record_response
    # redacts it: a created app's client secret reached "Captured log call" and --log-file.
    pytester.makepyfile(test_logs=LOGS_WHAT_IT_RECORDS)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--auth0-fake",
        "--record-mode=once",
        "--log-level=INFO",
        "--log-file=run.log",
        "--log-file-level=DEBUG",
    )
    result.assert_outcomes(failed=1)
    secret = (pytester.path / "planted.txt").read_text()
    assert len(secret) >= 32
    output = result.stdout.str() + result.stderr.str()
    assert "Appending request" in output  # vcrpy's line is still there, response not shown
    assert "(not shown: logged before it is redacted)" in output
    for text in (output, (pytester.path / "run.log").read_text()):
        assert secret not in text


ECHOED_IN_A_FAILURE = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_provisioned(mgmt_client):
    pass


@pytest.mark.mgmt_scopes("read:roles")
def test_own_assertion(mgmt_client, m2m_credentials):
    token = mgmt_client.headers["Authorization"].split()[1]
    assert token == "x", f"{m2m_credentials.client_secret} at {mgmt_client.base_url.host}"
"""


@pytest.mark.e2e
def test_what_a_live_session_shows_of_a_failure_is_masked(
    live: pytest.Pytester, tenant: Any
) -> None:
    # Red-team finding: a provisioning error quoted Auth0's message as sent, and a message can
    # quote the request (an audience holds the tenant's name; a hostile proxy, anything): the
    # provisioner's secret, a bearer JWT and the tenant's name reached the terminal.
    # (The emulator's host, a loopback name, is no tenant's name: it is shown; a tenant's name
    # is masked in what a test shows, below.)
    secret = tenant.provisioner.client_secret
    echoed = f"down for Bearer {JWT} at {tenant.domain} secret={secret} {quote(secret)}"
    tenant.faults.add(status=400, operation="get_clients", count=None, body={"message": echoed})
    live.makepyfile(test_echo=ECHOED_IN_A_FAILURE)
    result = live.runpytest_subprocess(*LIVE_ARGS, "-rA", "--junitxml=report.xml")
    tenant.faults.clear()
    result.assert_outcomes(errors=2)
    shown = result.stdout.str() + result.stderr.str()
    junit = (live.path / "report.xml").read_text("utf-8")
    assert "Auth0 GET /api/v2/clients failed: HTTP 400" in shown
    for text in (shown, junit):
        for planted in (secret, quote(secret), JWT):
            assert planted not in text
        assert "down for Bearer *** at " in text


SHOWS_THE_TENANT = f"""
def test_fails():
    print("stdout names {TENANT}")
    assert False, "{TENANT} {SECRET} {JWT}"
"""


@pytest.mark.e2e
def test_a_live_session_masks_the_tenant_in_failures_and_usage_errors(
    unreachable_tenant: pytest.Pytester,
) -> None:
    pytester = unreachable_tenant
    pytester.makepyfile(test_fails=SHOWS_THE_TENANT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=all", "-rA")
    result.assert_outcomes(failed=1)
    shown = result.stdout.str()
    assert "de***.eu.auth0.com *** ***" in shown
    assert "stdout names de***.eu.auth0.com" in shown
    for planted in (TENANT, SECRET, JWT):
        assert planted not in shown
    # The tenant does not answer (no network here): the usage error masks its name too.
    pytester.makepyfile(
        test_fails="import pytest\n\n@pytest.mark.mgmt_scopes()\ndef test_t(mgmt_token):\n    pass"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=all")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stdout.str() + result.stderr.str()
    assert "de***.eu.auth0.com" in errors
    assert TENANT not in errors
    assert SECRET not in errors


def test_masking_covers_base64_a_spaced_jwt_and_the_tenant_name_alone() -> None:
    # Red-team findings: the secret's base64 (an Authorization header quoted back), a JWT whose
    # header JSON has a space ("eyAi..."), and the tenant's name without its region were shown.
    import base64

    masking = MaskedLogRecords([TENANT], [SECRET])
    basic = base64.b64encode(f"client-id:{SECRET}".encode()).decode()
    spaced_jwt = (
        base64.urlsafe_b64encode(b'{ "alg": "RS256" }').decode().rstrip("=")
        + "."
        + base64.urlsafe_b64encode(b'{ "sub": "x" }').decode().rstrip("=")
        + ".c2ln"
    )
    text = (
        f"b64={base64.b64encode(SECRET.encode()).decode()} basic={basic} jwt={spaced_jwt} "
        f'tenant "dev-acme42" at {TENANT.upper()}'
    )
    shown = masking.mask(text)
    assert base64.b64encode(SECRET.encode()).decode() not in shown
    assert spaced_jwt not in shown
    assert "dev-acme42" not in shown.lower()
    assert 'tenant "de***" at de***.eu.auth0.com' in shown
    # The Basic header's base64 holds the secret at an offset: no stretch of it survives.
    assert basic not in shown


TELLS_PROVISIONER_TOKENS = """
import os

import jwt

from pytest_auth0_m2m.plugin.cassettes import REGISTRY_KEY


def pytest_sessionfinish(session):
    told = session.config.stash[REGISTRY_KEY].told_values()
    mine = [
        t for t in told
        if t.count(".") == 2
        and jwt.decode(t, options={"verify_signature": False}).get("azp")
        == os.environ["AUTH0_CLIENT_ID"]
    ]
    print("PROVISIONER TOKENS TOLD", len(mine))
"""


@pytest.mark.e2e
def test_the_provisioners_token_is_masked_like_the_apps_tokens(live: pytest.Pytester) -> None:
    # Red-team finding: base64 of "Bearer <the provisioner's JWT>", quoted back in an Auth0
    # message, was shown: the provisioner's token was never told to the session's registry.
    live.makeconftest(TELLS_PROVISIONER_TOKENS)
    live.makepyfile(
        test_one="import pytest\n\n@pytest.mark.mgmt_scopes()\ndef test_t(mgmt_token):\n    pass"
    )
    result = live.runpytest_subprocess(*LIVE_ARGS, "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PROVISIONER TOKENS TOLD [1-9]*"])


def test_base64_of_a_bearer_header_holding_a_learned_token_is_masked() -> None:
    import base64

    masking = MaskedLogRecords([TENANT], [SECRET], learned=lambda: (JWT,))
    quoted = base64.b64encode(f"Bearer {JWT}".encode()).decode()
    shown = masking.mask(f"tok64={quoted}")
    assert quoted not in shown
    # What survives is at most the encoding of "Bearer " and an edge of the token.
    assert len(shown) < len(f"tok64={quoted}") - 20
