"""The emulated tenant's in-memory state; every emulator owns one, guarded by its own lock."""

from __future__ import annotations

import copy
import datetime as _dt
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..auth0.scopes import catalogue
from .apis import ApiDeclaration
from .common import random_id
from .consistency import SearchIndex
from .signing_keys import Keyring

# Every attribute of Tenant that holds resources: reset, snapshot and restore walk this one list,
# so a new family is isolated by adding its table here.
TABLES: tuple[str, ...] = (
    "clients",
    "grants",
    "resource_servers",
    "users",
    "roles",
    "role_permissions",
    "role_users",
    "connections",
    "organizations",
    "org_members",
    "org_connections",
    "org_client_grants",
    "org_invitations",
    "client_credentials",
    "user_permissions",
    "signing_keys",
    "singletons",
    "collections",
    "jobs",
    "logs",
)

# Tables whose entries are never changed once written (log events): a snapshot copies the table,
# not each entry, so checkpoints stay cheap however many events a session has logged.
APPEND_ONLY: frozenset[str] = frozenset({"logs"})

# A tenant's resources at one moment: table name -> a deep copy of the table.
Snapshot = dict[str, Any]


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
        apis: tuple[ApiDeclaration, ...] = (),
        *,
        keyring: Keyring | None = None,
    ) -> None:
        self.domain = domain
        # The key material of every signing key this tenant had (fake/signing_keys.py); which
        # one is current, next, previous or revoked is the table signing_keys.
        self.keyring = keyring or Keyring(domain)
        # The user's own APIs declared at start: part of the tenant, made again by reset().
        self.declared_apis = apis
        self.audience = f"https://{domain}/api/v2/"
        # Where the emulator serves (http or https): links it hands out, e.g. an export's file.
        self.public_url = f"https://{domain}"
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
        # organization id -> {connection id: the org's settings for that connection}
        self.org_connections: dict[str, dict[str, dict[str, Any]]] = {}
        # organization id -> ids of the client grants associated with it
        self.org_client_grants: dict[str, list[str]] = {}
        # organization id -> {invitation id: the invitation as Auth0 answers it}
        self.org_invitations: dict[str, dict[str, dict[str, Any]]] = {}
        # client id -> {credential id: a public key credential, without its PEM}
        self.client_credentials: dict[str, dict[str, dict[str, Any]]] = {}
        # user id -> (API identifier, permission name) pairs assigned to the user directly
        self.user_permissions: dict[str, list[tuple[str, str]]] = {}
        # kid -> the key's state as GET /keys/signing answers it, without the key material
        # (current, next, previous, revoked and their dates), in the order the keys were made
        self.signing_keys: dict[str, dict[str, Any]] = {}
        # The spec-driven engine's state (routes/engine.py): concrete path -> a singleton's
        # stored answer (None: deleted, answered 404), and concrete collection path -> its items
        # by id. A path not yet written answers its recorded default.
        self.singletons: dict[str, Any] = {}
        self.collections: dict[str, dict[str, dict[str, Any]]] = {}
        # job id -> {"job": the job as Auth0 answers it, "work": what completing it does}
        # (routes/jobs.py); the work is plain data, so snapshots copy it with the rest.
        self.jobs: dict[str, dict[str, Any]] = {}
        # log id -> a log event, oldest first (fake/events.py writes them, routes/logs.py reads)
        self.logs: dict[str, dict[str, Any]] = {}
        # Clients created over HTTP by the provisioner's own token (the plugin's per-scope-set
        # apps): a restore keeps them, with their grants, so issued tokens stay valid.
        self.provisioned: set[str] = set()
        # What user lists, user search and organization member lists see (fake/consistency.py).
        self.search_index = SearchIndex()
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------------

    def reset(self, keep_clients: Iterable[str] = ()) -> None:
        """Back to a fresh tenant: the Management API, the default connection, the provisioner.

        Clients named in ``keep_clients`` survive with their grants (unknown ids are ignored).
        """
        with self.lock:
            kept = self._kept(keep_clients)
            for name in TABLES:
                getattr(self, name).clear()
            self.provisioned &= set(kept[0])
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
            for api in self.declared_apis:
                self.add_resource_server(api.resource_server())
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
            # The keyring's first two keys, current and next, as a fresh tenant has them (a
            # reset keeps the tokens it signed valid). "previous" is true on both: every key
            # in TestAccDataSourceSigningKeys.yaml answers it so, whatever its other flags.
            for kid, current in ((self.keyring.first, True), (self.keyring.first_next, False)):
                self.signing_keys[kid] = {
                    "current": current,
                    "next": not current,
                    "previous": True,
                    "revoked": False,
                }
            self._put_back(kept)
            self.search_index.rebase(self.users, self.org_members)

    # --- snapshots (isolation between tests) -------------------------------------------------

    def snapshot(self) -> Snapshot:
        """A deep copy of every table, for :meth:`restore`."""
        with self.lock:
            return {name: _copy(name, getattr(self, name)) for name in TABLES}

    def restore(self, snapshot: Snapshot, keep_clients: Iterable[str] = ()) -> None:
        """Every table as it was at ``snapshot``, except the clients in ``keep_clients`` (and
        their grants), which keep their current state: made after the snapshot, they survive;
        deleted since, they stay deleted."""
        with self.lock:
            kept = self._kept(keep_clients)
            wanted = {cid for cid in keep_clients if cid != self.provisioner.client_id}
            for name in TABLES:
                table = getattr(self, name)
                table.clear()
                table.update(_copy(name, snapshot[name]))
            for cid in wanted:
                self.clients.pop(cid, None)
            for grant_id in [g for g, grant in self.grants.items() if grant["client_id"] in wanted]:
                del self.grants[grant_id]
            self._put_back(kept)
            self.provisioned = {cid for cid in self.provisioned if cid in self.clients}
            self.search_index.rebase(self.users, self.org_members)

    def _kept(
        self, keep_clients: Iterable[str]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Deep copies of the named clients (the provisioner excluded) and of their grants."""
        ids = {cid for cid in keep_clients if cid != self.provisioner.client_id}
        clients = {cid: copy.deepcopy(c) for cid, c in self.clients.items() if cid in ids}
        grants = {
            gid: copy.deepcopy(g) for gid, g in self.grants.items() if g["client_id"] in clients
        }
        return clients, grants

    def _put_back(self, kept: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]) -> None:
        clients, grants = kept
        self.clients.update(clients)
        self.grants.update(grants)

    def signing_kid(self) -> str:
        """The key id of the current signing key: what the tenant's tokens are signed with."""
        with self.lock:
            return next(k for k, state in self.signing_keys.items() if state["current"])

    def signing_key_revoked(self, kid: str) -> bool:
        with self.lock:
            return bool(self.signing_keys.get(kid, {}).get("revoked"))

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
            # Auth0's answer to a create (terraform recordings): no empty lists, no tenant/global
            # or client_metadata unless sent; a signing key and the default refresh_token block.
            "is_token_endpoint_ip_header_trusted": False,
            "is_first_party": True,
            "oidc_conformant": True,
            "sso_disabled": False,
            "cross_origin_authentication": False,
            "signing_keys": [
                {"cert": "-----BEGIN CERTIFICATE-----(emulated)-----END CERTIFICATE-----"}
            ],
            "refresh_token": {
                "rotation_type": "non-rotating",
                "expiration_type": "non-expiring",
                "leeway": 0,
                "token_lifetime": 2592000,
                "infinite_token_lifetime": True,
                "idle_token_lifetime": 1296000,
                "infinite_idle_token_lifetime": True,
            },
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
        connection.setdefault("authentication", {"active": True})
        connection.setdefault("connected_accounts", {"active": False})
        connection.update(data)
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
            # No empty metadata, blocked or logins_count: Auth0 sends none on a new user.
            "email_verified": False,
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
        # No description is invented: TestAccRole.yaml creates {"name"} and is answered no
        # description (reads answer "": routes/roles.shown).
        role: dict[str, Any] = {"id": str(data.get("id") or "rol_" + random_id(16))}
        role["name"] = data["name"]
        if data.get("description") is not None:
            role["description"] = data["description"]
        role.update({k: data[k] for k in ("type", "owner_id") if data.get(k) is not None})
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
            "signing_alg": "RS256",
            "allow_offline_access": False,
            "skip_consent_for_verifiable_first_party_clients": False,
            "subject_type_authorization": {
                "user": {"policy": "allow_all"},
                "client": {"policy": "require_client_grant"},
            },
            "token_lifetime": 86400,
            "token_lifetime_for_web": 7200,
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
        self.user_permissions.pop(user_id, None)
        for members in (*self.role_users.values(), *self.org_members.values()):
            while user_id in members:
                members.remove(user_id)
        # What the engine keeps under the user (authentication methods, enrollments) goes too.
        below = f"/users/{user_id}/"
        for table in (self.singletons, self.collections):
            for key in [k for k in table if k.startswith(below)]:
                del table[key]

    # --- seeding -----------------------------------------------------------------------------

    def seed(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        """Load resources through the HTTP API's handlers: see :func:`fake.seeding.seed`."""
        from .seeding import seed  # the handlers import this module

        made = seed(self, data)
        with self.lock:  # a seed sets the stage: searchable at once, whatever the lag
            self.search_index.rebase(self.users, self.org_members)
        return made

    def note_write(self) -> None:
        """After a write request: its effect on users and memberships reaches the search index
        (visible to lists once the lag has passed)."""
        with self.lock:
            self.search_index.record(self.clock(), self.users, self.org_members)


def _copy(table: str, content: Any) -> Any:
    return copy.copy(content) if table in APPEND_ONLY else copy.deepcopy(content)
