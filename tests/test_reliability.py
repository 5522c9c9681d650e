"""Malformed tenant answers (HTML error pages, cut-off JSON, text where JSON belongs) on the
provisioning and token calls: one clear error with the status and what was expected, never a
traceback from inside the plugin, never a secret. Injected by the emulator, over real sockets.

The 20% 429/503, SIGKILL and two-sessions cases live in test_prov_plugin.py and
test_xdist_sessions.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from prov_helpers import LIVE_ARGS, live, plugin_apps, tenant

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import ManagementClient, ManagementError, RetryPolicy
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.provisioning.coordination import RunInfo
from pytest_auth0_m2m.provisioning.provisioner import ProvisionedSource, Provisioner
from pytest_auth0_m2m.provisioning.tokens import TokenCache

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

__all__ = ["live", "tenant"]  # fixtures, imported for pytest

USERS = frozenset({"read:users"})
PROXY_TEXT = "upstream connect error or disconnect/reset before headers"
HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
# What a cut-off answer may still hold: it must not reach an error message.
LEAKY_SECRET = "s3cr3t-from-a-cut-off-answer-QWxhZGRpbjpvcGVu"
TRUNCATED_CLIENT = '{"client_id":"abcdefghijklmnopqrstuvwxyz012345","client_secret":"' + (
    LEAKY_SECRET
)
TRUNCATED_TOKEN = '{"access_token":"eyJhbGciOiJSUzI1NiJ9.' + LEAKY_SECRET
NOT_AUTH0 = "Auth0 always answers JSON; this answer came from something else or was cut short."


@pytest.fixture
def source(fake: FakeAuth0, tmp_path: object) -> Iterator[ProvisionedSource]:
    """The provisioning library on the emulator, retrying without sleeping."""
    endpoints = TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    policy = RetryPolicy(sleep=lambda _: None, rng=random.Random(0))
    mgmt = ManagementClient(
        endpoints, fake.provisioner.client_id, fake.provisioner.client_secret, policy=policy
    )
    run = RunInfo.new(tmp_path)  # type: ignore[arg-type]
    run.state.start(run, endpoints.domain)
    provisioner = Provisioner(mgmt, run)
    with mgmt:
        yield ProvisionedSource(endpoints, provisioner, TokenCache(None))


def error_of(source: ProvisionedSource, fake: FakeAuth0) -> str:
    with pytest.raises(ManagementError) as info:
        source.token(USERS)
    text = f"{info.value}\n{info.value!r}"
    assert fake.provisioner.client_secret not in text
    assert LEAKY_SECRET not in text
    return str(info.value)


# (operation, status, body, content type, the error's first line)
MALFORMED = [
    pytest.param(
        "get_clients",
        502,
        HTML_502,
        None,
        "Auth0 GET /api/v2/clients failed: HTTP 502: Bad Gateway (a text/html body of "
        f'{len(HTML_502)} bytes titled "502 Bad Gateway", not Auth0\'s JSON error)',
        id="html-502-listing-clients",
    ),
    pytest.param(
        "post_clients",
        201,
        TRUNCATED_CLIENT,
        "application/json; charset=utf-8",
        "Auth0 POST /api/v2/clients failed: HTTP 201: expected the new client (JSON), got an "
        f"application/json body of {len(TRUNCATED_CLIENT)} bytes that is not valid JSON",
        id="truncated-json-creating-client",
    ),
    pytest.param(
        "get_client-grants",
        200,
        PROXY_TEXT,
        "text/plain",
        "Auth0 GET /api/v2/client-grants failed: HTTP 200: expected a JSON page of "
        f"client_grants, got a text/plain body of {len(PROXY_TEXT)} bytes that is not valid JSON",
        id="text-plain-200-listing-grants",
    ),
    pytest.param(
        "post_client-grants",
        201,
        ["not", "an", "object"],
        None,
        "Auth0 POST /api/v2/client-grants failed: HTTP 201: expected the new grant (JSON), "
        "got a JSON list",
        id="json-list-creating-grant",
    ),
    pytest.param(
        "oauth_token",
        200,
        "OK",
        "text/plain",
        "Auth0 provisioner token (POST /oauth/token) failed: HTTP 200: expected a token "
        "response (JSON), got a text/plain body of 2 bytes that is not valid JSON",
        id="text-plain-200-token",
    ),
    pytest.param(
        "oauth_token",
        200,
        TRUNCATED_TOKEN,
        "application/json",
        "Auth0 provisioner token (POST /oauth/token) failed: HTTP 200: expected a token "
        f"response (JSON), got an application/json body of {len(TRUNCATED_TOKEN)} bytes that "
        "is not valid JSON",
        id="truncated-json-token",
    ),
    pytest.param(
        "oauth_token",
        200,
        {"token_type": "Bearer"},
        None,
        "Auth0 provisioner token (POST /oauth/token) failed: HTTP 200: expected a token "
        "response (JSON), got JSON without 'access_token'",
        id="token-without-access-token",
    ),
]


@pytest.mark.parametrize(("operation", "status", "body", "content_type", "expected"), MALFORMED)
def test_malformed_answer_gives_one_clear_error(
    source: ProvisionedSource,
    fake: FakeAuth0,
    operation: str,
    status: int,
    body: object,
    content_type: str | None,
    expected: str,
) -> None:
    fake.faults.add(
        status=status, count=None, operation=operation, body=body, content_type=content_type
    )
    message = error_of(source, fake)
    assert message.splitlines() == [expected, NOT_AUTH0 + _REST_OF_HINT]


_REST_OF_HINT = (
    " Check that AUTH0_DOMAIN (or --auth0-domain) is your tenant's domain and that no proxy "
    "rewrites the answers, then run again."
)


def test_html_502_is_retried_like_any_502(source: ProvisionedSource, fake: FakeAuth0) -> None:
    fake.faults.add(status=502, count=2, operation="get_clients", body=HTML_502)
    assert source.token(USERS)
    assert fake.counters.count("get_clients", 502) == 2


def test_cut_off_creation_answer_is_repaired_by_the_next_call(
    source: ProvisionedSource, fake: FakeAuth0
) -> None:
    # The fault answers in Auth0's place, so nothing was created; the next call goes through.
    fake.faults.add(
        status=201,
        count=1,
        operation="post_clients",
        body=TRUNCATED_CLIENT,
        content_type="application/json",
    )
    error_of(source, fake)
    assert source.token(USERS)
    assert len(plugin_apps(fake)) == 1


# --- the same answers, as a pytest user sees them -----------------------------------------------

PROJECT = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_one(mgmt_token):
    assert mgmt_token
"""

PLUGIN_CASES = [
    pytest.param(
        "oauth_token",
        200,
        TRUNCATED_TOKEN,
        "application/json",
        "*pytest-auth0-m2m: Auth0 provisioner token (POST /oauth/token) failed: HTTP 200: "
        "expected a token response (JSON), got an application/json body of "
        f"{len(TRUNCATED_TOKEN)} bytes that is not valid JSON",
        id="truncated-json-token",
    ),
    pytest.param(
        "get_clients",
        200,
        "OK",
        "text/plain",
        "*pytest-auth0-m2m: Auth0 GET /api/v2/clients failed: HTTP 200: expected a JSON page "
        "of clients, got a text/plain body of 2 bytes that is not valid JSON",
        id="text-plain-200-listing-clients",
    ),
    pytest.param(
        "post_clients",
        502,
        HTML_502,
        None,
        "*pytest-auth0-m2m: Auth0 POST /api/v2/clients failed: HTTP 502: Bad Gateway (a "
        f'text/html body of {len(HTML_502)} bytes titled "502 Bad Gateway", not Auth0\'s JSON '
        "error)",
        id="html-502-creating-client",
    ),
]


@pytest.mark.parametrize(("operation", "status", "body", "content_type", "expected"), PLUGIN_CASES)
def test_malformed_answer_in_a_session(
    live: pytest.Pytester,
    tenant: FakeAuth0,
    operation: str,
    status: int,
    body: object,
    content_type: str | None,
    expected: str,
) -> None:
    live.makepyfile(test_sample=PROJECT)
    tenant.faults.add(
        status=status, count=None, operation=operation, body=body, content_type=content_type
    )
    try:
        result = live.runpytest_subprocess(*LIVE_ARGS)
    finally:
        tenant.faults.clear()
    if operation == "oauth_token":
        # The provisioner's token is fetched by the check before the first test: the run
        # stops there, once, with the same message.
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([expected, f"*{NOT_AUTH0}*"])
    else:
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines([expected, f"*{NOT_AUTH0}*"])
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert "JSONDecodeError" not in output
    assert "site-packages" not in output
    assert "pytest_auth0_m2m/" not in output
    assert tenant.provisioner.client_secret not in output
    assert LEAKY_SECRET not in output
    assert plugin_apps(tenant) == []
