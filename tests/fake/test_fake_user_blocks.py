"""/user-blocks: no login is served, so no user is ever blocked; unknown users are 404."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0


def test_user_blocks_by_id_and_identifier(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "create:users", "read:users", "update:users")
    made = http.post(
        "/api/v2/users",
        json={
            "connection": "Username-Password-Authentication",
            "email": "grace@example.com",
            "password": "Correct-Horse-9!",
        },
        headers=auth,
    )
    user_id = made.json()["user_id"]

    blocks = http.get(f"/api/v2/user-blocks/{user_id}", headers=auth)
    assert (blocks.status_code, blocks.json()) == (200, {"blocked_for": []})
    unblocked = http.delete(f"/api/v2/user-blocks/{user_id}", headers=auth)
    assert (unblocked.status_code, unblocked.content) == (204, b"")
    for method in ("GET", "DELETE"):
        unknown = http.request(method, "/api/v2/user-blocks/auth0|nobody", headers=auth)
        assert unknown.status_code == 404
        assert unknown.json()["errorCode"] == "inexistent_user"

    by_identifier = http.get(
        "/api/v2/user-blocks", params={"identifier": "grace@example.com"}, headers=auth
    )
    assert (by_identifier.status_code, by_identifier.json()) == (200, {"blocked_for": []})
    unblock = http.delete(
        "/api/v2/user-blocks", params={"identifier": "grace@example.com"}, headers=auth
    )
    assert unblock.status_code == 204
    missing = http.get("/api/v2/user-blocks", headers=auth)
    assert missing.status_code == 400
    assert missing.json()["errorCode"] == "invalid_query_string"
