"""/clients: applications, with the secret shown only to tokens holding read:client_keys."""

from __future__ import annotations

import secrets
from typing import Any

from ...auth0 import insufficient_scope
from ..common import (
    ApiError,
    Reply,
    bad_body,
    bad_query,
    json_type,
    merge_metadata,
    not_found_error,
    paginate,
    random_id,
    select_fields,
)
from ..schemas import property_description
from ..tenant import new_client_secret
from . import Call, HandlerTable

HANDLERS = HandlerTable()

_SECRET_SCOPES = frozenset({"read:client_keys"})


def _missing() -> Exception:
    return not_found_error("The client does not exist", "inexistent_client")


def _shown(client: dict[str, Any], call: Call, *, with_secret: bool = False) -> dict[str, Any]:
    shown = dict(client)
    if not (with_secret or call.scopes & _SECRET_SCOPES):
        shown.pop("client_secret", None)
    if client.get("client_authentication_methods") and not client.get("token_endpoint_auth_method"):
        # Authenticating with keys only: Auth0 sends no secret (TestAccClientAuthenticationMethods*)
        shown.pop("client_secret", None)
    return shown


def _about(operation_id: str, name: str) -> str:
    """The property's description as Auth0 quotes it in a 400 (from the spec)."""
    about = property_description(operation_id, name)
    return f" ({about})" if about else ""


def _too_many_keys(operation_id: str, count: int) -> Exception:
    return bad_body(
        f"'Too many properties defined ({count}), maximum 10' on property "
        f"client_metadata{_about(operation_id, 'client_metadata')}."
    )


def _check(operation_id: str, body: dict[str, Any], *, nulls: bool = False) -> None:
    """Auth0's checks the spec's schemas do not make (docs/auth0-wire.md): a blank name, and
    client_metadata's string values of at most 255 characters (the schema validated the rest:
    the name's pattern, description's length, the enums, the 10-key cap of a create)."""
    name = body.get("name")
    if name is not None and not name.strip():
        raise bad_body(
            "'String is too short (0 chars), minimum 1' on property name"
            f"{_about(operation_id, 'name')}."
        )
    metadata = body.get("client_metadata")
    if metadata is not None:
        for key, value in metadata.items():
            if value is None and nulls:
                continue  # a PATCH removes the key
            if not isinstance(value, str):
                raise bad_body(
                    f"'Expected type string but found type {json_type(value)}' on property "
                    f"client_metadata.{key}."
                )
            if len(value) > 255:
                raise bad_body(
                    f"'String is too long ({len(value)} chars), maximum 255' on property "
                    f"client_metadata.{key}."
                )


# Properties that need a scope beyond the operation's own (the spec's notes on POST /clients and
# PATCH /clients/{id}): operation id -> [(properties, scope)].
_GUARDED_PROPERTIES: dict[str, list[tuple[tuple[str, ...], str]]] = {
    "post_clients": [(("client_authentication_methods",), "create:client_credentials")],
    "patch_clients_by_id": [
        (("client_secret", "signing_key", "encryption_key"), "update:client_keys"),
        (("client_authentication_methods",), "update:client_credentials"),
    ],
}


def _check_guarded(call: Call, body: dict[str, Any]) -> None:
    """Auth0's 403 when the body sets a property whose scope the token lacks: without it, a token
    with update:clients could set any app's secret (the provisioner's too) and take its scopes."""
    for names, scope in _GUARDED_PROPERTIES.get(call.operation.operation_id, ()):
        if scope not in call.scopes and any(name in body for name in names):
            raise ApiError(403, insufficient_scope.body(((scope,),)))


@HANDLERS.route("post_clients")
def create_client(call: Call) -> Reply:
    body = call.body()
    _check_guarded(call, body)
    _check(call.operation.operation_id, body)
    with call.tenant.lock:
        client = call.tenant.add_client(body)
        if call.client_id == call.tenant.provisioner.client_id:
            # The plugin's own apps: kept across restores (Tenant.provisioned).
            call.tenant.provisioned.add(client["client_id"])
        return 201, dict(client)


@HANDLERS.route("get_clients")
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


@HANDLERS.route("get_clients_by_id")
def get_client(call: Call) -> Reply:
    with call.tenant.lock:
        client = call.tenant.clients.get(call.params["id"])
        if client is None:
            raise _missing()
        return 200, select_fields([_shown(client, call)], call.args)[0]


@HANDLERS.route("patch_clients_by_id")
def update_client(call: Call) -> Reply:
    body = call.body()
    _check_guarded(call, body)
    operation_id = call.operation.operation_id
    _check(operation_id, body, nulls=True)
    with call.tenant.lock:
        client = call.tenant.clients.get(call.params["id"])
        if client is None:
            raise _missing()
        metadata = body.get("client_metadata")
        if isinstance(metadata, dict):
            # Auth0 merges client_metadata one level deep; a key sent as null is removed. The
            # 10-key cap holds for the merged object (docs/auth0-wire.md).
            merged = merge_metadata(client.get("client_metadata"), metadata)
            if len(merged) > 10:
                raise _too_many_keys(operation_id, len(merged))
            body = {**body, "client_metadata": merged}
        for key, value in body.items():
            if value is None:
                client.pop(key, None)
            else:
                client[key] = value
        reveal = bool(call.scopes & {"update:client_keys", "read:client_keys"})
        return 200, _shown(client, call, with_secret=reveal)


@HANDLERS.route("delete_clients_by_id")
def delete_client(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        client_id = call.params["id"]
        if client_id not in tenant.clients:
            raise _missing()
        del tenant.clients[client_id]
        tenant.client_credentials.pop(client_id, None)
        tenant.provisioned.discard(client_id)
        # Auth0 removes an application's grants with it.
        for grant_id in [g["id"] for g in tenant.grants.values() if g["client_id"] == client_id]:
            del tenant.grants[grant_id]
        return 204, None


@HANDLERS.route("post_rotate-secret")
def rotate_secret(call: Call) -> Reply:
    with call.tenant.lock:
        client = call.tenant.clients.get(call.params["id"])
        if client is None:
            raise _missing()
        client["client_secret"] = new_client_secret()
        return 200, dict(client)


# --- /clients/{client_id}/credentials: public keys for private_key_jwt and signed requests -------
# Shapes as recorded by Auth0's terraform provider (TestAccClientAuthenticationMethods*.yaml): the
# PEM is never sent back; kid is random here (Auth0 derives it from the key).


def _timestamp(value: str) -> str:
    if value.endswith("Z") and "." not in value:
        return value[:-1] + ".000Z"
    return value


def _credentials(call: Call) -> dict[str, dict[str, Any]]:
    client_id = call.params["client_id"]
    if client_id not in call.tenant.clients:
        raise _missing()
    return call.tenant.client_credentials.setdefault(client_id, {})


def _credential(call: Call) -> dict[str, Any]:
    credential = _credentials(call).get(call.params["credential_id"])
    if credential is None:
        raise not_found_error("The credential does not exist", "inexistent_credential")
    return credential


@HANDLERS.route("post_credentials")
def add_credential(call: Call) -> Reply:
    body = call.body()
    kind = body.get("credential_type")
    if kind == "public_key" and not isinstance(body.get("pem"), str):
        raise bad_body("'Missing required property: pem'.")
    with call.tenant.lock:
        table = _credentials(call)
        now = call.tenant.now_iso()
        credential: dict[str, Any] = {
            "id": "cred_" + random_id(22),
            "credential_type": kind,
            "kid": secrets.token_urlsafe(32)[:43],
            "alg": str(body.get("alg") or "RS256"),
            "name": str(body.get("name") or ""),
            "created_at": now,
            "updated_at": now,
        }
        if isinstance(body.get("expires_at"), str):
            credential["expires_at"] = _timestamp(body["expires_at"])
        table[credential["id"]] = credential
        return 201, dict(credential)


@HANDLERS.route("get_credentials")
def list_credentials(call: Call) -> Reply:
    # Recorded: a plain list, even with include_totals=true.
    with call.tenant.lock:
        return 200, [dict(c) for c in _credentials(call).values()]


@HANDLERS.route("get_credentials_by_credential_id")
def get_credential(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, dict(_credential(call))


@HANDLERS.route("patch_credentials_by_credential_id")
def update_credential(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        credential = _credential(call)
        if "expires_at" in body:
            if body["expires_at"] is None:
                credential.pop("expires_at", None)
            else:
                credential["expires_at"] = _timestamp(str(body["expires_at"]))
        credential["updated_at"] = call.tenant.now_iso()
        return 200, dict(credential)


@HANDLERS.route("delete_credentials_by_credential_id")
def delete_credential(call: Call) -> Reply:
    with call.tenant.lock:
        credential = _credential(call)
        del _credentials(call)[credential["id"]]
        return 204, None
