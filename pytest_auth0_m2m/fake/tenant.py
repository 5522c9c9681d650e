"""The emulated tenant's in-memory state; every emulator owns one, guarded by its own lock."""

from __future__ import annotations

import datetime as _dt
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..auth0.scopes import catalogue
from .common import random_id

DEFAULT_CONNECTION = "Username-Password-Authentication"

PROVISIONER_SCOPES: tuple[str, ...] = (
    "create:clients",
    "read:clients",
    "update:clients",
    "delete:clients",
    "read:client_keys",
    "create:client_grants",
    "read:client_grants",
    "update:client_grants",
    "delete:client_grants",
    "read:resource_servers",
)


@dataclass(frozen=True)
class Credentials:
    """An M2M application's credentials (the provisioner's is pre-made in every emulator)."""

    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(client_id={self.client_id!r}, client_secret='***')"


def new_client_id() -> str:
    return random_id(32)


def new_client_secret() -> str:
    # Auth0 secrets are 64 URL-safe characters.
    return secrets.token_urlsafe(48)[:64]


class Tenant:
    """Resources of one tenant. Route handlers hold ``lock`` while they read or write."""

    def __init__(
        self,
        domain: str,
        clock: Callable[[], float],
        token_lifetime: int,
        provisioner: Credentials,
    ) -> None:
        self.domain = domain
        self.audience = f"https://{domain}/api/v2/"
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.provisioner = provisioner
        self.lock = threading.RLock()
        self.clients: dict[str, dict[str, Any]] = {}
        self.grants: dict[str, dict[str, Any]] = {}
        self.resource_servers: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.role_permissions: dict[str, list[tuple[str, str]]] = {}
        self.role_users: dict[str, list[str]] = {}
        self.connections: dict[str, dict[str, Any]] = {}
        self.organizations: dict[str, dict[str, Any]] = {}
        self.org_members: dict[str, list[str]] = {}
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a fresh tenant: the Management API, the default connection, the provisioner."""
        with self.lock:
            for table in (
                self.clients,
                self.grants,
                self.resource_servers,
                self.users,
                self.roles,
                self.role_permissions,
                self.role_users,
                self.connections,
                self.organizations,
                self.org_members,
            ):
                table.clear()
            cat = catalogue()
            system_api = {
                "id": random_id(24, "0123456789abcdef"),
                "name": "Auth0 Management API",
                "identifier": self.audience,
                "is_system": True,
                "allow_offline_access": False,
                "skip_consent_for_verifiable_first_party_clients": False,
                "token_lifetime": self.token_lifetime,
                "token_lifetime_for_web": 7200,
                "signing_alg": "RS256",
                "scopes": [
                    {"value": name, "description": description}
                    for name, description in cat.scopes.items()
                ],
            }
            self.resource_servers[str(system_api["id"])] = system_api
            self.add_connection({"name": DEFAULT_CONNECTION, "strategy": "auth0"})
            self.add_client(
                {
                    "name": "pytest-auth0-m2m provisioner",
                    "app_type": "non_interactive",
                    "grant_types": ["client_credentials"],
                    "token_endpoint_auth_method": "client_secret_post",
                },
                client_id=self.provisioner.client_id,
                client_secret=self.provisioner.client_secret,
            )
            self.add_grant(self.provisioner.client_id, self.audience, list(PROVISIONER_SCOPES))

    def now_iso(self) -> str:
        stamp = _dt.datetime.fromtimestamp(self.clock(), tz=_dt.timezone.utc)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"

    # --- builders (used by routes and by seed) -----------------------------------------------

    def add_client(
        self,
        data: Mapping[str, Any],
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> dict[str, Any]:
        cid = client_id or str(data.get("client_id") or new_client_id())
        client: dict[str, Any] = {
            "tenant": self.domain.split(":")[0],
            "global": False,
            "is_token_endpoint_ip_header_trusted": False,
            "is_first_party": True,
            "oidc_conformant": True,
            "sso_disabled": False,
            "cross_origin_authentication": False,
            "callbacks": [],
            "allowed_origins": [],
            "web_origins": [],
            "allowed_clients": [],
            "allowed_logout_urls": [],
            "client_aliases": [],
            "jwt_configuration": {
                "alg": "RS256",
                "lifetime_in_seconds": 36000,
                "secret_encoded": False,
            },
            "grant_types": [
                "authorization_code",
                "implicit",
                "refresh_token",
                "client_credentials",
            ],
            "token_endpoint_auth_method": "client_secret_post",
            "client_metadata": {},
            "custom_login_page_on": True,
        }
        client.update({k: v for k, v in data.items() if k not in ("client_id", "client_secret")})
        client["client_id"] = cid
        client["client_secret"] = client_secret or str(
            data.get("client_secret") or new_client_secret()
        )
        self.clients[cid] = client
        return client

    def add_grant(
        self,
        client_id: str,
        audience: str,
        scope: Iterable[str],
        extra: Mapping[str, Any] | None = None,
        grant_id: str | None = None,
    ) -> dict[str, Any]:
        grant: dict[str, Any] = {
            "id": grant_id or "cgr_" + random_id(16),
            "client_id": client_id,
            "audience": audience,
            "scope": list(scope),
            "subject_type": "client",
        }
        grant.update(extra or {})
        self.grants[grant["id"]] = grant
        return grant

    def add_connection(self, data: Mapping[str, Any]) -> dict[str, Any]:
        connection: dict[str, Any] = {
            "id": str(data.get("id") or "con_" + random_id(16)),
            "options": {},
            "enabled_clients": [],
            "is_domain_connection": False,
            "realms": [data["name"]],
        }
        connection.update(data)
        connection.setdefault("display_name", connection["name"])
        self.connections[connection["id"]] = connection
        return connection

    def add_user(self, data: Mapping[str, Any]) -> dict[str, Any]:
        now = self.now_iso()
        connection = str(data.get("connection") or DEFAULT_CONNECTION)
        strategy = next(
            (c["strategy"] for c in self.connections.values() if c["name"] == connection),
            "auth0",
        )
        local_id = str(data.get("user_id") or secrets.token_hex(12))
        user_id = local_id if "|" in local_id else f"{strategy}|{local_id}"
        email = data.get("email")
        user: dict[str, Any] = {
            "user_id": user_id,
            "created_at": now,
            "updated_at": now,
            "identities": [
                {
                    "connection": connection,
                    "user_id": user_id.split("|", 1)[1],
                    "provider": strategy,
                    "isSocial": False,
                }
            ],
            "app_metadata": {},
            "user_metadata": {},
            "email_verified": False,
            "blocked": False,
            "logins_count": 0,
        }
        if email is not None:
            user["email"] = email
            user["name"] = email
            user["nickname"] = str(email).split("@")[0]
        user["picture"] = "https://s.gravatar.com/avatar/placeholder.png"
        for key, value in data.items():
            if key in ("password", "connection", "verify_email", "user_id"):
                continue
            user[key] = value
        self.users[user_id] = user
        return user

    def add_role(self, data: Mapping[str, Any]) -> dict[str, Any]:
        role = {
            "id": str(data.get("id") or "rol_" + random_id(16)),
            "name": data["name"],
            "description": data.get("description", data["name"]),
        }
        self.roles[role["id"]] = role
        self.role_permissions.setdefault(role["id"], [])
        self.role_users.setdefault(role["id"], [])
        return role

    def add_organization(self, data: Mapping[str, Any]) -> dict[str, Any]:
        org: dict[str, Any] = {"id": str(data.get("id") or "org_" + random_id(16))}
        org.update({k: v for k, v in data.items() if k not in ("members", "enabled_connections")})
        org.setdefault("display_name", org["name"])
        self.organizations[org["id"]] = org
        self.org_members.setdefault(org["id"], [])
        return org

    def add_resource_server(self, data: Mapping[str, Any]) -> dict[str, Any]:
        server: dict[str, Any] = {
            "id": str(data.get("id") or random_id(24, "0123456789abcdef")),
            "name": data.get("name", data["identifier"]),
            "is_system": False,
            "scopes": [],
            "signing_alg": "RS256",
            "allow_offline_access": False,
            "skip_consent_for_verifiable_first_party_clients": True,
            "token_lifetime": 86400,
            "token_lifetime_for_web": 7200,
            "enforce_policies": False,
            "token_dialect": "access_token",
        }
        server.update(data)
        self.resource_servers[server["id"]] = server
        return server

    # --- lookups -----------------------------------------------------------------------------

    def resource_server_by_identifier(self, identifier: str) -> dict[str, Any] | None:
        for server in self.resource_servers.values():
            if server["identifier"] == identifier:
                return server
        return None

    def grant_for(self, client_id: str, audience: str) -> dict[str, Any] | None:
        for grant in self.grants.values():
            if grant["client_id"] == client_id and grant["audience"] == audience:
                return grant
        return None

    def delete_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        for members in (*self.role_users.values(), *self.org_members.values()):
            while user_id in members:
                members.remove(user_id)

    # --- seeding -----------------------------------------------------------------------------

    def seed(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        """Load resources from a dict; returns the ids made, per kind, in input order.

        Keys: resource_servers, connections, clients, client_grants, users, roles (with optional
        ``permissions`` [{resource_server_identifier, permission_name}] and ``users`` [user_id]),
        organizations (with optional ``members`` [user_id]).
        """
        unknown = set(data) - {
            "resource_servers",
            "connections",
            "clients",
            "client_grants",
            "users",
            "roles",
            "organizations",
        }
        if unknown:
            raise ValueError(f"seed: unknown keys {sorted(unknown)}")
        made: dict[str, list[str]] = {}
        with self.lock:
            for item in data.get("resource_servers", ()):
                made.setdefault("resource_servers", []).append(self.add_resource_server(item)["id"])
            for item in data.get("connections", ()):
                made.setdefault("connections", []).append(self.add_connection(item)["id"])
            for item in data.get("clients", ()):
                made.setdefault("clients", []).append(self.add_client(item)["client_id"])
            for item in data.get("client_grants", ()):
                extra = {
                    k: v for k, v in item.items() if k not in ("client_id", "audience", "scope")
                }
                grant = self.add_grant(
                    item["client_id"],
                    item.get("audience", self.audience),
                    item.get("scope", ()),
                    extra,
                    grant_id=item.get("id"),
                )
                made.setdefault("client_grants", []).append(grant["id"])
            for item in data.get("users", ()):
                made.setdefault("users", []).append(self.add_user(item)["user_id"])
            for item in data.get("roles", ()):
                role = self.add_role(item)
                for perm in item.get("permissions", ()):
                    self.role_permissions[role["id"]].append(
                        (perm["resource_server_identifier"], perm["permission_name"])
                    )
                self.role_users[role["id"]].extend(item.get("users", ()))
                made.setdefault("roles", []).append(role["id"])
            for item in data.get("organizations", ()):
                org = self.add_organization(item)
                self.org_members[org["id"]].extend(item.get("members", ()))
                made.setdefault("organizations", []).append(org["id"])
        return made
