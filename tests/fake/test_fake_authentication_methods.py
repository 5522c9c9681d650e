"""A user's authentication methods over real HTTP, as go-auth0's recording of a real tenant shows
them (TestUserManager_AuthenticationMethods.yaml): ids ``<type>|dev_<16>``, created_at, confirmed
on reads, PUT replacing all, DELETE removing all."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(
        fake,
        "create:users",
        "delete:users",
        "read:authentication_methods",
        "create:authentication_methods",
        "update:authentication_methods",
        "delete:authentication_methods",
    )


def _user(fake: FakeAuth0, http: httpx.Client, **extra: Any) -> str:
    body = {"connection": DB, "email": "ada@example.com", "password": "Correct-Horse-9!", **extra}
    made = http.post("/api/v2/users", json=body, headers=_h(fake))
    assert made.status_code == 201
    return str(made.json()["user_id"])


def test_create_read_rename_delete_one_method(fake: FakeAuth0, http: httpx.Client) -> None:
    methods = f"/api/v2/users/{_user(fake, http)}/authentication-methods"
    made = http.post(
        methods, json={"type": "email", "name": "Test", "email": "a@example.com"}, headers=_h(fake)
    )
    assert made.status_code == 201
    method = made.json()
    assert re.fullmatch(r"email\|dev_[A-Za-z0-9]{16}", method["id"])
    assert method["created_at"]
    assert "confirmed" not in method
    listed = http.get(methods, params={"include_totals": "true"}, headers=_h(fake)).json()
    assert [(m["id"], m["confirmed"]) for m in listed["authenticators"]] == [(method["id"], True)]
    assert listed["total"] == 1
    item = f"{methods}/{method['id']}"
    one = http.get(item, headers=_h(fake)).json()
    assert one == {**method, "confirmed": True}
    renamed = http.patch(item, json={"name": "Test2"}, headers=_h(fake))
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Test2"
    assert renamed.json()["created_at"] == method["created_at"]
    assert http.delete(item, headers=_h(fake)).status_code == 204
    assert http.get(item, headers=_h(fake)).status_code == 404
    assert http.get(methods, headers=_h(fake)).json() == []


def test_put_replaces_every_method_and_delete_removes_all(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    methods = f"/api/v2/users/{_user(fake, http)}/authentication-methods"
    http.post(methods, json={"type": "email", "email": "a@example.com"}, headers=_h(fake))
    sent = [
        {
            "type": "phone",
            "name": "MyPhone",
            "phone_number": "+15555550123",
            "preferred_authentication_method": "sms",
        },
        {"type": "totp", "name": "MyTotp", "totp_secret": "5HCWXIP2MJNSUBGYVUZFLRB2HWIGXR4S"},
    ]
    put = http.put(methods, json=sent, headers=_h(fake))
    assert put.status_code == 200
    phone, totp = put.json()
    device = phone["id"].split("|", 1)[1]
    assert phone["id"] == f"phone|{device}"
    assert phone["authentication_methods"] == [{"id": f"sms|{device}", "type": "sms"}]
    assert "totp_secret" not in totp  # taken, never answered
    assert totp["id"].startswith("totp|dev_")
    listed = http.get(methods, headers=_h(fake)).json()
    assert sorted(m["id"] for m in listed) == sorted([phone["id"], totp["id"]])
    assert http.delete(methods, headers=_h(fake)).status_code == 204
    assert http.get(methods, headers=_h(fake)).json() == []


def test_methods_need_the_user_and_go_with_it(fake: FakeAuth0, http: httpx.Client) -> None:
    missing = http.post(
        "/api/v2/users/auth0|nobody/authentication-methods",
        json={"type": "email", "email": "a@example.com"},
        headers=_h(fake),
    )
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "inexistent_user"
    user_id = _user(fake, http, user_id="returning")
    methods = f"/api/v2/users/{user_id}/authentication-methods"
    http.post(methods, json={"type": "email", "email": "a@example.com"}, headers=_h(fake))
    assert http.delete(f"/api/v2/users/{user_id}", headers=_h(fake)).status_code == 204
    assert http.get(methods, headers=_h(fake)).status_code == 404
    assert _user(fake, http, user_id="returning") == user_id  # the same id, a new user
    assert http.get(methods, headers=_h(fake)).json() == []


def test_no_methods_with_totals_leaves_total_out(fake: FakeAuth0, http: httpx.Client) -> None:
    # docs/auth0-wire.md (go-auth0's recording): include_totals with no methods has no total.
    methods = f"/api/v2/users/{_user(fake, http)}/authentication-methods"
    listed = http.get(methods, params={"include_totals": "true"}, headers=_h(fake))
    assert listed.status_code == 200
    assert listed.json()["authenticators"] == []
    assert "total" not in listed.json()


def test_recovery_code_needs_an_enrollment(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec: 200 {recovery_code}, or 404 "Enrollment not found." for a user with none.
    user_id = _user(fake, http)
    path = f"/api/v2/users/{user_id}/recovery-code-regeneration"
    headers = bearer(fake, "update:users")
    none = http.post(path, headers=headers)
    assert none.status_code == 404
    assert none.json()["message"] == "Enrollment not found."
    http.post(
        f"/api/v2/users/{user_id}/authentication-methods",
        json={"type": "email", "name": "e", "email": "a@example.com"},
        headers=_h(fake),
    )
    made = http.post(path, headers=headers)
    assert made.status_code == 200
    assert set(made.json()) == {"recovery_code"}
    assert re.fullmatch(r"[A-Z0-9]{24}", made.json()["recovery_code"])
    again = http.post(path, headers=headers).json()["recovery_code"]
    assert again != made.json()["recovery_code"]
