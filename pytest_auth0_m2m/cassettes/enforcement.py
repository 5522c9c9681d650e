"""Replay holds a test to its declared scopes, as the tenant would.

A cassette records the scope set it was recorded with, under a top-level key of its own
(``auth0_m2m``): vcrpy's loader reads only ``interactions`` (and ``metadata``, which
pytest-recording's combined persister cannot unpack, so it is not used), so every 9.x vcrpy and
pytest-recording load such a file unchanged.

On load, each recorded Management API request is matched to its operation
(``Catalogue.match``). One that the test's declared scopes no longer allow is answered with
Auth0's 403 ``insufficient_scope`` (body and headers from ``auth0.insufficient_scope``, the one
writer), so a narrowed marker fails in replay exactly as it would live. Setup calls (the
``X-Auth0-M2M-Arrange`` header) replay as recorded: they are made with a separate identity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pytest_auth0_m2m.auth0 import hosts, insufficient_scope
from pytest_auth0_m2m.auth0.arrange import is_arrange
from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.auth0.scopes import MANAGEMENT_PREFIX, Catalogue, Operation, catalogue

# The cassette file's top-level key: {"scopes": [...]} of the recording.
CASSETTE_KEY = "auth0_m2m"


class ScopedSerializer:
    """A vcrpy serializer that writes the recording's scope set beside the interactions."""

    def __init__(self, inner: Any, scopes: frozenset[str] | None = None) -> None:
        self.inner = inner
        self.scopes = scopes

    def serialize(self, cassette_dict: Mapping[str, Any]) -> Any:
        data = dict(cassette_dict)
        if self.scopes is not None:
            data[CASSETTE_KEY] = {"scopes": sorted(self.scopes)}
        return self.inner.serialize(data)

    def deserialize(self, cassette_string: Any) -> Any:
        return self.inner.deserialize(cassette_string)


def _header_pairs(headers: Any) -> Iterable[tuple[str, object]]:
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers or ())


def _status(response: Any) -> int:
    status = response.get("status") if isinstance(response, Mapping) else None
    code = status.get("code") if isinstance(status, Mapping) else status
    try:
        return int(code or 0)
    except (TypeError, ValueError):
        return 0


def _body_json(response: Any) -> Any:
    body = response.get("body") if isinstance(response, Mapping) else None
    raw = body.get("string") if isinstance(body, Mapping) else body
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def forbidden_response(operation: Operation) -> dict[str, Any]:
    """The 403 ``insufficient_scope`` answer to ``operation``, as vcrpy replays a response."""
    payload = json.dumps(
        insufficient_scope.body(operation.groups, operation.mode), separators=(",", ":")
    ).encode("utf-8")
    return {
        "status": {"code": 403, "message": insufficient_scope.REASON},
        "headers": {name: [value] for name, value in insufficient_scope.headers().items()},
        "body": {"string": payload},
    }


def _operation(method: str, uri: str, cat: Catalogue) -> Operation | None:
    if hosts.host_of(uri) != RECORDINGS_DOMAIN:
        return None  # only the recorded tenant's Management API is the tenant's to refuse
    path = urlsplit(uri).path
    if not (path == MANAGEMENT_PREFIX or path.startswith(MANAGEMENT_PREFIX + "/")):
        return None
    return cat.match(method, path)


def enforce(requests: list[Any], responses: list[Any], declared: frozenset[str]) -> list[Any]:
    """``responses`` with each request ``declared`` does not allow answered 403.

    A request that was refused when recorded stays as recorded; so does one to an operation
    the catalogue does not know (the report lists it) and every setup call.
    """
    cat = catalogue()
    answered: list[Any] = []
    for request, response in zip(requests, responses, strict=False):
        method = str(getattr(request, "method", "")).upper()
        operation = _operation(method, str(getattr(request, "uri", "")), cat)
        if (
            operation is None
            or operation.allows(declared)
            or is_arrange(_header_pairs(getattr(request, "headers", None)))
            or (
                _status(response) == 403
                and insufficient_scope.is_insufficient_scope(_body_json(response))
            )
        ):
            answered.append(response)
            continue
        answered.append(forbidden_response(operation))
    return answered


class ScopedPersister:
    """Wraps a vcrpy persister: the declared scope set is written into each saved cassette;
    a loaded one is held to the declared scopes (``enforce``)."""

    def __init__(self, inner: Any, declared: frozenset[str]) -> None:
        self.inner = inner
        self.declared = declared

    def load_cassette(self, cassette_path: Any, serializer: Any) -> Any:
        requests, responses, *rest = self.inner.load_cassette(cassette_path, serializer=serializer)
        requests, responses = list(requests), list(responses)
        answered = enforce(requests, responses, self.declared)
        return (requests, answered, *rest)

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        self.inner.save_cassette(
            cassette_path, cassette_dict, serializer=ScopedSerializer(serializer, self.declared)
        )
