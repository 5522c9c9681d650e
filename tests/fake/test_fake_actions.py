"""Actions (/actions) over real HTTP: triggers, an action's life (create, build, deploy, versions)
and its lists, as the terraform provider's recordings show Auth0 answering them (TestAccAction,
TestAccActionWithSecretsWO, TestAccDataSourceAction) and its guide quotes the triggers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

ACTIONS = "/api/v2/actions/actions"
CODE = "exports.onExecutePostLogin = async (event, api) => {};"
POST_LOGIN = [{"id": "post-login", "version": "v3"}]
SECRET_VALUE = "s3cr3t-value-never-answered"
SPEC = Path(__file__).resolve().parents[2] / "specs" / "auth0" / "management-api-oas.json"


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, "create:actions", "read:actions", "update:actions", "delete:actions")


def _spec_trigger_ids() -> set[str]:
    spec = json.loads(SPEC.read_text("utf-8"))
    return set(spec["components"]["schemas"]["ActionTriggerTypeEnum"]["enum"])


def test_triggers_are_auth0s(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.get("/api/v2/actions/triggers", headers=_h(fake))
    assert r.status_code == 200
    triggers = r.json()["triggers"]
    current = {(t["id"], t["version"]) for t in triggers if t["status"] == "CURRENT"}
    assert ("post-login", "v3") in current
    assert {t["status"] for t in triggers} == {"CURRENT", "DEPRECATED"}
    for trigger in triggers:
        assert set(trigger) == {
            "id",
            "version",
            "status",
            "runtimes",
            "default_runtime",
            "compatible_triggers",
        }
        assert trigger["default_runtime"] in trigger["runtimes"]
    assert {t["id"] for t in triggers} <= _spec_trigger_ids()


def test_create_answers_pending_and_never_a_secrets_value(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    body = {
        "name": "a",
        "supported_triggers": POST_LOGIN,
        "code": CODE,
        "secrets": [{"name": "KEY", "value": SECRET_VALUE}],
    }
    made = http.post(ACTIONS, json=body, headers=_h(fake))
    assert made.status_code == 201
    action = made.json()
    # TestAccAction.yaml: no runtime sent -> node22; status pending, then built on the next GET
    assert (action["runtime"], action["status"], action["all_changes_deployed"]) == (
        "node22",
        "pending",
        False,
    )
    assert [s["name"] for s in action["secrets"]] == ["KEY"]
    assert set(action["secrets"][0]) == {"name", "updated_at"}
    got = http.get(f"{ACTIONS}/{action['id']}", headers=_h(fake)).json()
    assert got == {**action, "status": "built"}
    deployed = http.post(f"{ACTIONS}/{action['id']}/deploy", headers=_h(fake))
    listed = http.get(ACTIONS, headers=_h(fake))
    versions = http.get(f"{ACTIONS}/{action['id']}/versions", headers=_h(fake))
    for answer in (made, deployed, listed, versions):
        assert SECRET_VALUE not in answer.text


def test_deploy_makes_versions_and_a_change_undeploys(fake: FakeAuth0, http: httpx.Client) -> None:
    body = {"name": "a", "supported_triggers": POST_LOGIN, "code": CODE, "runtime": "node22"}
    aid = http.post(ACTIONS, json=body, headers=_h(fake)).json()["id"]
    assert http.get(f"{ACTIONS}/{aid}/versions", headers=_h(fake)).json() == {
        "versions": [],
        "per_page": 50,
    }
    first = http.post(f"{ACTIONS}/{aid}/deploy", headers=_h(fake))
    # TestAccAction.yaml: 200 (the spec says 202), the version not yet deployed, its action
    assert first.status_code == 200
    answer = first.json()
    assert (answer["number"], answer["deployed"], answer["status"]) == (1, False, "built")
    assert answer["action"]["id"] == aid
    assert answer["action"]["all_changes_deployed"] is False
    got = http.get(f"{ACTIONS}/{aid}", headers=_h(fake)).json()
    assert got["current_version"]["id"] == got["deployed_version"]["id"] == answer["id"]
    assert got["current_version"]["status"] == "BUILT"
    assert got["deployed_version"]["deployed"] is True
    assert got["all_changes_deployed"] is True
    patched = http.patch(f"{ACTIONS}/{aid}", json={"code": CODE + " "}, headers=_h(fake))
    assert patched.json()["status"] == "pending"
    assert patched.json()["all_changes_deployed"] is False
    second = http.post(f"{ACTIONS}/{aid}/deploy", headers=_h(fake)).json()
    assert second["number"] == 2
    listed = http.get(f"{ACTIONS}/{aid}/versions", headers=_h(fake)).json()
    assert [(v["number"], v["deployed"]) for v in listed["versions"]] == [(2, True), (1, False)]
    assert listed["total"] == 2
    one = http.get(f"{ACTIONS}/{aid}/versions/{second['id']}", headers=_h(fake))
    assert one.status_code == 200
    assert one.json()["code"] == CODE + " "
    assert http.get(f"{ACTIONS}/{aid}/versions/nope", headers=_h(fake)).status_code == 404
    assert http.delete(f"{ACTIONS}/{aid}", headers=_h(fake)).status_code == 204
    gone = http.get(f"{ACTIONS}/{aid}/versions", headers=_h(fake))
    assert gone.status_code == 404
    assert gone.json()["message"] == "That action does not exist."


def test_lists_filter_by_name_and_trigger_leaving_out_zero_counts(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    for name, trigger in (("one", "post-login"), ("two", "credentials-exchange")):
        made = http.post(
            ACTIONS,
            json={
                "name": name,
                "code": CODE,
                "supported_triggers": [{"id": trigger, "version": "v2"}],
            },
            headers=_h(fake),
        )
        assert made.status_code == 201
    # TestAccDataSourceAction.yaml: an unknown name answers no total, a known one total 1
    none = http.get(ACTIONS, params={"actionName": "random-name", "per_page": 50}, headers=_h(fake))
    assert none.json() == {"actions": [], "per_page": 50}
    one = http.get(ACTIONS, params={"actionName": "one", "per_page": 50}, headers=_h(fake)).json()
    assert [a["name"] for a in one["actions"]] == ["one"]
    assert (one["total"], one["per_page"]) == (1, 50)
    by_trigger = http.get(ACTIONS, params={"triggerId": "credentials-exchange"}, headers=_h(fake))
    assert [a["name"] for a in by_trigger.json()["actions"]] == ["two"]
    assert http.get(ACTIONS, params={"deployed": "true"}, headers=_h(fake)).json()["actions"] == []
    second_page = http.get(ACTIONS, params={"page": 1, "per_page": 50}, headers=_h(fake)).json()
    assert second_page == {"actions": [], "page": 1, "per_page": 50}


BINDINGS = "/api/v2/actions/triggers/{}/bindings"


def _bind(http: httpx.Client, fake: FakeAuth0, trigger: str, aid: str) -> httpx.Response:
    ref = {"type": "action_id", "value": aid}
    return http.patch(BINDINGS.format(trigger), json={"bindings": [{"ref": ref}]}, headers=_h(fake))


def test_binding_needs_a_deployed_action_that_supports_the_trigger(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # PR #1590 of the terraform provider: binding an action not yet deployed is 400; issues
    # #1550/#1641: so is binding it to a trigger it does not support.
    body = {"name": "b", "supported_triggers": POST_LOGIN, "code": CODE}
    aid = http.post(ACTIONS, json=body, headers=_h(fake)).json()["id"]
    assert _bind(http, fake, "post-login", aid).status_code == 400
    http.post(f"{ACTIONS}/{aid}/deploy", headers=_h(fake))
    assert _bind(http, fake, "pre-user-registration", aid).status_code == 400
    assert _bind(http, fake, "post-login", aid).status_code == 200


def test_a_bound_action_is_deleted_only_with_force(fake: FakeAuth0, http: httpx.Client) -> None:
    body = {"name": "c", "supported_triggers": POST_LOGIN, "code": CODE}
    aid = http.post(ACTIONS, json=body, headers=_h(fake)).json()["id"]
    http.post(f"{ACTIONS}/{aid}/deploy", headers=_h(fake))
    assert _bind(http, fake, "post-login", aid).status_code == 200
    refused = http.delete(f"{ACTIONS}/{aid}", headers=_h(fake))
    assert refused.status_code == 409
    assert refused.json()["message"] == "Unable to delete an action bound to a trigger."
    forced = http.delete(f"{ACTIONS}/{aid}", params={"force": "true"}, headers=_h(fake))
    assert forced.status_code == 204
    assert http.get(f"{ACTIONS}/{aid}", headers=_h(fake)).status_code == 404
    left = http.get(BINDINGS.format("post-login"), headers=_h(fake)).json()["bindings"]
    assert left == []


def test_action_test_answers_a_payload_and_executions_are_unknown(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # The spec: POST .../test answers TestActionResponseContent {payload}; no execution exists.
    body = {"name": "d", "supported_triggers": POST_LOGIN, "code": CODE}
    aid = http.post(ACTIONS, json=body, headers=_h(fake)).json()["id"]
    payload = {"event": {"user": {"user_id": "auth0|1"}}}
    r = http.post(f"{ACTIONS}/{aid}/test", json={"payload": payload}, headers=_h(fake))
    assert (r.status_code, r.json()) == (200, {"payload": payload})
    assert (
        http.post(f"{ACTIONS}/nope/test", json={"payload": {}}, headers=_h(fake)).status_code == 404
    )
    assert http.get("/api/v2/actions/executions/nope", headers=_h(fake)).status_code == 404
