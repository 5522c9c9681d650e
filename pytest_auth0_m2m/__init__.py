"""pytest-auth0-m2m: least-privilege Auth0 Management API tokens, cassettes and an emulator."""

from __future__ import annotations

__version__ = "0.1.0"
