"""/roles: roles, their permissions (scopes of resource servers) and their users."""

from __future__ import annotations

from typing import Any

from ..common import (
    Reply,
    bad_body,
    mgmt_error,
    not_found_error,
    paginate,
    query_int,
    require_string_list,
)
from . import Call, HandlerTable
from .users import add_users_to, member_summaries, missing_user

HANDLERS = HandlerTable()


def _role(call: Call) -> dict[str, Any]:
    role = call.tenant.roles.get(call.params["id"])
    if role is None:
        raise not_found_error("The role does not exist.", "inexistent_role")
    return role


def _check_name(call: Call, name: str, role_id: str | None = None) -> None:
    if not name.strip():
        raise bad_body("'String is too short (0 chars), minimum 1' on property name.")
    for other in call.tenant.roles.values():
        if other["name"] == name and other["id"] != role_id:
            raise mgmt_error(409, "Role name already exists", "conflict")


@HANDLERS.route("post_roles")
def create_role(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        _check_name(call, body["name"])
        return 200, dict(call.tenant.add_role(body))


def shown(role: dict[str, Any]) -> dict[str, Any]:
    """A role as reads answer it: ``description`` "" when none was set (TestAccRole.yaml)."""
    return {"id": role["id"], "name": role["name"], "description": "", **role}


@HANDLERS.route("get_roles")
def list_roles(call: Call) -> Reply:
    with call.tenant.lock:
        roles = [shown(r) for r in call.tenant.roles.values()]
    name_filter = call.args.get("name_filter")
    if name_filter:
        roles = [r for r in roles if name_filter.lower() in r["name"].lower()]
    return 200, paginate(roles, call.args, "roles")


@HANDLERS.route("get_roles_by_id")
def get_role(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, shown(_role(call))


@HANDLERS.route("patch_roles_by_id")
def update_role(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        role = _role(call)
        if "name" in body:
            _check_name(call, body["name"], role["id"])
        role.update(body)
        return 200, dict(role)


@HANDLERS.route("delete_roles_by_id")
def delete_role(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        role = _role(call)
        del tenant.roles[role["id"]]
        tenant.role_permissions.pop(role["id"], None)
        tenant.role_users.pop(role["id"], None)
        return 200, {}  # Auth0 answers {} (terraform recordings, TestAccRole.yaml)


def _permissions(call: Call) -> list[tuple[str, str]]:
    """The body's (API identifier, permission name) pairs; its shape is the spec schema's."""
    body = call.body()
    return [(p["resource_server_identifier"], p["permission_name"]) for p in body["permissions"]]


def _check_permissions(call: Call, pairs: list[tuple[str, str]]) -> None:
    tenant = call.tenant
    for identifier, name in pairs:
        server = tenant.resource_server_by_identifier(identifier)
        if server is None:
            raise not_found_error(
                f"Resource server {identifier} does not exist", "inexistent_resource_server"
            )
        if name not in {s.get("value") for s in server.get("scopes", ())}:
            raise bad_body(f"Permission {name} does not exist on resource server {identifier}")


@HANDLERS.route("post_role_permission_assignment")
def add_permissions(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        role = _role(call)
        pairs = _permissions(call)
        _check_permissions(call, pairs)
        _grant(tenant.role_permissions, role["id"], pairs)
        return 201, {}  # as recorded (TestAccRolePermissions.yaml)


@HANDLERS.route("delete_role_permission_assignment")
def remove_permissions(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        role = _role(call)
        pairs = _permissions(call)
        _revoke(tenant.role_permissions, role["id"], pairs)
        return 204, None  # as recorded (TestAccRolePermissions.yaml)


# A role's or a user's permissions: (resource server identifier, permission name) pairs.
Permissions = dict[str, list[tuple[str, str]]]


def _grant(store: Permissions, holder: str, pairs: list[tuple[str, str]]) -> None:
    """Permissions added to a role's or a user's list, each once, in the order given."""
    current = store.setdefault(holder, [])
    current.extend(p for p in pairs if p not in current)


def _revoke(store: Permissions, holder: str, pairs: list[tuple[str, str]]) -> None:
    store[holder] = [p for p in store.get(holder, []) if p not in pairs]


@HANDLERS.route("get_role_permission")
def list_permissions(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        role = _role(call)
        items = [
            _permission_shown(call, identifier, name)
            for identifier, name in tenant.role_permissions.get(role["id"], [])
        ]
    return 200, paginate(items, call.args, "permissions")


def _permission_shown(call: Call, identifier: str, name: str) -> dict[str, Any]:
    server = call.tenant.resource_server_by_identifier(identifier) or {}
    description = next(
        (s.get("description", "") for s in server.get("scopes", ()) if s["value"] == name),
        "",
    )
    return {
        "permission_name": name,
        "description": description,
        "resource_server_name": server.get("name", identifier),
        "resource_server_identifier": identifier,
    }


@HANDLERS.route("post_role_users")
def add_users(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        role = _role(call)
        ids = require_string_list(call.body(), "users")
        add_users_to(tenant, tenant.role_users.setdefault(role["id"], []), ids)
        return 200, {}


@HANDLERS.route("get_role_user")
def list_users(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        role = _role(call)
        items = member_summaries(tenant, tenant.role_users.get(role["id"], []))
    return 200, paginate(items, call.args, "users", checkpoint=True, id_field="user_id")


# --- /users/{id}/permissions (here: they share the roles' permission checks and shapes) ----------


def _user_id(call: Call) -> str:
    user = call.tenant.users.get(call.params["id"])
    if user is None:
        raise missing_user()
    return str(user["user_id"])


@HANDLERS.route("post_permissions")
def add_user_permissions(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        user_id = _user_id(call)
        pairs = _permissions(call)
        _check_permissions(call, pairs)
        _grant(tenant.user_permissions, user_id, pairs)
        return 201, {}  # as recorded (TestAccUserPermissions.yaml)


@HANDLERS.route("delete_permissions")
def remove_user_permissions(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        user_id = _user_id(call)
        pairs = _permissions(call)
        _revoke(tenant.user_permissions, user_id, pairs)
        return 204, None


@HANDLERS.route("get_permissions")
def list_user_permissions(call: Call) -> Reply:
    # Direct and role-given permissions, each with its sources (DIRECT, or ROLE with the role).
    tenant = call.tenant
    with tenant.lock:
        user_id = _user_id(call)
        sources: dict[tuple[str, str], list[dict[str, str]]] = {}
        for pair in tenant.user_permissions.get(user_id, []):
            sources.setdefault(pair, []).append(
                {"source_id": "", "source_name": "", "source_type": "DIRECT"}
            )
        for role_id, members in tenant.role_users.items():
            role = tenant.roles.get(role_id)
            if role is None or user_id not in members:
                continue
            for pair in tenant.role_permissions.get(role_id, []):
                sources.setdefault(pair, []).append(
                    {"source_id": role_id, "source_name": role["name"], "source_type": "ROLE"}
                )
        items = [
            {**_permission_shown(call, identifier, name), "sources": found}
            for (identifier, name), found in sources.items()
        ]
    return 200, paginate(items, call.args, "permissions")


# --- /users/{id}/effective-roles and effective-permissions: computed, never stored --------------


def cursor_page(items: list[dict[str, Any]], call: Call, key: str) -> dict[str, Any]:
    """The spec's from/take paging of the effective lists: ``{key: [...]}`` plus ``next`` (the
    cursor to send as ``from``) while items remain. No recording shows these operations: the
    shape is the spec's (ListUserEffectiveRolesResponseContent and its siblings)."""
    take = query_int(call.args, "take", 50, 1, 100)
    cursor = call.args.get("from") or "0"
    start = int(cursor) if cursor.isdigit() else 0
    body: dict[str, Any] = {key: items[start : start + take]}
    if start + take < len(items):
        body["next"] = str(start + take)
    return body


@HANDLERS.route("get_user_effective_roles")
def effective_roles(call: Call) -> Reply:
    # Roles come only by direct assignment here (the emulator has no groups): source "direct".
    tenant = call.tenant
    with tenant.lock:
        user_id = _user_id(call)
        items = [
            {
                "id": role_id,
                "name": tenant.roles[role_id]["name"],
                "description": tenant.roles[role_id].get("description", ""),
                "sources": ["direct"],
            }
            for role_id, members in tenant.role_users.items()
            if user_id in members and role_id in tenant.roles
        ]
    return 200, cursor_page(items, call, "roles")


@HANDLERS.route("get_user_effective_permissions")
def effective_permissions(call: Call) -> Reply:
    # A permission assigned directly and through a role lists both sources ("direct", "roles":
    # the spec's UserEffectivePermissionSourceEnum).
    tenant = call.tenant
    wanted = call.args.get("resource_server_identifier")
    with tenant.lock:
        user_id = _user_id(call)
        sources: dict[tuple[str, str], list[str]] = {}
        for pair in tenant.user_permissions.get(user_id, []):
            sources.setdefault(pair, []).append("direct")
        for role_id, members in tenant.role_users.items():
            if role_id not in tenant.roles or user_id not in members:
                continue
            for pair in tenant.role_permissions.get(role_id, []):
                found = sources.setdefault(pair, [])
                if "roles" not in found:
                    found.append("roles")
        items = [
            {**_permission_shown(call, identifier, name), "sources": found}
            for (identifier, name), found in sources.items()
            if wanted is None or identifier == wanted
        ]
    return 200, cursor_page(items, call, "permissions")
