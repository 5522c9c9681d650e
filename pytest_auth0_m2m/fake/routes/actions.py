"""Actions (/actions): where Auth0's answer is not the engine's generic one.

An action's secrets answer their names and dates, never their values; a create or a PATCH
answers status "pending" and the build is done by the next read ("built"); a deploy makes a
version (answered with ``deployed: false``, the deploy being under way), which becomes the
action's current and deployed version and is listed under .../versions; a later change leaves
``all_changes_deployed`` false (TestAccAction.yaml, TestAccActionWithSecretsWO.yaml). Lists
leave out zero counts (``page`` only after the first page, ``total`` only when the page holds
items: TestAccDataSourceAction.yaml, TestAccTriggerAction.yaml) and filter by ``actionName``.
GET /actions/triggers answers Auth0's triggers (TRIGGERS). A PATCH of a trigger's bindings
replaces them with the actions it names (by ``action_id`` or ``action_name``).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..common import (
    Reply,
    bad_body,
    mgmt_error,
    not_found_error,
    query_bool,
    query_int,
    select_fields,
)
from . import Call, HandlerTable

HANDLERS = HandlerTable()
ACTIONS = "/actions/actions"
MISSING_ACTION = "That action does not exist."  # TestAccDataSourceAction.yaml's 404


def _trigger(
    id_: str, version: str, status: str, runtimes: list[str], compatible: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "id": id_,
        "version": version,
        "status": status,
        "runtimes": runtimes,
        "default_runtime": runtimes[-1],
        "compatible_triggers": [{"id": id_, "version": v} for v in compatible],
    }


# GET /actions/triggers. Which triggers, versions and statuses, in Auth0's order, and the shape:
# the answer the terraform provider's guide quotes (docs/guides/action_triggers.md, a real tenant
# on 2022-10-17). The runtimes of the current versions are today's: the recordings' actions run
# node18-actions and node22, and one created without a runtime gets node22, so node22 is the
# default; the deprecated versions keep the runtimes the guide shows.
_CURRENT = ["node18-actions", "node22"]
TRIGGERS: tuple[dict[str, Any], ...] = (
    _trigger("post-login", "v2", "DEPRECATED", ["node12", "node16"]),
    _trigger("post-login", "v3", "CURRENT", _CURRENT, ("v2",)),
    _trigger("post-login", "v1", "DEPRECATED", ["node12"]),
    _trigger("credentials-exchange", "v1", "DEPRECATED", ["node12"]),
    _trigger("credentials-exchange", "v2", "CURRENT", _CURRENT),
    _trigger("pre-user-registration", "v2", "CURRENT", _CURRENT),
    _trigger("pre-user-registration", "v1", "DEPRECATED", ["node12"]),
    _trigger("post-user-registration", "v2", "CURRENT", _CURRENT),
    _trigger("post-user-registration", "v1", "DEPRECATED", ["node12"]),
    _trigger("post-change-password", "v2", "CURRENT", _CURRENT),
    _trigger("post-change-password", "v1", "DEPRECATED", ["node12"]),
    _trigger("send-phone-message", "v2", "CURRENT", _CURRENT),
    _trigger("send-phone-message", "v1", "DEPRECATED", ["node12"]),
)
DEFAULT_RUNTIME = "node22"


@HANDLERS.route("get_triggers")
def list_triggers(call: Call) -> Reply:
    return 200, {"triggers": [dict(t) for t in TRIGGERS]}


# --- actions -------------------------------------------------------------------------------------


def _actions(call: Call) -> dict[str, dict[str, Any]]:
    return call.tenant.collections.setdefault(ACTIONS, {})


def _stored(call: Call, action_id: str) -> dict[str, Any]:
    found = _actions(call).get(action_id)
    if found is None:
        raise not_found_error(MISSING_ACTION, "inexistent_action")
    return found


def _secrets(sent: Any, now: str) -> list[dict[str, Any]]:
    """What is kept of sent secrets: names and dates; a value is never stored or answered."""
    return [{"name": s.get("name", ""), "updated_at": now} for s in sent if isinstance(s, dict)]


def _default_runtime(triggers: Any) -> str:
    for wanted in triggers if isinstance(triggers, list) else []:
        for trigger in TRIGGERS:
            if isinstance(wanted, dict) and (wanted.get("id"), wanted.get("version")) == (
                trigger["id"],
                trigger["version"],
            ):
                return str(trigger["default_runtime"])
    return DEFAULT_RUNTIME


def _pending(action: dict[str, Any]) -> dict[str, Any]:
    """The answer to a write: Auth0 builds after answering (the next GET says "built")."""
    return {**action, "status": "pending"}


@HANDLERS.route("post_action")
def create_action(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        now = call.tenant.now_iso()
        # The recorded key order: TestAccAction.yaml's 201.
        action: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "name": body.get("name", ""),
            "supported_triggers": body.get("supported_triggers", []),
            "created_at": now,
            "updated_at": now,
            "code": body.get("code", ""),
            "dependencies": body.get("dependencies", []),
            "runtime": body.get("runtime") or _default_runtime(body.get("supported_triggers")),
            "status": "built",
            "secrets": _secrets(body.get("secrets", []), now),
            "all_changes_deployed": False,
        }
        if "modules" in body:
            action["modules"] = body["modules"]
        _actions(call)[action["id"]] = action
        return 201, _pending(action)


@HANDLERS.route("patch_action")
def update_action(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        action = _stored(call, call.params["id"])
        now = call.tenant.now_iso()
        for key, value in body.items():
            action[key] = _secrets(value, now) if key == "secrets" else value
        action.update(updated_at=now, all_changes_deployed=False)
        return 200, _pending(action)


@HANDLERS.route("get_actions")
def list_actions(call: Call) -> Reply:
    name = call.args.get("actionName")
    trigger = call.args.get("triggerId")
    with call.tenant.lock:
        found = [
            a
            for a in _actions(call).values()
            if (name is None or a.get("name") == name)
            and (trigger is None or any(t.get("id") == trigger for t in a["supported_triggers"]))
            and (not query_bool(call.args, "deployed", False) or "deployed_version" in a)
            # no action of the emulator comes from an installed integration
            and not query_bool(call.args, "installed", False)
        ]
        return 200, _paged(call, "actions", [_summary(a) for a in found], 50)


def _summary(action: dict[str, Any]) -> dict[str, Any]:
    # The keys every recorded list item shows (TestAccDataSourceAction.yaml): no versions.
    return {k: v for k, v in action.items() if k not in ("current_version", "deployed_version")}


def _paged(call: Call, key: str, items: list[dict[str, Any]], default: int) -> dict[str, Any]:
    """A page of ``items`` with Auth0's habit of leaving out zero counts: ``total`` only when
    the page holds items, ``page`` only after the first one."""
    page = query_int(call.args, "page", 0, 0, None)
    per_page = query_int(call.args, "per_page", default, 1, 100)
    chunk = select_fields(items[page * per_page : (page + 1) * per_page], call.args)
    answer: dict[str, Any] = {key: chunk}
    if chunk:
        answer["total"] = len(items)
    if page:
        answer["page"] = page
    answer["per_page"] = per_page
    return answer


# A bound action is not deleted without force=true: 409 (PR #1590 of the terraform provider and
# its docs/resources/trigger_actions.md: "the API rejects deleting an action while it is still
# bound to a trigger"); the message is the one Auth0 is reported to answer, no recording shows it.
BOUND = "Unable to delete an action bound to a trigger."


@HANDLERS.route("delete_action")
def delete_action(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        action = _stored(call, call.params["id"])
        bound = [
            path
            for path, stored in tenant.singletons.items()
            if path.startswith("/actions/triggers/")
            and isinstance(stored, dict)
            and any(b["action"]["id"] == action["id"] for b in stored.get("bindings", []))
        ]
        if bound and not query_bool(call.args, "force", False):
            raise mgmt_error(409, BOUND)
        for path in bound:  # force: the bindings go with the action
            kept = [
                b for b in tenant.singletons[path]["bindings"] if b["action"]["id"] != action["id"]
            ]
            tenant.singletons[path] = {"bindings": kept}
        del _actions(call)[action["id"]]
        below = f"{ACTIONS}/{action['id']}/"
        for key in [k for k in tenant.collections if k.startswith(below)]:
            del tenant.collections[key]
        return 204, None


@HANDLERS.route("post_test_action")
def test_action(call: Call) -> Reply:
    # The emulator runs no action code: the test answers the payload it was sent, unchanged (as
    # an action that does nothing would), in the spec's TestActionResponseContent {payload}.
    body = call.body()
    with call.tenant.lock:
        _stored(call, call.params["id"])
    return 200, {"payload": body["payload"]}


@HANDLERS.route("get_execution")
def get_execution(call: Call) -> Reply:
    # No action runs in the emulator, so no execution exists: every id is the spec's 404.
    raise not_found_error("The execution does not exist.", "inexistent_execution")


# --- versions ------------------------------------------------------------------------------------


def _versions(call: Call, action_id: str) -> dict[str, dict[str, Any]]:
    # Where the engine keeps a collection under an item: deleting the action takes them along.
    return call.tenant.collections.setdefault(f"{ACTIONS}/{action_id}/versions", {})


@HANDLERS.route("post_deploy_action")
def deploy_action(call: Call) -> Reply:
    if not isinstance(call.json(), dict):  # the spec gives a deploy no body schema
        raise bad_body("'Expected type object but found type array'.")
    tenant = call.tenant
    with tenant.lock:
        action = _stored(call, call.params["id"])
        now = tenant.now_iso()
        versions = _versions(call, action["id"])
        for older in versions.values():
            older["deployed"] = False
        number = len(versions) + 1
        made: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "action_id": action["id"],
            "code": action.get("code", ""),
            "dependencies": action.get("dependencies", []),
            "deployed": True,
            "number": number,
            "built_at": now,
            "secrets": action.get("secrets", []),
            "status": "built",
            "created_at": now,
            "updated_at": now,
            "runtime": action.get("runtime", ""),
            "supported_triggers": action.get("supported_triggers", []),
        }
        versions[made["id"]] = made
        summary = {
            k: action[k]
            for k in ("id", "name", "supported_triggers", "created_at", "updated_at")
            if k in action
        }
        # TestAccAction.yaml: the deploy's 200 is the version, not yet deployed, with the
        # action as it was; the action's next GET shows it current (status "BUILT", its own
        # keys) and deployed, all changes deployed.
        answer: dict[str, Any] = {
            k: v for k, v in made.items() if k not in ("action_id", "built_at")
        }
        answer["deployed"] = False
        answer["action"] = {**summary, "all_changes_deployed": False}
        action["current_version"] = {
            "id": made["id"],
            "code": made["code"],
            "runtime": made["runtime"],
            "status": "BUILT",
            "number": number,
            "build_time": now,
            "created_at": now,
            "updated_at": now,
        }
        action["deployed_version"] = {k: v for k, v in made.items() if k != "action_id"}
        action.update(all_changes_deployed=True, status="built")
        return 200, answer


@HANDLERS.route("get_action_versions")
def list_versions(call: Call) -> Reply:
    with call.tenant.lock:
        _stored(call, call.params["actionId"])
        # newest first: the version a program looks for is the latest
        found = sorted(
            _versions(call, call.params["actionId"]).values(), key=lambda v: -int(v["number"])
        )
        return 200, _paged(call, "versions", [dict(v) for v in found], 50)


@HANDLERS.route("get_action_version")
def get_version(call: Call) -> Reply:
    with call.tenant.lock:
        _stored(call, call.params["actionId"])
        version = _versions(call, call.params["actionId"]).get(call.params["id"])
        if version is None:
            # the spec's 404: "The action version does not exist."
            raise not_found_error("The action version does not exist.", "inexistent_version")
        return 200, dict(version)


# --- trigger bindings ----------------------------------------------------------------------------


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
    raise not_found_error(MISSING_ACTION, "inexistent_action")


def _check_bindable(action: dict[str, Any], trigger_id: str) -> None:
    """Auth0 binds only a deployed action, and only to a trigger it supports: 400 otherwise
    (terraform provider PR #1590: 400 "action not deployed yet" before the deploy finished;
    issues #1550, #1641). The wording is the emulator's: no recording shows these answers."""
    name = action.get("name", "")
    if "deployed_version" not in action:
        raise mgmt_error(400, f"Action '{name}' must be deployed before it can be bound.")
    supported = {t.get("id") for t in action.get("supported_triggers", []) if isinstance(t, dict)}
    if trigger_id not in supported:
        raise mgmt_error(400, f"Action '{name}' does not support the trigger '{trigger_id}'.")


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
            _check_bindable(action, call.params["triggerId"])
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
