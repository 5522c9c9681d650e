"""The user's own APIs on the emulator: declared at start, tokens as Auth0 signs them, minting."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from fake_helpers import Clock

from pytest_auth0_m2m.fake import ApiDeclaration, FakeAuth0

ORDERS = "https://orders.example.com"
BILLING = "https://billing.example.com/api"


def _app(fake: FakeAuth0, audience: str, scopes: list[str]) -> tuple[str, str]:
    made = fake.seed(
        {
            "clients": [
                {
                    "name": "orders caller",
                    "app_type": "non_interactive",
                    "grant_types": ["client_credentials"],
                }
            ]
        }
    )
    client_id = made["clients"][0]
    fake.seed({"client_grants": [{"client_id": client_id, "audience": audience, "scope": scopes}]})
    return client_id, str(fake.tenant.clients[client_id]["client_secret"])


def _token(fake: FakeAuth0, client_id: str, secret: str, audience: str) -> httpx.Response:
    return httpx.post(
        fake.token_url,
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "audience": audience,
        },
    )


def _verify(fake: FakeAuth0, token: str, audience: str) -> dict[str, object]:
    """What an API does: the key from the published JWKS, RS256, issuer and audience."""
    keys = jwt.PyJWKClient(fake.jwks_url)
    key = keys.get_signing_key_from_jwt(token)
    claims: dict[str, object] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=fake.issuer
    )
    return claims


@pytest.fixture
def clock() -> Clock:
    # Now, not a fixed date: the verifier checks iat and exp against the real time.
    return Clock(now=float(int(time.time())))


@pytest.fixture
def tenant(clock: Clock) -> FakeAuth0:
    apis = [
        {"identifier": ORDERS, "scopes": ["read:orders", "write:orders"], "name": "Orders"},
        ApiDeclaration(BILLING, ("read:invoices",), rbac=True, token_lifetime=600),
    ]
    with FakeAuth0(clock=clock, apis=apis) as fake:
        yield fake


def test_declared_apis_are_resource_servers_after_reset(tenant: FakeAuth0) -> None:
    prov = tenant.provisioner
    token = httpx.post(
        tenant.token_url,
        json={
            "grant_type": "client_credentials",
            "client_id": prov.client_id,
            "client_secret": prov.client_secret,
            "audience": tenant.audience,
        },
    ).json()["access_token"]
    tenant.reset()
    listed = httpx.get(
        f"{tenant.management_url}resource-servers", headers={"Authorization": f"Bearer {token}"}
    ).json()
    by_identifier = {s["identifier"]: s for s in listed}
    assert [s["value"] for s in by_identifier[ORDERS]["scopes"]] == ["read:orders", "write:orders"]
    assert by_identifier[ORDERS]["name"] == "Orders"
    assert by_identifier[BILLING]["enforce_policies"] is True
    assert by_identifier[BILLING]["token_dialect"] == "access_token_authz"


def test_token_for_own_api_has_auth0_claims_and_verifies(tenant: FakeAuth0, clock: Clock) -> None:
    client_id, secret = _app(tenant, ORDERS, ["read:orders"])
    r = _token(tenant, client_id, secret, ORDERS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"] == "read:orders"
    claims = _verify(tenant, body["access_token"], ORDERS)
    assert claims == {
        "iss": f"https://{tenant.domain}/",
        "sub": f"{client_id}@clients",
        "aud": ORDERS,
        "iat": int(clock.now),
        "exp": int(clock.now) + 86400,
        "scope": "read:orders",
        "gty": "client-credentials",
        "azp": client_id,
    }
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "RS256"


def test_rbac_api_tokens_carry_permissions_and_its_lifetime(tenant: FakeAuth0) -> None:
    client_id, secret = _app(tenant, BILLING, ["read:invoices"])
    body = _token(tenant, client_id, secret, BILLING).json()
    claims = _verify(tenant, body["access_token"], BILLING)
    assert claims["permissions"] == ["read:invoices"]
    assert body["expires_in"] == 600
    assert int(str(claims["exp"])) - int(str(claims["iat"])) == 600


def test_scope_outside_the_api_is_refused_on_the_grant(tenant: FakeAuth0) -> None:
    with pytest.raises(ValueError, match="subset of resource server scopes"):
        _app(tenant, ORDERS, ["delete:orders"])


def test_an_orders_token_is_no_management_token(tenant: FakeAuth0) -> None:
    token = tenant.mint_token(ORDERS, ["read:orders"])
    r = httpx.get(f"{tenant.management_url}clients", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["message"] == f"Bad audience: {ORDERS}"


def test_minted_negative_tokens(tenant: FakeAuth0, clock: Clock) -> None:
    good = tenant.mint_token(ORDERS, "read:orders")
    assert _verify(tenant, good, ORDERS)["scope"] == "read:orders"
    expired = tenant.mint_token(ORDERS, ["read:orders"], expires_in=-60)
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(tenant, expired, ORDERS)
    with pytest.raises(jwt.InvalidAudienceError):
        _verify(tenant, tenant.mint_token(BILLING, ["read:invoices"]), ORDERS)
    other = tenant.mint_token(ORDERS, ["read:orders"], claims={"iss": "https://evil.example/"})
    with pytest.raises(jwt.InvalidIssuerError):
        _verify(tenant, other, ORDERS)
    rbac = jwt.decode(
        tenant.mint_token(BILLING, ["read:invoices"]), options={"verify_signature": False}
    )
    assert rbac["permissions"] == ["read:invoices"]
    assert rbac["exp"] == int(clock.now) + 600


def test_apis_argument_is_checked() -> None:
    with pytest.raises(TypeError, match="list of APIs"):
        FakeAuth0(apis=ORDERS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="declared twice"):
        FakeAuth0(apis=[ORDERS, {"identifier": ORDERS}])
    with pytest.raises(ValueError, match="unknown API keys"):
        FakeAuth0(apis=[{"identifier": ORDERS, "scope": ["a"]}])


def test_api_created_through_the_management_api_issues_tokens(tenant: FakeAuth0) -> None:
    admin = {
        "Authorization": "Bearer "
        + tenant.issue_token("admin", ["create:resource_servers", "create:client_grants"])
    }
    created = httpx.post(
        f"{tenant.management_url}resource-servers",
        headers=admin,
        json={
            "identifier": "https://stock.example.com",
            "name": "Stock",
            "scopes": [{"value": "read:stock", "description": "read"}],
            "enforce_policies": True,
            "token_dialect": "access_token_authz",
        },
    )
    assert created.status_code == 201, created.text
    client_id, secret = _app(tenant, "https://stock.example.com", ["read:stock"])
    body = _token(tenant, client_id, secret, "https://stock.example.com").json()
    claims = _verify(tenant, body["access_token"], "https://stock.example.com")
    assert claims["scope"] == "read:stock"
    assert claims["permissions"] == ["read:stock"]
