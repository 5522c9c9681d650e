"""Rate limits on a settable clock, injected faults, counters and the admin endpoints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_helpers import Clock, bearer, make_app, token_request

from pytest_auth0_m2m.fake import Bucket, FakeAuth0, RateLimits

MGMT_429 = {
    "statusCode": 429,
    "error": "Too Many Requests",
    "message": "Global limit has been reached",
    "errorCode": "too_many_requests",
}


@pytest.fixture
def limited(clock: Clock) -> Iterator[FakeAuth0]:
    with FakeAuth0(clock=clock, rate_limits="free") as fake:
        yield fake


def test_free_plan_management_bucket(limited: FakeAuth0, clock: Clock) -> None:
    fake = limited
    with httpx.Client(base_url=fake.url, headers=bearer(fake, "read:users")) as http:
        first = http.get("/api/v2/users")
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit"] == "2"
        assert first.headers["x-ratelimit-remaining"] == "1"
        assert http.get("/api/v2/users").headers["x-ratelimit-remaining"] == "0"
        third = http.get("/api/v2/users")
        assert third.status_code == 429
        assert third.json() == MGMT_429
        assert third.headers["retry-after"] == "1"
        assert third.headers["x-ratelimit-remaining"] == "0"
        # Empty bucket refills at 2/s: full (2 tokens) one second from now, in epoch seconds.
        assert third.headers["x-ratelimit-reset"] == str(int(clock.now) + 1)
        clock.advance(0.5)
        assert http.get("/api/v2/users").status_code == 200
        assert http.get("/api/v2/users").status_code == 429
    assert fake.counters.rate_limited == 2
    assert fake.counters.count("get_users", 429) == 2
    assert fake.counters.count("get_users", 200) == 3


def test_token_endpoint_has_its_own_bucket(limited: FakeAuth0, clock: Clock) -> None:
    fake = limited
    prov = fake.provisioner
    payload = token_request(fake, prov.client_id, prov.client_secret)
    with httpx.Client(base_url=fake.url) as http:
        for _ in range(30):
            r = http.post("/oauth/token", data=payload)
            assert r.status_code == 200
            assert r.headers["x-ratelimit-limit"] == "30"
        r = http.post("/oauth/token", data=payload)
        assert r.status_code == 429
        assert r.json()["error"] == "too_many_requests"
        assert set(r.json()) == {"error", "error_description"}
        assert "retry-after" in r.headers
        # The Management API bucket is untouched by token traffic.
        assert http.get("/api/v2/users", headers=bearer(fake, "read:users")).status_code == 200
        clock.advance(1)
        assert http.post("/oauth/token", data=payload).status_code == 200


def test_rate_limits_are_off_by_default_and_switchable(clocked_fake: FakeAuth0) -> None:
    fake = clocked_fake
    with httpx.Client(base_url=fake.url, headers=bearer(fake, "read:users")) as http:
        for _ in range(20):
            r = http.get("/api/v2/users")
            assert r.status_code == 200
            assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
                r.headers
            )
        fake.set_rate_limits("enterprise-dev")
        statuses = [http.get("/api/v2/users").status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
        fake.set_rate_limits(RateLimits(management=Bucket(rate=1, burst=1)))
        assert [http.get("/api/v2/users").status_code for _ in range(2)] == [200, 429]
        fake.set_rate_limits({"management": {"rate": 5, "burst": 3}})
        assert [http.get("/api/v2/users").status_code for _ in range(4)] == [200] * 3 + [429]
        fake.set_rate_limits(None)
        assert http.get("/api/v2/users").status_code == 200
    with pytest.raises(ValueError, match="unknown rate-limit preset"):
        fake.set_rate_limits("platinum")


def test_fault_on_an_operation_then_normal(fake: FakeAuth0, http: httpx.Client) -> None:
    fault = fake.faults.add(status=503, count=2, operation="post_client_grants")
    headers = bearer(fake, "create:client_grants", "read:client_grants")
    assert http.get("/api/v2/client-grants", headers=headers).status_code == 200
    client_id = fake.seed({"clients": [{"name": "a"}]})["clients"][0]
    payload = {"client_id": client_id, "audience": fake.audience, "scope": []}
    first = http.post("/api/v2/client-grants", headers=headers, json=payload)
    assert first.status_code == 503
    assert first.json() == {
        "statusCode": 503,
        "error": "Service Unavailable",
        "message": "Service Unavailable",
    }
    assert http.post("/api/v2/client-grants", headers=headers, json=payload).status_code == 503
    assert http.post("/api/v2/client-grants", headers=headers, json=payload).status_code == 201
    assert fault.served == 2
    assert fake.counters.count("post_client-grants", 503) == 2
    assert "x-ratelimit-limit" in first.headers


def test_injected_faults_come_before_auth(clocked_fake: FakeAuth0, clock: Clock) -> None:
    fake = clocked_fake
    fake.faults.add(status=429, count=1)
    r = httpx.get(f"{fake.url}/api/v2/users")
    assert r.status_code == 429
    assert r.json() == MGMT_429
    assert r.headers["retry-after"] == "1"
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert r.headers["x-ratelimit-reset"] == str(int(clock.now) + 1)
    assert httpx.get(f"{fake.url}/api/v2/users").status_code == 401


def test_injected_fault_does_not_spend_the_bucket(limited: FakeAuth0) -> None:
    fake = limited
    fake.faults.add(status=500, count=3)
    with httpx.Client(base_url=fake.url, headers=bearer(fake, "read:users")) as http:
        assert [http.get("/api/v2/users").status_code for _ in range(3)] == [500] * 3
        assert [http.get("/api/v2/users").status_code for _ in range(3)] == [200, 200, 429]


def test_fault_on_token_endpoint_and_non_json_body(fake: FakeAuth0, http: httpx.Client) -> None:
    prov = fake.provisioner
    payload = token_request(fake, prov.client_id, prov.client_secret)
    fake.faults.add(status=502, operation="oauth_token", body="<html>Bad gateway</html>")
    r = http.post("/oauth/token", data=payload)
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    assert r.text == "<html>Bad gateway</html>"
    fake.faults.add(status=429, operation="oauth_token")
    r = http.post("/oauth/token", data=payload)
    assert r.status_code == 429
    assert r.json()["error"] == "too_many_requests"
    assert http.post("/oauth/token", data=payload).status_code == 200
    assert fake.counters.count("oauth_token") == 3
    assert fake.counters.rate_limited == 1


def test_latency_fault_delays_then_answers_normally(fake: FakeAuth0, http: httpx.Client) -> None:
    fault = fake.faults.add(status=None, latency=0.05, operation="get_users")
    r = http.get("/api/v2/users", headers=bearer(fake, "read:users"))
    assert r.status_code == 200
    assert fault.served == 1
    assert fake.faults.pending == []


def test_random_faults_are_seeded_and_about_the_rate(fake: FakeAuth0, http: httpx.Client) -> None:
    def run() -> list[int]:
        fake.faults.clear()
        fake.faults.random(rate=0.2, statuses=(429, 503), seed=7)
        headers = bearer(fake, "read:users")
        return [http.get("/api/v2/users", headers=headers).status_code for _ in range(200)]

    first = run()
    assert first == run()  # the same seed replays the same faults
    injected = [s for s in first if s != 200]
    assert set(injected) <= {429, 503}
    assert 15 <= len(injected) <= 70
    assert set(first) == {200, 429, 503}


def test_random_faults_hit_token_endpoint_too(fake: FakeAuth0, http: httpx.Client) -> None:
    fake.faults.random(rate=1.0, statuses=(503,), seed=1, operation="token")
    prov = fake.provisioner
    r = http.post("/oauth/token", data=token_request(fake, prov.client_id, prov.client_secret))
    assert r.status_code == 503
    assert r.json()["error"] == "temporarily_unavailable"
    assert http.get("/api/v2/users", headers=bearer(fake, "read:users")).status_code == 200


def test_counters_and_admin_endpoints(fake: FakeAuth0, http: httpx.Client) -> None:
    client_id, secret = make_app(fake, ["read:users"])
    token = http.post("/oauth/token", data=token_request(fake, client_id, secret)).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    http.get("/api/v2/users", headers=headers)
    http.get("/api/v2/clients", headers=headers)
    snapshot = http.get("/__fake__/counters").json()
    assert snapshot["tokens_issued"] == {client_id: 1}
    assert {"operation": "get_users", "status": 200, "count": 1} in snapshot["requests"]
    assert {"operation": "get_clients", "status": 403, "count": 1} in snapshot["requests"]
    assert {"operation": "oauth_token", "status": 200, "count": 1} in snapshot["requests"]
    assert snapshot["rate_limited"] == 0

    seeded = http.post("/__fake__/seed", json={"users": [{"email": "s@example.com"}]})
    assert seeded.status_code == 201
    (user_id,) = seeded.json()["users"]
    assert http.get(f"/api/v2/users/{user_id}", headers=headers).status_code == 200

    assert (
        http.post("/__fake__/faults", json={"status": 500, "operation": "get_users"}).status_code
        == 201
    )
    assert http.get("/api/v2/users", headers=headers).status_code == 500
    assert http.post("/__fake__/faults", json={"bogus": 1}).status_code == 400
    http.post("/__fake__/faults", json={"status": 503, "count": None})
    assert http.get("/api/v2/users", headers=headers).status_code == 503
    assert http.delete("/__fake__/faults").status_code == 204
    assert http.get("/api/v2/users", headers=headers).status_code == 200
    assert http.post("/__fake__/rate-limits", json={"preset": "free"}).status_code == 204
    assert http.post("/__fake__/rate-limits", json={"preset": "nope"}).status_code == 400

    assert http.post("/__fake__/reset").status_code == 204
    assert http.get("/__fake__/counters").json()["requests"] == []
    assert http.get(f"/api/v2/users/{user_id}", headers=headers).status_code == 404
    # The provisioner survives a reset, with the same credentials.
    prov = fake.provisioner
    again = http.post("/oauth/token", data=token_request(fake, prov.client_id, prov.client_secret))
    assert again.status_code == 200
    fake.counters.reset()
    assert fake.counters.snapshot() == {"tokens_issued": {}, "requests": [], "rate_limited": 0}


def test_seed_loads_every_kind(fake: FakeAuth0, http: httpx.Client) -> None:
    made = fake.seed(
        {
            "connections": [{"name": "corp", "strategy": "auth0"}],
            "users": [{"email": "a@example.com", "connection": "corp"}],
            "roles": [{"name": "viewer"}],
            "organizations": [{"name": "acme"}],
            "resource_servers": [{"identifier": "https://api.example/", "scopes": []}],
        }
    )
    user_id = made["users"][0]
    fake.seed(
        {
            "roles": [
                {
                    "name": "editor",
                    "users": [user_id],
                    "permissions": [
                        {
                            "resource_server_identifier": fake.audience,
                            "permission_name": "read:users",
                        }
                    ],
                }
            ],
            "organizations": [{"name": "globex", "members": [user_id]}],
        }
    )
    headers = bearer(fake, "read:users", "read:roles", "read:role_members", "read:organizations")
    roles = http.get(f"/api/v2/users/{user_id}/roles", headers=headers).json()
    assert [r["name"] for r in roles] == ["editor"]
    orgs = http.get(f"/api/v2/users/{user_id}/organizations", headers=headers).json()
    assert [o["name"] for o in orgs] == ["globex"]
    with pytest.raises(ValueError, match="unknown keys"):
        fake.seed({"widgets": []})


def test_a_faults_headers_replace_the_emulators_whatever_their_case(
    clocked_fake: FakeAuth0, clock: Clock
) -> None:
    # Red-team finding: headers={"Retry-After": "60"} gave both retry-after: 1 and 60 (the
    # client read the first), and x-ratelimit-reset was always set.
    fake = clocked_fake
    with httpx.Client(base_url=fake.url, headers=bearer(fake, "read:users")) as http:
        fake.faults.add(status=429, count=1, headers={"Retry-After": "60"})
        r = http.get("/api/v2/users")
        assert r.status_code == 429
        assert r.headers.get_list("retry-after") == ["60"]
        assert r.headers["x-ratelimit-remaining"] == "0"
        # Only x-ratelimit-reset: no Retry-After beside it, so a client's fallback is tested.
        fake.faults.add(status=429, count=1, headers={"X-RateLimit-Reset": str(int(clock()) + 7)})
        r = http.get("/api/v2/users")
        assert "retry-after" not in r.headers
        assert r.headers.get_list("x-ratelimit-reset") == [str(int(clock()) + 7)]
        # Without either, the default: come back in a second.
        fake.faults.add(status=429, count=1)
        r = http.get("/api/v2/users")
        assert r.headers.get_list("retry-after") == ["1"]
        assert r.headers.get_list("x-ratelimit-reset") == [str(int(clock()) + 1)]


@pytest.mark.parametrize("name", ["content-type", "CONTENT-TYPE", "Content-Type"])
@pytest.mark.parametrize("body", ["<html>busy</html>", {"busy": True}, None])
def test_a_faults_content_type_header_is_the_one_sent(
    fake: FakeAuth0, name: str, body: object
) -> None:
    # Red-team finding: with a body, the fault's Content-Type came beside the emulator's own
    # (two headers), or altered ("; charset=utf-8" added).
    fake.faults.add(status=503, count=1, headers={name: "text/plain"}, body=body)
    r = httpx.get(f"{fake.url}/api/v2/users", headers=bearer(fake, "read:users"))
    assert r.status_code == 503
    assert r.headers.get_list("content-type") == ["text/plain"]


@pytest.mark.parametrize(
    ("call", "says"),
    [
        # Red-team findings: each was accepted (or raised a bare KeyError) and then never fired,
        # or refused every request forever.
        (lambda f: f.set_rate_limits({"management": {"rate": 2}}), "must be {'rate'"),
        (lambda f: f.set_rate_limits({"management": {"rate": 2, "burst": 0}}), "at least 1"),
        (lambda f: f.set_rate_limits({"management": {"rate": 0, "burst": 2}}), "above 0"),
        (lambda f: f.faults.add(count=0), "at least 1"),
        (lambda f: f.faults.add(count=-1), "at least 1"),
        (lambda f: f.faults.random(0.5, statuses=(200,)), "4xx or 5xx"),
        (lambda f: f.faults.add(operation="get_user"), "did you mean 'get_users'"),
        (lambda f: f.faults.random(0.5, operation="nope_op"), "not a Management API operation"),
        (lambda f: f.faults.add(count=float("nan")), "an int of at least 1"),
        (lambda f: f.faults.add(count=True), "an int of at least 1"),
        (lambda f: f.faults.add(latency=float("inf")), "a number of seconds"),
        (lambda f: f.faults.add(status="429"), "an HTTP status (an int)"),
        (
            lambda f: f.set_rate_limits({"management": {"rate": float("inf"), "burst": 2}}),
            "above 0",
        ),
        (lambda f: f.set_rate_limits({"management": {"rate": "2", "burst": 2}}), "must be {'rate'"),
        (lambda f: f.set_rate_limits({"management": {"rate": 2, "burst": 2, "x": 1}}), "must be"),
        (lambda f: f.set_rate_limits(0), "a preset name"),
    ],
)
def test_fault_and_rate_limit_settings_that_would_never_work_are_refused(
    fake: FakeAuth0, call: Any, says: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        call(fake)
