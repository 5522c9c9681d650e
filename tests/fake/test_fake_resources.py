"""Stateful resources: shapes, pagination, fields, validation, 404/409 bodies."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest
from fake_helpers import bearer, token_request

from pytest_auth0_m2m.auth0.scopes import catalogue
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.fake.schemas import property_description

# Auth0 quotes the property's description from its schema in 400 messages.
NAME_ABOUT = property_description("post_clients", "name")
ALL_CLIENT_SCOPES = ("create:clients", "read:clients", "update:clients", "delete:clients")
GRANT_SCOPES = (
    "create:client_grants",
    "read:client_grants",
    "update:client_grants",
    "delete:client_grants",
)


def _invalid_body(message: str) -> dict[str, object]:
    return {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"Payload validation error: {message}",
        "errorCode": "invalid_body",
    }


def _new_client(http: httpx.Client, fake: FakeAuth0, name: str = "app") -> dict[str, object]:
    r = http.post(
        "/api/v2/clients",
        headers=bearer(fake, "create:clients"),
        json={
            "name": name,
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_post",
            "client_metadata": {"purpose": "test"},
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


# --- clients -------------------------------------------------------------------------------------


def test_create_client_shape(fake: FakeAuth0, http: httpx.Client) -> None:
    client = _new_client(http, fake)
    assert re.fullmatch(r"[A-Za-z0-9]{32}", str(client["client_id"]))
    assert isinstance(client["client_secret"], str)
    assert len(client["client_secret"]) == 64
    assert client["name"] == "app"
    assert client["app_type"] == "non_interactive"
    assert client["grant_types"] == ["client_credentials"]
    assert client["client_metadata"] == {"purpose": "test"}


def test_client_secret_only_with_read_client_keys(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id = _new_client(http, fake)["client_id"]
    plain = http.get(f"/api/v2/clients/{client_id}", headers=bearer(fake, "read:clients")).json()
    assert "client_secret" not in plain
    listed = http.get("/api/v2/clients", headers=bearer(fake, "read:clients")).json()
    assert all("client_secret" not in c for c in listed)
    keyed = http.get(f"/api/v2/clients/{client_id}", headers=bearer(fake, "read:client_keys"))
    assert len(keyed.json()["client_secret"]) == 64


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": "x", "colour": "red"}, "'Additional properties not allowed: colour'."),
        (
            {"name": 5},
            f"'Expected type string but found type integer' on property name ({NAME_ABOUT}).",
        ),
        ({"description": "no name"}, "'Missing required property: name'."),
        (
            {"name": "a<b>"},
            f"'String does not match pattern ^[^<>]+$: a<b>' on property name ({NAME_ABOUT}).",
        ),
    ],
)
def test_client_validation_400(
    fake: FakeAuth0, http: httpx.Client, payload: dict[str, object], message: str
) -> None:
    r = http.post("/api/v2/clients", headers=bearer(fake, "create:clients"), json=payload)
    assert r.status_code == 400
    assert r.json() == _invalid_body(message)


def test_client_metadata_limits(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(fake, "create:clients")
    eleven = {f"k{i}": "v" for i in range(11)}
    r = http.post("/api/v2/clients", headers=headers, json={"name": "a", "client_metadata": eleven})
    assert r.status_code == 400
    assert r.json()["errorCode"] == "invalid_body"
    assert "maximum 10" in r.json()["message"]
    long_value = {"k": "v" * 256}
    r = http.post(
        "/api/v2/clients", headers=headers, json={"name": "a", "client_metadata": long_value}
    )
    assert r.status_code == 400
    assert "maximum 255" in r.json()["message"]
    ok = {f"k{i}": "v" * 255 for i in range(10)}
    r = http.post("/api/v2/clients", headers=headers, json={"name": "a", "client_metadata": ok})
    assert r.status_code == 201


def test_unknown_client_404_and_delete_cascades_grants(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(fake, *ALL_CLIENT_SCOPES, *GRANT_SCOPES)
    missing = {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The client does not exist",
        "errorCode": "inexistent_client",
    }
    for method in ("GET", "PATCH", "DELETE"):
        # a valid update: an empty one is refused first (the spec's minProperties: 1)
        body = {"name": "x"} if method == "PATCH" else None
        r = http.request(method, "/api/v2/clients/nope", headers=headers, json=body)
        assert r.status_code == 404
        assert r.json() == missing
    client_id = _new_client(http, fake)["client_id"]
    grant = http.post(
        "/api/v2/client-grants",
        headers=headers,
        json={"client_id": client_id, "audience": fake.audience, "scope": ["read:users"]},
    )
    assert grant.status_code == 201
    assert http.delete(f"/api/v2/clients/{client_id}", headers=headers).status_code == 204
    assert (
        http.get(f"/api/v2/client-grants/{grant.json()['id']}", headers=headers).status_code == 404
    )
    assert (
        http.get("/api/v2/client-grants", headers=headers, params={"client_id": client_id}).json()
        == []
    )


def test_patch_client(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id = _new_client(http, fake)["client_id"]
    r = http.patch(
        f"/api/v2/clients/{client_id}",
        headers=bearer(fake, "update:clients"),
        json={"description": "changed", "client_metadata": {"a": "b"}},
    )
    assert r.status_code == 200
    assert r.json()["description"] == "changed"
    assert "client_secret" not in r.json()


def test_clients_pagination_fields_and_checkpoint(fake: FakeAuth0, http: httpx.Client) -> None:
    for i in range(5):
        _new_client(http, fake, f"app-{i}")
    headers = bearer(fake, "read:clients")
    total = 6  # five apps and the provisioner
    r = http.get(
        "/api/v2/clients",
        headers=headers,
        params={"page": 1, "per_page": 2, "include_totals": "true", "fields": "name,client_id"},
    )
    body = r.json()
    assert body["start"] == 2
    assert body["limit"] == 2
    assert "length" not in body  # Auth0 sends length on /users and /logs only (recordings)
    assert body["total"] == total
    assert [c["name"] for c in body["clients"]] == ["app-1", "app-2"]
    assert all(set(c) == {"name", "client_id"} for c in body["clients"])
    excluded = http.get(
        "/api/v2/clients",
        headers=headers,
        params={"fields": "client_metadata,callbacks", "include_fields": "false"},
    ).json()
    assert all("client_metadata" not in c and "name" in c for c in excluded)
    seen: list[str] = []
    params: dict[str, str | int] = {"take": 4}
    while True:
        page = http.get("/api/v2/clients", headers=headers, params=params).json()
        seen += [c["name"] for c in page["clients"]]
        if "next" not in page:
            break
        params = {"take": 4, "from": page["next"]}
    assert len(seen) == total
    assert len(set(seen)) == total


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"per_page": 101}, "'Too big: must be at most 100' on property per_page."),
        ({"page": -1}, "'Too small: must be at least 0' on property page."),
        ({"page": "x"}, "'Expected type integer but found type string' on property page."),
    ],
)
def test_bad_paging_is_400_invalid_query_string(
    fake: FakeAuth0, http: httpx.Client, params: dict[str, object], fragment: str
) -> None:
    r = http.get("/api/v2/clients", headers=bearer(fake, "read:clients"), params=params)
    assert r.status_code == 400
    assert r.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"Query validation error: {fragment}",
        "errorCode": "invalid_query_string",
    }


# --- client grants -------------------------------------------------------------------------------


def test_client_grant_lifecycle(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(fake, "create:clients", *GRANT_SCOPES)
    client_id = _new_client(http, fake)["client_id"]
    r = http.post(
        "/api/v2/client-grants",
        headers=headers,
        json={"client_id": client_id, "audience": fake.audience, "scope": ["read:users"]},
    )
    assert r.status_code == 201
    grant = r.json()
    assert re.fullmatch(r"cgr_[A-Za-z0-9]{16}", grant["id"])
    assert grant["client_id"] == client_id
    assert grant["audience"] == fake.audience
    assert grant["scope"] == ["read:users"]

    dup = http.post(
        "/api/v2/client-grants",
        headers=headers,
        json={"client_id": client_id, "audience": fake.audience, "scope": []},
    )
    assert dup.status_code == 409
    assert dup.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": f"A client grant already exists between {client_id} and {fake.audience}",
        "errorCode": "conflict",
    }

    listed = http.get(
        "/api/v2/client-grants",
        headers=headers,
        params={"client_id": client_id, "audience": fake.audience, "include_totals": "true"},
    ).json()
    assert listed == {"total": 1, "start": 0, "limit": 50, "client_grants": [grant]}

    patched = http.patch(
        f"/api/v2/client-grants/{grant['id']}",
        headers=headers,
        json={"scope": ["read:users", "update:users"]},
    )
    assert patched.status_code == 200
    assert patched.json()["scope"] == ["read:users", "update:users"]
    token = http.post(
        "/oauth/token",
        data=token_request(fake, client_id, fake.tenant.clients[client_id]["client_secret"]),
    )
    assert token.json()["scope"] == "read:users update:users"

    assert http.delete(f"/api/v2/client-grants/{grant['id']}", headers=headers).status_code == 204
    again = http.delete(f"/api/v2/client-grants/{grant['id']}", headers=headers)
    assert again.status_code == 404
    assert again.json()["errorCode"] == "inexistent_client_grant"


def test_client_grant_scope_must_be_subset(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id = _new_client(http, fake)["client_id"]
    r = http.post(
        "/api/v2/client-grants",
        headers=bearer(fake, *GRANT_SCOPES),
        json={"client_id": client_id, "audience": fake.audience, "scope": ["read:unicorns"]},
    )
    assert r.status_code == 400
    assert r.json() == _invalid_body("scope must be a subset of resource server scopes")


def test_client_grant_rejects_unknown_properties(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.post(
        "/api/v2/client-grants",
        headers=bearer(fake, *GRANT_SCOPES),
        json={"client_id": "x", "audience": fake.audience, "scope": [], "scopes": []},
    )
    assert r.status_code == 400
    assert r.json() == _invalid_body("'Additional properties not allowed: scopes'.")


# --- resource servers ----------------------------------------------------------------------------


def test_system_api_by_id_and_by_encoded_identifier(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(fake, "read:resource_servers")
    by_identifier = http.get(
        f"/api/v2/resource-servers/{quote(fake.audience, safe='')}", headers=headers
    )
    assert by_identifier.status_code == 200
    system = by_identifier.json()
    assert system["identifier"] == f"https://{fake.domain}/api/v2/"
    assert system["is_system"] is True
    assert system["token_lifetime"] == 86400
    assert system["signing_alg"] == "RS256"
    assert {s["value"] for s in system["scopes"]} == set(catalogue().scopes)
    assert all(set(s) == {"value", "description"} for s in system["scopes"])
    by_id = http.get(f"/api/v2/resource-servers/{system['id']}", headers=headers).json()
    assert by_id == system
    missing = http.get("/api/v2/resource-servers/nope", headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The resource server does not exist",
        "errorCode": "inexistent_resource_server",
    }


def test_custom_api_grant_and_token(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(
        fake, "create:resource_servers", "read:resource_servers", "create:client_grants"
    )
    api = http.post(
        "/api/v2/resource-servers",
        headers=headers,
        json={
            "name": "Orders",
            "identifier": "https://orders.example/",
            "scopes": [{"value": "read:orders", "description": "Read orders"}],
            "token_lifetime": 600,
        },
    )
    assert api.status_code == 201
    assert "is_system" not in api.json()  # not in Auth0's answer to a create (recordings)
    client_id = _new_client(http, fake)["client_id"]
    grant = http.post(
        "/api/v2/client-grants",
        headers=headers,
        json={
            "client_id": client_id,
            "audience": "https://orders.example/",
            "scope": ["read:orders"],
        },
    )
    assert grant.status_code == 201
    payload = token_request(fake, client_id, fake.tenant.clients[client_id]["client_secret"])
    payload["audience"] = "https://orders.example/"
    token = http.post("/oauth/token", data=payload).json()
    assert token["scope"] == "read:orders"
    assert token["expires_in"] == 600
    # A custom API's token is not a Management API token.
    r = http.get("/api/v2/clients", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 401
    assert r.json()["message"] == "Bad audience: https://orders.example/"


# --- users ---------------------------------------------------------------------------------------

USER_SCOPES = ("create:users", "read:users", "update:users", "delete:users")


def _new_user(http: httpx.Client, fake: FakeAuth0, email: str) -> dict[str, object]:
    r = http.post(
        "/api/v2/users",
        headers=bearer(fake, "create:users"),
        json={
            "email": email,
            "password": "Correct-Horse-9",
            "connection": "Username-Password-Authentication",
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def test_user_lifecycle(fake: FakeAuth0, http: httpx.Client) -> None:
    user = _new_user(http, fake, "ada@example.com")
    assert re.fullmatch(r"auth0\|[0-9a-f]{24}", str(user["user_id"]))
    assert user["email"] == "ada@example.com"
    assert "password" not in user
    identities = user["identities"]
    assert isinstance(identities, list)
    assert identities[0]["connection"] == "Username-Password-Authentication"
    headers = bearer(fake, *USER_SCOPES)
    path = f"/api/v2/users/{quote(str(user['user_id']), safe='')}"
    assert http.get(path, headers=headers).json()["email"] == "ada@example.com"
    patched = http.patch(
        path, headers=headers, json={"name": "Ada", "app_metadata": {"plan": "pro", "x": 1}}
    ).json()
    assert patched["name"] == "Ada"
    assert patched["app_metadata"] == {"plan": "pro", "x": 1}
    merged = http.patch(path, headers=headers, json={"app_metadata": {"x": None}}).json()
    assert merged["app_metadata"] == {"plan": "pro"}
    assert http.delete(path, headers=headers).status_code == 204
    gone = http.get(path, headers=headers)
    assert gone.status_code == 404
    assert gone.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The user does not exist.",
        "errorCode": "inexistent_user",
    }


def test_duplicate_user_409_and_bad_connection(fake: FakeAuth0, http: httpx.Client) -> None:
    _new_user(http, fake, "dup@example.com")
    payload = {
        "email": "dup@example.com",
        "password": "Correct-Horse-9",
        "connection": "Username-Password-Authentication",
    }
    r = http.post("/api/v2/users", headers=bearer(fake, "create:users"), json=payload)
    assert r.status_code == 409
    assert r.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": "The user already exists.",
        "errorCode": "auth0_idp_error",
    }
    payload["connection"] = "nope"
    r = http.post("/api/v2/users", headers=bearer(fake, "create:users"), json=payload)
    assert r.status_code == 400
    assert r.json()["errorCode"] == "inexistent_connection"


def test_user_search_and_paging(fake: FakeAuth0, http: httpx.Client) -> None:
    ids = [_new_user(http, fake, f"user{i}@example.com")["user_id"] for i in range(7)]
    _new_user(http, fake, "other@elsewhere.org")
    headers = bearer(fake, "read:users")
    exact = http.get(
        "/api/v2/users",
        headers=headers,
        params={"q": 'email:"user3@example.com"', "search_engine": "v3"},
    ).json()
    assert [u["user_id"] for u in exact] == [ids[3]]
    by_id = http.get("/api/v2/users", headers=headers, params={"q": f'user_id:"{ids[5]}"'}).json()
    assert [u["email"] for u in by_id] == ["user5@example.com"]
    wildcard = http.get(
        "/api/v2/users",
        headers=headers,
        params={"q": "email:user*", "per_page": 3, "page": 2, "include_totals": "true"},
    ).json()
    assert wildcard["total"] == 7
    assert [u["email"] for u in wildcard["users"]] == ["user6@example.com"]
    either = http.get(
        "/api/v2/users",
        headers=headers,
        params={"q": 'email:"user1@example.com" OR email:"other@elsewhere.org"'},
    ).json()
    assert sorted(u["email"] for u in either) == ["other@elsewhere.org", "user1@example.com"]
    by_email = http.get(
        "/api/v2/users-by-email", headers=headers, params={"email": "USER2@example.com"}
    ).json()
    assert [u["user_id"] for u in by_email] == [ids[2]]
    bad = http.get("/api/v2/users", headers=headers, params={"search_engine": "v9"})
    assert bad.status_code == 400
    assert bad.json()["errorCode"] == "invalid_query_string"


# --- roles ---------------------------------------------------------------------------------------


def test_roles_permissions_and_users(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(
        fake,
        "create:roles",
        "read:roles",
        "update:roles",
        "delete:roles",
        "read:users",
        "read:role_members",
        "update:users",
    )
    created = http.post(
        "/api/v2/roles", headers=headers, json={"name": "admin", "description": "Admins"}
    )
    assert created.status_code == 200
    role = created.json()
    assert re.fullmatch(r"rol_[A-Za-z0-9]{16}", role["id"])
    assert role == {"id": role["id"], "name": "admin", "description": "Admins"}
    dup = http.post("/api/v2/roles", headers=headers, json={"name": "admin"})
    assert dup.status_code == 409

    perms = {
        "permissions": [
            {"resource_server_identifier": fake.audience, "permission_name": "read:users"}
        ]
    }
    assert (
        http.post(
            f"/api/v2/roles/{role['id']}/permissions", headers=headers, json=perms
        ).status_code
        == 201
    )
    listed = http.get(f"/api/v2/roles/{role['id']}/permissions", headers=headers).json()
    assert listed == [
        {
            "permission_name": "read:users",
            "description": catalogue().scopes["read:users"],
            "resource_server_name": "Auth0 Management API",
            "resource_server_identifier": fake.audience,
        }
    ]
    bad_perm = {
        "permissions": [{"resource_server_identifier": fake.audience, "permission_name": "x:y"}]
    }
    assert (
        http.post(
            f"/api/v2/roles/{role['id']}/permissions", headers=headers, json=bad_perm
        ).status_code
        == 400
    )

    users = [_new_user(http, fake, f"r{i}@example.com")["user_id"] for i in range(3)]
    assert (
        http.post(
            f"/api/v2/roles/{role['id']}/users", headers=headers, json={"users": users}
        ).status_code
        == 200
    )
    members = http.get(
        f"/api/v2/roles/{role['id']}/users",
        headers=headers,
        params={"per_page": 2, "include_totals": "true"},
    ).json()
    assert members["total"] == 3
    assert [m["user_id"] for m in members["users"]] == users[:2]
    user_roles = http.get(f"/api/v2/users/{users[0]}/roles", headers=headers).json()
    assert [r["id"] for r in user_roles] == [role["id"]]
    assert (
        http.request(
            "DELETE",
            f"/api/v2/users/{users[0]}/roles",
            headers=headers,
            json={"roles": [role["id"]]},
        ).status_code
        == 204
    )
    assert http.get(f"/api/v2/users/{users[0]}/roles", headers=headers).json() == []

    assert (
        http.request(
            "DELETE", f"/api/v2/roles/{role['id']}/permissions", headers=headers, json=perms
        ).status_code
        == 204  # as Auth0 recorded (terraform provider, TestAccRolePermissions.yaml)
    )
    assert http.get(f"/api/v2/roles/{role['id']}/permissions", headers=headers).json() == []
    assert http.delete(f"/api/v2/roles/{role['id']}", headers=headers).status_code == 200
    gone = http.get(f"/api/v2/roles/{role['id']}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["errorCode"] == "inexistent_role"


# --- connections and organizations ---------------------------------------------------------------


def test_connections(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(fake, "create:connections", "read:connections", "delete:connections")
    default = http.get("/api/v2/connections", headers=headers).json()
    assert [c["name"] for c in default] == ["Username-Password-Authentication"]
    made = http.post(
        "/api/v2/connections", headers=headers, json={"name": "corp-db", "strategy": "auth0"}
    )
    assert made.status_code == 201
    dup = http.post(
        "/api/v2/connections", headers=headers, json={"name": "corp-db", "strategy": "auth0"}
    )
    assert dup.status_code == 409
    filtered = http.get("/api/v2/connections", headers=headers, params={"name": "corp-db"}).json()
    assert [c["id"] for c in filtered] == [made.json()["id"]]
    missing = http.post("/api/v2/connections", headers=headers, json={"name": "x"})
    assert missing.status_code == 400
    assert missing.json() == _invalid_body("'Missing required property: strategy'.")
    deleted = http.delete(f"/api/v2/connections/{made.json()['id']}", headers=headers)
    assert deleted.status_code == 202  # Auth0 deletes connections asynchronously (recordings)
    assert set(deleted.json()) == {"deleted_at"}


def test_organizations_and_members(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(
        fake,
        "create:organizations",
        "read:organizations",
        "create:organization_members",
        "read:organization_members",
        "delete:organization_members",
    )
    org = http.post(
        "/api/v2/organizations", headers=headers, json={"name": "acme", "display_name": "Acme"}
    )
    assert org.status_code == 201
    org_id = org.json()["id"]
    assert re.fullmatch(r"org_[A-Za-z0-9]{16}", org_id)
    assert (
        http.post("/api/v2/organizations", headers=headers, json={"name": "Bad Name"}).status_code
        == 400
    )
    assert (
        http.post("/api/v2/organizations", headers=headers, json={"name": "acme"}).status_code
        == 409
    )
    assert http.get("/api/v2/organizations/name/acme", headers=headers).json()["id"] == org_id
    users = [_new_user(http, fake, f"m{i}@example.com")["user_id"] for i in range(3)]
    r = http.post(
        f"/api/v2/organizations/{org_id}/members", headers=headers, json={"members": users}
    )
    assert r.status_code == 204
    page = http.get(
        f"/api/v2/organizations/{org_id}/members", headers=headers, params={"take": 2}
    ).json()
    assert [m["user_id"] for m in page["members"]] == users[:2]
    rest = http.get(
        f"/api/v2/organizations/{org_id}/members",
        headers=headers,
        params={"take": 2, "from": page["next"]},
    ).json()
    assert [m["user_id"] for m in rest["members"]] == users[2:]
    # Auth0 keeps next on the last page of members; the page after it is empty (recordings)
    after = http.get(
        f"/api/v2/organizations/{org_id}/members",
        headers=headers,
        params={"take": 2, "from": rest["next"]},
    ).json()
    assert after == {"members": []}
    r = http.request(
        "DELETE",
        f"/api/v2/organizations/{org_id}/members",
        headers=headers,
        json={"members": users[:1]},
    )
    assert r.status_code == 204
    left = http.get(f"/api/v2/organizations/{org_id}/members", headers=headers).json()
    assert [m["user_id"] for m in left] == users[1:]
    missing = http.get("/api/v2/organizations/org_nope", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "inexistent_organization"


def test_path_parameter_limits_are_invalid_uri(fake: FakeAuth0, http: httpx.Client) -> None:
    long_id = "org_" + "x" * 47  # 51 characters; the spec allows 50
    r = http.get(
        f"/api/v2/organizations/{long_id}/members",
        headers=bearer(fake, "read:organization_members"),
    )
    assert r.status_code == 400
    assert r.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "Path validation error: 'String is too long (51 chars), maximum 50' on "
        "property id (Organization identifier.).",
        "errorCode": "invalid_uri",
    }
    # Checked after the scopes, and before the (not emulated) handler.
    assert http.get(f"/api/v2/organizations/{long_id}/members").status_code == 401
    r = http.get(
        f"/api/v2/organizations/{long_id}/invitations",
        headers=bearer(fake, "read:organization_invitations"),
    )
    assert r.json()["errorCode"] == "invalid_uri"


def test_patch_client_metadata_merges_one_level(fake: FakeAuth0, http: httpx.Client) -> None:
    """Auth0 merges client_metadata on PATCH: other keys kept, a null removes its key, and the
    10-key cap holds for the merged object."""
    headers = bearer(fake, "create:clients", "read:clients", "update:clients")
    r = http.post(
        "/api/v2/clients",
        headers=headers,
        json={"name": "m", "client_metadata": {"keep": "1", "drop": "2"}},
    )
    client_id = r.json()["client_id"]
    r = http.patch(
        f"/api/v2/clients/{client_id}",
        headers=headers,
        json={"client_metadata": {"drop": None, "new": "3"}},
    )
    assert r.status_code == 200
    assert r.json()["client_metadata"] == {"keep": "1", "new": "3"}
    assert http.get(f"/api/v2/clients/{client_id}", headers=headers).json()["client_metadata"] == {
        "keep": "1",
        "new": "3",
    }
    more = {f"k{i}": "v" for i in range(8)}  # 2 + 8 = 10 keys: allowed
    r = http.patch(f"/api/v2/clients/{client_id}", headers=headers, json={"client_metadata": more})
    assert r.status_code == 200
    assert len(r.json()["client_metadata"]) == 10
    r = http.patch(
        f"/api/v2/clients/{client_id}", headers=headers, json={"client_metadata": {"k11": "v"}}
    )
    assert r.status_code == 400
    assert r.json()["errorCode"] == "invalid_body"
    assert "maximum 10" in r.json()["message"]
    # A removal and an addition in one PATCH stay within the cap.
    r = http.patch(
        f"/api/v2/clients/{client_id}",
        headers=headers,
        json={"client_metadata": {"k0": None, "k11": "v"}},
    )
    assert r.status_code == 200
    assert "k0" not in r.json()["client_metadata"]
    assert r.json()["client_metadata"]["k11"] == "v"
