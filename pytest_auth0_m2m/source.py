"""What the fixtures ask of a session, whatever its mode: credentials and a token per scope set.

Live and fake sessions answer with provisioned apps (``provisioning``); replay sessions answer
with placeholders that need no tenant (``placeholders``).
"""

from __future__ import annotations

from typing import Protocol

from pytest_auth0_m2m.endpoints import AppCredentials, TenantEndpoints


class TokenSource(Protocol):
    """Per-scope-set credentials and tokens for one pytest process."""

    endpoints: TenantEndpoints

    def credentials(self, scopes: frozenset[str]) -> AppCredentials:
        """The app whose grant is exactly ``scopes`` (made on first use where needed)."""
        ...

    def token(self, scopes: frozenset[str]) -> str:
        """An access token whose ``scope`` claim is exactly ``scopes``."""
        ...

    def close(self) -> None:
        """This process is done with the source (the run-wide teardown happens elsewhere)."""
        ...
