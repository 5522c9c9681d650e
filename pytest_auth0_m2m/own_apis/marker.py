"""The ``m2m_scopes`` marker: scopes of one of the user's APIs, checked like ``mgmt_scopes``."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from pytest_auth0_m2m.auth0.scopes import ScopeError, marker_strict
from pytest_auth0_m2m.own_apis.config import ApiConfig

MARKER = "m2m_scopes"
MARKER_FORM = '@pytest.mark.m2m_scopes("read:orders", audience="orders", strict=True|False)'


@dataclass(frozen=True)
class ApiScopeRequest:
    """What a test declared with ``m2m_scopes``: the API, its scope set, ``strict=``."""

    api: ApiConfig
    scopes: frozenset[str]
    strict: bool | None = None

    def marker_text(self) -> str:
        args = ", ".join(f'"{s}"' for s in sorted(self.scopes))
        sep = ", " if args else ""
        return f'@pytest.mark.m2m_scopes({args}{sep}audience="{self.api.alias}")'


def _nearest(name: str, choices: list[str]) -> str:
    found = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    return f"did you mean {', '.join(repr(s) for s in found)}?" if found else ""


def _resolve(audience: object, apis: Mapping[str, ApiConfig]) -> ApiConfig:
    if not apis:
        raise ScopeError(
            "m2m_scopes: no API is declared; add it to your pytest ini, e.g.\n"
            "    auth0_apis =\n"
            "        orders = https://orders.example.com scopes=read:orders,write:orders"
        )
    if audience is None:
        if len(apis) == 1:
            return next(iter(apis.values()))
        raise ScopeError(
            f"m2m_scopes needs audience= (one of {', '.join(sorted(apis))}): several APIs are "
            f"declared in auth0_apis. Expected form: {MARKER_FORM}"
        )
    if not isinstance(audience, str):
        raise ScopeError(f"m2m_scopes audience= must be a string, got {audience!r}")
    if audience in apis:
        return apis[audience]
    for api in apis.values():
        if api.identifier == audience:
            return api
    names = sorted(apis) + sorted(a.identifier for a in apis.values())
    hint = _nearest(audience, names) or f"declared: {', '.join(sorted(apis))}"
    raise ScopeError(
        f"m2m_scopes: audience {audience!r} is not an alias or identifier in auth0_apis; {hint}"
    )


def parse_marker_args(
    args: tuple[object, ...],
    kwargs: Mapping[str, object],
    apis: Mapping[str, ApiConfig],
    *,
    require_known: bool,
) -> ApiScopeRequest:
    """Validate a marker against the declared APIs; ``require_known``: the API's scopes must
    be declared (fake and replay: no tenant to ask)."""
    strict = marker_strict(MARKER, kwargs, frozenset({"audience", "strict"}), MARKER_FORM)
    api = _resolve(kwargs.get("audience"), apis)
    names: list[str] = []
    for arg in args:
        if not isinstance(arg, str) or not arg.strip():
            raise ScopeError(
                f"m2m_scopes arguments must be non-empty scope strings, got {arg!r}. "
                f"Expected form: {MARKER_FORM}"
            )
        names.extend(arg.split())
    if not api.scopes_known:
        if require_known:
            raise ScopeError(
                f"m2m_scopes: the scopes of API {api.alias!r} are not declared, and this "
                "session has no tenant to ask: add scopes=a,b (or openapi=PATH) to its "
                "auth0_apis line"
            )
        return ApiScopeRequest(api, frozenset(names), strict)
    for name in names:
        if name not in api.scopes:
            raise ScopeError(unknown_scope_message(name, api.alias, api.scopes))
    return ApiScopeRequest(api, frozenset(names), strict)


def unknown_scope_message(name: str, alias: str, scopes: frozenset[str]) -> str:
    """A scope the API does not define, with the nearest ones it does."""
    hint = _nearest(name, sorted(scopes)) or (
        f"its scopes are {', '.join(sorted(scopes))}" if scopes else "it defines no scope"
    )
    return f"m2m_scopes: {name!r} is not a scope of API {alias!r}; {hint}"
