"""/logs over HTTP: the events the emulated tenant logs (fake/events.py, routes/logs.py)."""

from __future__ import annotations

import httpx
from fake_helpers import bearer, make_app, token_request

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"
READ = ("read:logs",)


def _logs(http: httpx.Client, fake: FakeAuth0, **params: str) -> list[dict[str, object]]:
    answer = http.get("/api/v2/logs", params=params, headers=bearer(fake, *READ))
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, object]] = answer.json()
    return listed


def test_token_exchanges_are_logged_without_secrets(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users"])
    granted = http.post("/oauth/token", json=token_request(fake, client_id, secret))
    assert granted.status_code == 200
    refused = http.post("/oauth/token", json=token_request(fake, client_id, "wrong-secret"))
    assert refused.status_code == 401

    failed, succeeded = _logs(http, fake)[:2]  # newest first
    assert succeeded["type"] == "seccft"
    assert succeeded["client_id"] == client_id
    assert succeeded["client_name"] == "test app"
    assert succeeded["audience"] == fake.audience
    assert succeeded["scope"] == "read:users"
    assert failed["type"] == "feccft"
    assert failed["description"] == "Unauthorized"
    assert "scope" not in failed
    whole = http.get("/api/v2/logs", headers=bearer(fake, *READ)).text
    assert secret not in whole
    assert granted.json()["access_token"] not in whole


def test_writes_are_logged_and_reads_are_not(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "create:users", "read:users", "delete:users")
    made = http.post(
        "/api/v2/users",
        json={"connection": DB, "email": "ada@example.com", "password": "Correct-Horse-9!"},
        headers=auth,
    )
    user_id = made.json()["user_id"]
    http.get(f"/api/v2/users/{user_id}", headers=auth)
    # a write without the scope it needs: a failed API operation
    assert http.post("/api/v2/roles", json={"name": "r"}, headers=auth).status_code == 403

    events = list(reversed(_logs(http, fake)))  # oldest first
    assert [(e["type"], e["description"]) for e in events] == [
        ("ss", ""),
        ("sapi", "Create a User"),
        ("fapi", "Create a role"),
    ]
    signup, created, refused = events
    assert signup["user_id"] == user_id
    assert signup["user_name"] == "ada@example.com"
    assert signup["connection"] == DB
    assert signup["strategy"] == "auth0"
    assert created["details"] == {
        "request": {"channel": "api", "method": "post", "path": "/api/v2/users"},
        "response": {"statusCode": 201},
    }
    assert refused["details"]["response"] == {"statusCode": 403}  # type: ignore[index]
    assert "Correct-Horse-9!" not in http.get("/api/v2/logs", headers=bearer(fake, *READ)).text
    for event in events:
        assert event["log_id"] == event["_id"]
        assert len(str(event["log_id"])) == 56
    assert sorted(str(e["log_id"]) for e in events) == [str(e["log_id"]) for e in events]


def test_search_paging_and_checkpoints(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "create:users")
    for name in ("a", "b", "c"):
        http.post(
            "/api/v2/users",
            json={"connection": DB, "email": f"{name}@example.com", "password": "Correct-Horse-9!"},
            headers=auth,
        )
    signups = _logs(http, fake, q='type:"ss"')
    assert [e["user_name"] for e in signups] == ["c@example.com", "b@example.com", "a@example.com"]
    assert _logs(http, fake, search='type:ss AND user_name:"b@example.com"') == [signups[1]]
    oldest_first = _logs(http, fake, q="type:ss", sort="date:1")
    assert oldest_first == list(reversed(signups))
    paged = http.get(
        "/api/v2/logs",
        params={"q": "type:ss", "per_page": 2, "page": 1, "include_totals": "true"},
        headers=bearer(fake, *READ),
    ).json()
    assert paged == {"start": 2, "limit": 2, "length": 1, "total": 3, "logs": [signups[2]]}
    everything = list(reversed(_logs(http, fake)))
    # from/take: the events after a checkpoint id, oldest first; q is then ignored
    after = _logs(http, fake, **{"from": str(everything[0]["log_id"]), "take": "2", "q": "x"})
    assert after == everything[1:3]

    one = http.get(f"/api/v2/logs/{signups[0]['log_id']}", headers=bearer(fake, *READ))
    assert (one.status_code, one.json()) == (200, signups[0])
    missing = http.get("/api/v2/logs/900" + "0" * 53, headers=bearer(fake, *READ))
    assert missing.status_code == 404
    bad_sort = http.get("/api/v2/logs", params={"sort": "date"}, headers=bearer(fake, *READ))
    assert bad_sort.status_code == 400
    assert bad_sort.json()["errorCode"] == "invalid_query_string"


def test_user_logs_and_restore(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, "create:users", "read:logs", "read:logs_users")
    point = fake.checkpoint()
    made = http.post(
        "/api/v2/users",
        json={"connection": DB, "email": "kept@example.com", "password": "Correct-Horse-9!"},
        headers=auth,
    ).json()
    own = http.get(f"/api/v2/users/{made['user_id']}/logs", headers=auth)
    assert [e["type"] for e in own.json()] == ["ss"]
    assert http.get("/api/v2/users/auth0|nobody/logs", headers=auth).status_code == 404
    fake.restore(point)
    assert http.get("/api/v2/logs", headers=auth).json() == []
