"""Effective roles and permissions over real HTTP: computed from the tenant's assignments (a
user's roles, their permissions, the user's direct permissions, a member's roles in an
organization) in the spec's shapes; no recording shows these operations."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.auth0.scopes import catalogue
from pytest_auth0_m2m.fake import FakeAuth0

ALL = tuple(sorted(catalogue().scopes))
API = "https://effective.example/api"


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, *ALL)


def _arrange(fake: FakeAuth0, http: httpx.Client) -> tuple[str, str]:
    """A user holding role "reader" (read:docs) and read:docs, write:docs directly."""
    h = _h(fake)
    scopes = [{"value": "read:docs"}, {"value": "write:docs"}]
    made = http.post(
        "/api/v2/resource-servers",
        json={"identifier": API, "name": "docs", "scopes": scopes},
        headers=h,
    )
    assert made.status_code == 201
    user = http.post(
        "/api/v2/users",
        json={
            "connection": "Username-Password-Authentication",
            "email": "eff@example.com",
            "password": "Passw0rd!x-long",
        },
        headers=h,
    )
    assert user.status_code == 201, user.text
    user_id = user.json()["user_id"]
    role = http.post("/api/v2/roles", json={"name": "reader", "description": "reads"}, headers=h)
    role_id = role.json()["id"]
    read = {"resource_server_identifier": API, "permission_name": "read:docs"}
    write = {"resource_server_identifier": API, "permission_name": "write:docs"}
    r = http.post(f"/api/v2/roles/{role_id}/permissions", json={"permissions": [read]}, headers=h)
    assert r.status_code == 201
    r = http.post(f"/api/v2/users/{user_id}/roles", json={"roles": [role_id]}, headers=h)
    assert r.status_code == 204
    r = http.post(
        f"/api/v2/users/{user_id}/permissions", json={"permissions": [read, write]}, headers=h
    )
    assert r.status_code == 201
    return user_id, role_id


def test_effective_roles_list_the_assigned_roles(fake: FakeAuth0, http: httpx.Client) -> None:
    user_id, role_id = _arrange(fake, http)
    r = http.get(f"/api/v2/users/{user_id}/effective-roles", headers=_h(fake))
    assert r.status_code == 200
    assert r.json() == {
        "roles": [{"id": role_id, "name": "reader", "description": "reads", "sources": ["direct"]}]
    }


def test_effective_permissions_join_direct_and_role_sources(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    user_id, _ = _arrange(fake, http)
    path = f"/api/v2/users/{user_id}/effective-permissions"
    got = http.get(path, headers=_h(fake)).json()
    by_name = {p["permission_name"]: p for p in got["permissions"]}
    assert by_name["read:docs"]["sources"] == ["direct", "roles"]
    assert by_name["write:docs"]["sources"] == ["direct"]
    assert by_name["read:docs"]["resource_server_identifier"] == API
    # take=1 pages with a cursor; another API's identifier filters everything out.
    first = http.get(path, params={"take": 1}, headers=_h(fake)).json()
    assert len(first["permissions"]) == 1
    assert first["next"]
    rest = http.get(path, params={"take": 1, "from": first["next"]}, headers=_h(fake)).json()
    assert rest["permissions"] != first["permissions"]
    assert "next" not in rest
    other = {"resource_server_identifier": "https://other.example"}
    assert http.get(path, params=other, headers=_h(fake)).json() == {"permissions": []}


def test_organization_member_effective_roles(fake: FakeAuth0, http: httpx.Client) -> None:
    user_id, role_id = _arrange(fake, http)
    h = _h(fake)
    org = http.post("/api/v2/organizations", json={"name": "eff-org"}, headers=h).json()
    http.post(f"/api/v2/organizations/{org['id']}/members", json={"members": [user_id]}, headers=h)
    base = f"/api/v2/organizations/{org['id']}/members/{user_id}"
    assert http.get(f"{base}/effective-roles", headers=h).json() == {"roles": []}
    r = http.post(f"{base}/roles", json={"roles": [role_id]}, headers=h)
    assert r.status_code == 204
    roles = http.get(f"{base}/effective-roles", headers=h).json()["roles"]
    assert [(x["id"], x["sources"]) for x in roles] == [(role_id, ["direct"])]
