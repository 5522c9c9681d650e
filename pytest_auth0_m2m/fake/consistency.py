"""Eventual consistency, as an option: what Auth0's user search and organization member lists see.

Auth0 answers ``GET /api/v2/users`` (list and ``q`` search) and organization member lists from a
search index that trails writes by a moment, while ``GET /users/{id}`` and ``users-by-email``
read the store at once (docs: manage-users/user-search/user-search-best-practices). With a lag
of ``L`` seconds, each write request's effect on the users and memberships becomes visible to
those lists ``L`` seconds after it was answered. The default lag is 0: everything is immediate.

Writes are noticed per Management request (after a non-GET is answered), so no handler has to
report them. Seeding, reset and restore count as already indexed: they set a test's stage.
"""

from __future__ import annotations

import copy
from typing import Any

# A version of a user (None: deleted) or of a member list, and when it was written.
_Versions = list[tuple[float, Any]]
_LONG_AGO = float("-inf")


class SearchIndex:
    def __init__(self) -> None:
        self.lag = 0.0
        self._users: dict[str, _Versions] = {}
        self._members: dict[str, _Versions] = {}

    def rebase(self, users: dict[str, Any], members: dict[str, list[str]]) -> None:
        """The current state as indexed long ago (seen by every search at once)."""
        self._users = {uid: [(_LONG_AGO, copy.deepcopy(u))] for uid, u in users.items()}
        self._members = {oid: [(_LONG_AGO, list(m))] for oid, m in members.items()}

    def record(self, now: float, users: dict[str, Any], members: dict[str, list[str]]) -> None:
        """Note what a write request changed, written at ``now`` (only when there is a lag)."""
        if self.lag <= 0:
            return
        for history, state, clone in (
            (self._users, users, copy.deepcopy),
            (self._members, members, list),
        ):
            _note(history, now, state, clone)
            _forget_before(history, now - self.lag)

    def users(self, now: float, current: dict[str, Any]) -> list[dict[str, Any]]:
        """The users a list or search sees at ``now``, in the store's order."""
        if self.lag <= 0:
            return list(current.values())
        seen = _as_of(self._users, now - self.lag)
        # the store's order; a user deleted but still indexed keeps its place at the end
        order = [*(uid for uid in current if uid in seen), *(u for u in seen if u not in current)]
        return [seen[uid] for uid in order]

    def members(self, now: float, current: dict[str, list[str]], org_id: str) -> list[str]:
        """An organization's member ids as its member list sees them at ``now``."""
        if self.lag <= 0:
            return list(current.get(org_id, []))
        return list(_as_of(self._members, now - self.lag).get(org_id) or [])


def _note(history: dict[str, _Versions], now: float, state: dict[str, Any], clone: Any) -> None:
    for key, value in state.items():
        versions = history.setdefault(key, [])
        if not versions or versions[-1][1] != value:
            versions.append((now, clone(value)))
    for key, versions in history.items():
        if key not in state and versions[-1][1] is not None:
            versions.append((now, None))


def _forget_before(history: dict[str, _Versions], moment: float) -> None:
    """Drop the versions no search can see any more: all but the last before ``moment``."""
    for key in list(history):
        versions = history[key]
        past = sum(1 for written, _ in versions if written <= moment)
        if past > 1:
            del versions[: past - 1]
        if len(versions) == 1 and versions[0][1] is None and versions[0][0] <= moment:
            del history[key]  # deleted, and indexed as deleted


def _as_of(history: dict[str, _Versions], moment: float) -> dict[str, Any]:
    """Each key's latest version written at or before ``moment`` (absent or deleted: left out)."""
    seen: dict[str, Any] = {}
    for key, versions in history.items():
        visible = [value for written, value in versions if written <= moment]
        if visible and visible[-1] is not None:
            seen[key] = visible[-1]
    return seen
