"""pytest-auth0-m2m: least-privilege Auth0 Management API tokens, cassettes and an emulator.

The names below are the ones a user annotates fixtures with or builds on::

    def test_x(auth0_tenant: TenantEndpoints, m2m_credentials: AppCredentials) -> None: ...
    def test_z(mgmt_token: AccessToken) -> None: ...  # a str whose repr is masked
    def test_y(auth0_fake: FakeAuth0) -> None: ...
    def test_w(api_verification: ApiVerification, api_token: AccessToken) -> None: ...

``FakeAuth0`` is imported on first use, so a session that never runs the emulator never loads
its server.
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
from pytest_auth0_m2m.auth0.scopes import ScopeError, ScopeRequest
from pytest_auth0_m2m.own_apis.verification import ApiVerification

if TYPE_CHECKING:
    from pytest_auth0_m2m.fake import FakeAuth0

__version__ = "0.1.0"

__all__ = [
    "RECORDINGS_DOMAIN",
    "AccessToken",
    "ApiVerification",
    "AppCredentials",
    "ClientSecret",
    "FakeAuth0",
    "ScopeError",
    "ScopeRequest",
    "TenantEndpoints",
    "TokenSource",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "FakeAuth0":
        from pytest_auth0_m2m.fake import FakeAuth0

        return FakeAuth0
    raise AttributeError(f"module 'pytest_auth0_m2m' has no attribute {name!r}")
