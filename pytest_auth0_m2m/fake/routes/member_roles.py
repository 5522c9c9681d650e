"""/organizations/{id}/members/{user_id}/roles: a member's roles in an organization.

POST and DELETE take ``{"roles": [role ids]}`` and answer 204; GET answers the roles as
``{id, name, description}``, paged with page/per_page and, with include_totals, wrapped in
``{roles, start, limit, total}`` (terraform recordings, TestAccOrganizationMemberRole.yaml). Kept
in the engine's per-path table (Tenant.singletons), so checkpoints cover it; a role deleted since
is no longer listed.
"""

from __future__ import annotations

from typing import Any

from ..common import Reply, not_found_error, paginate
from . import Call, HandlerTable
from .roles import cursor_page

HANDLERS = HandlerTable()


def _org(call: Call) -> None:
    if call.params["id"] not in call.tenant.organizations:
        raise not_found_error("No organization found by that id or name", "inexistent_organization")


def _path(call: Call) -> str:
    return f"/organizations/{call.params['id']}/members/{call.params['user_id']}/roles"


def _assigned(call: Call) -> list[str]:
    stored = call.tenant.singletons.get(_path(call))
    return list(stored.get("roles", [])) if isinstance(stored, dict) else []


def _roles(call: Call) -> list[str]:
    roles = list(call.body()["roles"])  # the spec's schema: a non-empty list of role ids
    for role_id in roles:
        if role_id not in call.tenant.roles:
            raise not_found_error("The role does not exist.", "inexistent_role")
    return roles


@HANDLERS.route("post_organization_member_roles")
def assign(call: Call) -> Reply:
    with call.tenant.lock:
        _org(call)
        roles = _roles(call)
        assigned = _assigned(call)
        assigned += [r for r in roles if r not in assigned]
        call.tenant.singletons[_path(call)] = {"roles": assigned}
        return 204, None


@HANDLERS.route("delete_organization_member_roles")
def unassign(call: Call) -> Reply:
    with call.tenant.lock:
        _org(call)
        roles = set(_roles(call))
        kept = [r for r in _assigned(call) if r not in roles]
        call.tenant.singletons[_path(call)] = {"roles": kept}
        return 204, None


@HANDLERS.route("get_organization_member_roles")
def listing(call: Call) -> Reply:
    with call.tenant.lock:
        _org(call)
        items: list[dict[str, Any]] = [
            {k: call.tenant.roles[r].get(k, "") for k in ("id", "name", "description")}
            for r in _assigned(call)
            if r in call.tenant.roles
        ]
    return 200, paginate(items, call.args, "roles")


@HANDLERS.route("get_organization_member_effective_roles")
def effective(call: Call) -> Reply:
    # The member's roles in this organization, each from a direct assignment (the emulator has
    # no groups); the shape is the spec's (no recording shows it).
    with call.tenant.lock:
        _org(call)
        items: list[dict[str, Any]] = [
            {
                **{k: call.tenant.roles[r].get(k, "") for k in ("id", "name", "description")},
                "sources": ["direct"],
            }
            for r in _assigned(call)
            if r in call.tenant.roles
        ]
    return 200, cursor_page(items, call, "roles")
