"""The tenant's log events: what the emulator writes to Tenant.logs (read by routes/logs.py).

Auth0 logs, among many event types, the ones this emulator can honestly produce (event type
codes from Auth0's docs, "Log Event Type Codes"; shapes as go-auth0's recordings of GET /logs
show them):

- ``seccft`` / ``feccft``: a client-credentials exchange at /oauth/token succeeded / failed;
- ``sapi`` / ``fapi``: a Management API write (POST, PUT, PATCH, DELETE) succeeded / failed,
  described by the operation's summary ("Create a User"); reads are not logged, as by Auth0;
- ``ss``: a user signed up, which a user created through the Management API does too.

Logins and emails are not served here, so no ``s``, ``f``, ``sv``, ``fn``... event is made.
Request and response bodies are never copied into an event's details (Auth0 copies them,
passwords masked): a body can hold a client secret, and a log must never carry one.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Mapping
from typing import Any

from .tenant import Tenant

# Auth0 keeps a tenant's logs for days; the emulator keeps the newest ones only, so that
# snapshots (taken before every test) stay cheap in long sessions.
MAX_LOGS = 1000

_sequence = itertools.count(1)


def _log_id(tenant: Tenant) -> str:
    # Auth0's ids are 56 digits that sort by time: "900", the UTC time to the millisecond, then
    # a sequence number (go-auth0 recordings: 90020230314144709188593000000000000001223372...).
    stamp = _dt.datetime.fromtimestamp(tenant.clock(), tz=_dt.timezone.utc)
    prefix = "900" + stamp.strftime("%Y%m%d%H%M%S") + f"{stamp.microsecond // 1000:03d}"
    return prefix + str(next(_sequence)).zfill(56 - len(prefix))


def record(tenant: Tenant, event_type: str, **fields: Any) -> dict[str, Any]:
    """Append one event (the caller holds no lock; this takes the tenant's)."""
    with tenant.lock:
        log_id = _log_id(tenant)
        event: dict[str, Any] = {
            "_id": log_id,
            "log_id": log_id,
            "date": tenant.now_iso(),
            "type": event_type,
            "description": "",
            "connection": None,
            "connection_id": None,
            "organization_id": None,
            "organization_name": None,
            "client_id": None,
            "client_name": None,
            "ip": None,
            "hostname": None,
            "details": None,
            "user_id": None,
            "user_name": None,
            "user_agent": None,
            "audience": None,
            "strategy": None,
            "strategy_type": None,
            "isMobile": False,
            "location_info": None,
        }
        event.update(fields)
        tenant.logs[log_id] = event
        while len(tenant.logs) > MAX_LOGS:
            del tenant.logs[next(iter(tenant.logs))]
        return event


def token_exchange(
    tenant: Tenant,
    *,
    succeeded: bool,
    client_id: str,
    audience: str | None,
    scope: str | None,
    description: str,
    ip: str,
    user_agent: str,
) -> None:
    """A ``seccft`` or ``feccft`` event for one /oauth/token client-credentials request."""
    with tenant.lock:
        client = tenant.clients.get(client_id) or {}
    fields: dict[str, Any] = {
        "description": description,
        "connection_id": "",
        "client_id": client_id,
        "client_name": client.get("name"),
        "ip": ip,
        "hostname": tenant.domain,
        "user_id": "",
        "user_name": "",
        "user_agent": user_agent,
        "audience": audience,
    }
    if succeeded:
        fields["scope"] = scope
    record(tenant, "seccft" if succeeded else "feccft", **fields)


def management_write(
    tenant: Tenant,
    *,
    operation_id: str,
    description: str,
    method: str,
    path: str,
    status: int,
    answer: Any,
    client_id: str,
    ip: str,
    user_agent: str,
) -> None:
    """The events of one Management API write: ``ss`` for a user made, then ``sapi``/``fapi``."""
    if operation_id == "post_users" and status == 201 and isinstance(answer, Mapping):
        _signup(tenant, answer, client_id, ip, user_agent)
    details = {
        "request": {"channel": "api", "method": method.lower(), "path": path},
        "response": {"statusCode": status},
    }
    record(
        tenant,
        "sapi" if status < 400 else "fapi",
        description=description,
        client_id=client_id,
        client_name="",
        ip=ip,
        details=details,
        user_agent=user_agent,
    )


def _signup(
    tenant: Tenant, user: Mapping[str, Any], client_id: str, ip: str, user_agent: str
) -> None:
    identities = user.get("identities") or [{}]
    connection_name = identities[0].get("connection")
    with tenant.lock:
        connection = next(
            (c for c in tenant.connections.values() if c.get("name") == connection_name), {}
        )
        client = tenant.clients.get(client_id) or {}
    strategy = connection.get("strategy")
    record(
        tenant,
        "ss",
        connection=connection_name,
        connection_id=connection.get("id"),
        client_id=client_id,
        client_name=client.get("name"),
        ip=ip,
        user_id=user.get("user_id"),
        user_name=user.get("username") or user.get("email"),
        user_agent=user_agent,
        strategy=strategy,
        strategy_type="database" if strategy == "auth0" else strategy,
    )
