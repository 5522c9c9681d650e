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
