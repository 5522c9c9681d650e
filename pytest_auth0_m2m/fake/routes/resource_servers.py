"""/resource-servers: the system Management API and custom APIs, by id or identifier."""

from __future__ import annotations

from typing import Any

from ..common import Reply, bad_body, mgmt_error, not_found_error, paginate, select_fields
from . import Call, HandlerTable

HANDLERS = HandlerTable()


def _find(call: Call) -> dict[str, Any]:
    key = call.params["id"]
    tenant = call.tenant
    server = tenant.resource_servers.get(key) or tenant.resource_server_by_identifier(key)
    if server is None:
        raise not_found_error("The resource server does not exist", "inexistent_resource_server")
    return server


def _check_scopes(scopes: Any) -> list[dict[str, Any]]:
    if not all(isinstance(s, dict) and isinstance(s.get("value"), str) for s in scopes):
        raise bad_body(
            "'Expected type object with a string value' on property scopes "
            "(List of permissions (scopes) that this API uses.)."
        )
    return [dict(s) for s in scopes]


@HANDLERS.route("post_resource-servers")
def create_server(call: Call) -> Reply:
    body = call.body()
    if "scopes" in body:
        body["scopes"] = _check_scopes(body["scopes"])
    with call.tenant.lock:
        if call.tenant.resource_server_by_identifier(body["identifier"]) is not None:
            raise mgmt_error(
                409,
                f"A resource server with the same identifier already exists: {body['identifier']}",
                "operation_not_supported",
            )
        return 201, dict(call.tenant.add_resource_server(body))


@HANDLERS.route("get_resource-servers")
def list_servers(call: Call) -> Reply:
    with call.tenant.lock:
        items = [dict(s) for s in call.tenant.resource_servers.values()]
    identifiers = call.args.getlist("identifiers")
    if identifiers:
        items = [s for s in items if s["identifier"] in identifiers]
    return 200, paginate(items, call.args, "resource_servers")


@HANDLERS.route("get_resource-servers_by_id")
def get_server(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, select_fields([_find(call)], call.args)[0]


@HANDLERS.route("patch_resource-servers_by_id")
def update_server(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        server = _find(call)
        if server.get("is_system"):
            raise mgmt_error(
                403, "You cannot update the system resource server", "operation_not_supported"
            )
        if "scopes" in body:
            body["scopes"] = _check_scopes(body["scopes"])
        server.update({k: v for k, v in body.items() if v is not None})
        return 200, dict(server)


@HANDLERS.route("delete_resource-servers_by_id")
def delete_server(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        server = _find(call)
        if server.get("is_system"):
            raise mgmt_error(
                403, "You cannot delete the system resource server", "operation_not_supported"
            )
        del tenant.resource_servers[server["id"]]
        for grant_id in [
            g["id"] for g in tenant.grants.values() if g["audience"] == server["identifier"]
        ]:
            del tenant.grants[grant_id]
        return 204, None
