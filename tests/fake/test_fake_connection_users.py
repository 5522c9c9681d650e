"""DELETE /connections/{id}/users?email=: a database user deleted by email, over HTTP."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"


def test_delete_connection_user_by_email(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "create:users", "read:users", "delete:users", "read:connections")
    db = http.get("/api/v2/connections", params={"name": DB}, headers=auth).json()[0]["id"]
    made = []
    for email in ("Buyer@Example.com", "keeper@example.com"):
        answer = http.post(
            "/api/v2/users",
            json={"connection": DB, "email": email, "password": "Correct-Horse-9!"},
            headers=auth,
        )
        assert answer.status_code == 201
        made.append(answer.json()["user_id"])

    gone = http.delete(
        f"/api/v2/connections/{db}/users", params={"email": "buyer@example.com"}, headers=auth
    )
    assert (gone.status_code, gone.content) == (204, b"")
    assert http.get(f"/api/v2/users/{made[0]}", headers=auth).status_code == 404
    assert http.get(f"/api/v2/users/{made[1]}", headers=auth).status_code == 200
    # Nobody with that email: the user no longer exists either way (204).
    again = http.delete(
        f"/api/v2/connections/{db}/users", params={"email": "buyer@example.com"}, headers=auth
    )
    assert again.status_code == 204

    missing_email = http.delete(f"/api/v2/connections/{db}/users", headers=auth)
    assert missing_email.status_code == 400
    assert missing_email.json()["errorCode"] == "invalid_query_string"
    unknown = http.delete(
        "/api/v2/connections/con_000000000000000/users",
        params={"email": "x@example.com"},
        headers=auth,
    )
    assert unknown.status_code == 404
    assert unknown.json()["errorCode"] == "inexistent_connection"
