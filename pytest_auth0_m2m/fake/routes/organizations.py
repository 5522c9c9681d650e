"""/organizations and their members."""

from __future__ import annotations

import base64
import datetime
import re
from typing import Any

from ..common import (
    Reply,
    bad_body,
    bad_query,
    mgmt_error,
    not_found_error,
    paginate,
    query_int,
    random_id,
    require_string_list,
    select_fields,
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
        call.tenant.org_client_grants.pop(org["id"], None)
        call.tenant.org_invitations.pop(org["id"], None)
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
        # from the search index, which may trail writes (fake/consistency.py)
        members = tenant.search_index.members(tenant.clock(), tenant.org_members, org["id"])
        items = member_summaries(tenant, members)
    args = call.args
    if "from" not in args and "take" not in args:
        return 200, paginate(items, args, "members")
    # Auth0's member cursor is opaque and a page that has members always carries ``next``; the
    # page after the last member is empty and has none (TestAccDataSourceOrganization.yaml).
    take = query_int(args, "take", 50, 1, 100)
    ids = [str(m["user_id"]) for m in items]
    start = 0
    cursor = args.get("from")
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
        except (ValueError, UnicodeDecodeError):
            after = ""
        if not after.startswith(_CURSOR) or after[len(_CURSOR) :] not in ids:
            raise bad_query("'Invalid checkpoint' on property from.")
        start = ids.index(after[len(_CURSOR) :]) + 1
    chunk = items[start : start + take]
    body: dict[str, Any] = {"members": select_fields(chunk, args)}
    if chunk:
        last = _CURSOR + ids[start + len(chunk) - 1]
        body["next"] = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")
    return 200, body


_CURSOR = "member:"


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
    body = call.body()
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
    body = call.body()
    with call.tenant.lock:
        entry = _org_connection(call)
        entry.update({k: body[k] for k in _ORG_CONNECTION_FIELDS if body.get(k) is not None})
        return 200, _org_connection_shown(call.tenant, call.params["id"], entry)


@HANDLERS.route("delete_organization_connection")
@HANDLERS.route("delete_enabled_connections_by_connectionId")
def remove_org_connection(call: Call) -> Reply:
    with call.tenant.lock:
        org = _org(call)
        cid = call.params.get("connection_id") or call.params.get("connectionId") or ""
        # Removing a connection that is not (or no longer) enabled is 204 too (recordings:
        # TestAccOrganizationConnections.yaml deletes each one twice).
        call.tenant.org_connections.get(org["id"], {}).pop(cid, None)
        return 204, None


# --- client grants associated with an organization -----------------------------------------------


@HANDLERS.route("create_organization-client-grants")
def add_org_grant(call: Call) -> Reply:
    body = call.body()
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        grant = tenant.grants.get(str(body.get("grant_id")))
        if grant is None:
            raise not_found_error("The client grant does not exist", "inexistent_client_grant")
        grants = tenant.org_client_grants.setdefault(org["id"], [])
        if grant["id"] not in grants:
            grants.append(grant["id"])
        return 201, _org_grant(grant)


def _org_grant(grant: dict[str, Any]) -> dict[str, Any]:
    # TestAccOrganizationClientGrant.yaml: the grant's fields, its id named grant_id.
    return {"grant_id": grant["id"], **{k: v for k, v in grant.items() if k != "id"}}


@HANDLERS.route("get_organization-client-grants")
def list_org_grants(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        items = [
            dict(tenant.grants[g])
            for g in tenant.org_client_grants.get(org["id"], [])
            if g in tenant.grants
        ]
    for name in ("audience", "client_id"):
        wanted = call.args.get(name)
        if wanted:
            items = [i for i in items if i[name] == wanted]
    return 200, paginate(items, call.args, "client_grants")


@HANDLERS.route("delete_client-grants_by_grant_id")
def remove_org_grant(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        grants = tenant.org_client_grants.get(org["id"], [])
        grant_id = call.params.get("grant_id", "")
        if grant_id not in grants:
            raise not_found_error("The client grant does not exist", "inexistent_client_grant")
        grants.remove(grant_id)
        return 204, None


@HANDLERS.route("get_client-grant-organizations")
def grant_orgs(call: Call) -> Reply:
    # The organizations a grant is associated with, as GET /organizations answers them; with
    # take, {organizations} and a next cursor (TestAccDataSourceClientGrantOrganizations.yaml:
    # include_totals=true&take=50 answers {"organizations": [...]} only).
    tenant = call.tenant
    grant_id = call.params["id"]
    with tenant.lock:
        if grant_id not in tenant.grants:
            raise not_found_error("The client grant does not exist", "inexistent_client_grant")
        items = [
            dict(org)
            for org_id, org in tenant.organizations.items()
            if grant_id in tenant.org_client_grants.get(org_id, [])
        ]
    return 200, paginate(items, call.args, "organizations", checkpoint=True)


# --- invitations ---------------------------------------------------------------------------------
# Shapes and rules from the spec (no terraform recording has invitations): the URL is the app's
# login route (initiate_login_uri) with the ticket, the organization's id and name.
_INVITATION_TTL = 604800  # 7 days: the spec's default for an absent or zero ttl_sec


@HANDLERS.route("post_invitations")
def create_invitation(call: Call) -> Reply:
    body = call.body()  # the spec's schema: inviter, invitee and client_id required
    tenant = call.tenant
    with tenant.lock:
        org = _org(call)
        client = tenant.clients.get(str(body.get("client_id")))
        if client is None:
            raise not_found_error("The client does not exist", "inexistent_client")
        login = client.get("initiate_login_uri")
        if not login:
            raise mgmt_error(
                400,
                "A default login route is required to generate the invitation url. For more "
                "information, see https://auth0.com/docs/universal-login/configure-default-login-routes",
            )
        connection_id = body.get("connection_id")
        if connection_id is not None and connection_id not in tenant.connections:
            raise not_found_error("No connection found by that id", "inexistent_connection")
        ticket = random_id(32)
        ttl = int(body.get("ttl_sec") or _INVITATION_TTL)
        created = tenant.clock()
        invitation: dict[str, Any] = {
            "id": "uinv_" + random_id(16),
            "organization_id": org["id"],
            "inviter": body["inviter"],
            "invitee": body["invitee"],
            "invitation_url": f"{login}?invitation={ticket}&organization={org['id']}"
            f"&organization_name={org['name']}",
            "created_at": _iso(created),
            "expires_at": _iso(created + ttl),
            "client_id": client["client_id"],
            "app_metadata": body.get("app_metadata") or {},
            "user_metadata": body.get("user_metadata") or {},
            "roles": list(body.get("roles") or []),
            "ticket_id": ticket,
        }
        if connection_id is not None:
            invitation["connection_id"] = connection_id
        tenant.org_invitations.setdefault(org["id"], {})[invitation["id"]] = invitation
        return 200, dict(invitation)


@HANDLERS.route("get_invitations")
def list_invitations(call: Call) -> Reply:
    with call.tenant.lock:
        org = _org(call)
        items = [dict(i) for i in call.tenant.org_invitations.get(org["id"], {}).values()]
    return 200, paginate(select_fields(items, call.args), call.args, "invitations")


def _invitation(call: Call) -> dict[str, Any]:
    org = _org(call)
    invitation = call.tenant.org_invitations.get(org["id"], {}).get(call.params["invitation_id"])
    if invitation is None:
        raise not_found_error("The invitation does not exist", "inexistent_invitation")
    return invitation


@HANDLERS.route("get_invitations_by_invitation_id")
def get_invitation(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, select_fields([dict(_invitation(call))], call.args)[0]


@HANDLERS.route("delete_invitations_by_invitation_id")
def delete_invitation(call: Call) -> Reply:
    with call.tenant.lock:
        invitation = _invitation(call)
        del call.tenant.org_invitations[invitation["organization_id"]][invitation["id"]]
        return 204, None


def _iso(seconds: float) -> str:
    stamp = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
