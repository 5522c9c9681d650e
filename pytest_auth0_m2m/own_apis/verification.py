"""What an API under test verifies its tokens against (the ``api_verification`` fixture), and
the type of the ``api_mint_token`` fixture that makes tokens for its negative tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ApiVerification:
    """The JWKS URL, issuer, audience and algorithms an API should accept, in this mode."""

    jwks_url: str
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256",)


class MintToken(Protocol):
    """The ``api_mint_token`` fixture: a token with chosen claims, signed by the key the API
    trusts (fake and replay mode)."""

    def __call__(
        self,
        scopes: Iterable[str] | None = None,
        *,
        expires_in: int | None = None,
        audience: str | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str: ...
