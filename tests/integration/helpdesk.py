"""A small help-desk back office over the Auth0 Management API.

The code under test of the project's own integration suite, written as a user of the plugin
writes their service: it knows nothing of pytest. ``Helpdesk`` and ``AsyncHelpdesk`` use plain
httpx clients whose base URL is the Management API; the ``sdk_*`` functions use the official
auth0-python SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from auth0.management import ManagementClient


class HelpdeskError(Exception):
    """The Management API refused an operation: its status, error code and message."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code


def _answer(response: httpx.Response) -> Any:
    if response.is_error:
        try:
            body = response.json()
        except ValueError:
            body = {}
        raise HelpdeskError(
            response.status_code,
            str(body.get("errorCode", body.get("error", ""))),
            str(body.get("message", response.reason_phrase)),
        )
    return response.json() if response.content else None


def _id(value: str) -> str:
    return quote(value, safe="")


@dataclass
class Helpdesk:
    """What the help desk does to users, roles and organizations."""

    api: httpx.Client

    def lookup(self, email: str) -> list[dict[str, Any]]:
        """The users with this email (any connection)."""
        return list(_answer(self.api.get("users-by-email", params={"email": email})))

    def search(self, field: str, value: str) -> list[str]:
        """The ids of the users whose ``field`` is ``value`` (Auth0's user search)."""
        params = {"q": f'{field}:"{value}"', "search_engine": "v3", "fields": "user_id"}
        return [u["user_id"] for u in _answer(self.api.get("users", params=params))]

    def count_users(self) -> int:
        page = _answer(self.api.get("users", params={"include_totals": "true", "per_page": 1}))
        return int(page["total"])

    def suspend(self, user_id: str) -> bool:
        """Block the user; the blocked flag as Auth0 now holds it."""
        answer = _answer(self.api.patch(f"users/{_id(user_id)}", json={"blocked": True}))
        return bool(answer["blocked"])

    def reinstate(self, user_id: str) -> bool:
        answer = _answer(self.api.patch(f"users/{_id(user_id)}", json={"blocked": False}))
        return bool(answer["blocked"])

    def remove(self, user_id: str) -> None:
        _answer(self.api.delete(f"users/{_id(user_id)}"))

    def role_id(self, name: str) -> str:
        """The id of the role called ``name``; LookupError if there is none."""
        for role in _answer(self.api.get("roles", params={"name_filter": name})):
            if role["name"] == name:
                return str(role["id"])
        raise LookupError(f"no role called {name!r}")

    def grant_role(self, user_id: str, role_name: str) -> None:
        """Give the user the role called ``role_name`` (looked up first: nothing sent if absent)."""
        role = self.role_id(role_name)
        _answer(self.api.post(f"users/{_id(user_id)}/roles", json={"roles": [role]}))

    def roles_of(self, user_id: str) -> list[str]:
        return sorted(r["name"] for r in _answer(self.api.get(f"users/{_id(user_id)}/roles")))

    def members(self, organization_id: str) -> list[str]:
        """The user ids of an organization's members, sorted."""
        answer = _answer(self.api.get(f"organizations/{_id(organization_id)}/members"))
        return sorted(m["user_id"] for m in answer)

    def enroll(self, organization_id: str, user_id: str) -> None:
        body = {"members": [user_id]}
        _answer(self.api.post(f"organizations/{_id(organization_id)}/members", json=body))


@dataclass
class AsyncHelpdesk:
    """The help desk's async front: profiles for its web page."""

    api: httpx.AsyncClient

    async def profile(self, user_id: str) -> dict[str, Any]:
        answer = _answer(await self.api.get(f"users/{_id(user_id)}"))
        return {"email": answer["email"], "blocked": bool(answer.get("blocked", False))}

    async def lookup(self, email: str) -> list[str]:
        answer = _answer(await self.api.get("users-by-email", params={"email": email}))
        return [u["user_id"] for u in answer]


def sdk_role_names(sdk: ManagementClient, user_id: str) -> list[str]:
    """A user's role names, through the auth0-python SDK."""
    return sorted(str(role.name) for role in sdk.users.roles.list(user_id))


def sdk_role_holders(sdk: ManagementClient, role_id: str) -> list[str]:
    """The ids of the users holding a role, through the SDK."""
    return sorted(str(user.user_id) for user in sdk.roles.users.list(role_id))


def sdk_team_emails(sdk: ManagementClient, organization_id: str) -> list[str]:
    """The emails of an organization's members, through the SDK."""
    return sorted(str(member.email) for member in sdk.organizations.members.list(organization_id))
