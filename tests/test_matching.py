"""Replay's path and query matchers: a recorded REDACTED stands for any value, all else exact."""

from __future__ import annotations

import pytest
from vcr.request import Request

from pytest_auth0_m2m.cassettes import matching


def _request(uri: str) -> Request:
    return Request("GET", uri, b"", {})


BASE = "https://tenant.auth0.invalid/api/v2/"


@pytest.mark.parametrize(
    ("sent", "recorded"),
    [
        ("users/abc", "users/abc"),
        ("users/a%20b!:c", "users/REDACTED"),
        ("users/auth0%7CPw/x", "users/auth0%7CREDACTED"),
    ],
)
def test_paths_that_match(sent: str, recorded: str) -> None:
    matching.path(_request(BASE + sent), _request(BASE + recorded))


@pytest.mark.parametrize(
    ("sent", "recorded"),
    [
        ("users/abc", "users/abd"),
        ("users/abc", "clients/REDACTED"),
        ("users", "users/REDACTED"),  # REDACTED stood for one value or more, never none
    ],
)
def test_paths_that_do_not(sent: str, recorded: str) -> None:
    with pytest.raises(AssertionError):
        matching.path(_request(BASE + sent), _request(BASE + recorded))


def test_queries() -> None:
    matching.query(
        _request(BASE + "users?q=Pw%21&page=1"), _request(BASE + "users?q=REDACTED&page=1")
    )
    matching.query(
        _request(BASE + "users?q=name%3A%22Pw%22"), _request(BASE + "users?q=name%3A%22REDACTED%22")
    )
    for sent, recorded in [
        ("users?q=Pw&page=2", "users?q=REDACTED&page=1"),
        ("users?x=Pw", "users?q=REDACTED"),
        ("users?q=Pw&x=1", "users?q=REDACTED"),
    ]:
        with pytest.raises(AssertionError):
            matching.query(_request(BASE + sent), _request(BASE + recorded))


def test_an_empty_path_is_slash_as_for_vcrpy() -> None:
    matching.path(
        _request("https://tenant.auth0.invalid"), _request("https://tenant.auth0.invalid/")
    )
