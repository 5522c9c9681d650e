"""Where a tenant's APIs live: the URLs every other module derives from one domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pytest_auth0_m2m.auth0.hosts import masked, masked_url

# Replayed cassettes and placeholder tokens name this domain: `.invalid` can never resolve, so
# a replayed test that escapes the cassette fails instead of reaching somebody's tenant.
RECORDINGS_DOMAIN = "tenant.auth0.invalid"


@dataclass(frozen=True)
class TenantEndpoints:
    """A tenant's domain, the mode the session talks to it in, and the URLs derived from it.

    ``base_url`` is where requests go: ``https://DOMAIN`` for Auth0, the emulator's own URL in
    fake mode. Identifiers (audience, issuer) always use ``https://DOMAIN`` as Auth0 does.
    """

    domain: str
    mode: str  # "live", "fake" or "replay"
    base_url: str = ""

    def __post_init__(self) -> None:
        if not self.base_url:
            object.__setattr__(self, "base_url", f"https://{self.domain}")

    def __repr__(self) -> str:
        # Reprs reach tracebacks and CI logs: the tenant's name is not shown (hosts.masked).
        base = "..." if self.base_url == f"https://{self.domain}" else masked_url(self.base_url)
        return (
            f"TenantEndpoints(domain={masked(self.domain)!r}, mode={self.mode!r}, "
            f"base_url={base!r})"
        )

    @property
    def audience(self) -> str:
        return f"https://{self.domain}/api/v2/"

    @property
    def issuer(self) -> str:
        return f"https://{self.domain}/"

    @property
    def management_url(self) -> str:
        return f"{self.base_url}/api/v2/"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token"


@dataclass(frozen=True)
class AppCredentials:
    """The M2M app for one scope set: what code under test needs to fetch its own token."""

    domain: str
    client_id: str
    client_secret: str
    audience: str
    token_url: str

    def __repr__(self) -> str:
        # Fixture values show up in assertion rewrites and tracebacks: never print the secret.
        return (
            f"AppCredentials(domain={masked(self.domain)!r}, client_id={self.client_id!r}, "
            "client_secret='***', audience=..., token_url=...)"
        )


class MaskedSecret(str):
    """A credential that is a ``str`` everywhere but in its ``repr``.

    Fixture values are printed by pytest (assertion rewriting, ``-l``/``--showlocals``, ``-vv``
    diffs use the plugin's ``pytest_assertrepr_compare``): the repr names what it is and shows
    at most its last 4 characters, never the credential. ``str(value)`` is the credential.
    """

    __slots__ = ()
    kind = "secret"

    def __repr__(self) -> str:
        tail = f" …{str.__getitem__(self, slice(-4, None))}" if len(self) >= 24 else ""
        return f"'<{self.kind}{tail}>'"

    def __str__(self) -> str:
        return str.__str__(self)


# Never hand out a token that may expire during the test that uses it: a tenth of its lifetime
# as a margin, at least a minute, at most ten.
MIN_TOKEN_MARGIN = 60.0
MAX_TOKEN_MARGIN = 600.0


def token_usable(issued_at: float, expires_at: float, now: float) -> bool:
    """Whether a token issued at ``issued_at`` and expiring at ``expires_at`` may still be used
    at ``now``. The one freshness rule of the provisioner's and the apps' tokens."""
    lifetime = max(0.0, expires_at - issued_at)
    margin = min(MAX_TOKEN_MARGIN, max(MIN_TOKEN_MARGIN, lifetime / 10))
    return now < expires_at - margin


class AccessToken(MaskedSecret):
    """An access token handed to a test (``mgmt_token``): a usable ``str``, a masked repr."""

    __slots__ = ()
    kind = "token"


class ClientSecret(MaskedSecret):
    """An app's client secret (``m2m_credentials.client_secret``): a ``str``, a masked repr."""

    __slots__ = ()
    kind = "client secret"


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


def refuse_management_audience(
    audience: str, claims: Mapping[str, Any] | None, management_audience: str
) -> None:
    """A ValueError when a minted token would be for the Management API (``aud`` as given or
    as ``claims`` overrides it, a string or a list)."""
    aud = (claims or {}).get("aud", audience)
    auds = aud if isinstance(aud, (list, tuple)) else [aud]
    if management_audience in auds or audience == management_audience:
        raise ValueError(
            "minted tokens are for your own APIs, never the Management API: a Management API "
            "token comes from mgmt_scopes (mgmt_token, mgmt_client), with exactly the scopes a "
            "test declares"
        )
