"""/tickets, /grants and /stats over HTTP."""

from __future__ import annotations

import re

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"


def _user(http: httpx.Client, fake: FakeAuth0, email: str) -> str:
    made = http.post(
        "/api/v2/users",
        json={"connection": DB, "email": email, "password": "Correct-Horse-9!"},
        headers=bearer(fake, "create:users"),
    )
    assert made.status_code == 201
    return str(made.json()["user_id"])


def test_tickets(fake: FakeAuth0, http: httpx.Client) -> None:
    user_id = _user(http, fake, "t@example.com")
    auth = bearer(fake, "create:user_tickets")
    change = http.post("/api/v2/tickets/password-change", json={"user_id": user_id}, headers=auth)
    assert change.status_code == 201
    assert re.fullmatch(
        rf"https://{re.escape(fake.domain)}/u/reset-password\?ticket=[A-Za-z0-9]{{32}}#",
        change.json()["ticket"],
    )
    again = http.post("/api/v2/tickets/password-change", json={"user_id": user_id}, headers=auth)
    assert again.json()["ticket"] != change.json()["ticket"]
    connection_id = next(c["id"] for c in fake.tenant.connections.values() if c["name"] == DB)
    by_email = http.post(
        "/api/v2/tickets/password-change",
        json={"email": "T@example.com", "connection_id": connection_id},
        headers=auth,
    )
    assert by_email.status_code == 201
    verify = http.post(
        "/api/v2/tickets/email-verification", json={"user_id": user_id}, headers=auth
    )
    assert verify.status_code == 201
    assert "/u/email-verification?ticket=" in verify.json()["ticket"]
    for path in ("password-change", "email-verification"):
        missing = http.post(f"/api/v2/tickets/{path}", json={"user_id": "auth0|x"}, headers=auth)
        assert missing.status_code == 404
        assert missing.json()["errorCode"] == "inexistent_user"
    unnamed = http.post("/api/v2/tickets/email-verification", json={}, headers=auth)
    assert unnamed.status_code == 400


def test_grants(fake: FakeAuth0, http: httpx.Client) -> None:
    user_id = _user(http, fake, "g@example.com")
    auth = bearer(fake, "read:grants", "delete:grants")
    listed = http.get("/api/v2/grants", params={"user_id": user_id}, headers=auth)
    assert (listed.status_code, listed.json()) == (200, [])
    totals = http.get("/api/v2/grants", params={"include_totals": "true"}, headers=auth)
    assert totals.json() == {"start": 0, "limit": 50, "total": 0, "grants": []}
    assert (
        http.delete("/api/v2/grants", params={"user_id": user_id}, headers=auth).status_code == 204
    )
    nobody = http.delete("/api/v2/grants", headers=auth)
    assert nobody.status_code == 400
    assert nobody.json()["message"] == "Missing required field: user_id"
    malformed = http.delete("/api/v2/grants/nonexistent-grant", headers=auth)
    assert (malformed.status_code, malformed.json()["message"]) == (400, "Invalid grant id")
    unknown = http.delete("/api/v2/grants/63cff5bc7209008e35c888c1", headers=auth)
    assert unknown.status_code == 404


def test_stats(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "read:stats")
    assert http.get("/api/v2/stats/active-users", headers=auth).json() == 0
    _user(http, fake, "s1@example.com")
    logged_in = _user(http, fake, "s2@example.com")
    with fake.tenant.lock:  # as a user a seed file or a tenant copy brings (no login is served)
        fake.tenant.users[logged_in]["last_login"] = fake.tenant.now_iso()
    active = http.get("/api/v2/stats/active-users", headers=auth)
    assert (active.status_code, active.text) == (200, "1")
    (today,) = http.get("/api/v2/stats/daily", headers=auth).json()
    assert set(today) == {
        "date",
        "logins",
        "signups",
        "leaked_passwords",
        "created_at",
        "updated_at",
    }
    assert today["date"] == fake.tenant.now_iso()[:10] + "T00:00:00.000Z"
    assert (today["logins"], today["signups"], today["leaked_passwords"]) == (0, 2, 0)
    day = today["date"][:10].replace("-", "")
    ranged = http.get("/api/v2/stats/daily", params={"from": day, "to": day}, headers=auth)
    assert ranged.json() == [today]
    before = http.get("/api/v2/stats/daily", params={"to": "20000101"}, headers=auth)
    assert before.json() == []
    bad = http.get("/api/v2/stats/daily", params={"from": "2025-01-01"}, headers=auth)
    assert bad.status_code == 400
    assert bad.json()["errorCode"] == "invalid_query_string"
