"""The user's APIs as the ini option ``auth0_apis`` declares them, one line per API:

    orders = https://orders.example.com scopes=read:orders,write:orders openapi=orders.json

``alias = identifier`` then optional ``scopes=`` (comma-separated), ``openapi=`` (a path to the
API's OpenAPI document, relative to the ini file; its ``security`` scopes count as declared),
``rbac=true`` (the API has RBAC on and puts ``permissions`` in its tokens) and ``url=`` (where
a running instance of the API listens: the ``api_client`` fixtures' base URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_auth0_m2m.own_apis.openapi import ApiDocument, OpenApiError, load

LINE_FORM = "orders = https://orders.example.com scopes=read:orders,write:orders openapi=PATH"
_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_KEYS = ("scopes", "openapi", "rbac", "url")


class ApiConfigError(ValueError):
    """An ``auth0_apis`` line that does not declare an API."""


@dataclass(frozen=True)
class ApiConfig:
    """One of the user's APIs: its alias, identifier (the tokens' ``aud``) and its scopes."""

    alias: str
    identifier: str
    declared: frozenset[str] = frozenset()
    document: ApiDocument | None = None
    rbac: bool = False
    url: str | None = None

    @property
    def scopes(self) -> frozenset[str]:
        """Every scope the API is known to define: declared ones and its OpenAPI document's."""
        return self.declared | (self.document.scopes if self.document else frozenset())

    @property
    def scopes_known(self) -> bool:
        return bool(self.declared) or self.document is not None

    def __repr__(self) -> str:
        return f"ApiConfig(alias={self.alias!r}, identifier={self.identifier!r})"


def _parse_line(line: str, base: Path) -> ApiConfig:
    alias, sep, rest = line.partition("=")
    alias = alias.strip()
    words = rest.split()
    if not sep or not _ALIAS.fullmatch(alias) or not words or "=" in words[0]:
        raise ApiConfigError(f"auth0_apis: cannot read {line!r}; expected a line like {LINE_FORM}")
    identifier, options = words[0], words[1:]
    declared: set[str] = set()
    document = None
    rbac = False
    url = None
    for option in options:
        key, eq, value = option.partition("=")
        if not eq or key not in _KEYS:
            raise ApiConfigError(
                f"auth0_apis: {alias}: unknown setting {option!r}; expected "
                f"{', '.join(k + '=' for k in _KEYS)} (form: {LINE_FORM})"
            )
        if key == "scopes":
            declared.update(s for s in value.split(",") if s)
        elif key == "openapi":
            path = Path(value) if Path(value).is_absolute() else base / value
            try:
                document = load(path)
            except OpenApiError as exc:
                raise ApiConfigError(f"auth0_apis: {alias}: {exc}") from None
        elif key == "url":
            url = value
        elif value.lower() in ("true", "1", "yes", "false", "0", "no"):
            rbac = value.lower() in ("true", "1", "yes")
        else:
            raise ApiConfigError(f"auth0_apis: {alias}: rbac= must be true or false")
    return ApiConfig(alias, identifier, frozenset(declared), document, rbac, url)


def parse_apis(lines: Iterable[str], base: Path) -> dict[str, ApiConfig]:
    """The declared APIs by alias; ``base`` is where relative ``openapi=`` paths start."""
    apis: dict[str, ApiConfig] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        api = _parse_line(line, base)
        if api.alias in apis:
            raise ApiConfigError(f"auth0_apis: alias {api.alias!r} is declared twice")
        if any(other.identifier == api.identifier for other in apis.values()):
            raise ApiConfigError(f"auth0_apis: {api.identifier!r} is declared twice")
        apis[api.alias] = api
    return apis
