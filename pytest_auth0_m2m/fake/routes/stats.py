"""/stats: figures Auth0 computes from a tenant's activity, here from what the emulator saw.

``active-users`` is a bare JSON number (go-auth0 recording: ``1``): the users whose
``last_login`` falls in the last 30 days. The emulator serves no logins, so only users seeded or
imported with a ``last_login`` count. ``daily`` lists, per UTC day that had activity between
``from`` and ``to`` (YYYYMMDD, both optional), ``{date, logins, signups, leaked_passwords,
created_at, updated_at}``; days without activity are absent, as in Auth0's answer. Its signups
are the day's ``ss`` log events and its logins the ``s`` ones (none: no login is served), so it
covers the days the tenant's log still holds (fake/events.py keeps the newest events).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ..common import Reply, bad_query
from . import Call, HandlerTable

HANDLERS = HandlerTable()
ACTIVE_DAYS = 30
_DAY = re.compile(r"^\d{8}$")


@HANDLERS.route("get_active-users")
def active_users(call: Call) -> Reply:
    since = _dt.datetime.fromtimestamp(
        call.tenant.clock() - ACTIVE_DAYS * 86400, tz=_dt.timezone.utc
    ).strftime("%Y-%m-%dT%H:%M:%S")
    with call.tenant.lock:
        count = sum(
            1 for u in call.tenant.users.values() if str(u.get("last_login") or "") >= since
        )
    return 200, count


def _day(call: Call, name: str) -> str | None:
    raw = call.args.get(name)
    if not raw:
        return None
    try:
        if not _DAY.match(raw):
            raise ValueError(raw)
        return _dt.datetime.strptime(raw, "%Y%m%d").strftime("%Y-%m-%d")
    except ValueError:
        raise bad_query(
            f"'String does not match pattern: ^\\d{{8}}$: {raw}' on property {name}."
        ) from None


@HANDLERS.route("get_daily")
def daily(call: Call) -> Reply:
    low, high = _day(call, "from"), _day(call, "to")
    days: dict[str, dict[str, Any]] = {}
    with call.tenant.lock:
        events = [e for e in call.tenant.logs.values() if e.get("type") in ("s", "ss")]
    for event in events:
        when = str(event["date"])
        day = when[:10]
        if (low is not None and day < low) or (high is not None and day > high):
            continue
        row = days.setdefault(
            day,
            {
                "date": f"{day}T00:00:00.000Z",
                "logins": 0,
                "signups": 0,
                "leaked_passwords": 0,
                "created_at": when,
                "updated_at": when,
            },
        )
        row["signups" if event["type"] == "ss" else "logins"] += 1
        row["updated_at"] = max(row["updated_at"], when)
    return 200, [days[day] for day in sorted(days)]
