"""/client-grants: one grant per client and audience, scopes limited to the API's own."""

from __future__ import annotations

from typing import Any

from ..common import Reply, bad_body, mgmt_error, not_found_error, paginate
from . import Call, HandlerTable

HANDLERS = HandlerTable()


def _missing() -> Exception:
    return not_found_error("The client grant does not exist", "inexistent_client_grant")


def _check_scopes(call: Call, audience: str, scope: Any) -> list[str]:
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        raise bad_body(
            "'Expected type array of strings' on property scope "
            "(Scopes allowed for this client grant.)."
        )
    server = call.tenant.resource_server_by_identifier(audience)
    if server is None:
        raise not_found_error(
            f"No resource server found for audience: {audience}", "inexistent_resource_server"
        )
    defined = {s.get("value") for s in server.get("scopes", ())}
    if not set(scope) <= defined:
        raise bad_body("scope must be a subset of resource server scopes")
    return list(dict.fromkeys(scope))


@HANDLERS.route("post_client-grants")
def create_grant(call: Call) -> Reply:
    body = call.body()
    tenant = call.tenant
    client_id = body.get("client_id")
    audience = body["audience"]
    with tenant.lock:
        if client_id is None:
            raise bad_body("'Missing required property: client_id'.")
        if client_id not in tenant.clients:
            raise not_found_error("The client does not exist", "inexistent_client")
        scope = _check_scopes(call, audience, body.get("scope", []))
        if tenant.grant_for(client_id, audience) is not None:
            raise mgmt_error(
                409,
                f"A client grant already exists between {client_id} and {audience}",
                "conflict",
            )
        extra = {k: v for k, v in body.items() if k not in ("client_id", "audience", "scope")}
        grant = tenant.add_grant(client_id, audience, scope, extra)
        return 201, dict(grant)


@HANDLERS.route("get_client-grants")
def list_grants(call: Call) -> Reply:
    args = call.args
    with call.tenant.lock:
        items = [dict(g) for g in call.tenant.grants.values()]
    if args.get("audience"):
        items = [g for g in items if g["audience"] == args["audience"]]
    if args.get("client_id"):
        items = [g for g in items if g["client_id"] == args["client_id"]]
    return 200, paginate(items, args, "client_grants", checkpoint=True, with_length=False)


@HANDLERS.route("get_client-grant")
def get_grant(call: Call) -> Reply:
    with call.tenant.lock:
        grant = call.tenant.grants.get(call.params["id"])
        if grant is None:
            raise _missing()
        return 200, dict(grant)


@HANDLERS.route("patch_client-grants_by_id")
def update_grant(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        grant = call.tenant.grants.get(call.params["id"])
        if grant is None:
            raise _missing()
        if body.get("scope") is not None:
            grant["scope"] = _check_scopes(call, grant["audience"], body["scope"])
        for key, value in body.items():
            if key != "scope" and value is not None:
                grant[key] = value
        return 200, dict(grant)


@HANDLERS.route("delete_client-grants_by_id")
def delete_grant(call: Call) -> Reply:
    with call.tenant.lock:
        if call.tenant.grants.pop(call.params["id"], None) is None:
            raise _missing()
        return 204, None
