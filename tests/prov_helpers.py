"""Shared by the provisioning tests: one TLS emulator that pytester sessions reach in live mode.

A pytester session on ``--auth0-fake`` starts its own emulator, which dies with it; tests about
what outlives a session (warm caches, leases, crash repair) point live mode at one emulator that
the test owns: AUTH0_DOMAIN=localhost:PORT, the emulator's provisioner credentials in the
environment, and SSL_CERT_FILE trusting its CA.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0
from pytest_auth0_m2m.provisioning.provisioner import is_plugin_app

LIVE_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
auth0_allowed_domains = localhost:*
"""
# Live mode needs a record mode other than "none"; recording itself stays off.
LIVE_ARGS = ("--record-mode=all", "--disable-recording", "-p", "no:randomly")

# N = 6 tests over K = 3 scope sets; every test checks its token's scope claim.
SAMPLE_TESTS = """
import jwt
import pytest


def claim(token):
    return set(jwt.decode(token, options={"verify_signature": False})["scope"].split())


@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(2))
def test_read_users(mgmt_token, i):
    assert claim(mgmt_token) == {"read:users"}


@pytest.mark.mgmt_scopes("read:clients", "read:users")
@pytest.mark.parametrize("i", range(2))
def test_read_clients(mgmt_client, i):
    assert mgmt_client.get("users").status_code == 200
    assert claim(mgmt_client.headers["Authorization"].split()[1]) == {"read:clients", "read:users"}


@pytest.mark.mgmt_scopes("read:roles")
def test_roles_token(mgmt_token):
    assert claim(mgmt_token) == {"read:roles"}


@pytest.mark.mgmt_scopes("read:roles")
def test_roles_forbidden_users(mgmt_client):
    assert mgmt_client.get("users").status_code == 403
"""
N_TESTS = 6
K_SETS = 3


@pytest.fixture(scope="module")
def tenant() -> Iterator[FakeAuth0]:
    with run_fake_auth0(tls=True) as fake:
        yield fake


def live_env(fake: FakeAuth0) -> dict[str, str]:
    return {
        "AUTH0_DOMAIN": fake.domain,
        "AUTH0_CLIENT_ID": fake.provisioner.client_id,
        "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
        "SSL_CERT_FILE": str(fake.ca_cert_path),
    }


@pytest.fixture
def live(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tenant: FakeAuth0
) -> pytest.Pytester:
    """A pytester project in live mode against the module's emulator (reset for each test)."""
    tenant.reset()
    for name, value in live_env(tenant).items():
        monkeypatch.setenv(name, value)
    pytester.makeini(LIVE_INI)
    return pytester


def plugin_apps(fake: FakeAuth0) -> list[dict[str, Any]]:
    with fake.tenant.lock:
        return [dict(c) for c in fake.tenant.clients.values() if is_plugin_app(c)]


def plugin_grants(fake: FakeAuth0) -> list[dict[str, Any]]:
    ids = {c["client_id"] for c in plugin_apps(fake)}
    with fake.tenant.lock:
        return [dict(g) for g in fake.tenant.grants.values() if g["client_id"] in ids]


def app_tokens(fake: FakeAuth0) -> int:
    """Tokens issued to anything but the provisioner: the per-scope-set apps."""
    issued = fake.counters.snapshot()["tokens_issued"]
    return sum(n for client, n in issued.items() if client != fake.provisioner.client_id)
