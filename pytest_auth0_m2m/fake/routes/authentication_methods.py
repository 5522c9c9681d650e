"""/users/{id}/authentication-methods: where Auth0 makes what the engine's generic create cannot.

A method's id is ``<type>|dev_<16 characters>`` and it carries ``created_at``; a phone with a
preferred method lists it under ``authentication_methods`` with the same device id; a TOTP
secret is taken, never answered. PUT replaces all of a user's methods and answers them; DELETE
removes all (go-auth0's recording of a real tenant, TestUserManager_AuthenticationMethods.yaml).
Reading, renaming and deleting one method are the engine's, on the same stored collection
(``confirmed: true`` on reads is a generator fact).
"""

from __future__ import annotations

from typing import Any

from ..common import Reply, bad_body, random_id
from ..tenant import Tenant
from . import Call, HandlerTable
from .users import missing_user

HANDLERS = HandlerTable()
# Sent, never answered back.
NOT_ANSWERED = frozenset({"totp_secret"})


def _methods(call: Call) -> dict[str, dict[str, Any]]:
    """The user's stored methods (the engine's collection at the concrete path)."""
    user_id = call.params["id"]
    if user_id not in call.tenant.users:
        raise missing_user()
    path = f"/users/{user_id}/authentication-methods"
    return call.tenant.collections.setdefault(path, {})


def _method(tenant: Tenant, sent: dict[str, Any]) -> dict[str, Any]:
    device = "dev_" + random_id(16)
    method: dict[str, Any] = {"id": f"{sent['type']}|{device}"}
    method.update((k, v) for k, v in sent.items() if k not in NOT_ANSWERED)
    method["created_at"] = tenant.now_iso()
    preferred = sent.get("preferred_authentication_method")
    if sent["type"] == "phone" and isinstance(preferred, str):
        method["authentication_methods"] = [{"id": f"{preferred}|{device}", "type": preferred}]
    return method


@HANDLERS.route("post_authentication-methods")
def create_method(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        methods = _methods(call)
        method = _method(call.tenant, body)
        methods[method["id"]] = method
        return 201, dict(method)


@HANDLERS.route("put_authentication-methods")
def replace_methods(call: Call) -> Reply:
    sent = call.body_items()
    if not all(isinstance(item, dict) for item in sent):
        raise bad_body("'Expected type object' on property [*].")
    with call.tenant.lock:
        methods = _methods(call)
        made = [_method(call.tenant, item) for item in sent]
        methods.clear()
        methods.update((m["id"], m) for m in made)
        return 200, [dict(m) for m in made]


@HANDLERS.route("delete_authentication-methods")
def delete_methods(call: Call) -> Reply:
    with call.tenant.lock:
        _methods(call).clear()
        return 204, None
