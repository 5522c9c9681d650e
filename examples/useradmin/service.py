"""User administration as a back-office would do it: plain httpx over the Management API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

DATABASE = "Username-Password-Authentication"


class AdminError(Exception):
    """The Management API refused an operation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def _json(response: httpx.Response) -> Any:
    if response.is_error:
        raise AdminError(response.status_code, response.json().get("message", response.text))
    return response.json() if response.content else None


@dataclass
class UserAdmin:
    """Operations on users, given an httpx client whose base URL is the Management API."""

    api: httpx.Client

    def create(self, email: str, password: str) -> dict[str, Any]:
        body = {"email": email, "password": password, "connection": DATABASE}
        return _json(self.api.post("users", json=body))  # type: ignore[no-any-return]

    def find_by_email(self, email: str) -> list[dict[str, Any]]:
        params = {"q": f'email:"{email}"', "search_engine": "v3"}
        return _json(self.api.get("users", params=params))  # type: ignore[no-any-return]

    def block(self, user_id: str) -> dict[str, Any]:
        return _json(self.api.patch(f"users/{user_id}", json={"blocked": True}))  # type: ignore[no-any-return]

    def delete(self, user_id: str) -> None:
        _json(self.api.delete(f"users/{user_id}"))

    def count(self) -> int:
        page = _json(self.api.get("users", params={"include_totals": "true", "per_page": 1}))
        return int(page["total"])


@dataclass
class AsyncUserAdmin:
    """The same, for async services."""

    api: httpx.AsyncClient

    async def create(self, email: str, password: str) -> dict[str, Any]:
        body = {"email": email, "password": password, "connection": DATABASE}
        return _json(await self.api.post("users", json=body))  # type: ignore[no-any-return]

    async def get(self, user_id: str) -> dict[str, Any]:
        return _json(await self.api.get(f"users/{user_id}"))  # type: ignore[no-any-return]


def client_for_app(domain: str, client_id: str, client_secret: str) -> httpx.Client:
    """What a deployed service does: fetch its own M2M token, then call the Management API."""
    audience = f"https://{domain}/api/v2/"
    token = httpx.post(
        f"https://{domain}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "audience": audience,
        },
    )
    token.raise_for_status()
    access = token.json()["access_token"]
    return httpx.Client(base_url=audience, headers={"Authorization": f"Bearer {access}"})
