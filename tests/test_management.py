"""The Management/Authentication API client against the emulator over real sockets."""

from __future__ import annotations

import random

import httpx
import pytest

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import (
    ManagementClient,
    ManagementError,
    RetryPolicy,
)
from pytest_auth0_m2m.fake import FakeAuth0


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(
    fake: FakeAuth0, sleeps: Sleeps, client_id: str = "", secret: str = ""
) -> ManagementClient:
    endpoints = TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    policy = RetryPolicy(sleep=sleeps, rng=random.Random(1))
    return ManagementClient(
        endpoints,
        client_id or fake.provisioner.client_id,
        secret or fake.provisioner.client_secret,
        policy=policy,
    )


def test_429_waits_per_retry_after_then_succeeds(fake: FakeAuth0, sleeps: Sleeps) -> None:
    fake.faults.add(status=429, count=2, operation="get_clients")
    with client_for(fake, sleeps) as mgmt:
        assert any(c["client_id"] == fake.provisioner.client_id for c in mgmt.list_clients())
        assert mgmt.stats.rate_limit_waits == 2
    assert len(sleeps) == 2
    assert all(1.0 <= s <= 1.1 for s in sleeps)  # Retry-After: 1, plus a little jitter


def test_rate_limit_delay_reads_x_ratelimit_reset() -> None:
    policy = RetryPolicy(clock=lambda: 1000.0, rng=random.Random(1))
    response = httpx.Response(429, headers={"x-ratelimit-reset": "1005"})
    assert 5.0 <= policy.rate_limit_delay(response, 0) <= 5.1
    no_headers = httpx.Response(429)
    assert 0.05 <= policy.rate_limit_delay(no_headers, 3) <= policy.max_backoff


def test_rate_limit_delay_ignores_an_unreadable_retry_after() -> None:
    policy = RetryPolicy(clock=lambda: 1000.0, rng=random.Random(1))
    garbled = httpx.Response(429, headers={"retry-after": "soon", "x-ratelimit-reset": "1005"})
    assert 5.0 <= policy.rate_limit_delay(garbled, 0) <= 5.1


def test_429_with_a_far_reset_fails_instead_of_hanging(fake: FakeAuth0, sleeps: Sleeps) -> None:
    fake.faults.add(status=429, operation="get_clients", headers={"retry-after": "3600"})
    with client_for(fake, sleeps) as mgmt, pytest.raises(ManagementError) as caught:
        mgmt.list_clients()
    assert caught.value.status == 429
    assert caught.value.error_code == "too_many_requests"
    assert sleeps == []


def test_503_on_a_read_is_retried(fake: FakeAuth0, sleeps: Sleeps) -> None:
    fake.faults.add(status=503, count=2, operation="get_client-grants")
    with client_for(fake, sleeps) as mgmt:
        assert mgmt.list_grants(client_id=fake.provisioner.client_id)
        assert mgmt.stats.retries == 2


def test_503_on_post_is_looked_up_before_it_is_repeated(fake: FakeAuth0, sleeps: Sleeps) -> None:
    fake.faults.add(status=503, operation="post_clients")
    lookups: list[int] = []

    def lookup() -> dict[str, str] | None:
        lookups.append(1)
        return None  # not made: repeating the POST is safe

    with client_for(fake, sleeps) as mgmt:
        made = mgmt.create_client({"name": "once", "app_type": "non_interactive"}, lookup)
    assert lookups == [1]
    assert made["name"] == "once"
    assert [c["name"] for c in fake.tenant.clients.values()].count("once") == 1


def test_post_found_by_lookup_is_not_repeated(fake: FakeAuth0, sleeps: Sleeps) -> None:
    fake.faults.add(status=502, operation="post_clients")
    with client_for(fake, sleeps) as mgmt:
        made = mgmt.create_client({"name": "x"}, lambda: {"client_id": "already-there"})
    assert made == {"client_id": "already-there"}
    assert fake.counters.count("post_clients") == 1


def test_existing_grant_on_409_is_returned(fake: FakeAuth0, sleeps: Sleeps) -> None:
    with client_for(fake, sleeps) as mgmt:
        grant = mgmt.create_grant(fake.provisioner.client_id, fake.audience, ["read:users"])
    assert grant["client_id"] == fake.provisioner.client_id
    assert fake.counters.count("post_client-grants", 409) == 1


def test_delete_of_a_missing_grant_is_not_an_error(fake: FakeAuth0, sleeps: Sleeps) -> None:
    with client_for(fake, sleeps) as mgmt:
        assert mgmt.delete_grant("cgr_doesnotexist0000") is False


def test_missing_scope_names_the_scope_to_add(fake: FakeAuth0, sleeps: Sleeps) -> None:
    made = fake.seed({"clients": [{"name": "weak", "app_type": "non_interactive"}]})
    client_id = made["clients"][0]
    fake.seed({"client_grants": [{"client_id": client_id, "scope": ["read:users"]}]})
    secret = fake.tenant.clients[client_id]["client_secret"]
    with client_for(fake, sleeps, client_id, secret) as mgmt:
        with pytest.raises(ManagementError) as caught:
            mgmt.list_clients()
        assert mgmt.provisioner_scopes() == frozenset({"read:users"})
    error = caught.value
    assert (error.status, error.error_code) == (403, "insufficient_scope")
    assert "read:clients" in error.missing_scopes
    assert "lacks the scope read:clients" in str(error)
    assert "Auth0 Management API > Machine to Machine Applications" in str(error)
    assert secret not in str(error)
    assert secret not in repr(error)


def test_wrong_secret_is_auth0s_401_without_the_secret(fake: FakeAuth0, sleeps: Sleeps) -> None:
    wrong = "w" * 64
    with client_for(fake, sleeps, secret=wrong) as mgmt, pytest.raises(ManagementError) as caught:
        mgmt.list_clients()
    error = caught.value
    assert (error.status, error.error_code, error.message) == (401, "access_denied", "Unauthorized")
    assert str(error).startswith(
        "Auth0 provisioner token (POST /oauth/token) failed: HTTP 401 (access_denied): "
        "Unauthorized\nCheck the client id and secret"
    )
    assert wrong not in str(error)
    assert "secret" not in repr(mgmt).lower()


def test_token_endpoint_503_is_retried(fake: FakeAuth0, sleeps: Sleeps) -> None:
    fake.faults.add(status=503, count=1, operation="oauth_token")
    with client_for(fake, sleeps) as mgmt:
        assert "create:clients" in mgmt.provisioner_scopes()
        assert mgmt.stats.token_requests == 2


def test_the_provisioners_token_follows_the_one_freshness_rule(fake: FakeAuth0) -> None:
    # auth0/endpoints.token_usable: a tenth of the lifetime as margin (at most 600 s), as the
    # apps' token cache (it was a fixed 60 s here).
    now = [1000.0]
    policy = RetryPolicy(clock=lambda: now[0], rng=random.Random(1))
    endpoints = TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    provisioner = fake.provisioner
    with ManagementClient(
        endpoints, provisioner.client_id, provisioner.client_secret, policy=policy
    ) as mgmt:
        issued = fake.counters.snapshot()["tokens_issued"].get(provisioner.client_id, 0)
        mgmt.find_grant("nobody", "https://x.example/")
        now[0] += 86400 - 601  # the emulator's tokens last a day: 601 s left is still usable
        mgmt.find_grant("nobody", "https://x.example/")
        assert fake.counters.snapshot()["tokens_issued"][provisioner.client_id] == issued + 1
        now[0] += 2  # 599 s left: inside the margin
        mgmt.find_grant("nobody", "https://x.example/")
        assert fake.counters.snapshot()["tokens_issued"][provisioner.client_id] == issued + 2
