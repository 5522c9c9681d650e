"""/actions/triggers/{triggerId}/bindings: where Auth0's answer is not the engine's generic one.

A PATCH replaces the trigger's bindings with the actions it names (by ``action_id`` or
``action_name``) and answers the bindings made; a GET pages them with Auth0's habit of leaving
out zero counts: ``page`` only after the first page, ``total`` only when the page holds bindings
(terraform recordings: TestAccAction.yaml, TestAccTriggerAction.yaml).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..common import Reply, bad_body, not_found_error, query_int
from . import Call, HandlerTable

HANDLERS = HandlerTable()
ACTIONS = "/actions/actions"


def _path(call: Call) -> str:
    return f"/actions/triggers/{call.params['triggerId']}/bindings"


def _action(call: Call, ref: Any) -> dict[str, Any]:
    if not isinstance(ref, dict) or ref.get("type") not in ("action_id", "action_name"):
        raise bad_body("'Expected ref {type: action_id or action_name, value}' on property ref.")
    actions = call.tenant.collections.get(ACTIONS, {})
    key = "id" if ref["type"] == "action_id" else "name"
    for action in actions.values():
        if action.get(key) == ref.get("value"):
            return action
    raise not_found_error("The action does not exist.", "inexistent_action")


@HANDLERS.route("patch_bindings")
def update_bindings(call: Call) -> Reply:
    body = call.body()
    if not isinstance(body.get("bindings"), list):
        raise bad_body("'Missing required property: bindings'.")
    with call.tenant.lock:
        now = call.tenant.now_iso()
        made = []
        for item in body["bindings"]:
            if not isinstance(item, dict):
                raise bad_body("'Expected type object' on property bindings.")
            action = _action(call, item.get("ref"))
            summary: dict[str, Any] = {
                k: action[k] for k in ("id", "name", "supported_triggers") if k in action
            }
            made.append(
                {
                    "id": str(uuid.uuid4()),
                    "trigger_id": call.params["triggerId"],
                    "action": {**summary, "created_at": now, "updated_at": now},
                    "display_name": item.get("display_name") or action.get("name", ""),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        call.tenant.singletons[_path(call)] = {"bindings": made}
        return 200, {"bindings": made}


@HANDLERS.route("get_bindings")
def list_bindings(call: Call) -> Reply:
    page = query_int(call.args, "page", 0, 0, None)
    per_page = query_int(call.args, "per_page", 50, 1, 100)
    with call.tenant.lock:
        stored = call.tenant.singletons.get(_path(call)) or {"bindings": []}
        chunk = list(stored["bindings"])[page * per_page : (page + 1) * per_page]
    answer: dict[str, Any] = {"bindings": chunk}
    if chunk:
        answer["total"] = len(chunk)
    if page:
        answer["page"] = page
    answer["per_page"] = per_page
    return 200, answer
