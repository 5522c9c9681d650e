"""Resource handlers by operation_id: the hand-written families first, then the spec-driven
engine (routes/engine.py) for every other operation it has facts for; the rest are answered
"not emulated" after auth (fake/server.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ...auth0.scopes import Operation
from ..common import JSON, Reply, bad_body, json_type, mgmt_error, parse_json
from ..tenant import Tenant
from ..validation import form_body, validate_body


@dataclass
class Call:
    """One authorised Management API request, as a handler sees it."""

    tenant: Tenant
    operation: Operation
    params: dict[str, str]
    args: MultiDict[str, str]
    raw_body: bytes
    content_type: str
    scopes: frozenset[str]
    client_id: str

    def json(self) -> JSON:
        """The body as JSON, or Auth0's 400 when it does not parse; a form-encoded body (which
        the spec allows for every JSON body) is read as the same object, or a 415 for any other
        media type."""
        if not self.raw_body.strip():
            return {}
        media = self.content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            return form_body(self.operation.operation_id, self.raw_body)
        if media and not (media == "application/json" or media.endswith("+json")):
            raise mgmt_error(
                415,
                f"Unsupported Media Type: expected application/json, got {media}",
                "unsupported_media_type",
            )
        return parse_json(self.raw_body)

    def body(self) -> dict[str, Any]:
        """The body validated against this operation's request schema (an object)."""
        checked = validate_body(self.operation.operation_id, self.json())
        if not isinstance(checked, dict):
            raise bad_body(f"'Expected type object but found type {json_type(checked)}'.")
        return checked

    def body_items(self) -> list[Any]:
        """The body of an operation whose schema is an array, validated against it."""
        checked = validate_body(self.operation.operation_id, self.json())
        if not isinstance(checked, list):
            raise bad_body(f"'Expected type array but found type {json_type(checked)}'.")
        return checked


Handler = Callable[[Call], Reply]


def handlers() -> dict[str, Handler]:
    """Every emulated operation's handler (a fresh dict: tables are per module, read-only)."""
    from . import (
        actions,
        authentication_methods,
        client_grants,
        clients,
        connections,
        custom_domains,
        grants,
        guardian,
        jobs,
        logs,
        member_roles,
        organizations,
        resource_servers,
        roles,
        signing_keys,
        stats,
        tickets,
        users,
    )

    table: dict[str, Handler] = {}
    for module in (
        clients,
        client_grants,
        resource_servers,
        users,
        roles,
        connections,
        organizations,
        member_roles,
        actions,
        custom_domains,
        logs,
        stats,
        grants,
        tickets,
        jobs,
        guardian,
        authentication_methods,
        signing_keys,
    ):
        table.update(module.HANDLERS)
    from ...auth0.scopes import catalogue
    from . import engine

    for operation in catalogue().operations:
        if operation.operation_id not in table:  # hand-written handlers keep priority
            fallback = engine.handler(operation.operation_id)
            if fallback is not None:
                table[operation.operation_id] = fallback
    return table


class HandlerTable(dict[str, Handler]):
    """One resource family's handlers by operation_id, filled by its ``route`` decorator."""

    def route(self, operation_id: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self[operation_id] = handler
            return handler

        return decorate
