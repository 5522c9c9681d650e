"""The user's own APIs (resource servers) an emulator declares at start, as Auth0 stores them.

A declaration survives ``reset`` and ``restore`` (it is part of the tenant, like the Management
API), so a test suite's APIs exist for every test without seeding them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Auth0's token dialects that put a ``permissions`` claim in access tokens (RBAC on).
PERMISSIONS_DIALECTS = frozenset({"access_token_authz", "rfc9068_profile_authz"})


@dataclass(frozen=True)
class ApiDeclaration:
    """One resource server: its identifier (the ``aud`` of its tokens) and its scopes.

    ``rbac`` turns on Auth0's "Enable RBAC" and "Add Permissions in the Access Token"
    (``enforce_policies`` and ``token_dialect: access_token_authz``): tokens then carry a
    ``permissions`` claim listing the granted scopes.
    """

    identifier: str
    scopes: tuple[str, ...] = ()
    name: str | None = None
    rbac: bool = False
    token_lifetime: int = 86400

    def resource_server(self) -> dict[str, Any]:
        """The resource server's body, as ``POST /api/v2/resource-servers`` would store it."""
        server: dict[str, Any] = {
            "name": self.name or self.identifier,
            "identifier": self.identifier,
            "scopes": [{"value": s, "description": s} for s in self.scopes],
            "token_lifetime": self.token_lifetime,
        }
        if self.rbac:
            server["enforce_policies"] = True
            server["token_dialect"] = "access_token_authz"
        return server


ApiSpec = ApiDeclaration | Mapping[str, Any] | str


def declarations(apis: Iterable[ApiSpec] | None) -> tuple[ApiDeclaration, ...]:
    """``FakeAuth0(apis=...)``'s argument as declarations: each an ApiDeclaration, a mapping
    with ApiDeclaration's fields, or an identifier string (an API with no scope)."""
    if apis is None:
        return ()
    if isinstance(apis, (str, Mapping)):
        raise TypeError("apis is a list of APIs: wrap a single one in a list")
    result: list[ApiDeclaration] = []
    for api in apis:
        if isinstance(api, ApiDeclaration):
            result.append(api)
        elif isinstance(api, str):
            result.append(ApiDeclaration(api))
        elif isinstance(api, Mapping):
            unknown = set(api) - {"identifier", "scopes", "name", "rbac", "token_lifetime"}
            if unknown:
                raise ValueError(f"unknown API keys {sorted(unknown)}")
            scopes = api.get("scopes", ())
            if isinstance(scopes, str):
                scopes = scopes.split()
            result.append(
                ApiDeclaration(
                    identifier=str(api["identifier"]),
                    scopes=tuple(str(s) for s in scopes),
                    name=api.get("name"),
                    rbac=bool(api.get("rbac", False)),
                    token_lifetime=int(api.get("token_lifetime", 86400)),
                )
            )
        else:
            raise TypeError(f"an API is an ApiDeclaration, a mapping or a string, got {api!r}")
    identifiers = [d.identifier for d in result]
    duplicates = sorted({i for i in identifiers if identifiers.count(i) > 1})
    if duplicates:
        raise ValueError(f"APIs declared twice: {duplicates}")
    return tuple(result)


def carries_permissions(server: Mapping[str, Any]) -> bool:
    """Whether Auth0 adds a ``permissions`` claim to this resource server's tokens."""
    return bool(server.get("enforce_policies")) and server.get("token_dialect") in (
        PERMISSIONS_DIALECTS
    )
