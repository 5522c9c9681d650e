"""Request-body schemas and path-parameter limits of the Management API, as the emulator checks
them.

Generated from Auth0's OpenAPI spec by ``scripts/generate_catalogue.py`` into
``data/fake_schemas.json`` and loaded once, on first use: every operation's JSON request body as a
JSON Schema (component schemas under ``definitions``; the descriptions are the ones Auth0 quotes
in its 400 messages), and the limits the spec puts on path parameters.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import Any, Generic, TypeVar

# (minLength, maxLength, pattern, description) of one path parameter
PathLimit = tuple[int | None, int | None, str | None, str]

_V = TypeVar("_V")


@functools.cache
def _load() -> dict[str, Any]:
    text = resources.files("pytest_auth0_m2m").joinpath("data/fake_schemas.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    raw["path_params"] = {
        oid: {name: (low, high, pattern, about) for name, (low, high, pattern, about) in p.items()}
        for oid, p in raw["path_params"].items()
    }
    return raw


class _Loaded(Mapping[str, _V], Generic[_V]):
    """A read-only view of one table of the data file, which is read on first access."""

    def __init__(self, table: Callable[[], dict[str, _V]]) -> None:
        self._table = table

    def __getitem__(self, key: str) -> _V:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __repr__(self) -> str:
        return f"<{len(self)} generated entries from data/fake_schemas.json>"


# operation_id -> JSON Schema of its JSON request body; references point into DEFINITIONS.
BODIES: Mapping[str, dict[str, Any]] = _Loaded(lambda: _load()["bodies"])
# component schema name -> JSON Schema
DEFINITIONS: Mapping[str, dict[str, Any]] = _Loaded(lambda: _load()["definitions"])
# operation_id -> {path parameter: PathLimit}; only parameters the spec constrains. Auth0
# answers a violation with 400 invalid_uri.
PATH_PARAMS: Mapping[str, dict[str, PathLimit]] = _Loaded(lambda: _load()["path_params"])

_DEFINITION_REF = "#/definitions/"


def resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """``schema`` with its reference to a component schema followed (the target's keywords win)."""
    seen: set[str] = set()
    while "$ref" in schema and str(schema["$ref"]) not in seen:
        ref = str(schema["$ref"])
        seen.add(ref)
        schema = DEFINITIONS[ref.removeprefix(_DEFINITION_REF)]
    return schema


def property_description(operation_id: str, name: str) -> str:
    """A top-level body property's description as Auth0 quotes it in a 400 ("" if none)."""
    body = resolve(BODIES[operation_id])
    prop = body.get("properties", {}).get(name)
    return str(resolve(prop).get("description", "")) if prop is not None else ""
