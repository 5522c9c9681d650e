"""pytest-auth0-m2m: least-privilege Auth0 Management API tokens, cassettes and an emulator.

The names below are the ones a user annotates fixtures with or builds on::

    def test_x(auth0_tenant: TenantEndpoints, m2m_credentials: AppCredentials) -> None: ...
    def test_z(mgmt_token: AccessToken) -> None: ...  # a str whose repr is masked
    def test_y(auth0_fake: FakeAuth0) -> None: ...
    def test_w(api_verification: ApiVerification, api_token: AccessToken) -> None: ...
    def test_v(auth0_arrange: Arrange) -> None: ...  # .user() returns an Arranged
    def test_u(api_mint_token: MintToken) -> None: ...

``FakeAuth0``, ``Arrange`` (with ``Arranged``, ``ArrangeError``), the scope types,
``ApiVerification`` and ``MintToken`` are imported on first use: a session that never runs the
emulator never loads its server, one that arranges nothing never loads httpx for it, and one
whose tests never use the plugin never loads the scope catalogue's module nor the own-API
modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_auth0_m2m.auth0.endpoints import (
    RECORDINGS_DOMAIN,
    AccessToken,
    AppCredentials,
    ClientSecret,
    TenantEndpoints,
    TokenSource,
)

if TYPE_CHECKING:
    from pytest_auth0_m2m.auth0.arrange import Arrange, Arranged, ArrangeError
    from pytest_auth0_m2m.auth0.scopes import ScopeError, ScopeRequest
    from pytest_auth0_m2m.fake import FakeAuth0
    from pytest_auth0_m2m.own_apis.verification import ApiVerification, MintToken

__version__ = "0.1.0"

__all__ = [
    "RECORDINGS_DOMAIN",
    "AccessToken",
    "ApiVerification",
    "AppCredentials",
    "Arrange",
    "ArrangeError",
    "Arranged",
    "ClientSecret",
    "FakeAuth0",
    "MintToken",
    "ScopeError",
    "ScopeRequest",
    "TenantEndpoints",
    "TokenSource",
    "__version__",
]


# name -> the module that defines it, imported when the name is first asked for.
_LAZY = {
    "FakeAuth0": "pytest_auth0_m2m.fake",
    "Arrange": "pytest_auth0_m2m.auth0.arrange",
    "Arranged": "pytest_auth0_m2m.auth0.arrange",
    "ArrangeError": "pytest_auth0_m2m.auth0.arrange",
    "ScopeError": "pytest_auth0_m2m.auth0.scopes",
    "ScopeRequest": "pytest_auth0_m2m.auth0.scopes",
    "ApiVerification": "pytest_auth0_m2m.own_apis.verification",
    "MintToken": "pytest_auth0_m2m.own_apis.verification",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'pytest_auth0_m2m' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
