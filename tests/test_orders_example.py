"""examples/orders_api, run as its users run it, in the three modes: a Flask service verifying
real signatures (PyJWT + JWKS) of tokens for its own Auth0 API.

fake: the emulator hosts the APIs; replay: offline, network blocked, no AUTH0_* variable,
tokens signed by the replay key and verified against the JWKS the plugin serves; live: the
emulator acting as the tenant (AUTH0_DOMAIN=localhost:PORT), as the other live-mode tests do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0
from pytest_auth0_m2m.provisioning.provisioner import is_plugin_app

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "orders_api"
ORDERS = "https://orders.example.com"
BILLING = "https://billing.example.com"
TESTS = 6


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-rs",
            *args,
        ],
        cwd=EXAMPLE,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _passed(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def test_fake_mode() -> None:
    out = _passed(_run("--auth0-fake"))
    assert f"{TESTS} passed" in out
    assert "auth0-m2m: mode=fake," in out
    # One app per (API, scope set): orders x3 sets, billing x1; every grant torn down.
    assert "apps 4 created" in out
    assert "grants 4 created, 4 deleted" in out


def test_replay_mode_offline_without_credentials() -> None:
    out = _passed(_run("--block-network", "--mgmt-scopes-strict"))
    assert f"{TESTS} passed" in out
    assert "auth0-m2m: mode=replay," in out
    # The example's markers are least privilege: the report has nothing but its totals.
    assert (
        "3 tests of your APIs observed: 0 with unused scopes, 0 missing scopes; 2 not observed"
    ) in out


@pytest.fixture(scope="module")
def tenant() -> Iterator[FakeAuth0]:
    apis = [
        {"identifier": ORDERS, "scopes": ["read:orders", "write:orders", "delete:orders"]},
        {"identifier": BILLING, "scopes": ["read:invoices"], "rbac": True},
    ]
    with run_fake_auth0(tls=True, apis=apis) as fake:
        yield fake


def _live_env(fake: FakeAuth0) -> dict[str, str]:
    return {
        "AUTH0_DOMAIN": fake.domain,
        "AUTH0_CLIENT_ID": fake.provisioner.client_id,
        "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
        "SSL_CERT_FILE": str(fake.ca_cert_path),
    }


def test_live_mode_against_the_emulator_as_tenant(tenant: FakeAuth0) -> None:
    result = _run(
        "--record-mode=all",
        "--disable-recording",
        "-o",
        "auth0_allowed_domains=localhost:*",
        env=_live_env(tenant),
    )
    out = _passed(result)
    assert f"{TESTS - 1} passed, 1 skipped" in out
    assert "api_mint_token: a live tenant's tokens are signed by Auth0's key" in out
    with tenant.tenant.lock:
        apps = [c for c in tenant.tenant.clients.values() if is_plugin_app(c)]
        grants = [
            g
            for g in tenant.tenant.grants.values()
            if g["client_id"] != tenant.provisioner.client_id
        ]
    assert sorted(re.sub(r" [0-9a-f]{16} ", " ", c["name"]) for c in apps) == [
        f"pytest-auth0-m2m {BILLING} read:invoices",
        f"pytest-auth0-m2m {ORDERS} delete:orders read:orders",
        f"pytest-auth0-m2m {ORDERS} read:orders",
        f"pytest-auth0-m2m {ORDERS} write:orders",
    ]
    assert grants == []  # torn down at the end of the run; the apps are kept for reuse
    # A second run reuses the four apps.
    again = _passed(
        _run(
            "--record-mode=all",
            "--disable-recording",
            "-o",
            "auth0_allowed_domains=localhost:*",
            env=_live_env(tenant),
        )
    )
    assert "apps 0 created, 4 reused" in again
