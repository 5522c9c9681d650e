"""How the least-privilege reports word a test's findings: one text for the Management API report
(least_privilege/analysis.py) and the own-API one (own_apis/usage.py), so the two read alike and
change together."""

from __future__ import annotations

from collections.abc import Iterable


def unused(scopes: Iterable[str], narrower: str | None) -> str:
    """A summary part: the declared scopes the test's requests did not need."""
    return f"unused {', '.join(sorted(scopes))} (narrower: {narrower})"


def missing(needed: str, where: str) -> str:
    """A summary part: a request refused for a scope the test did not declare."""
    return f"missing {needed} for {where}"


def unknown(api: str, where: str) -> str:
    """A summary part: a request to no operation of the API."""
    return f"unknown {api} path {where}"


def test_line(label: str, parts: list[str]) -> str | None:
    """A test's summary line, or None when there is nothing to say."""
    return f"{label}: {'; '.join(parts)}" if parts else None


def strict_lines(what: str, scopes: Iterable[str], nodeid: str, narrower: str) -> list[str]:
    """The first lines of strict mode's teardown failure; the caller adds how to opt out.

    The first line is what pytest's short summary shows, cut to the terminal's width: the scopes
    come first, the test's id (pytest prints it beside) not at all.
    """
    return [
        f"unused {what}: {', '.join(sorted(scopes))} (--mgmt-scopes-strict)",
        f"{nodeid} declares scopes its requests did not need. Declare only the scopes it uses:",
        f"    {narrower}",
    ]


def observed(count: int, of: str, unused: int, missing: int) -> str:
    """The totals line's start: how many tests were observed and with what."""
    return (
        f"{count} test{'' if count == 1 else 's'}{of} observed: {unused} with unused scopes, "
        f"{missing} missing scopes"
    )
