"""Rules (/rules) over real HTTP, as TestAccRule.yaml of the terraform provider's recordings shows
Auth0 answering them."""

from __future__ import annotations

import re

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

SCRIPT = "function (user, context, callback) { callback(null, user, context); }"


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, "create:rules", "read:rules", "update:rules", "delete:rules")


def test_a_new_rule_runs_at_login_success_enabled_first(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccRule.yaml: a POST of name and script only answers 201 with an id rul_ + 16
    # characters, enabled true, order 1 and stage "login_success"; GET answers the same.
    made = http.post(
        "/api/v2/rules", json={"name": "add-country", "script": SCRIPT}, headers=_h(fake)
    )
    assert made.status_code == 201
    rule = made.json()
    assert re.fullmatch(r"rul_[A-Za-z0-9]{16}", rule["id"])
    assert {k: rule[k] for k in ("enabled", "order", "stage")} == {
        "enabled": True,
        "order": 1,
        "stage": "login_success",
    }
    got = http.get(f"/api/v2/rules/{rule['id']}", headers=_h(fake))
    assert got.status_code == 200
    assert got.json() == rule
    assert [r["stage"] for r in http.get("/api/v2/rules", headers=_h(fake)).json()] == [
        "login_success"
    ]


def test_a_patch_keeps_the_stage(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccRule.yaml: PATCH {"enabled": false} answers the whole rule, stage unchanged.
    rule = http.post("/api/v2/rules", json={"name": "r", "script": SCRIPT}, headers=_h(fake)).json()
    patched = http.patch(f"/api/v2/rules/{rule['id']}", json={"enabled": False}, headers=_h(fake))
    assert patched.status_code == 200
    assert patched.json() == {**rule, "enabled": False}
    assert http.delete(f"/api/v2/rules/{rule['id']}", headers=_h(fake)).status_code == 204
    assert http.get(f"/api/v2/rules/{rule['id']}", headers=_h(fake)).status_code == 404
