"""The real auth0-python SDK, unchanged, pointed at the emulator by domain over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0

management = pytest.importorskip("auth0.management")
errors = pytest.importorskip("auth0.management.errors")
ManagementClient = management.ManagementClient
# The SDK retries 409, 429 and 5xx with back-off (seconds); a test of the error shape needs no
# retry.
NO_RETRY = {"max_retries": 0}


@pytest.fixture(scope="module")
def tls_tenant() -> Iterator[FakeAuth0]:
    with run_fake_auth0(tls=True) as fake:
        yield fake


@pytest.fixture
def tenant(tls_tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAuth0]:
    """The TLS emulator, trusted by httpx through SSL_CERT_FILE (as the plugin does)."""
    assert tls_tenant.ca_cert_path is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_tenant.ca_cert_path))
    tls_tenant.reset()
    yield tls_tenant
    assert tls_tenant.server_errors == []


def test_sdk_with_client_credentials_provisions_an_app(
    tenant: FakeAuth0, request: pytest.FixtureRequest
) -> None:
    # A plain httpx.Client, as the SDK would build, but one we can close (the SDK never
    # closes its own). It trusts the emulator through SSL_CERT_FILE, like the SDK's default
    # client and its token provider (which always makes its own client).
    http = httpx.Client()
    request.addfinalizer(http.close)
    sdk = ManagementClient(
        domain=tenant.domain,
        client_id=tenant.provisioner.client_id,
        client_secret=tenant.provisioner.client_secret,
        httpx_client=http,
    )
    app = sdk.clients.create(
        name="sdk-app",
        app_type="non_interactive",
        grant_types=["client_credentials"],
        token_endpoint_auth_method="client_secret_post",
        client_metadata={"created_by": "sdk-test"},
    )
    assert len(app.client_id) == 32
    assert app.client_secret
    grant = sdk.client_grants.create(
        client_id=app.client_id,
        audience=tenant.audience,
        scope=["create:users", "read:users", "create:roles", "read:roles", "update:roles"],
    )
    assert grant.id.startswith("cgr_")
    assert grant.scope == [
        "create:users",
        "read:users",
        "create:roles",
        "read:roles",
        "update:roles",
    ]
    with pytest.raises(errors.ConflictError) as conflict:
        sdk.client_grants.create(
            client_id=app.client_id, audience=tenant.audience, scope=[], request_options=NO_RETRY
        )
    assert conflict.value.status_code == 409
    assert conflict.value.body == {
        "statusCode": 409,
        "error": "Conflict",
        "message": f"A client grant already exists between {app.client_id} and {tenant.audience}",
        "errorCode": "conflict",
    }
    names = [c.name for c in sdk.clients.list(per_page=1)]  # pages of one, followed by the SDK
    assert sorted(names) == ["pytest-auth0-m2m provisioner", "sdk-app"]
    grants = list(sdk.client_grants.list(client_id=app.client_id))
    assert [g.id for g in grants] == [grant.id]
    # The new app's own credentials get a token with exactly its grant's scopes.
    app_sdk = ManagementClient(
        domain=tenant.domain,
        client_id=app.client_id,
        client_secret=app.client_secret,
        httpx_client=http,
    )
    for i in range(5):
        app_sdk.users.create(
            connection="Username-Password-Authentication",
            email=f"sdk{i}@example.com",
            password="Correct-Horse-9",
        )
    emails = [u.email for u in app_sdk.users.list(per_page=2)]
    assert emails == [f"sdk{i}@example.com" for i in range(5)]
    role = app_sdk.roles.create(name="sdk-role", description="made by the SDK")
    assert role.id.startswith("rol_")
    assert [r.name for r in app_sdk.roles.list()] == ["sdk-role"]
    with pytest.raises(errors.ForbiddenError) as forbidden:
        app_sdk.clients.list().items  # noqa: B018 - the request is the point
    assert forbidden.value.body == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Insufficient scope, expected any of: "
        "read:clients,read:client_keys,read:client_credentials,read:client_summary",
        "errorCode": "insufficient_scope",
    }
    assert tenant.counters.tokens_issued == {
        tenant.provisioner.client_id: 1,
        app.client_id: 1,
    }


def test_sdk_with_a_token_and_error_shapes(
    tenant: FakeAuth0, request: pytest.FixtureRequest
) -> None:
    scopes = [
        "read:users",
        "create:users",
        "read:roles",
        "create:roles",
        "update:roles",
        "read:role_members",
        "update:users",
        "read:clients",
        "create:clients",
    ]
    http = httpx.Client()  # see above: closable, and trusting SSL_CERT_FILE
    request.addfinalizer(http.close)
    sdk = ManagementClient(
        domain=tenant.domain, token=tenant.issue_token("tok", scopes), httpx_client=http
    )
    user_ids = [
        sdk.users.create(
            connection="Username-Password-Authentication",
            email=f"t{i}@example.com",
            password="Correct-Horse-9",
        ).user_id
        for i in range(3)
    ]
    role = sdk.roles.create(name="viewer")
    sdk.roles.users.assign(role.id, users=user_ids)
    sdk.roles.permissions.add(
        role.id,
        permissions=[
            {"resource_server_identifier": tenant.audience, "permission_name": "read:users"}
        ],
    )
    members = [m.user_id for m in sdk.roles.users.list(role.id, take=2)]
    assert members == user_ids
    permissions = [p.permission_name for p in sdk.roles.permissions.list(role.id)]
    assert permissions == ["read:users"]
    assert [r.id for r in sdk.users.roles.list(user_ids[0])] == [role.id]
    found = sdk.users.list(q='email:"t1@example.com"', search_engine="v3")
    assert [u.user_id for u in found] == [user_ids[1]]

    with pytest.raises(errors.NotFoundError) as missing:
        sdk.clients.get("nope")
    assert missing.value.body == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The client does not exist",
        "errorCode": "inexistent_client",
    }
    with pytest.raises(errors.ConflictError) as duplicate:
        sdk.users.create(
            connection="Username-Password-Authentication",
            email="t0@example.com",
            password="Correct-Horse-9",
            request_options=NO_RETRY,
        )
    assert duplicate.value.body["errorCode"] == "auth0_idp_error"
    with pytest.raises(errors.BadRequestError) as bad:
        sdk.clients.create(name="a<b")
    assert bad.value.body["errorCode"] == "invalid_body"

    expired = ManagementClient(
        domain=tenant.domain,
        token=tenant.issue_token("tok", scopes, lifetime=-1),
        httpx_client=http,
    )
    with pytest.raises(errors.UnauthorizedError) as unauthorized:
        expired.users.get(user_ids[0])
    assert unauthorized.value.body == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Expired token received for JSON Web Token validation",
        "attributes": {"error": "Expired token received for JSON Web Token validation"},
    }


def test_sdk_sees_rate_limits(tenant: FakeAuth0) -> None:
    http = httpx.Client()
    sdk = ManagementClient(
        domain=tenant.domain, token=tenant.issue_token("tok", ["read:users"]), httpx_client=http
    )
    tenant.faults.add(status=429, count=1, operation="get_users_by_id")
    with pytest.raises(errors.TooManyRequestsError) as limited:
        sdk.users.get("auth0|nobody", request_options=NO_RETRY)
    assert limited.value.body == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Global limit has been reached",
        "errorCode": "too_many_requests",
    }
    assert tenant.counters.count("get_users_by_id", 429) == 1
    assert tenant.counters.rate_limited == 1
    http.close()


def test_sdk_default_client_trusts_the_emulator(tenant: FakeAuth0) -> None:
    """No httpx_client at all: the SDK's own default client works through SSL_CERT_FILE."""
    sdk = ManagementClient(
        domain=tenant.domain,
        client_id=tenant.provisioner.client_id,
        client_secret=tenant.provisioner.client_secret,
    )
    assert [c.name for c in sdk.clients.list()] == ["pytest-auth0-m2m provisioner"]


def test_authentication_sdk_uses_requests_and_its_ca_variable(
    tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    """auth0.authentication is built on requests, which reads REQUESTS_CA_BUNDLE, not
    SSL_CERT_FILE: code using GetToken needs that variable too."""
    from auth0.authentication import GetToken

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tenant.ca_cert_path))
    prov = tenant.provisioner
    token = GetToken(tenant.domain, prov.client_id, client_secret=prov.client_secret)
    answer = token.client_credentials(audience=tenant.audience)
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 86400
