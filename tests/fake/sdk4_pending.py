"""auth0-python 4.x sequences of the families the emulator does not yet answer right (uncommitted,
like sdk6_pending.py). Run as ``python sdk4_pending.py FAMILY``, like sdk4_sequences.py."""

from __future__ import annotations

import sys
from typing import Any

from sdk4_sequences import (
    Sequence,
    _api,
    main,
    status_of,
)

PENDING: dict[str, Sequence] = {}


def family(name: str) -> Any:
    def register(sequence: Sequence) -> Sequence:
        PENDING[name] = sequence
        return sequence

    return register


@family("actions")
def actions(sdk: Any, audience: str) -> None:
    triggers = [t["id"] for t in sdk.actions.get_triggers()["triggers"]]
    assert "post-login" in triggers
    action = sdk.actions.create_action(
        {
            "name": "add-claims",
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "code": "exports.onExecutePostLogin = async (event, api) => {};",
            "runtime": "node18",
            "secrets": [{"name": "KEY", "value": "not-a-secret"}],
        }
    )
    aid = action["id"]
    assert action["name"] == "add-claims"
    assert sdk.actions.get_action(aid)["code"].startswith("exports.onExecutePostLogin")
    updated = sdk.actions.update_action(
        aid, {"code": "exports.onExecutePostLogin = async (event, api) => { api; };"}
    )
    assert updated["code"].endswith("{ api; };")
    assert sdk.actions.deploy_action(aid)["action"]["id"] == aid
    versions = sdk.actions.get_action_versions(aid)["versions"]
    assert len(versions) == 1
    assert sdk.actions.get_action_version(aid, versions[0]["id"])["code"].endswith("{ api; };")
    assert [a["id"] for a in sdk.actions.get_actions(action_name="add-claims")["actions"]] == [aid]
    sdk.actions.update_trigger_bindings(
        "post-login", {"bindings": [{"ref": {"type": "action_id", "value": aid}}]}
    )
    bindings = sdk.actions.get_trigger_bindings("post-login")["bindings"]
    assert [b["action"]["id"] for b in bindings] == [aid]
    sdk.actions.update_trigger_bindings("post-login", {"bindings": []})
    assert sdk.actions.get_trigger_bindings("post-login")["bindings"] == []
    sdk.actions.delete_action(aid)
    assert status_of(lambda: sdk.actions.get_action(aid)) == 404


@family("keys")
def keys(sdk: Any, audience: str) -> None:
    rest = sdk.users.client  # 4.x has no keys methods: its RestClient, as a 4.x program does
    signing = rest.get(_api(sdk, "keys/signing"))
    current = [k for k in signing if k["current"]]
    assert len(current) == 1
    assert rest.get(_api(sdk, f"keys/signing/{current[0]['kid']}"))["kid"] == current[0]["kid"]
    rotated = rest.post(_api(sdk, "keys/signing/rotate"))
    assert rotated["kid"] != current[0]["kid"]
    after = rest.get(_api(sdk, "keys/signing"))
    assert [k["kid"] for k in after if k["current"]] == [rotated["kid"]]
    revoked = rest.put(_api(sdk, f"keys/signing/{current[0]['kid']}/revoke"))
    assert revoked["kid"] == current[0]["kid"]


@family("rules")
def rules(sdk: Any, audience: str) -> None:
    rule = sdk.rules.create(
        {
            "name": "add-country",
            "script": "function (user, context, callback) { callback(null, user, context); }",
            "enabled": True,
        }
    )
    rid = rule["id"]
    assert rid.startswith("rul_")
    assert rule["stage"] == "login_success"
    assert sdk.rules.get(rid)["name"] == "add-country"
    disabled = sdk.rules.update(rid, {"enabled": False, "order": 2})
    assert disabled["enabled"] is False
    assert disabled["order"] == 2
    assert [r["id"] for r in sdk.rules.all()] == [rid]
    sdk.rules.delete(rid)
    assert status_of(lambda: sdk.rules.get(rid)) == 404


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], PENDING))
