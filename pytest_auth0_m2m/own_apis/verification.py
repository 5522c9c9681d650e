"""What an API under test verifies its tokens against (the ``api_verification`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiVerification:
    """The JWKS URL, issuer, audience and algorithms an API should accept, in this mode."""

    jwks_url: str
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256",)
