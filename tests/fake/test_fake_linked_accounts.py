"""Linked accounts and what logins leave behind (logs, sessions, refresh tokens), over HTTP."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"


def _user(http: httpx.Client, auth: dict[str, str], email: str) -> str:
    made = http.post(
        "/api/v2/users",
        json={"connection": DB, "email": email, "password": "Correct-Horse-9!"},
        headers=auth,
    )
    assert made.status_code == 201
    return str(made.json()["user_id"])


def test_link_and_unlink(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "create:users", "read:users", "update:users")
    primary, secondary = _user(http, auth, "a@example.com"), _user(http, auth, "b@example.com")
    local = secondary.split("|", 1)[1]
    url = f"/api/v2/users/{primary}/identities"

    linked = http.post(url, json={"provider": "auth0", "user_id": local}, headers=auth)
    assert linked.status_code == 201
    identities = linked.json()
    assert [i["user_id"] for i in identities] == [primary.split("|", 1)[1], local]
    assert identities[1]["connection"] == DB
    assert identities[1]["profileData"]["email"] == "b@example.com"
    assert http.get(f"/api/v2/users/{secondary}", headers=auth).status_code == 404
    assert len(http.get(f"/api/v2/users/{primary}", headers=auth).json()["identities"]) == 2
    again = http.post(url, json={"provider": "auth0", "user_id": local}, headers=auth)
    assert again.status_code == 404  # the secondary user no longer exists

    unlinked = http.delete(f"{url}/auth0/{local}", headers=auth)
    assert unlinked.status_code == 200
    assert [i["user_id"] for i in unlinked.json()] == [primary.split("|", 1)[1]]
    back = http.get(f"/api/v2/users/{secondary}", headers=auth)
    assert back.status_code == 200
    assert back.json()["email"] == "b@example.com"
    assert http.delete(f"{url}/auth0/{local}", headers=auth).status_code == 404


def test_no_logins_no_logs_sessions_or_refresh_tokens(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(
        fake,
        "create:users",
        "read:logs",
        "read:logs_users",
        "read:sessions",
        "delete:sessions",
        "read:refresh_tokens",
        "delete:refresh_tokens",
    )
    user = _user(http, auth, "c@example.com")
    logs = http.get(f"/api/v2/users/{user}/logs", headers=auth)
    # no login is served: the user's one event is its signup (routes/logs.py)
    assert logs.status_code == 200
    assert [(e["type"], e["user_id"]) for e in logs.json()] == [("ss", user)]
    for path, key in (("sessions", "sessions"), ("refresh-tokens", "tokens")):
        listed = http.get(f"/api/v2/users/{user}/{path}", headers=auth)
        assert (listed.status_code, listed.json()) == (200, {key: []})
        assert http.delete(f"/api/v2/users/{user}/{path}", headers=auth).status_code == 202
        assert http.get(f"/api/v2/users/auth0|nobody/{path}", headers=auth).status_code == 404
