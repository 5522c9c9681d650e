"""No way around a token's scopes (red-team findings): an app's secret is set only with
update:client_keys, authentication methods only with the client_credentials scopes, and no
Management API token is minted."""

from __future__ import annotations

import httpx
import pytest
from fake_helpers import bearer, token_request

from pytest_auth0_m2m.fake import FakeAuth0


def test_update_clients_alone_cannot_set_a_secret(fake: FakeAuth0, http: httpx.Client) -> None:
    provisioner = fake.provisioner.client_id
    url = f"/api/v2/clients/{provisioner}"
    stolen = "y" * 48
    for field, value in (("client_secret", stolen), ("encryption_key", {"pub": "x"})):
        r = http.patch(url, headers=bearer(fake, "update:clients"), json={field: value})
        assert r.status_code == 403, r.text
        assert r.json() == {
            "statusCode": 403,
            "error": "Forbidden",
            "message": "Insufficient scope, expected any of: update:client_keys",
            "errorCode": "insufficient_scope",
        }
    # the secret is unchanged: the old one still gets a token, the planted one does not
    assert _token(http, fake, provisioner, fake.provisioner.client_secret) == 200
    assert _token(http, fake, provisioner, stolen) == 401
    # with the scope Auth0 asks for, it is allowed
    keys = bearer(fake, "update:clients", "update:client_keys")
    assert http.patch(url, headers=keys, json={"client_secret": stolen}).status_code == 200
    assert _token(http, fake, provisioner, stolen) == 200


def _token(http: httpx.Client, fake: FakeAuth0, client_id: str, secret: str) -> int:
    return http.post("/oauth/token", data=token_request(fake, client_id, secret)).status_code


def test_authentication_methods_need_the_client_credentials_scopes(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    methods = {"private_key_jwt": {"credentials": []}}
    r = http.post(
        "/api/v2/clients",
        headers=bearer(fake, "create:clients"),
        json={"name": "k", "client_authentication_methods": methods},
    )
    assert r.status_code == 403
    assert r.json()["message"] == "Insufficient scope, expected any of: create:client_credentials"
    made = http.post("/api/v2/clients", headers=bearer(fake, "create:clients"), json={"name": "k"})
    r = http.patch(
        f"/api/v2/clients/{made.json()['client_id']}",
        headers=bearer(fake, "update:clients"),
        json={"client_authentication_methods": methods},
    )
    assert r.status_code == 403
    assert r.json()["message"] == "Insufficient scope, expected any of: update:client_credentials"


@pytest.mark.parametrize(
    ("audience", "claims"),
    [
        (None, None),
        ("management", None),
        ("https://orders.example.com", {"aud": "management"}),
        ("https://orders.example.com", {"aud": ["https://orders.example.com", "management"]}),
    ],
)
def test_no_management_api_token_is_minted(
    fake: FakeAuth0, audience: str | None, claims: dict[str, object] | None
) -> None:
    def real(value: object) -> object:
        if value == "management":
            return fake.audience
        if isinstance(value, list):
            return [real(v) for v in value]
        return value

    given = {k: real(v) for k, v in (claims or {}).items()} or None
    with pytest.raises(ValueError, match="mint"):
        fake.mint_token(real(audience), ["delete:users"], claims=given)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8080", "10.0.0.1", "attacker.localhost.evil"]
)
def test_a_request_for_another_host_is_not_served(
    fake: FakeAuth0, http: httpx.Client, host: str
) -> None:
    # DNS rebinding: a page points a name of its own at 127.0.0.1; the Host header shows it.
    for method, path in (
        ("POST", "/__fake__/reset"),
        ("GET", "/api/v2/users"),
        ("POST", "/oauth/token"),
    ):
        r = http.request(method, path, headers={"Host": host})
        assert r.status_code == 421, (method, path, r.text)
        assert r.json()["errorCode"] == "misdirected_request"
    for loopback in (f"localhost:{fake.port}", f"127.0.0.1:{fake.port}", "[::1]"):
        assert http.get("/__fake__/ping", headers={"Host": loopback}).status_code == 200


def test_admin_routes_refuse_what_a_web_page_can_send(fake: FakeAuth0, http: httpx.Client) -> None:
    # A cross-site page can post text/plain or a form without a preflight, and always sends
    # Origin: neither reaches reset, seed, faults, checkpoint or rate limits.
    seed = b'{"clients": [{"client_id": "evil", "client_secret": "evil-secret-0123456789"}]}'
    refused = [
        http.post("/__fake__/seed", content=seed, headers={"Content-Type": "text/plain"}),
        http.post("/__fake__/seed", content=seed),
        http.post(
            "/__fake__/seed",
            content=seed,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        http.post("/__fake__/reset", headers={"Origin": "null"}),
        http.post("/__fake__/checkpoint", headers={"Origin": "https://evil.example"}),
        http.post(
            "/__fake__/faults",
            json={"status": 503},
            headers={"Origin": "https://evil.example"},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all(r.json()["errorCode"] == "forbidden" for r in refused)
    assert fake.tenant.clients.get("evil") is None
    # a program's JSON is served
    r = http.post("/__fake__/seed", json={"users": [{"email": "ok@example.com"}]})
    assert r.status_code == 201
    assert http.post("/__fake__/checkpoint").status_code == 201
