"""``GET /api/v2/users?q=``: Auth0's v3 query syntax (docs: user-search-query-syntax), parsed as
Lucene, on a seeded tenant over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"
USERS = [
    {
        "email": "jane.smith@example.com",
        "name": "Jane Smith",
        "app_metadata": {"plan": "Gold", "level": 3, "tags": ["a", "b"]},
        "user_metadata": {"addresses": [{"city": "Paris"}, {"city": "Lyon"}]},
    },
    {
        "email": "john.doe@example.org",
        "name": "John Doe",
        "app_metadata": {"plan": "silver", "level": 7},
        "blocked": True,
    },
    {"email": "ann@usa-mail.com", "name": "Ann", "app_metadata": {"level": 5}},
]


@pytest.fixture(scope="module")
def searched() -> Iterator[tuple[httpx.Client, dict[str, str], dict[str, str]]]:
    with FakeAuth0() as fake, httpx.Client(base_url=fake.url) as http:
        ids = fake.seed(
            {"users": [{**u, "connection": DB, "password": "Str0ng!Passw0rd#1"} for u in USERS]}
        )["users"]
        by_email = dict(zip((u["email"] for u in USERS), ids, strict=True))
        yield http, bearer(fake, "read:users"), by_email


def _emails(searched: tuple[httpx.Client, dict[str, str], dict[str, str]], q: str) -> set[str]:
    http, headers, _ = searched
    r = http.get("/api/v2/users", params={"q": q, "search_engine": "v3"}, headers=headers)
    assert r.status_code == 200, r.text
    return {u["email"] for u in r.json()}


JANE, JOHN, ANN = (u["email"] for u in USERS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('email:"jane.smith@example.com"', {JANE}),
        ("email:JANE.SMITH@EXAMPLE.COM", {JANE}),  # a normalized field: any case
        ("name:j*", {JANE, JOHN}),
        ("name:jo?n*", {JOHN}),
        ("name:*ith", {JANE}),  # a suffix with 3 literals
        ("NOT name:john*", {JANE, ANN}),
        ("-name:john* -name:ann", {JANE}),
        ('name:"jane smith" OR name:ann', {JANE, ANN}),
        ("name:jane", set()),  # a field holds one keyword: a word of it is not a match
        ("(name:jane OR name:john*) AND blocked:true", {JOHN}),
        ("email.domain:example.org", {JOHN}),
        ("email.domain:usa-mail.com OR email.domain:example.com", {JANE, ANN}),
        ("app_metadata.plan:Gold", {JANE}),
        ("app_metadata.plan:gold", set()),  # metadata: case-sensitive
        ("app_metadata.level:[3 TO 5]", {JANE, ANN}),
        ("app_metadata.level:{3 TO 5]", {ANN}),
        ("app_metadata.level:>=5", {JOHN, ANN}),
        ("app_metadata.level:<5", {JANE}),
        ("app_metadata.tags:b", {JANE}),  # arrays have no level
        ('user_metadata.addresses.city:"Lyon"', {JANE}),
        ("_exists_:user_metadata.addresses.city", {JANE}),
        (f'identities.connection:"{DB}"', {JANE, JOHN, ANN}),
        ("smith", {JANE}),  # a field-less term: a word of a profile field
        ("Gold", set()),  # ... never metadata
        ("name:ann AND name:john*", set()),
        ("name:ann^2", {ANN}),
    ],
)
def test_query(searched, query: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    assert _emails(searched, query) == expected


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("name:*th", "A leading wildcard needs at least 3 characters"),
        ("user_metadata.addresses.city:Par*", "Wildcard searches are not available"),
        ("user_metadata.n:[1 TO 2]", "Range searches are not available"),
        ("name:(jane", "Invalid query"),
    ],
)
def test_refused_queries_are_a_400(searched, query: str, why: str) -> None:  # type: ignore[no-untyped-def]
    http, headers, _ = searched
    r = http.get("/api/v2/users", params={"q": query}, headers=headers)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errorCode"] == "invalid_query_string"
    assert body["message"].startswith("Query validation error: '")
    assert why in body["message"]


@pytest.mark.parametrize("engine", ["v1", "v2"])
def test_a_retired_search_engine_is_refused_in_auth0_s_words(searched, engine: str) -> None:  # type: ignore[no-untyped-def]
    http, headers, _ = searched
    r = http.get(
        "/api/v2/users", params={"q": "name:ann", "search_engine": engine}, headers=headers
    )
    assert r.status_code == 400
    assert r.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"You are not allowed to use search_engine={engine}.",
    }


@pytest.mark.parametrize(
    ("page", "per_page", "status"), [(9, 100, 200), (10, 100, 400), (1000, 1, 400), (19, 50, 200)]
)
def test_only_the_first_1000_results_can_be_paged(
    searched, page: int, per_page: int, status: int
) -> None:  # type: ignore[no-untyped-def]
    http, headers, _ = searched
    r = http.get("/api/v2/users", params={"page": page, "per_page": per_page}, headers=headers)
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json()["errorCode"] == "invalid_paging"
        assert r.json()["message"].startswith("You can only page through the first 1000 records.")
