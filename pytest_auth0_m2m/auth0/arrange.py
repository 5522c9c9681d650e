"""Arrange tenant data for a test through the Management API, and delete it afterwards.

The same calls serve every mode: on a dev tenant and on the emulator they create real objects
(validated by the same API the code under test calls, so a bad seed gets Auth0's own error), and
in replay they are answered from the test's cassette. Every request carries ``ARRANGE_HEADER``
(value ``1``, never a secret): the cassette keeps it, so the least-privilege analysis leaves these
calls out and replay answers them as recorded whatever scopes the test declares (they are made
with a separate setup identity, not with the test's token).

Objects are deleted newest first by ``cleanup()``; an object already gone (404) counts as deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

ARRANGE_HEADER = "X-Auth0-M2M-Arrange"
ARRANGE_VALUE = "1"


def is_arrange(headers: Iterable[tuple[str, object]]) -> bool:
    """Whether (name, value) header pairs mark a setup call; a value may be a list of values."""
    wanted = ARRANGE_HEADER.lower()
    for name, value in headers:
        if str(name).lower() != wanted:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        return any(str(v).strip() == ARRANGE_VALUE for v in values)
    return False


# The setup identity's scopes: what creating and deleting every kind below needs, and nothing
# more (tests/test_arrange.py checks each operation used against the catalogue).
ARRANGE_SCOPES = frozenset(
    {
        "create:users",
        "delete:users",
        "update:users",
        "create:roles",
        "delete:roles",
        "update:roles",
        "create:organizations",
        "delete:organizations",
        "create:organization_members",
        "create:organization_member_roles",
        "create:connections",
        "delete:connections",
        "create:resource_servers",
        "delete:resource_servers",
    }
)

DEFAULT_CONNECTION = "Username-Password-Authentication"

# The key of each collection's answer that holds the id its item path is built from.
_ID_KEYS = {"users": "user_id"}


class ArrangeError(RuntimeError):
    """The Management API refused an arrange call; the message is Auth0's own."""

    def __init__(self, method: str, path: str, status: int, error_code: str, message: str):
        self.method, self.path, self.status = method, path, status
        self.error_code, self.auth0_message = error_code, message
        code = f" ({error_code})" if error_code else ""
        super().__init__(f"arrange: {method} {path} answered {status}: {message}{code}")


@dataclass(frozen=True)
class Arranged:
    """An object arrange created: its kind (collection), id, item path and Auth0's answer.

    ``arranged["email"]`` reads the answer. The repr shows kind and id only: an answer may
    hold a secret (a resource server's signing secret).
    """

    kind: str
    id: str
    path: str
    body: Mapping[str, Any] = field(repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.body[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default)


@dataclass(frozen=True)
class Leftover:
    """An object cleanup could not delete, and why."""

    kind: str
    id: str
    reason: str


def unique_name(prefix: str = "arrange") -> str:
    """A name no other run uses: ``prefix-`` and 8 hex digits (valid for organizations too)."""
    return f"{prefix}-{secrets.token_hex(4)}"


def _id_of(item: Arranged | str) -> str:
    return item.id if isinstance(item, Arranged) else item


class Arrange:
    """Creates users, roles, organizations, connections and APIs for one test; deletes them after.

    ``client`` is an ``httpx.Client`` whose base URL is the Management API (``.../api/v2/``) and
    whose token carries ``ARRANGE_SCOPES``.
    """

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self._created: list[Arranged] = []

    def __repr__(self) -> str:
        return f"<Arrange: {len(self._created)} object(s) to delete>"

    @property
    def created(self) -> tuple[Arranged, ...]:
        """What this arrange created and has not deleted yet, oldest first."""
        return tuple(self._created)

    def _send(self, method: str, path: str, body: Mapping[str, Any] | list[Any] | None) -> Any:
        response = self._client.request(
            method, path, json=body, headers={ARRANGE_HEADER: ARRANGE_VALUE}
        )
        if response.status_code >= 400:
            raise _error(method, path, response)
        return response.json() if response.content else None

    def create(self, collection: str, body: Mapping[str, Any]) -> Arranged:
        """``POST /{collection}`` with ``body``; deleted later by ``DELETE /{collection}/{id}``."""
        collection = collection.strip("/")
        answer = self._send("POST", collection, dict(body))
        if not isinstance(answer, dict):
            raise ArrangeError("POST", collection, 0, "", "the answer is not a JSON object")
        id_key = _ID_KEYS.get(collection, "id")
        if not isinstance(answer.get(id_key), str):
            raise ArrangeError("POST", collection, 0, "", f"the answer has no {id_key!r}")
        item_id = answer[id_key]
        arranged = Arranged(collection, item_id, f"{collection}/{quote(item_id, safe='')}", answer)
        self._created.append(arranged)
        return arranged

    def user(
        self,
        *,
        email: str | None = None,
        connection: str = DEFAULT_CONNECTION,
        password: str | None = None,
        **fields: Any,
    ) -> Arranged:
        """A user of ``connection``; a unique email and a strong password unless given."""
        body: dict[str, Any] = {
            "connection": connection,
            "email": email if email is not None else f"{unique_name()}@example.com",
            "password": password if password is not None else _strong_password(),
            **fields,
        }
        return self.create("users", body)

    def role(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        permissions: Iterable[tuple[str, str]] = (),
    ) -> Arranged:
        """A role; ``permissions`` are (API identifier, scope) pairs given to it."""
        body: dict[str, Any] = {"name": name if name is not None else unique_name()}
        if description is not None:
            body["description"] = description
        role = self.create("roles", body)
        wanted = [
            {"resource_server_identifier": api, "permission_name": scope}
            for api, scope in permissions
        ]
        if wanted:
            self._send("POST", f"{role.path}/permissions", {"permissions": wanted})
        return role

    def organization(
        self,
        *,
        name: str | None = None,
        display_name: str | None = None,
        members: Iterable[Arranged | str] = (),
    ) -> Arranged:
        """An organization (a unique valid name unless given) with ``members`` (users or ids)."""
        body: dict[str, Any] = {"name": name if name is not None else unique_name()}
        if display_name is not None:
            body["display_name"] = display_name
        organization = self.create("organizations", body)
        user_ids = [_id_of(member) for member in members]
        if user_ids:
            self._send("POST", f"{organization.path}/members", {"members": user_ids})
        return organization

    def connection(
        self, *, name: str | None = None, strategy: str = "auth0", **fields: Any
    ) -> Arranged:
        """A connection (a database connection unless ``strategy`` says otherwise)."""
        body = {"name": name if name is not None else unique_name(), "strategy": strategy}
        return self.create("connections", {**body, **fields})

    def resource_server(
        self,
        *,
        identifier: str | None = None,
        name: str | None = None,
        scopes: Iterable[str] = (),
    ) -> Arranged:
        """An API (resource server) with ``scopes``; a unique identifier unless given."""
        unique = unique_name()
        body: dict[str, Any] = {
            "identifier": identifier if identifier is not None else f"https://{unique}.invalid/",
            "name": name if name is not None else unique,
            "scopes": [{"value": scope} for scope in scopes],
        }
        return self.create("resource-servers", body)

    def assign_roles(self, user: Arranged | str, roles: Iterable[Arranged | str]) -> None:
        """Give ``user`` the ``roles`` (undone when the user or the roles are deleted)."""
        path = f"users/{quote(_id_of(user), safe='')}/roles"
        self._send("POST", path, {"roles": [_id_of(role) for role in roles]})

    def cleanup(self) -> list[Leftover]:
        """Delete everything created, newest first; what could not be deleted is returned."""
        leftovers: list[Leftover] = []
        while self._created:
            arranged = self._created.pop()
            try:
                response = self._client.delete(
                    arranged.path, headers={ARRANGE_HEADER: ARRANGE_VALUE}
                )
            except httpx.HTTPError as exc:
                leftovers.append(Leftover(arranged.kind, arranged.id, type(exc).__name__))
                continue
            if response.status_code >= 400 and response.status_code != 404:
                reason = str(_error("DELETE", arranged.path, response))
                leftovers.append(Leftover(arranged.kind, arranged.id, reason))
        return leftovers


def _strong_password() -> str:
    # Meets Auth0's strictest password policy ("excellent": 10+ chars, four character classes).
    return f"Aa1!{secrets.token_urlsafe(18)}"


def _error(method: str, path: str, response: httpx.Response) -> ArrangeError:
    error_code, message = "", response.reason_phrase or "error"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error_description") or message)
        error_code = str(body.get("errorCode") or body.get("error") or "")
    return ArrangeError(method, path, response.status_code, error_code, message)
