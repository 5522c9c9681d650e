"""Request-body schemas and path-parameter limits of the emulated operations.

Generated from Auth0's OpenAPI spec by ``scripts/generate_catalogue.py`` into
``data/fake_schemas.json`` and loaded once, on first use. Only what the emulator validates: a
body's top-level property names, their JSON types, required names, whether unknown properties
are allowed, and the description Auth0 quotes in its 400 messages; and the length limits on
path parameters.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import Any, Generic, TypeVar

# (json_types, description) of one top-level body property; no types means unchecked.
Property = tuple[tuple[str, ...], str]
# (required, additional_properties_allowed, {property: Property})
Schema = tuple[tuple[str, ...], bool, dict[str, Property]]
# (minLength, maxLength, pattern, description) of one path parameter
PathLimit = tuple[int | None, int | None, str | None, str]

_V = TypeVar("_V")


@functools.cache
def _load() -> tuple[dict[str, Schema], dict[str, dict[str, PathLimit]]]:
    text = resources.files("pytest_auth0_m2m").joinpath("data/fake_schemas.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    schemas: dict[str, Schema] = {
        oid: (
            tuple(body["required"]),
            bool(body["additional_properties"]),
            {name: (tuple(types), about) for name, (types, about) in body["properties"].items()},
        )
        for oid, body in raw["bodies"].items()
    }
    path_params: dict[str, dict[str, PathLimit]] = {
        oid: {name: (low, high, pattern, about) for name, (low, high, pattern, about) in p.items()}
        for oid, p in raw["path_params"].items()
    }
    return schemas, path_params


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


# operation_id -> Schema, for the write operations whose bodies the emulator validates.
SCHEMAS: Mapping[str, Schema] = _Loaded(lambda: _load()[0])
# Where Auth0's recordings and the spec disagree the recording wins: properties Auth0 accepts that
# the spec does not list (terraform provider recordings, test/data/recordings).
EXTRA_PROPERTIES: Mapping[str, frozenset[str]] = {
    "post_resource-servers": frozenset({"token_lifetime_for_web"}),
    "patch_resource-servers_by_id": frozenset({"token_lifetime_for_web"}),
    "post_connections": frozenset({"cross_app_access_resource_app"}),
    "patch_connections_by_id": frozenset({"cross_app_access_resource_app"}),
    # organization-level roles (TestAccRoleOrganizationLevel.yaml)
    "post_roles": frozenset({"type", "owner_id"}),
}

# operation_id -> {path parameter: PathLimit}; only parameters the spec constrains. Auth0
# answers a violation with 400 invalid_uri.
PATH_PARAMS: Mapping[str, dict[str, PathLimit]] = _Loaded(lambda: _load()[1])
