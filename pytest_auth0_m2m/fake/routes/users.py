"""/users: create, read, search (``q``, fake/user_search.py), update, delete; a user's roles."""

from __future__ import annotations

import re
from typing import Any

from .. import user_search
from ..common import (
    Reply,
    bad_body,
    bad_query,
    merge_metadata,
    mgmt_error,
    not_found_error,
    paginate,
    query_int,
    require_string_list,
    select_fields,
)
from ..tenant import Tenant
from . import Call, HandlerTable

HANDLERS = HandlerTable()
SEARCH_RESULTS_LIMIT = 1000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def missing_user() -> Exception:
    return not_found_error("The user does not exist.", "inexistent_user")


def add_users_to(tenant: Tenant, members: list[str], user_ids: list[str]) -> None:
    """Adds each user not yet in ``members`` (a role's or an organization's), in order.

    Auth0's 404 if any id is not a user, and then nothing is added.
    """
    if any(user_id not in tenant.users for user_id in user_ids):
        raise missing_user()
    members.extend(dict.fromkeys(u for u in user_ids if u not in members))


def member_summaries(tenant: Tenant, members: list[str]) -> list[dict[str, Any]]:
    """The short user objects Auth0 lists for a role's users and an organization's members."""
    summaries = []
    for user_id in members:
        user = tenant.users.get(user_id, {})
        summaries.append(
            {
                "user_id": user_id,
                "email": user.get("email"),
                "picture": user.get("picture"),
                "name": user.get("name"),
            }
        )
    return summaries


def _user(call: Call) -> dict[str, Any]:
    user = call.tenant.users.get(call.params["id"])
    if user is None:
        raise missing_user()
    return user


def _check_email(body: dict[str, Any]) -> None:
    email = body.get("email")
    if email is not None and not _EMAIL.match(email):
        raise bad_body(
            f"'Object didn't pass validation for format email: {email}' on property email "
            "(The user's email.)."
        )


@HANDLERS.route("post_users")
def create_user(call: Call) -> Reply:
    body = call.body()
    _check_email(body)
    tenant = call.tenant
    with tenant.lock:
        connection = next(
            (c for c in tenant.connections.values() if c["name"] == body["connection"]), None
        )
        if connection is None:
            raise mgmt_error(400, "The connection does not exist.", "inexistent_connection")
        if connection.get("strategy") == "auth0":
            if "email" not in body and "username" not in body:
                raise bad_body("'Missing required property: email'.")
            if "password" not in body:
                raise bad_body("'Missing required property: password'.")
        for other in tenant.users.values():
            same_connection = any(
                i.get("connection") == connection["name"] for i in other.get("identities", ())
            )
            if same_connection and (
                ("email" in body and other.get("email") == body["email"])
                or ("username" in body and other.get("username") == body["username"])
            ):
                raise mgmt_error(409, "The user already exists.", "auth0_idp_error")
        if "user_id" in body:
            wanted = f"{connection['strategy']}|{body['user_id']}"
            if wanted in tenant.users:
                raise mgmt_error(409, "The user already exists.", "auth0_idp_error")
        user = tenant.add_user(body)
        return 201, dict(user)


def _field(user: dict[str, Any], name: str) -> Any:
    value: Any = user
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@HANDLERS.route("get_users")
def list_users(call: Call) -> Reply:
    args = call.args
    engine = args.get("search_engine")
    if engine in ("v1", "v2"):
        # Auth0's own words for the retired engines (auth0/auth0-python#183), no errorCode
        raise mgmt_error(400, f"You are not allowed to use search_engine={engine}.")
    if engine not in (None, "", "v3"):
        raise bad_query(
            f"'No enum match for: \"{engine}\"' on property search_engine "
            "(The version of the search engine)."
        )
    tenant = call.tenant
    with tenant.lock:  # from the search index, which may trail writes (fake/consistency.py)
        users = tenant.search_index.users(tenant.clock(), tenant.users)
    query = args.get("q")
    if query:
        users = user_search.search(users, query)
    connection = args.get("connection")
    if connection:
        users = [
            u
            for u in users
            if any(i.get("connection") == connection for i in u.get("identities", ()))
        ]
    sort = args.get("sort")
    if sort:
        field, _, direction = sort.partition(":")
        if direction not in ("1", "-1"):
            raise bad_query(f"'String does not match pattern: {sort}' on property sort.")
        users = sorted(users, key=lambda u: str(_field(u, field) or ""), reverse=direction == "-1")
    page = query_int(args, "page", 0, 0, None)
    per_page = query_int(args, "per_page", 50, 0, 100)
    if (page + 1) * per_page > SEARCH_RESULTS_LIMIT:
        # Auth0's search index serves the first 1000 results only (docs: view search results
        # by page, "Limitation"); its answer as auth0/auth0.net#979 shows it.
        raise mgmt_error(
            400,
            "You can only page through the first 1000 records. See "
            "https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
            "invalid_paging",
        )
    return 200, paginate(users, args, "users", with_length=True)


@HANDLERS.route("get_users_by_id")
def get_user(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, select_fields([_user(call)], call.args)[0]


@HANDLERS.route("get_users-by-email")
def users_by_email(call: Call) -> Reply:
    email = call.args.get("email")
    if not email:
        raise bad_query("'Missing required property: email'.")
    with call.tenant.lock:
        found = [
            u
            for u in call.tenant.users.values()
            if str(u.get("email", "")).lower() == email.lower()
        ]
        return 200, select_fields(found, call.args)


@HANDLERS.route("patch_users_by_id")
def update_user(call: Call) -> Reply:
    body = call.body()
    _check_email(body)
    with call.tenant.lock:
        user = _user(call)
        for key, value in body.items():
            if key in (
                "password",
                "verify_email",
                "verify_phone_number",
                "connection",
                "client_id",
            ):
                continue
            if key in ("app_metadata", "user_metadata") and isinstance(value, dict):
                # Auth0 merges metadata one level deep; a null value removes the key.
                user[key] = merge_metadata(user.get(key), value)
            elif value is None:
                user.pop(key, None)
            else:
                user[key] = value
        user["updated_at"] = call.tenant.now_iso()
        return 200, dict(user)


@HANDLERS.route("delete_users_by_id")
def delete_user(call: Call) -> Reply:
    with call.tenant.lock:
        call.tenant.delete_user(call.params["id"])
        return 204, None


def _role_ids(call: Call) -> list[str]:
    body = call.body()
    ids = require_string_list(body, "roles")
    for role_id in ids:
        if role_id not in call.tenant.roles:
            raise not_found_error("The role does not exist.", "inexistent_role")
    return ids


@HANDLERS.route("get_user_roles")
def user_roles(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        user_id = _user(call)["user_id"]
        roles = [
            {"description": "", **tenant.roles[role_id]}
            for role_id, members in tenant.role_users.items()
            if user_id in members and role_id in tenant.roles
        ]
    return 200, paginate(roles, call.args, "roles")


@HANDLERS.route("post_user_roles")
def assign_user_roles(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        user_id = _user(call)["user_id"]
        for role_id in _role_ids(call):
            members = tenant.role_users.setdefault(role_id, [])
            if user_id not in members:
                members.append(user_id)
        return 204, None


@HANDLERS.route("delete_user_roles")
def remove_user_roles(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        user_id = _user(call)["user_id"]
        for role_id in _role_ids(call):
            members = tenant.role_users.get(role_id, [])
            if user_id in members:
                members.remove(user_id)
        return 204, None


@HANDLERS.route("get_user_organizations")
def user_organizations(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        user_id = _user(call)["user_id"]
        orgs = [
            dict(tenant.organizations[org_id])
            for org_id, members in tenant.org_members.items()
            if user_id in members and org_id in tenant.organizations
        ]
    return 200, paginate(orgs, call.args, "organizations")


# --- user blocks ---------------------------------------------------------------------------------
# Auth0 blocks a user's IP after repeated failed logins (brute-force protection). The emulator
# serves no logins, so no block ever exists: lists are empty and unblocking has nothing to undo.


@HANDLERS.route("get_user-blocks_by_id")
def user_blocks(call: Call) -> Reply:
    with call.tenant.lock:
        _user(call)
    return 200, {"blocked_for": []}


@HANDLERS.route("delete_user-blocks_by_id")
def unblock_user(call: Call) -> Reply:
    with call.tenant.lock:
        _user(call)
    return 204, None


def _identifier(call: Call) -> str:
    identifier = call.args.get("identifier")
    if not identifier:
        raise bad_query("Missing required property: identifier")
    return identifier


@HANDLERS.route("get_user-blocks")
def identifier_blocks(call: Call) -> Reply:
    _identifier(call)  # an email, username or phone number; no user need match it
    return 200, {"blocked_for": []}


@HANDLERS.route("delete_user-blocks")
def unblock_identifier(call: Call) -> Reply:
    _identifier(call)
    return 204, None


# --- linked accounts -----------------------------------------------------------------------------
# Linking moves the secondary user's identity into the primary (with its profile as profileData)
# and deletes the secondary user; unlinking makes it a user of its own again. Both answer the
# primary's identities (Auth0's docs: "Link User Accounts").

_PROFILE_KEYS = ("email", "email_verified", "name", "nickname", "picture", "username")


@HANDLERS.route("post_identities")
def link_identity(call: Call) -> Reply:
    body = call.body()
    tenant = call.tenant
    with tenant.lock:
        primary = _user(call)
        if "link_with" in body:
            raise mgmt_error(
                400,
                "Linking with an ID token (link_with) is not emulated: pass provider and user_id",
            )
        provider, local_id = body.get("provider"), body.get("user_id")
        if not provider or not local_id:
            raise bad_body("Missing required properties: provider, user_id")
        secondary_id = f"{provider}|{local_id}"
        secondary = tenant.users.get(secondary_id)
        if secondary is None or secondary_id == primary["user_id"]:
            raise missing_user()
        identity = dict(secondary["identities"][0])
        identity["profileData"] = {k: secondary[k] for k in _PROFILE_KEYS if k in secondary}
        tenant.delete_user(secondary_id)
        primary["identities"] = [*primary["identities"], identity]
        primary["updated_at"] = tenant.now_iso()
        return 201, [dict(i) for i in primary["identities"]]


@HANDLERS.route("delete_user_identity_by_user_id")
def unlink_identity(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        primary = _user(call)
        provider, local_id = call.params["provider"], call.params["user_id"]
        linked = [
            i
            for i in primary["identities"][1:]
            if i["provider"] == provider and i["user_id"] == local_id
        ]
        if not linked:
            raise missing_user()
        identity = linked[0]
        primary["identities"] = [i for i in primary["identities"] if i is not identity]
        profile = dict(identity.get("profileData") or {})
        tenant.add_user({**profile, "connection": identity["connection"], "user_id": local_id})
        return 200, [dict(i) for i in primary["identities"]]


# --- what logins leave behind --------------------------------------------------------------------
# The emulator serves no logins, so a user has no sessions or refresh tokens; the lists are
# empty in each one's paging style and deleting them has nothing to undo. (A user's log events,
# its signup among them, are routes/logs.py's.)


def _login_owner(call: Call) -> None:
    if call.tenant.users.get(call.params["user_id"]) is None:
        raise missing_user()


@HANDLERS.route("get_sessions_for_user")
def user_sessions(call: Call) -> Reply:
    with call.tenant.lock:
        _login_owner(call)
    return 200, paginate([], call.args, "sessions", checkpoint_only=True)


@HANDLERS.route("get_refresh_tokens_for_user")
def user_refresh_tokens(call: Call) -> Reply:
    with call.tenant.lock:
        _login_owner(call)
    return 200, paginate([], call.args, "tokens", checkpoint_only=True)


@HANDLERS.route("delete_sessions_for_user")
@HANDLERS.route("delete_refresh_tokens_for_user")
def delete_login_state(call: Call) -> Reply:
    with call.tenant.lock:
        _login_owner(call)
    return 202, None
