"""Bearer verification, scope enforcement (any / all / mixed), "not emulated" and 404, for every
route."""

from __future__ import annotations

import re

import httpx
import jwt
import pytest
from fake_helpers import Clock, bearer, make_app, token_request

from pytest_auth0_m2m.auth0.scopes import catalogue
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.fake.common import is_not_emulated
from pytest_auth0_m2m.fake.routes.engine import facts


def _401(message: str) -> dict[str, object]:
    return {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": message,
        "attributes": {"error": message},
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer a.b.c"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": b"Bearer \xe9\xff\xfegarbage"},
    ],
)
def test_missing_or_garbage_token_is_401_invalid_token(
    http: httpx.Client, headers: dict[str, str | bytes]
) -> None:
    r = http.get("/api/v2/users", headers=headers)
    assert r.status_code == 401
    assert r.json() == _401("Invalid token")


def test_expired_token(clocked_fake: FakeAuth0, clock: Clock) -> None:
    fake = clocked_fake
    headers = bearer(fake, "read:users")
    with httpx.Client(base_url=fake.url, headers=headers) as http:
        assert http.get("/api/v2/users").status_code == 200
        clock.advance(86399)
        assert http.get("/api/v2/users").status_code == 200
        clock.advance(1)
        r = http.get("/api/v2/users")
    assert r.status_code == 401
    assert r.json() == _401("Expired token received for JSON Web Token validation")


def test_token_from_token_endpoint_expires_on_the_injected_clock(
    clocked_fake: FakeAuth0, clock: Clock
) -> None:
    fake = clocked_fake
    client_id, secret = make_app(fake, ["read:users"])
    token = httpx.post(fake.token_url, data=token_request(fake, client_id, secret)).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(f"{fake.url}/api/v2/users", headers=headers).status_code == 200
    clock.advance(token["expires_in"])
    assert httpx.get(f"{fake.url}/api/v2/users", headers=headers).status_code == 401


def test_bad_audience(fake: FakeAuth0, http: httpx.Client) -> None:
    token = fake.issue_token("c", ["read:users"], audience="https://my-api.example/")
    r = http.get("/api/v2/users", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json() == _401("Bad audience: https://my-api.example/")


def test_token_of_another_emulator_has_a_bad_signature(fake: FakeAuth0) -> None:
    with FakeAuth0() as other:
        foreign = other.issue_token("c", ["read:users"])
    # This tenant's header and claims with the other emulator's signature.
    good = fake.issue_token("c", ["read:users"])
    forged = good.rsplit(".", 1)[0] + "." + foreign.rsplit(".", 1)[1]
    r = httpx.get(f"{fake.url}/api/v2/users", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.json() == _401("Invalid signature received for JSON Web Token validation")
    # And the other emulator's token as a whole: its audience names the other tenant.
    r = httpx.get(f"{fake.url}/api/v2/users", headers={"Authorization": f"Bearer {foreign}"})
    assert r.status_code == 401


def test_hs256_token_is_refused(fake: FakeAuth0, http: httpx.Client) -> None:
    token = jwt.encode(
        {"aud": fake.audience, "iss": fake.issuer, "exp": 4_000_000_000, "scope": "read:users"},
        "secret-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    r = http.get("/api/v2/users", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json() == _401("Invalid token")


def _403(expected: str) -> dict[str, object]:
    return {
        "statusCode": 403,
        "error": "Forbidden",
        "message": f"Insufficient scope, expected{expected}",
        "errorCode": "insufficient_scope",
    }


def test_any_of_rule(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.get("/api/v2/users", headers=bearer(fake, "read:clients"))
    assert r.status_code == 403
    assert r.json() == _403(" any of: read:users,read:user_idp_tokens")
    assert (
        http.get("/api/v2/users", headers=bearer(fake, "read:user_idp_tokens")).status_code == 200
    )


def test_all_of_rule_on_user_roles(fake: FakeAuth0, http: httpx.Client) -> None:
    user = fake.seed({"users": [{"email": "a@example.com"}]})["users"][0]
    path = f"/api/v2/users/{user}/roles"
    for partial in (
        ("read:users",),
        ("read:users", "read:roles"),
        ("read:roles", "read:role_members"),
    ):
        r = http.get(path, headers=bearer(fake, *partial))
        assert r.status_code == 403, partial
        assert r.json() == _403(" all of: read:role_members,read:roles,read:users")
    r = http.get(path, headers=bearer(fake, "read:users", "read:roles", "read:role_members"))
    assert r.status_code == 200
    assert r.json() == []


def test_mixed_rule_on_client_connections(fake: FakeAuth0, http: httpx.Client) -> None:
    path = f"/api/v2/clients/{fake.provisioner.client_id}/connections"
    expected = _403(": read:connections and any of: read:clients or read:client_summary")
    for scopes in (
        ("read:connections",),
        ("read:clients",),
        ("read:clients", "read:client_summary"),
    ):
        r = http.get(path, headers=bearer(fake, *scopes))
        assert r.status_code == 403, scopes
        assert r.json() == expected
    enabled = {"name": "corp", "strategy": "auth0", "enabled_clients": [fake.provisioner.client_id]}
    fake.seed({"connections": [enabled]})
    for scopes in (
        ("read:connections", "read:clients"),
        ("read:connections", "read:client_summary"),
    ):
        r = http.get(path, headers=bearer(fake, *scopes))
        assert r.status_code == 200, scopes
        assert [c["name"] for c in r.json()["connections"]] == ["corp"]


def test_not_emulated_comes_after_auth_and_scopes_and_is_not_retried(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    path = "/api/v2/anomaly/blocks/ips/10.0.0.1"
    assert http.get(path).status_code == 401
    r = http.get(path, headers=bearer(fake, "read:users"))
    assert r.status_code == 403
    assert r.json() == _403(" any of: read:anomaly_blocks")
    r = http.get(path, headers=bearer(fake, "read:anomaly_blocks"))
    # 405, not 501: auth0-python 6.x retries 5xx, 408, 409 and 429 (and would wait each time).
    assert r.status_code == 405
    assert r.status_code < 500
    assert r.status_code not in (408, 409, 429)
    assert r.json() == {
        "statusCode": 405,
        "error": "Method Not Allowed",
        "message": "get_ips_by_id (GET /api/v2/anomaly/blocks/ips/{id}) is not emulated by the "
        "Auth0 emulator: it answers this status, which no SDK retries, so the call fails fast; "
        "test it against a tenant",
        "errorCode": "operation_not_emulated",
    }
    assert is_not_emulated(r.status_code, r.json()["errorCode"])
    assert r.headers["Allow"] == ""  # RFC 9110: a 405 lists what the path supports (nothing)
    assert not is_not_emulated(405, "some_other_error")
    assert not is_not_emulated(501, "operation_not_emulated")


def test_unknown_paths_are_auth0_404(fake: FakeAuth0, http: httpx.Client) -> None:
    not_found = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
    for method, path in (
        ("GET", "/api/v2/nope"),
        ("GET", "/api/v2/users/a/b/c/d"),
        ("PUT", "/api/v2/clients"),
        ("GET", "/nothing-here"),
        ("GET", "/api/v3/users"),
    ):
        r = http.request(method, path, headers=bearer(fake, "read:users"))
        assert r.status_code == 404, path
        assert r.json() == not_found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "p-1", path)


def test_every_catalogue_operation_is_routed_and_scope_checked(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    cat = catalogue()
    assert len(cat.operations) == 452
    headers = bearer(fake, "openid")  # a valid token with no Management API scope
    for op in cat.operations:
        path = _concrete(op.path)
        expected = cat.match(op.method, path)
        assert expected is not None
        r = http.request(op.method, "/api/v2" + path, headers=headers)
        assert r.status_code == 403, (op.operation_id, r.status_code, r.text)
        assert r.json()["errorCode"] == "insufficient_scope", op.operation_id
        assert r.json()["message"] == expected.insufficient_scope_message(), op.operation_id
    assert fake.counters.count("get_users_by_id", 403) == 1


def test_every_operation_passes_with_its_scopes(fake: FakeAuth0, http: httpx.Client) -> None:
    """With the operation's scopes the request reaches a handler (or "not emulated"): never
    401/403, and a 404 is a missing resource's (inexistent_*, or the code a recording shows for
    that operation's missing resource, e.g. theme_not_found)."""
    cat = catalogue()
    recorded = {
        e["not_found_code"] for e in facts()["operations"].values() if "not_found_code" in e
    }
    for op in cat.operations:
        path = _concrete(op.path)
        target = cat.match(op.method, path)
        assert target is not None
        scopes = [group[0] for group in target.groups]
        r = http.request(op.method, "/api/v2" + path, headers=bearer(fake, *scopes), json={})
        assert r.status_code not in (401, 403, 500), (op.operation_id, r.text)
        if r.status_code == 404:
            code = r.json().get("errorCode", "")
            assert code.startswith("inexistent_") or code in recorded, op.operation_id


def test_journal_records_answers_with_the_calling_client(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    mark = fake.journal.mark()
    token = fake.issue_token(fake.provisioner.client_id, ["read:clients"])
    http.get("/api/v2/users", headers={"Authorization": f"Bearer {token}"})
    http.get("/api/v2/clients?per_page=1", headers={"Authorization": f"Bearer {token}"})
    http.get("/__fake__/ping")
    entries = fake.journal.since(mark)
    assert [(e.method, e.path, e.status, e.client_id) for e in entries] == [
        ("GET", "/api/v2/users", 403, fake.provisioner.client_id),
        ("GET", "/api/v2/clients", 200, fake.provisioner.client_id),
    ]
    assert b"insufficient_scope" in entries[0].body
    assert fake.journal.since(fake.journal.mark()) == []
