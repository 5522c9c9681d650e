"""/tickets: links Auth0 mails a user to change a password or verify an email address.

Answer 201 ``{"ticket": "https://TENANT/u/reset-password?ticket=<32 chars>#"}`` (and
``/u/email-verification?...`` for a verification), as go-auth0's recordings of real tenants
show. The ticket is a credential: auth0/secret_fields.py lists ``ticket`` as secret anywhere, so
cassettes never keep one. The emulator serves no Universal Login, so the link opens nothing.
"""

from __future__ import annotations

from typing import Any

from ..common import Reply, bad_body, random_id
from . import Call, HandlerTable
from .users import missing_user

HANDLERS = HandlerTable()
TICKET_LENGTH = 32


def _ticket(call: Call, page: str) -> dict[str, str]:
    return {"ticket": f"https://{call.tenant.domain}/u/{page}?ticket={random_id(TICKET_LENGTH)}#"}


def _user_of(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    tenant = call.tenant
    if "user_id" in body:
        user = tenant.users.get(str(body["user_id"]))
        if user is None:
            raise missing_user()
        return user
    email, connection_id = body.get("email"), body.get("connection_id")
    if not email or not connection_id:
        raise bad_body("'Missing required property: user_id'.")
    connection = tenant.connections.get(str(connection_id))
    if connection is None:
        raise missing_user()
    for user in tenant.users.values():
        in_connection = any(
            i.get("connection") == connection["name"] for i in user.get("identities", ())
        )
        if in_connection and str(user.get("email", "")).lower() == str(email).lower():
            return user
    raise missing_user()


@HANDLERS.route("post_password-change")
def password_change(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        _user_of(call, body)
    return 201, _ticket(call, "reset-password")


@HANDLERS.route("post_email-verification")
def email_verification(call: Call) -> Reply:
    body = call.body()
    if "user_id" not in body:
        raise bad_body("'Missing required property: user_id'.")
    with call.tenant.lock:
        _user_of(call, body)
    return 201, _ticket(call, "email-verification")
