"""/connections: identity sources; every tenant starts with Username-Password-Authentication."""

from __future__ import annotations

from typing import Any

from ..common import (
    Reply,
    bad_query,
    mgmt_error,
    not_found_error,
    paginate,
    select_fields,
)
from . import Call, HandlerTable

HANDLERS = HandlerTable()


def _connection(call: Call) -> dict[str, Any]:
    connection = call.tenant.connections.get(call.params["id"])
    if connection is None:
        raise not_found_error("The connection does not exist", "inexistent_connection")
    return connection


@HANDLERS.route("post_connections")
def create_connection(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        if any(c["name"] == body["name"] for c in call.tenant.connections.values()):
            raise mgmt_error(409, "A connection with the same name already exists", "conflict")
        return 201, dict(call.tenant.add_connection(body))


@HANDLERS.route("get_connections")
def list_connections(call: Call) -> Reply:
    with call.tenant.lock:
        items = [dict(c) for c in call.tenant.connections.values()]
    strategies = call.args.getlist("strategy")
    if strategies:
        items = [c for c in items if c.get("strategy") in strategies]
    name = call.args.get("name")
    if name:
        items = [c for c in items if c["name"] == name]
    return 200, paginate(items, call.args, "connections", checkpoint=True)


@HANDLERS.route("get_connections_by_id")
def get_connection(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, select_fields([_connection(call)], call.args)[0]


@HANDLERS.route("patch_connections_by_id")
def update_connection(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        connection = _connection(call)
        connection.update({k: v for k, v in body.items() if v is not None})
        return 200, dict(connection)


@HANDLERS.route("delete_connections_by_id")
def delete_connection(call: Call) -> Reply:
    with call.tenant.lock:
        connection = _connection(call)
        del call.tenant.connections[connection["id"]]
        for enabled in call.tenant.org_connections.values():
            enabled.pop(connection["id"], None)
        # Auth0 deletes connections asynchronously: 202 with the time (terraform recordings).
        return 202, {"deleted_at": call.tenant.now_iso()}


@HANDLERS.route("get_client_connections")
def client_connections(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        client_id = call.params["id"]
        if client_id not in tenant.clients:
            raise not_found_error("The client does not exist", "inexistent_client")
        items = [
            dict(c)
            for c in tenant.connections.values()
            if client_id in (c.get("enabled_clients") or ())
        ]
    strategies = call.args.getlist("strategy")
    if strategies:
        items = [c for c in items if c.get("strategy") in strategies]
    return 200, paginate(items, call.args, "connections", checkpoint_only=True)


@HANDLERS.route("patch_clients")
def enable_clients(call: Call) -> Reply:
    """PATCH /connections/{id}/clients: ``[{client_id, status}]`` switches each client on or off
    for the connection; 204 (terraform recordings, TestAccConnectionClient.yaml)."""
    changes = call.body_items()  # the spec's schema: [{client_id, status}], at least one
    with call.tenant.lock:
        connection = _connection(call)
        enabled = list(connection.get("enabled_clients") or ())
        for change in changes:
            client_id = change["client_id"]
            if change["status"] and client_id not in enabled:
                enabled.append(client_id)
            elif not change["status"] and client_id in enabled:
                enabled.remove(client_id)
        connection["enabled_clients"] = enabled
        return 204, None


@HANDLERS.route("get_connection_clients")
def enabled_clients(call: Call) -> Reply:
    """GET /connections/{id}/clients: ``{"clients": [{"client_id"}], "next"?}`` (recorded)."""
    with call.tenant.lock:
        connection = _connection(call)
        items = [{"client_id": c} for c in connection.get("enabled_clients") or ()]
    return 200, paginate(items, call.args, "clients", checkpoint_only=True, id_field="client_id")


@HANDLERS.route("delete_users_by_email")
def delete_user_by_email(call: Call) -> Reply:
    """The connection's user with that email deleted (database connections only, per the spec)."""
    email = call.args.get("email")
    if not email:
        raise bad_query("Missing required property: email")
    with call.tenant.lock:
        connection = _connection(call)
        if connection.get("strategy") != "auth0":
            # The spec's words; its errorCode is not recorded, so none is claimed.
            raise mgmt_error(400, "Connection must be a database connection")
        wanted = email.casefold()
        for user_id, user in list(call.tenant.users.items()):
            identities = user.get("identities") or [{}]
            in_connection = identities[0].get("connection") == connection["name"]
            if in_connection and str(user.get("email", "")).casefold() == wanted:
                call.tenant.delete_user(user_id)
        # 204 whether or not such a user existed: the user no longer exists (spec).
        return 204, None
