"""Replay matches a request by its redacted form; ``request_may_change`` lets most requests skip
making a redactor. It must say True whenever redaction would give another URL."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from vcr.request import Request

from pytest_auth0_m2m.cassettes.redaction import (
    INTERNAL_USER_AGENT,
    Redactor,
    _query_names,
    request_may_change,
)
from pytest_auth0_m2m.cassettes.registry import SecretRegistry

BASE = "https://tenant.auth0.invalid/api/v2/"
PATHS = ["users", "clients", "tickets/password-change", "jobs/users-imports", "logs", "x/y"]


def _request(uri: str, headers: dict[str, str] | None = None) -> Request:
    return Request("GET", uri, None, headers or {"Accept": "application/json"})


def _redacted_uri(request: Request, registry: SecretRegistry) -> str | None:
    new = Redactor.for_registry(registry).request(request)
    return None if new is None else new.uri


def _matched_on(request: Request) -> tuple[object, ...]:
    # vcrpy's default match_on: what replay compares.
    r = request
    return (r.method, r.scheme, r.host, r.port, r.path, r.query)


@pytest.mark.parametrize("path", PATHS)
def test_plain_queries_are_left_as_they_are(path: str) -> None:
    registry = SecretRegistry()
    for query in ({"per_page": 5, "page": 3}, {"q": 'email:"a@b.c"', "fields": "user_id"}, {}):
        request = _request(BASE + path + "?" + urlencode(query))
        assert not request_may_change(request, registry)
        redacted = Redactor.for_registry(registry).request(request)
        assert redacted is not None
        assert _matched_on(redacted) == _matched_on(request)


@pytest.mark.parametrize("path", PATHS)
def test_every_name_redaction_looks_at_is_told(path: str) -> None:
    # Whatever the value: if redaction would rewrite it, the check must not say "unchanged".
    registry = SecretRegistry()
    for name in sorted(_query_names()):
        for value in ("Planted-Value-12345", "v1:" + "a" * 64):
            request = _request(BASE + path + "?" + urlencode({name: value, "page": 1}))
            assert request_may_change(request, registry), name
    # And the check is not vacuous: redaction does change some of these.
    request = _request(BASE + "users?" + urlencode({"password": "Planted-Value-12345"}))
    assert _redacted_uri(request, registry) != request.uri


def test_the_names_include_the_secret_keys_and_the_app_tag() -> None:
    names = _query_names()
    assert {"client_secret", "password", "access_token", "tag"} <= names


def test_what_the_registry_would_rewrite_or_mask_is_told() -> None:
    request = _request(BASE + "users?page=1")
    tenant = SecretRegistry()
    tenant.add_tenant("dev-x.eu.auth0.com")
    assert request_may_change(request, tenant)
    masked = SecretRegistry()
    masked.add_redacted("Planted-Value-12345", "a password")
    assert request_may_change(request, masked)


def test_the_plugins_own_traffic_is_told() -> None:
    request = _request(BASE + "users?page=1", {"User-Agent": f"{INTERNAL_USER_AGENT}/1.0"})
    registry = SecretRegistry()
    assert request_may_change(request, registry)
    assert _redacted_uri(request, registry) is None
