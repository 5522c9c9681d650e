"""The emulator answers as Auth0 did in the terraform provider's recordings (issue 15), on sockets.

Each expectation names the recorded behaviour it follows; the recordings themselves are replayed in
test_fidelity_recorded.py.
"""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

CONNECTIONS = ("create:connections", "read:connections", "update:connections", "delete:connections")
ORGS = ("create:organizations", "read:organizations", "update:organizations")
ORG_CONNECTIONS = (
    "create:organization_connections",
    "read:organization_connections",
    "update:organization_connections",
    "delete:organization_connections",
)


def _connection(http: httpx.Client, fake: FakeAuth0, name: str = "corp-db") -> dict[str, object]:
    r = http.post(
        "/api/v2/connections",
        headers=bearer(fake, *CONNECTIONS),
        json={"name": name, "strategy": "auth0"},
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def test_delete_connection_is_accepted_with_deleted_at(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccConnection.yaml: DELETE /connections/{id} -> 202 {"deleted_at": ...}
    made = _connection(http, fake)
    assert "display_name" not in made
    headers = bearer(fake, *CONNECTIONS)
    r = http.delete(f"/api/v2/connections/{made['id']}", headers=headers)
    assert r.status_code == 202
    assert list(r.json()) == ["deleted_at"]
    assert r.json()["deleted_at"].endswith("Z")
    assert http.get(f"/api/v2/connections/{made['id']}", headers=headers).status_code == 404


def test_paged_lists_have_no_length_but_users(fake: FakeAuth0, http: httpx.Client) -> None:
    # Recorded include_totals pages: {start, limit, total, X}; /users also has length.
    params = {"include_totals": "true"}
    clients = http.get("/api/v2/clients", headers=bearer(fake, "read:clients"), params=params)
    assert set(clients.json()) == {"start", "limit", "total", "clients"}
    users = http.get("/api/v2/users", headers=bearer(fake, "read:users"), params=params)
    assert set(users.json()) == {"start", "limit", "length", "total", "users"}


def test_created_user_and_client_keys(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccDataSourceRole.yaml POST /users; TestAccAllowUpdatingTheClientSecret.yaml POST /clients
    user = http.post(
        "/api/v2/users",
        headers=bearer(fake, "create:users"),
        json={
            "connection": "Username-Password-Authentication",
            "email": "someone@example.com",
            "password": "Replayed-Passw0rd!",
        },
    ).json()
    assert not {"app_metadata", "user_metadata", "blocked", "logins_count"} & set(user)
    client = http.post(
        "/api/v2/clients",
        headers=bearer(fake, "create:clients"),
        json={"name": "sso", "app_type": "sso_integration"},
    )
    assert client.status_code == 201, client.text
    keys = set(client.json())
    assert {"refresh_token", "signing_keys"} <= keys
    assert not {"tenant", "global", "callbacks", "client_metadata", "allowed_origins"} & keys
    # TestAccClientAddons.yaml: a PATCH with null properties is accepted (the property is unset).
    patched = http.patch(
        f"/api/v2/clients/{client.json()['client_id']}",
        headers=bearer(fake, "update:clients"),
        json={"addons": None, "app_type": "sso_integration"},
    )
    assert patched.status_code == 200, patched.text


def test_resource_server_accepts_token_lifetime_for_web(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccResourceServer*.yaml: Auth0 accepts token_lifetime_for_web (not in the spec's body).
    r = http.post(
        "/api/v2/resource-servers",
        headers=bearer(fake, "create:resource_servers"),
        json={"identifier": "https://api.example/", "token_lifetime_for_web": 3600},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["token_lifetime_for_web"] == 3600
    assert "subject_type_authorization" in body
    assert not {"is_system", "enforce_policies", "token_dialect"} & set(body)


def test_organization_connections(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccOrganizationConnection.yaml: POST/PATCH/GET/DELETE /organizations/{id}/connections
    org = http.post(
        "/api/v2/organizations", headers=bearer(fake, *ORGS), json={"name": "acme"}
    ).json()
    con = _connection(http, fake)
    headers = bearer(fake, *ORG_CONNECTIONS)
    base = f"/api/v2/organizations/{org['id']}/connections"
    made = http.post(base, headers=headers, json={"connection_id": con["id"], "is_enabled": True})
    assert made.status_code == 201, made.text
    assert set(made.json()) == {
        "connection_id",
        "is_signup_enabled",
        "assign_membership_on_login",
        "show_as_button",
        "is_enabled",
        "organization_access_level",
        "connection",
    }
    assert made.json()["connection"] == {"name": "corp-db", "strategy": "auth0"}
    again = http.post(base, headers=headers, json={"connection_id": con["id"]})
    assert again.status_code == 409
    patched = http.patch(
        f"{base}/{con['id']}", headers=headers, json={"assign_membership_on_login": True}
    )
    assert patched.json()["assign_membership_on_login"] is True
    listed = http.get(
        base, headers=headers, params={"include_totals": "true", "is_enabled": "true"}
    )
    assert listed.json()["total"] == 1
    assert [c["connection_id"] for c in listed.json()["connections"]] == [con["id"]]
    # the older /enabled_connections view of the same table
    enabled = http.get(f"/api/v2/organizations/{org['id']}/enabled_connections", headers=headers)
    assert [c["connection_id"] for c in enabled.json()] == [con["id"]]
    assert http.delete(f"{base}/{con['id']}", headers=headers).status_code == 204
    assert http.get(f"{base}/{con['id']}", headers=headers).status_code == 404
    # TestAccOrganizationConnections.yaml: removing it again is 204 as well
    assert http.delete(f"{base}/{con['id']}", headers=headers).status_code == 204
    assert http.get(base, headers=headers).json() == []
    unknown = http.post(base, headers=headers, json={"connection_id": "con_doesnotexist00"})
    assert unknown.status_code == 404


def test_organization_client_grants(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccOrganizationClientGrant.yaml: POST 201 {grant_id, ...}, GET {client_grants}, DELETE 204
    org = http.post(
        "/api/v2/organizations", headers=bearer(fake, *ORGS), json={"name": "acme"}
    ).json()
    client = http.post(
        "/api/v2/clients", headers=bearer(fake, "create:clients"), json={"name": "m2m"}
    ).json()
    grant = http.post(
        "/api/v2/client-grants",
        headers=bearer(fake, "create:client_grants"),
        json={"client_id": client["client_id"], "audience": fake.audience, "scope": []},
    ).json()
    scopes = (
        "create:organization_client_grants",
        "read:organization_client_grants",
        "delete:organization_client_grants",
    )
    headers = bearer(fake, *scopes)
    base = f"/api/v2/organizations/{org['id']}/client-grants"
    made = http.post(base, headers=headers, json={"grant_id": grant["id"]})
    assert made.status_code == 201, made.text
    assert made.json()["grant_id"] == grant["id"]
    assert "id" not in made.json()
    listed = http.get(base, headers=headers, params={"include_totals": "true"}).json()
    assert set(listed) == {"client_grants", "start", "limit", "total"}
    assert [g["id"] for g in listed["client_grants"]] == [grant["id"]]
    # TestAccDataSourceClientGrantOrganizations.yaml: the grant lists its organization, with
    # include_totals=true&take=50 as {"organizations": [...]}; none once it is removed.
    orgs_of = f"/api/v2/client-grants/{grant['id']}/organizations"
    read = bearer(fake, "read:organization_client_grants")
    shown = http.get(orgs_of, headers=read, params={"include_totals": "true", "take": 50})
    assert shown.status_code == 200
    assert shown.json() == {"organizations": [org]}
    assert http.delete(f"{base}/{grant['id']}", headers=headers).status_code == 204
    assert http.get(orgs_of, headers=read).json() == []
    assert http.get("/api/v2/client-grants/cgr_nope/organizations", headers=read).status_code == 404
    assert http.get(base, headers=headers).json() == []
    assert http.delete(f"{base}/{grant['id']}", headers=headers).status_code == 404


def test_organization_members_cursor_kept_on_last_page(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccDataSourceOrganization.yaml: take=100 with one member answers a next cursor.
    org = http.post(
        "/api/v2/organizations", headers=bearer(fake, *ORGS), json={"name": "acme"}
    ).json()
    user = http.post(
        "/api/v2/users",
        headers=bearer(fake, "create:users"),
        json={
            "connection": "Username-Password-Authentication",
            "email": "member@example.com",
            "password": "Replayed-Passw0rd!",
        },
    ).json()
    headers = bearer(fake, "create:organization_members", "read:organization_members")
    base = f"/api/v2/organizations/{org['id']}/members"
    assert http.post(base, headers=headers, json={"members": [user["user_id"]]}).status_code == 204
    page = http.get(base, headers=headers, params={"take": 100, "fields": "user_id"}).json()
    assert page["members"] == [{"user_id": user["user_id"]}]
    assert user["user_id"] not in page["next"]  # opaque
    last = http.get(base, headers=headers, params={"take": 100, "from": page["next"]})
    assert last.json() == {"members": []}
    bad = http.get(base, headers=headers, params={"take": 100, "from": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 400


def test_role_answers(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccRole.yaml / TestAccRolePermissions.yaml: DELETE role 200 {}, POST permissions 201 {},
    # DELETE permissions 204 with no body, POST users 200 {}.
    scopes = ("create:roles", "read:roles", "update:roles", "delete:roles", "create:role_members")
    headers = bearer(fake, *scopes, "create:resource_servers", "create:users")
    http.post(
        "/api/v2/resource-servers",
        headers=headers,
        json={"identifier": "https://api.example/", "scopes": [{"value": "read:x"}]},
    )
    role = http.post("/api/v2/roles", headers=headers, json={"name": "support"}).json()
    # TestAccRole.yaml: a role created with a name only has no description; reads answer "".
    assert "description" not in role
    assert http.get(f"/api/v2/roles/{role['id']}", headers=headers).json()["description"] == ""
    perms = {
        "permissions": [
            {"resource_server_identifier": "https://api.example/", "permission_name": "read:x"}
        ]
    }
    base = f"/api/v2/roles/{role['id']}"
    added = http.post(f"{base}/permissions", headers=headers, json=perms)
    assert (added.status_code, added.json()) == (201, {})
    removed = http.request("DELETE", f"{base}/permissions", headers=headers, json=perms)
    assert (removed.status_code, removed.content) == (204, b"")
    user = http.post(
        "/api/v2/users",
        headers=headers,
        json={
            "connection": "Username-Password-Authentication",
            "email": "role@example.com",
            "password": "Replayed-Passw0rd!",
        },
    ).json()
    assigned = http.post(f"{base}/users", headers=headers, json={"users": [user["user_id"]]})
    assert (assigned.status_code, assigned.json()) == (200, {})
    deleted = http.delete(base, headers=headers)
    assert (deleted.status_code, deleted.json()) == (200, {})


def test_client_credentials(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccClientAuthenticationMethodsPrivateKeyJWT.yaml: POST 201, GET, PATCH expires_at, list,
    # DELETE 204; the PEM is never answered; keys only (no auth method) -> no client_secret shown.
    headers = bearer(
        fake,
        "create:clients",
        "read:clients",
        "update:clients",
        "read:client_keys",
        "create:client_credentials",
        "read:client_credentials",
        "update:client_credentials",
        "delete:client_credentials",
    )
    client = http.post("/api/v2/clients", headers=headers, json={"name": "jwt"}).json()
    base = f"/api/v2/clients/{client['client_id']}/credentials"
    pem = "-----BEGIN PUBLIC KEY-----\nnot checked\n-----END PUBLIC KEY-----\n"
    made = http.post(
        base, headers=headers, json={"name": "k1", "credential_type": "public_key", "pem": pem}
    )
    assert made.status_code == 201, made.text
    credential = made.json()
    assert set(credential) == {
        "id",
        "credential_type",
        "kid",
        "alg",
        "name",
        "created_at",
        "updated_at",
    }
    assert credential["id"].startswith("cred_")
    patched = http.patch(
        f"{base}/{credential['id']}", headers=headers, json={"expires_at": "2096-05-13T09:33:13Z"}
    )
    assert patched.json()["expires_at"] == "2096-05-13T09:33:13.000Z"
    listed = http.get(base, headers=headers, params={"include_totals": "true"})
    assert [c["id"] for c in listed.json()] == [credential["id"]]
    keys_only = http.patch(
        f"/api/v2/clients/{client['client_id']}",
        headers=headers,
        json={
            "client_authentication_methods": {
                "private_key_jwt": {"credentials": [{"id": credential["id"]}]}
            },
            "token_endpoint_auth_method": None,
        },
    )
    assert keys_only.status_code == 200, keys_only.text
    assert "client_secret" not in keys_only.json()
    assert http.delete(f"{base}/{credential['id']}", headers=headers).status_code == 204
    assert http.get(f"{base}/{credential['id']}", headers=headers).status_code == 404
    bad = http.post(base, headers=headers, json={"credential_type": "password"})
    assert bad.status_code == 400


def test_user_permissions(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccUserPermissions.yaml / TestAccDataSourceUser.yaml: POST 201 {}, GET with sources,
    # DELETE 204.
    headers = bearer(
        fake,
        "create:resource_servers",
        "create:users",
        "read:users",
        "update:users",
        "create:roles",
        "update:roles",
        "create:role_members",
    )
    api = "https://api.example/"
    http.post(
        "/api/v2/resource-servers",
        headers=headers,
        json={"identifier": api, "name": "Example", "scopes": [{"value": "read:x"}]},
    )
    user = http.post(
        "/api/v2/users",
        headers=headers,
        json={
            "connection": "Username-Password-Authentication",
            "email": "perm@example.com",
            "password": "Replayed-Passw0rd!",
        },
    ).json()
    base = f"/api/v2/users/{user['user_id']}/permissions"
    perms = {"permissions": [{"resource_server_identifier": api, "permission_name": "read:x"}]}
    added = http.post(base, headers=headers, json=perms)
    assert (added.status_code, added.json()) == (201, {})
    role = http.post("/api/v2/roles", headers=headers, json={"name": "reader"}).json()
    http.post(f"/api/v2/roles/{role['id']}/permissions", headers=headers, json=perms)
    http.post(
        f"/api/v2/roles/{role['id']}/users", headers=headers, json={"users": [user["user_id"]]}
    )
    page = http.get(base, headers=headers, params={"include_totals": "true"}).json()
    assert set(page) == {"permissions", "start", "limit", "total"}
    (only,) = page["permissions"]
    assert only["resource_server_name"] == "Example"
    assert [s["source_type"] for s in only["sources"]] == ["DIRECT", "ROLE"]
    removed = http.request("DELETE", base, headers=headers, json=perms)
    assert removed.status_code == 204
    (left,) = http.get(base, headers=headers).json()
    assert [s["source_type"] for s in left["sources"]] == ["ROLE"]
    unknown = {"permissions": [{"resource_server_identifier": api, "permission_name": "nope"}]}
    assert http.post(base, headers=headers, json=unknown).status_code == 400


def test_organization_level_role(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccRoleOrganizationLevel.yaml: POST /roles accepts type and owner_id (not in the spec).
    headers = bearer(fake, "create:roles", "read:roles")
    made = http.post(
        "/api/v2/roles",
        headers=headers,
        json={"name": "org-admin", "type": "organization", "owner_id": "org_abc"},
    )
    assert made.status_code == 200, made.text
    got = http.get(f"/api/v2/roles/{made.json()['id']}", headers=headers).json()
    assert (got["type"], got["owner_id"]) == ("organization", "org_abc")


def test_organization_takes_is_app_entitlement_active(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccDataSourceOrganizations.yaml (and ten more): Auth0 creates and updates organizations
    # with is_app_entitlement_active, which the spec's request schemas lack.
    headers = bearer(fake, *ORGS)
    body = {"name": "ent", "display_name": "Ent", "is_app_entitlement_active": True}
    made = http.post("/api/v2/organizations", headers=headers, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["is_app_entitlement_active"] is True
    patched = http.patch(
        f"/api/v2/organizations/{made.json()['id']}",
        headers=headers,
        json={"is_app_entitlement_active": False},
    )
    assert patched.status_code == 200
    assert patched.json()["is_app_entitlement_active"] is False
