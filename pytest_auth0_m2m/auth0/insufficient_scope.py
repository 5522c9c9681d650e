"""Auth0's 403 ``insufficient_scope`` answer, both ways: written from a scope rule, read back.

The one place that knows its grammar (docs/auth0-wire.md, "Management API errors"):

- ``Insufficient scope, expected any of: a,b``  (any one of the scopes)
- ``Insufficient scope, expected all of: a,b``  (every scope)
- ``Insufficient scope, expected: a and any of: b or c``  (the mixed rule of a few operations)

Scopes are joined with a comma and no space. A rule is a tuple of groups: every group must hold
at least one granted scope. The emulator writes with :func:`message`; the Management client,
the least-privilege report and replay read with :func:`parse`.
"""

from __future__ import annotations

import re
from typing import Any

Groups = tuple[tuple[str, ...], ...]

ERROR_CODE = "insufficient_scope"
_PREFIX = "Insufficient scope, expected"
# "expected any of: ...", "expected all of: ...", or "expected: ..." (mixed); Auth0 has been
# seen to flatten a mixed rule under "any of" / "all of" too, so the body is read the same way.
_EXPECTED = re.compile(r"expected(?:\s+(?P<kind>any|all)\s+of)?:\s*(?P<rest>.+?)\s*\.?\s*$", re.S)
_AND = re.compile(r"\s+and\s+(?:any\s+of:\s*)?")


def mode_of(groups: Groups) -> str:
    """``any`` (one group), ``all`` (single-scope groups only) or ``mixed``."""
    if len(groups) <= 1:
        return "any"
    return "all" if all(len(g) == 1 for g in groups) else "mixed"


def message(groups: Groups, mode: str | None = None) -> str:
    """Auth0's message for a rule. ``mode`` is the spec's word for a one-scope rule ("all")."""
    mode = mode or mode_of(groups)
    if mode == "mixed":
        required = [g[0] for g in groups if len(g) == 1]
        alternatives = [" or ".join(g) for g in groups if len(g) > 1]
        return f"{_PREFIX}: {','.join(required)} and any of: {' and any of: '.join(alternatives)}"
    if mode == "all":
        return f"{_PREFIX} all of: {','.join(sorted(s for g in groups for s in g))}"
    return f"{_PREFIX} any of: {','.join(groups[0] if groups else ())}"


def body(groups: Groups, mode: str | None = None) -> dict[str, Any]:
    """The whole JSON body of the 403, as the Management API sends it."""
    return {
        "statusCode": 403,
        "error": "Forbidden",
        "message": message(groups, mode),
        "errorCode": ERROR_CODE,
    }


# The Management API answers its errors as JSON in UTF-8 (docs/auth0-wire.md); the other headers
# Auth0 sends (rate limits, Date, ...) are never kept in a cassette, so replay has none either.
CONTENT_TYPE = "application/json; charset=utf-8"
REASON = "Forbidden"


def headers() -> dict[str, str]:
    """The headers of the 403 that a cassette would hold (the rest are never recorded)."""
    return {"Content-Type": CONTENT_TYPE}


def _names(text: str) -> tuple[str, ...]:
    return tuple(n for n in re.split(r"\s*(?:,|\bor\b|\s)\s*", text.strip()) if n)


def parse(text: str) -> Groups | None:
    """The rule named by a 403 message, or None when the message names none."""
    found = _EXPECTED.search(text)
    if found is None:
        return None
    kind, rest = found.group("kind"), found.group("rest")
    parts = _AND.split(rest)
    if len(parts) == 1:
        names = _names(rest)
        if not names:
            return None
        return tuple((n,) for n in names) if kind == "all" else (names,)
    # Mixed: every scope before the first "and" is required; each part after it is a group.
    groups: list[tuple[str, ...]] = [(n,) for n in _names(parts[0])]
    groups.extend(_names(p) for p in parts[1:] if _names(p))
    return tuple(groups)


def is_insufficient_scope(answer: Any) -> bool:
    """Whether a Management API JSON answer is the 403 ``insufficient_scope`` one."""
    return isinstance(answer, dict) and answer.get("errorCode") == ERROR_CODE


def scopes_named(text: str) -> tuple[str, ...]:
    """Every scope a 403 message names, in order, each once (for "add this scope" hints)."""
    groups = parse(text) or ()
    return tuple(dict.fromkeys(s for g in groups for s in g))
