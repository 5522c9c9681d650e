"""/grants: the consent a user gave an application at login (not client grants, which are
routes/client_grants.py's). The emulator serves no logins, so no user ever consents: lists are
empty and deleting a user's grants has nothing to undo.

Grant ids are 24 hex digits (go-auth0 recording TestGrantManager_List); Auth0 answers another
id with 400 "Invalid grant id" (auth0/ruby-auth0#303) and refuses a delete naming no user with
400 "Missing required field: user_id" (auth0/auth0-java#74). A well-formed id that names no
grant is answered 404 here (Auth0's answer to that is unconfirmed).
"""

from __future__ import annotations

import re

from ..common import Reply, mgmt_error, not_found_error, paginate
from . import Call, HandlerTable

HANDLERS = HandlerTable()
_GRANT_ID = re.compile(r"^[0-9a-f]{24}$")


@HANDLERS.route("get_grants")
def list_grants(call: Call) -> Reply:
    return 200, paginate([], call.args, "grants")


@HANDLERS.route("delete_grants_by_id")
def delete_grant(call: Call) -> Reply:
    if not _GRANT_ID.match(call.params["id"]):
        raise mgmt_error(400, "Invalid grant id")
    raise not_found_error("The grant does not exist.", "inexistent_grant")


@HANDLERS.route("delete_grants_by_user_id")
def delete_user_grants(call: Call) -> Reply:
    if not call.args.get("user_id"):
        raise mgmt_error(400, "Missing required field: user_id", "invalid_body")
    return 204, None
