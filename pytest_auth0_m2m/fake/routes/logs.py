"""/logs and /users/{id}/logs: the events the emulated tenant logged (fake/events.py).

As go-auth0's recordings of real tenants show: newest first unless ``sort`` says otherwise; a
bare array unless ``include_totals`` (then ``{start, limit, length, total, logs}``); ``from``
(a log id) with ``take`` pages forward from that event, oldest first, and then ``q`` and
``sort`` are ignored. ``q`` (auth0-python 4.x, go-auth0) and ``search`` (the spec's name, 6.x)
take Auth0's query string syntax, evaluated by fake/user_search.py's Lucene reader.
"""

from __future__ import annotations

from typing import Any

from .. import user_search
from ..common import Reply, bad_query, not_found_error, paginate, query_int, select_fields
from . import Call, HandlerTable
from .users import missing_user

HANDLERS = HandlerTable()
SORTABLE = ("date", "type", "client_id", "user_id", "log_id", "client_name", "user_name")


def _events(call: Call) -> list[dict[str, Any]]:
    with call.tenant.lock:
        return list(call.tenant.logs.values())


def _sorted(events: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    if not sort:
        return list(reversed(events))  # newest first
    field, _, direction = sort.partition(":")
    if field not in SORTABLE or direction not in ("1", "-1"):
        raise bad_query(f"'String does not match pattern: {sort}' on property sort.")
    # ids follow time, so the id breaks ties between events of the same millisecond
    return sorted(
        events,
        key=lambda e: (str(e.get(field) or ""), str(e["log_id"])),
        reverse=direction == "-1",
    )


def _listed(call: Call, events: list[dict[str, Any]]) -> Any:
    args = call.args
    cursor = args.get("from")
    if cursor:
        take = query_int(args, "take", 50, 1, 100)
        later = [e for e in events if str(e["log_id"]) > cursor]
        return select_fields(later[:take], args)
    query = args.get("q") or args.get("search")
    if query:
        events = user_search.search(events, query)
    return paginate(_sorted(events, args.get("sort")), args, "logs", with_length=True)


@HANDLERS.route("get_logs")
def list_logs(call: Call) -> Reply:
    return 200, _listed(call, _events(call))


@HANDLERS.route("get_logs_by_id")
def get_log(call: Call) -> Reply:
    with call.tenant.lock:
        event = call.tenant.logs.get(call.params["id"])
    if event is None:
        # Auth0's message and errorCode here are unconfirmed (no recording of a miss)
        raise not_found_error("The log does not exist.", "inexistent_log")
    return 200, dict(event)


@HANDLERS.route("get_logs_by_user")
def user_logs(call: Call) -> Reply:
    with call.tenant.lock:
        if call.params["id"] not in call.tenant.users:
            raise missing_user()
    events = [e for e in _events(call) if e.get("user_id") == call.params["id"]]
    return 200, paginate(_sorted(events, call.args.get("sort")), call.args, "logs")
