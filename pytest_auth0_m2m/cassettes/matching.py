"""Replay's request matching: a recorded ``REDACTED`` stands for whatever value was there.

Redaction replaces a value it knows is secret wherever it reappears in the session, URLs
included (a password a test created a user with, sent again in a search). A replay of that test
alone, or on another xdist worker, may not have seen the value's first appearance, so it cannot
redact it the same way before matching: its request holds the value where the cassette holds
``REDACTED``. These matchers, registered under vcrpy's own names ``path`` and ``query`` (public
``VCR.register_matcher``), match such a place whatever it holds; everything else is compared
exactly, as vcrpy's matchers do.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from pytest_auth0_m2m.auth0.secret_fields import REDACTED


@functools.lru_cache(maxsize=4096)
def _pattern(recorded: str) -> re.Pattern[str] | None:
    """``recorded`` as a pattern where each ``REDACTED`` matches one or more characters (a
    redacted value may have held a "/"); None when it holds no ``REDACTED``."""
    if REDACTED not in recorded:
        return None
    return re.compile(".+".join(re.escape(part) for part in recorded.split(REDACTED)), re.S)


def same_text(sent: str, recorded: str) -> bool:
    """Whether a sent path or query value matches a recorded one."""
    if sent == recorded:
        return True
    pattern = _pattern(recorded)
    return pattern is not None and pattern.fullmatch(sent) is not None


def _path(request: Any) -> str:
    return str(request.path) or "/"  # RFC 3986 section 6.2.3, as vcrpy normalizes it


def path(r1: Any, r2: Any) -> None:
    """vcrpy's ``path`` matcher, with a recorded ``REDACTED`` standing for any value."""
    sent, recorded = _path(r1), _path(r2)
    if not (same_text(sent, recorded) or same_text(recorded, sent)):
        raise AssertionError(f"{sent} != {recorded}")


def query(r1: Any, r2: Any) -> None:
    """vcrpy's ``query`` matcher, with a recorded ``REDACTED`` value standing for any value."""
    sent, recorded = list(r1.query), list(r2.query)
    if sent == recorded:
        return
    if len(sent) != len(recorded) or any(
        a[0] != b[0] or not (same_text(a[1], b[1]) or same_text(b[1], a[1]))
        for a, b in zip(sent, recorded, strict=True)
    ):
        raise AssertionError(f"{sent} != {recorded}")
