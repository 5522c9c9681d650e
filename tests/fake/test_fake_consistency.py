"""Eventual consistency as an option (issue 15): user lists/search and organization member
lists trail writes by ``search_lag`` seconds, as Auth0's search index does; reads by id are
immediate; the default is no lag."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from fake_helpers import Clock, bearer

from pytest_auth0_m2m.fake import FakeAuth0

SCOPES = ("create:users", "read:users", "update:users", "delete:users")
ORG_SCOPES = ("create:organizations", "create:organization_members", "read:organization_members")


@pytest.fixture
def lagging(clock: Clock) -> Iterator[tuple[FakeAuth0, httpx.Client]]:
    with FakeAuth0(clock=clock, search_lag=2.0) as fake, httpx.Client(base_url=fake.url) as http:
        yield fake, http


def _listed(http: httpx.Client, fake: FakeAuth0, q: str) -> list[str]:
    r = http.get("/api/v2/users", params={"q": q}, headers=bearer(fake, *SCOPES))
    assert r.status_code == 200, r.text
    return [u["email"] for u in r.json()]


def _create(http: httpx.Client, fake: FakeAuth0, email: str) -> str:
    r = http.post(
        "/api/v2/users",
        headers=bearer(fake, *SCOPES),
        json={
            "connection": "Username-Password-Authentication",
            "email": email,
            "password": "Str0ng!Passw0rd#1",
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["user_id"])


def test_a_new_user_is_read_at_once_but_searched_after_the_lag(
    lagging: tuple[FakeAuth0, httpx.Client], clock: Clock
) -> None:
    fake, http = lagging
    user_id = _create(http, fake, "late@example.com")
    r = http.get(f"/api/v2/users/{quote(user_id, safe='')}", headers=bearer(fake, *SCOPES))
    assert r.status_code == 200  # by id: immediate, as on Auth0
    assert _listed(http, fake, "email:late@example.com") == []
    clock.advance(1.9)
    assert _listed(http, fake, "email:late@example.com") == []
    clock.advance(0.2)
    assert _listed(http, fake, "email:late@example.com") == ["late@example.com"]


def test_an_update_and_a_delete_reach_the_search_after_the_lag(
    lagging: tuple[FakeAuth0, httpx.Client], clock: Clock
) -> None:
    fake, http = lagging
    user_id = _create(http, fake, "old@example.com")
    clock.advance(2.5)
    url = f"/api/v2/users/{quote(user_id, safe='')}"
    r = http.patch(url, headers=bearer(fake, *SCOPES), json={"email": "new@example.com"})
    assert r.status_code == 200, r.text
    assert _listed(http, fake, "email:old@example.com") == ["old@example.com"]
    assert _listed(http, fake, "email:new@example.com") == []
    clock.advance(2.1)
    assert _listed(http, fake, "email:old@example.com") == []
    assert _listed(http, fake, "email:new@example.com") == ["new@example.com"]
    assert http.delete(url, headers=bearer(fake, *SCOPES)).status_code == 204
    assert _listed(http, fake, "email:new@example.com") == ["new@example.com"]
    clock.advance(2.1)
    assert _listed(http, fake, "email:new@example.com") == []


def test_organization_members_trail_too(
    lagging: tuple[FakeAuth0, httpx.Client], clock: Clock
) -> None:
    fake, http = lagging
    user_id = _create(http, fake, "member@example.com")
    headers = bearer(fake, *ORG_SCOPES)
    org = http.post("/api/v2/organizations", headers=headers, json={"name": "acme"}).json()
    members = f"/api/v2/organizations/{org['id']}/members"
    assert http.post(members, headers=headers, json={"members": [user_id]}).status_code == 204
    assert http.get(members, headers=headers).json() == []
    clock.advance(2.1)
    assert [m["user_id"] for m in http.get(members, headers=headers).json()] == [user_id]


def test_seeded_users_are_searchable_at_once_and_the_default_is_no_lag(clock: Clock) -> None:
    with FakeAuth0(clock=clock) as fake, httpx.Client(base_url=fake.url) as http:
        assert fake.search_lag == 0.0
        _create(http, fake, "now@example.com")
        assert _listed(http, fake, "email:now@example.com") == ["now@example.com"]
        fake.search_lag = 5
        fake.seed({"users": [{"email": "seeded@example.com"}]})
        assert _listed(http, fake, "email:seeded@example.com") == ["seeded@example.com"]
        assert _listed(http, fake, "email:now@example.com") == ["now@example.com"]
        _create(http, fake, "later@example.com")
        assert _listed(http, fake, "email:later@example.com") == []
        fake.search_lag = 0
        assert _listed(http, fake, "email:later@example.com") == ["later@example.com"]


@pytest.mark.parametrize("bad", [-1, "2", True, float("nan")])
def test_a_lag_is_a_number_of_seconds(bad: object) -> None:
    with pytest.raises(ValueError, match="search_lag is a number of seconds >= 0"):
        FakeAuth0(search_lag=bad)  # type: ignore[arg-type]
