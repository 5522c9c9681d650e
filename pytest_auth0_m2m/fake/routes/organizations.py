"""/organizations and their members."""

from __future__ import annotations

import re
from typing import Any

from ..common import (
    Reply,
    bad_body,
    mgmt_error,
    not_found_error,
    paginate,
    require_string_list,
)
from . import Call, HandlerTable
from .users import add_users_to, member_summaries

HANDLERS = HandlerTable()

# Auth0: lowercase letters, digits, "-" and "_", 1 to 50 characters, starting alphanumeric.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


def _missing() -> Exception:
    return not_found_error("No organization found by that id or name", "inexistent_organization")


def _org(call: Call) -> dict[str, Any]:
    org = call.tenant.organizations.get(call.params["id"])
    if org is None:
        raise _missing()
    return org


def _check_name(call: Call, name: str, org_id: str | None = None) -> None:
    if not _NAME.match(name):
        raise bad_body(
            f"'String does not match pattern ^[a-z0-9][a-z0-9_-]*$: {name}' on property name "
            "(The name of this organization.)."
        )
    for other in call.tenant.organizations.values():
        if other["name"] == name and other["id"] != org_id:
            raise mgmt_error(409, "An organization with this name already exists.", "conflict")


@HANDLERS.route("post_organizations")
def create_org(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        _check_name(call, body["name"])
        return 201, dict(call.tenant.add_organization(body))


@HANDLERS.route("get_organizations")
def list_orgs(call: Call) -> Reply:
    with call.tenant.lock:
        items = [dict(o) for o in call.tenant.organizations.values()]
    sort = call.args.get("sort")
    if sort:
        field, _, direction = sort.partition(":")
        items = sorted(items, key=lambda o: str(o.get(field) or ""), reverse=direction == "-1")
    return 200, paginate(items, call.args, "organizations", checkpoint=True)


@HANDLERS.route("get_organizations_by_id")
def get_org(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, dict(_org(call))


@HANDLERS.route("get_name_by_name")
def get_org_by_name(call: Call) -> Reply:
    with call.tenant.lock:
        for org in call.tenant.organizations.values():
            if org["name"] == call.params["name"]:
                return 200, dict(org)
    raise _missing()


@HANDLERS.route("patch_organizations_by_id")
def update_org(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        org = _org(call)
        if "name" in body:
            _check_name(call, body["name"], org["id"])
        org.update({k: v for k, v in body.items() if v is not None})
        return 200, dict(org)


@HANDLERS.route("delete_organizations_by_id")
def delete_org(call: Call) -> Reply:
    with call.tenant.lock:
        org = _org(call)
        del call.tenant.organizations[org["id"]]
        call.tenant.org_members.pop(org["id"], None)
        call.tenant.org_connections.pop(org["id"], None)
        return 204, None


@HANDLERS.route("post_members")
def add_members(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        ids = require_string_list(call.body(), "members")
        add_users_to(tenant, tenant.org_members.setdefault(org["id"], []), ids)
        return 204, None


@HANDLERS.route("delete_members")
def remove_members(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        ids = set(require_string_list(call.body(), "members"))
        tenant.org_members[org["id"]] = [
            m for m in tenant.org_members.get(org["id"], []) if m not in ids
        ]
        return 204, None


@HANDLERS.route("get_organization_members")
def list_members(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        items = member_summaries(tenant, tenant.org_members.get(org["id"], []))
    return 200, paginate(items, call.args, "members", checkpoint=True, id_field="user_id")


# --- enabled connections: /connections (newer) and /enabled_connections share one table ---------

_ORG_CONNECTION_FIELDS = (
    "is_enabled",
    "assign_membership_on_login",
    "is_signup_enabled",
    "show_as_button",
    "organization_access_level",
)


def _org_connection_shown(tenant: Any, org_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    connection = tenant.connections.get(entry["connection_id"]) or {}
    return {
        **entry,
        "connection": {"name": connection.get("name"), "strategy": connection.get("strategy")},
    }


def _json_object(call: Call) -> dict[str, Any]:
    body = call.json()
    if not isinstance(body, dict):
        raise bad_body("'Expected type object'.")
    return body


def _org_connection(call: Call) -> dict[str, Any]:
    org = _org(call)
    cid = call.params.get("connection_id") or call.params.get("connectionId") or ""
    entry = call.tenant.org_connections.get(org["id"], {}).get(cid)
    if entry is None:
        raise not_found_error("No connection found by that id", "inexistent_connection")
    return entry


@HANDLERS.route("post_organization_connection")
@HANDLERS.route("post_enabled_connections")
def add_org_connection(call: Call) -> Reply:
    body = _json_object(call)
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        cid = body.get("connection_id")
        if not isinstance(cid, str) or cid not in tenant.connections:
            raise not_found_error("No connection found by that id", "inexistent_connection")
        table = tenant.org_connections.setdefault(org["id"], {})
        if cid in table:
            raise mgmt_error(409, "The connection is already enabled", "conflict")
        entry: dict[str, Any] = {
            "connection_id": cid,
            "is_signup_enabled": False,
            "assign_membership_on_login": False,
            "show_as_button": True,
            "is_enabled": True,
            "organization_access_level": "none",
        }
        entry.update({k: body[k] for k in _ORG_CONNECTION_FIELDS if body.get(k) is not None})
        table[cid] = entry
        return 201, _org_connection_shown(tenant, org["id"], entry)


@HANDLERS.route("get_organization_connections")
@HANDLERS.route("get_enabled_connections")
def list_org_connections(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        items = [
            _org_connection_shown(tenant, org["id"], e)
            for e in tenant.org_connections.get(org["id"], {}).values()
        ]
    wanted = call.args.get("is_enabled")
    if wanted in ("true", "false"):
        items = [e for e in items if bool(e.get("is_enabled")) == (wanted == "true")]
    key = (
        "connections"
        if call.operation.operation_id.startswith("get_organization")
        else ("enabled_connections")
    )
    return 200, paginate(items, call.args, key, id_field="connection_id")


@HANDLERS.route("get_organization_connection")
@HANDLERS.route("get_enabled_connections_by_connectionId")
def get_org_connection(call: Call) -> Reply:
    with call.tenant.lock:
        entry = _org_connection(call)
        return 200, _org_connection_shown(call.tenant, call.params["id"], entry)


@HANDLERS.route("patch_organization_connection")
@HANDLERS.route("patch_enabled_connections_by_connectionId")
def update_org_connection(call: Call) -> Reply:
    body = _json_object(call)
    with call.tenant.lock:
        entry = _org_connection(call)
        entry.update({k: body[k] for k in _ORG_CONNECTION_FIELDS if body.get(k) is not None})
        return 200, _org_connection_shown(call.tenant, call.params["id"], entry)


@HANDLERS.route("delete_organization_connection")
@HANDLERS.route("delete_enabled_connections_by_connectionId")
def remove_org_connection(call: Call) -> Reply:
    with call.tenant.lock:
        entry = _org_connection(call)
        del call.tenant.org_connections[call.params["id"]][entry["connection_id"]]
        return 204, None
