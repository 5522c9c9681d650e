"""/clients: applications, with the secret shown only to tokens holding read:client_keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..common import Reply, bad_body, bad_query, not_found_error, paginate, select_fields
from ..tenant import new_client_secret
from . import Call, Handler, register

HANDLERS: dict[str, Handler] = {}

_SECRET_SCOPES = frozenset({"read:client_keys"})
_APP_TYPES = frozenset(
    {"native", "spa", "regular_web", "non_interactive", "resource_server", "express_configuration"}
)
_AUTH_METHODS = frozenset({"none", "client_secret_post", "client_secret_basic"})


def _register(operation_id: str) -> Callable[[Handler], Handler]:
    return register(HANDLERS, operation_id)


def _missing() -> Exception:
    return not_found_error("The client does not exist", "inexistent_client")


def _shown(client: dict[str, Any], call: Call, *, with_secret: bool = False) -> dict[str, Any]:
    shown = dict(client)
    if not (with_secret or call.scopes & _SECRET_SCOPES):
        shown.pop("client_secret", None)
    return shown


def _check(body: dict[str, Any]) -> None:
    """Auth0's semantic checks beyond JSON types (WIRE.md: name, description, metadata)."""
    name = body.get("name")
    if name is not None:
        if not name.strip():
            raise bad_body("'String is too short (0 chars), minimum 1' on property name.")
        if "<" in name or ">" in name:
            raise bad_body(
                f"'String does not match pattern ^[^<>]+$: {name}' on property name "
                "(The name of the client. Must contain at least one character. "
                "Does not allow '<' or '>'.)."
            )
    description = body.get("description")
    if description is not None and len(description) > 140:
        raise bad_body(
            f"'String is too long ({len(description)} chars), maximum 140' on property "
            "description (Free text description of this client (max length: 140 characters).)."
        )
    app_type = body.get("app_type")
    if app_type is not None and app_type not in _APP_TYPES:
        raise bad_body(
            f"'No enum match for: \"{app_type}\"' on property app_type "
            "(The type of application this client represents)."
        )
    method = body.get("token_endpoint_auth_method")
    if method is not None and method not in _AUTH_METHODS:
        raise bad_body(
            f"'No enum match for: \"{method}\"' on property token_endpoint_auth_method "
            "(Defines the requested authentication method for the token endpoint)."
        )
    grant_types = body.get("grant_types")
    if grant_types is not None and not all(isinstance(g, str) for g in grant_types):
        raise bad_body("'Expected type string' on property grant_types.")
    metadata = body.get("client_metadata")
    if metadata is not None:
        if len(metadata) > 10:
            raise bad_body(
                "'Too many properties defined (" + str(len(metadata)) + "), maximum 10' on "
                "property client_metadata (Metadata associated with the client, in the form of "
                "an object with string values (max 255 chars).  Maximum of 10 metadata "
                "properties allowed.)."
            )
        for key, value in metadata.items():
            if not isinstance(value, str):
                raise bad_body(
                    f"'Expected type string but found type {type(value).__name__}' on property "
                    f"client_metadata.{key}."
                )
            if len(value) > 255:
                raise bad_body(
                    f"'String is too long ({len(value)} chars), maximum 255' on property "
                    f"client_metadata.{key}."
                )


@_register("post_clients")
def create_client(call: Call) -> Reply:
    body = call.body()
    _check(body)
    with call.tenant.lock:
        client = call.tenant.add_client(body)
        return 201, dict(client)


@_register("get_clients")
def list_clients(call: Call) -> Reply:
    args = call.args
    with call.tenant.lock:
        items = list(call.tenant.clients.values())
    app_types = args.get("app_type")
    if app_types:
        wanted = {t.strip() for t in app_types.split(",")}
        items = [c for c in items if c.get("app_type") in wanted]
    first_party = args.get("is_first_party")
    if first_party:
        if first_party not in ("true", "false"):
            raise bad_query(
                "'Expected type boolean but found type string' on property is_first_party."
            )
        items = [c for c in items if bool(c.get("is_first_party")) == (first_party == "true")]
    is_global = args.get("is_global")
    if is_global in ("true", "false"):
        items = [c for c in items if bool(c.get("global")) == (is_global == "true")]
    shown = [_shown(c, call) for c in items]
    return 200, paginate(shown, args, "clients", checkpoint=True, id_field="client_id")


@_register("get_clients_by_id")
def get_client(call: Call) -> Reply:
    with call.tenant.lock:
        client = call.tenant.clients.get(call.params["id"])
        if client is None:
            raise _missing()
        return 200, select_fields([_shown(client, call)], call.args)[0]


@_register("patch_clients_by_id")
def update_client(call: Call) -> Reply:
    body = call.body()
    _check(body)
    with call.tenant.lock:
        client = call.tenant.clients.get(call.params["id"])
        if client is None:
            raise _missing()
        for key, value in body.items():
            if value is None:
                client.pop(key, None)
            else:
                client[key] = value
        reveal = bool(call.scopes & {"update:client_keys", "read:client_keys"})
        return 200, _shown(client, call, with_secret=reveal)


@_register("delete_clients_by_id")
def delete_client(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        client_id = call.params["id"]
        if client_id not in tenant.clients:
            raise _missing()
        del tenant.clients[client_id]
        # Auth0 removes an application's grants with it.
        for grant_id in [g["id"] for g in tenant.grants.values() if g["client_id"] == client_id]:
            del tenant.grants[grant_id]
        return 204, None


@_register("post_rotate-secret")
def rotate_secret(call: Call) -> Reply:
    with call.tenant.lock:
        client = call.tenant.clients.get(call.params["id"])
        if client is None:
            raise _missing()
        client["client_secret"] = new_client_secret()
        return 200, dict(client)
