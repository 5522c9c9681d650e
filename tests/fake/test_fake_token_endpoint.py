"""POST /oauth/token, JWKS and discovery, against Auth0's bodies in docs/auth0-wire.md."""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest
from fake_helpers import Clock, make_app, token_request

from pytest_auth0_m2m.fake import PROVISIONER_SCOPES, FakeAuth0


def test_provisioner_token_as_form(fake: FakeAuth0, http: httpx.Client) -> None:
    prov = fake.provisioner
    r = http.post("/oauth/token", data=token_request(fake, prov.client_id, prov.client_secret))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["scope"].split() == list(PROVISIONER_SCOPES)
    assert fake.counters.tokens_issued == {prov.client_id: 1}


def test_token_claims_and_header_match_auth0(clocked_fake: FakeAuth0, clock: Clock) -> None:
    fake = clocked_fake
    client_id, secret = make_app(fake, ["read:users", "update:users"])
    r = httpx.post(fake.token_url, json=token_request(fake, client_id, secret))
    assert r.status_code == 200
    token = r.json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    jwks = httpx.get(f"{fake.url}/.well-known/jwks.json").json()
    # Auth0's JWKS always holds the current key and the next (Rotate Signing Keys): the token's
    # is the current one, listed first.
    key, upcoming = jwks["keys"]
    assert header["kid"] == key["kid"] != upcoming["kid"]
    assert {"kty", "use", "n", "e", "kid", "x5t", "x5c", "alg"} <= set(key)
    public = jwt.PyJWK(key).key
    claims = jwt.decode(
        token,
        public,
        algorithms=["RS256"],
        audience=fake.audience,
        options={"verify_exp": False, "verify_iat": False},
    )
    now = int(clock.now)
    assert claims == {
        "iss": f"https://{fake.domain}/",
        "sub": f"{client_id}@clients",
        "aud": f"https://{fake.domain}/api/v2/",
        "iat": now,
        "exp": now + 86400,
        "scope": "read:users update:users",
        "gty": "client-credentials",
        "azp": client_id,
    }


def test_openid_configuration(fake: FakeAuth0, http: httpx.Client) -> None:
    config = http.get("/.well-known/openid-configuration").json()
    assert config["issuer"] == fake.issuer  # https://, as the tokens' iss claim
    # The endpoints are where the emulator serves them, plain HTTP included (red-team finding:
    # https:// URLs on a plain-HTTP emulator could not be followed).
    assert config["jwks_uri"] == f"{fake.url}/.well-known/jwks.json"
    assert config["token_endpoint"] == f"{fake.url}/oauth/token"
    assert httpx.get(config["jwks_uri"]).json()["keys"]


def test_http_basic_client_authentication(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users"])
    r = http.post(
        "/oauth/token",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials", "audience": fake.audience},
    )
    assert r.status_code == 200
    assert r.json()["scope"] == "read:users"


@pytest.mark.parametrize("as_json", [True, False])
def test_wrong_secret_is_401_access_denied(
    fake: FakeAuth0, http: httpx.Client, as_json: bool
) -> None:
    payload = token_request(fake, fake.provisioner.client_id, "not-the-secret")
    r = http.post("/oauth/token", **({"json": payload} if as_json else {"data": payload}))
    assert r.status_code == 401
    assert r.json() == {"error": "access_denied", "error_description": "Unauthorized"}


def test_unknown_client_is_401(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.post("/oauth/token", data=token_request(fake, "nobody", "x"))
    assert r.status_code == 401
    assert r.json() == {"error": "access_denied", "error_description": "Unauthorized"}


def test_garbage_basic_header_is_401(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.post(
        "/oauth/token",
        headers={"Authorization": "Basic !!!"},
        data={"grant_type": "client_credentials", "audience": fake.audience},
    )
    assert r.status_code == 401
    assert r.json()["error"] == "access_denied"


def test_no_grant_is_403_with_auth0_text(fake: FakeAuth0, http: httpx.Client) -> None:
    made = fake.seed({"clients": [{"name": "no grant", "grant_types": ["client_credentials"]}]})
    client_id = made["clients"][0]
    secret = fake.tenant.clients[client_id]["client_secret"]
    r = http.post("/oauth/token", data=token_request(fake, client_id, secret))
    assert r.status_code == 403
    assert r.json() == {
        "error": "access_denied",
        "error_description": (
            f'Client is not authorized to access "https://{fake.domain}/api/v2/". You need to '
            'create a "client-grant" associated to this API. See: '
            "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
        ),
    }


def test_unknown_audience_is_403_service_not_found(fake: FakeAuth0, http: httpx.Client) -> None:
    prov = fake.provisioner
    payload = token_request(fake, prov.client_id, prov.client_secret)
    payload["audience"] = "https://nowhere.example/"
    r = http.post("/oauth/token", data=payload)
    assert r.status_code == 403
    assert r.json() == {
        "error": "access_denied",
        "error_description": "Service not found: https://nowhere.example/",
    }


def test_grant_type_not_enabled_is_unauthorized_client(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users"], grant_types=["authorization_code"])
    r = http.post("/oauth/token", data=token_request(fake, client_id, secret))
    assert r.status_code == 403
    assert r.json() == {
        "error": "unauthorized_client",
        "error_description": "Grant type 'client_credentials' not allowed for the client.",
        "error_uri": "https://auth0.com/docs/clients/client-grant-types",
    }


def test_scope_subset_is_ignored(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users", "update:users"])
    r = http.post("/oauth/token", data=token_request(fake, client_id, secret, scope="read:users"))
    assert r.status_code == 200
    assert r.json()["scope"] == "read:users update:users"
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "read:users update:users"


def test_ungranted_scope_is_refused(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users"])
    r = http.post(
        "/oauth/token",
        data=token_request(fake, client_id, secret, scope="read:users delete:users read:roles"),
    )
    assert r.status_code == 403
    assert r.json() == {
        "error": "access_denied",
        "error_description": "Client has not been granted scopes: delete:users, read:roles",
    }
    assert fake.counters.tokens_issued == {}


def test_malformed_token_requests_are_400(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.post(
        "/oauth/token", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    r = http.post("/oauth/token", content=b"<x/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 400
    r = http.post("/oauth/token", data={"client_id": "a"})
    assert r.status_code == 400
    assert r.json() == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: grant_type",
    }


def test_token_lifetime_is_injectable(clock: Clock) -> None:
    with FakeAuth0(clock=clock, token_lifetime=60) as fake:
        prov = fake.provisioner
        r = httpx.post(fake.token_url, data=token_request(fake, prov.client_id, prov.client_secret))
        assert r.json()["expires_in"] == 60
        claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 60


def test_basic_credentials_are_form_decoded(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users"])
    # RFC 6749: each part is form-encoded before base64; a plain secret decodes to itself.
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    r = http.post(
        "/oauth/token",
        headers={"Authorization": f"Basic {raw}"},
        json={"grant_type": "client_credentials", "audience": fake.audience},
    )
    assert r.status_code == 200


def test_missing_audience_without_default_audience(fake: FakeAuth0, http: httpx.Client) -> None:
    prov = fake.provisioner
    payload = token_request(fake, prov.client_id, prov.client_secret)
    del payload["audience"]
    r = http.post("/oauth/token", data=payload)
    assert r.status_code == 403
    assert r.json() == {
        "error": "access_denied",
        "error_description": (
            "No audience parameter was provided, and no default audience has been configured"
        ),
    }


def test_unknown_grant_type_is_400_unsupported_grant_type(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    client_id, secret = make_app(fake, ["read:users"])
    r = http.post(
        "/oauth/token",
        data={
            "grant_type": "urn:example:not-a-grant",
            "client_id": client_id,
            "client_secret": secret,
            "audience": fake.audience,
        },
    )
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type"
    assert secret not in r.text
