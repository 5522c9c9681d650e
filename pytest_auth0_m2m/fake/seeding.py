"""Seeding: tenant state loaded through the same handlers, so the same checks, as the HTTP API.

A seed is a dict of lists, one per kind; every item is the body the Management API's create
operation takes, plus a few seed-only keys (fixed ids, a role's permissions and users, an
organization's members). Each item goes through its operation's handler: a typo'd property,
a duplicate email, a member that does not exist or an invalid organization name is refused with
Auth0's own message, and a seed that fails leaves the tenant as it was.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from ..auth0.scopes import Operation, catalogue
from .common import ApiError, dumps
from .routes import Call, handlers
from .tenant import DEFAULT_CONNECTION, Tenant

# Kinds in the order they are created, so later kinds can name earlier ones.
KINDS: tuple[str, ...] = (
    "resource_servers",
    "connections",
    "clients",
    "client_grants",
    "users",
    "roles",
    "organizations",
)


class SeedError(ValueError):
    """A seed the emulator's HTTP API would refuse; nothing of it was loaded."""


@functools.cache
def _operations() -> dict[str, Operation]:
    return {op.operation_id: op for op in catalogue().operations}


class _Seeder:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.handlers = handlers()
        # The seed acts with every scope but as no application: nothing it makes is one of the
        # provisioner's apps, and secrets are shown as to a read:client_keys holder.
        self.scopes = frozenset(catalogue().scopes)

    def call(self, operation_id: str, body: Mapping[str, Any], **params: str) -> Any:
        operation = _operations()[operation_id]
        call = Call(
            tenant=self.tenant,
            operation=operation,
            params=dict(params),
            args=MultiDict(),
            raw_body=dumps(dict(body)),
            content_type="application/json",
            scopes=self.scopes,
            client_id="",
        )
        return self.handlers[operation_id](call)[1]


def _fail(kind: str, index: int, item: Mapping[str, Any], why: str) -> SeedError:
    label = next(
        (f" ({k}={item[k]!r})" for k in ("name", "email", "identifier", "id") if k in item), ""
    )
    return SeedError(f"seed {kind}[{index}]{label}: {why}")


def _rekey(table: dict[str, Any], old: str, new: str, kind: str) -> None:
    """Give a just-made resource the seed's fixed id."""
    if new == old:
        return
    if new in table:
        raise ValueError(f"the id {new!r} is already taken; use another or leave it out")
    table[new] = table.pop(old)


def _object(kind: str, index: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise SeedError(
            f"seed {kind}[{index}]: expected an object (the body of the create request), "
            f"got {type(item).__name__}"
        )
    return dict(item)


def _seed_item(seeder: _Seeder, kind: str, item: dict[str, Any]) -> str:
    tenant = seeder.tenant
    if kind == "resource_servers":
        fixed = item.pop("id", None)
        made = seeder.call("post_resource-servers", item)["id"]
        if fixed is not None:
            _rekey(tenant.resource_servers, made, str(fixed), kind)
            tenant.resource_servers[str(fixed)]["id"] = str(fixed)
            return str(fixed)
        return str(made)
    if kind == "connections":
        fixed = item.pop("id", None)
        made = seeder.call("post_connections", item)["id"]
        if fixed is not None:
            _rekey(tenant.connections, made, str(fixed), kind)
            tenant.connections[str(fixed)]["id"] = str(fixed)
            return str(fixed)
        return str(made)
    if kind == "clients":
        fixed = item.pop("client_id", None)
        secret = item.pop("client_secret", None)
        made = str(seeder.call("post_clients", item)["client_id"])
        if fixed is not None:
            _rekey(tenant.clients, made, str(fixed), kind)
            made = str(fixed)
            tenant.clients[made]["client_id"] = made
        if secret is not None:
            tenant.clients[made]["client_secret"] = str(secret)
        return made
    if kind == "client_grants":
        fixed = item.pop("id", None)
        # The seed-only default: most seeded grants are for the Management API.
        item.setdefault("audience", tenant.audience)
        made = str(seeder.call("post_client-grants", item)["id"])
        if fixed is not None:
            _rekey(tenant.grants, made, str(fixed), kind)
            made = str(fixed)
            tenant.grants[made]["id"] = made
        return made
    if kind == "users":
        item.setdefault("connection", DEFAULT_CONNECTION)
        database = any(
            c["name"] == item["connection"] and c.get("strategy") == "auth0"
            for c in tenant.connections.values()
        )
        if database and "password" not in item:
            # Nobody logs in with it: the emulator has no password grant. Auth0 needs one.
            item["password"] = "Seed-" + secrets.token_urlsafe(18)
        return str(seeder.call("post_users", item)["user_id"])
    if kind == "roles":
        fixed = item.pop("id", None)
        permissions = item.pop("permissions", None)
        users = item.pop("users", None)
        made = str(seeder.call("post_roles", item)["id"])
        if fixed is not None:
            for table in (tenant.roles, tenant.role_permissions, tenant.role_users):
                _rekey(table, made, str(fixed), kind)
            made = str(fixed)
            tenant.roles[made]["id"] = made
        if permissions:
            seeder.call("post_role_permission_assignment", {"permissions": permissions}, id=made)
        if users:
            seeder.call("post_role_users", {"users": users}, id=made)
        return made
    # organizations
    fixed = item.pop("id", None)
    members = item.pop("members", None)
    if "enabled_connections" in item:
        raise ValueError(
            "enabled_connections is not emulated yet; leave it out of the organization's seed"
        )
    made = str(seeder.call("post_organizations", item)["id"])
    if fixed is not None:
        for table in (tenant.organizations, tenant.org_members):
            _rekey(table, made, str(fixed), kind)
        made = str(fixed)
        tenant.organizations[made]["id"] = made
    if members:
        seeder.call("post_members", {"members": members}, id=made)
    return made


def seed(tenant: Tenant, data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Load ``data`` into ``tenant``; returns the ids made, per kind, in input order.

    Kinds (see KINDS): each a list of create-request bodies. Seed-only keys: ``id`` (fixed id;
    ``client_id``/``client_secret`` for clients, ``user_id`` as Auth0 takes it for users), a
    role's ``permissions`` [{resource_server_identifier, permission_name}] and ``users``
    [user_id], an organization's ``members`` [user_id]. Defaults: a grant's ``audience`` is the
    Management API, a user's ``connection`` is Username-Password-Authentication and, on a
    database connection, its ``password`` a random strong one. Raises SeedError naming the
    item and Auth0's answer; on error nothing is loaded.
    """
    if not isinstance(data, Mapping):
        raise SeedError(f"a seed is an object of lists keyed by kind {list(KINDS)}")
    unknown = set(data) - set(KINDS)
    if unknown:
        raise SeedError(f"seed: unknown keys {sorted(unknown)}; expected some of {list(KINDS)}")
    for kind in KINDS:
        if kind in data and not isinstance(data[kind], list):
            raise SeedError(f"seed {kind}: expected a list, got {type(data[kind]).__name__}")
    seeder = _Seeder(tenant)
    made: dict[str, list[str]] = {}
    with tenant.lock:
        before = tenant.snapshot()
        provisioned = set(tenant.provisioned)
        try:
            for kind in KINDS:
                for index, raw in enumerate(data.get(kind, ())):
                    item = _object(kind, index, raw)
                    try:
                        made.setdefault(kind, []).append(_seed_item(seeder, kind, dict(item)))
                    except ApiError as error:
                        message = (
                            error.body.get("message") if isinstance(error.body, dict) else None
                        )
                        raise _fail(
                            kind,
                            index,
                            item,
                            f"the Management API answers {error.status}: {message}",
                        ) from None
                    except ValueError as error:
                        raise _fail(kind, index, item, str(error)) from None
        except BaseException:
            tenant.restore(before)
            tenant.provisioned = provisioned
            raise
    return made


def load_seed_file(path: str | Path) -> dict[str, Any]:
    """A seed file's content (JSON: an object of lists keyed by kind), checked for shape.

    Raises SeedError naming the file and what is wrong; its content is validated in full
    when seeded (``FakeAuth0.seed``).
    """
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except OSError as error:
        raise SeedError(f"cannot read seed file {file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SeedError(f"seed file {file} is not UTF-8 text; save it as UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise SeedError(f"seed file {file} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise SeedError(
            f"seed file {file} holds a JSON {type(data).__name__}; expected an object of lists "
            f"keyed by kind, some of {list(KINDS)}"
        )
    unknown = set(data) - set(KINDS)
    if unknown:
        raise SeedError(
            f"seed file {file}: unknown keys {sorted(unknown)}; expected some of {list(KINDS)}"
        )
    return data
