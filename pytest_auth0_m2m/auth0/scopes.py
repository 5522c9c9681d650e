"""The Management API scope catalogue, operation matching, and ``mgmt_scopes`` marker arguments.

The catalogue is generated from Auth0's OpenAPI spec by ``scripts/generate_catalogue.py`` into
``data/catalogue.json`` and loaded once, on first use.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pytest_auth0_m2m.auth0 import insufficient_scope

MANAGEMENT_PREFIX = "/api/v2"


class ScopeError(ValueError):
    """A ``mgmt_scopes`` marker whose arguments are not a valid scope declaration."""


@dataclass(frozen=True)
class Operation:
    """One Management API operation and the scopes it needs.

    ``groups`` is the rule: every group must contain at least one granted scope. A plain
    "any of" operation has one group; "all of" has one group per scope; "mixed" has both.
    """

    method: str
    path: str  # template relative to /api/v2, e.g. "/users/{id}"
    operation_id: str
    mode: str  # "any", "all" or "mixed"
    groups: tuple[tuple[str, ...], ...]

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(s for group in self.groups for s in group)

    def allows(self, granted: Iterable[str]) -> bool:
        have = set(granted)
        return all(have.intersection(group) for group in self.groups)

    def unmet_groups(self, granted: Iterable[str]) -> list[tuple[str, ...]]:
        have = set(granted)
        return [group for group in self.groups if not have.intersection(group)]

    def insufficient_scope_message(self) -> str:
        """Auth0's 403 message for this operation (``insufficient_scope`` owns the grammar)."""
        return insufficient_scope.message(self.groups, self.mode)


_PARAM = re.compile(r"\{[^/}]+\}")


@dataclass(frozen=True)
class _Template:
    """An operation's path template, split into segments for matching."""

    operation: Operation
    segments: tuple[str | None, ...]  # None where the template has a {parameter}
    literal_segments: int

    def matches(self, segments: list[str]) -> bool:
        # Only templates of the same length and first segment are asked (Catalogue._index).
        return all(t is None or t == s for t, s in zip(self.segments, segments, strict=True))


@dataclass
class Catalogue:
    """Every Management API scope (with its description) and every operation."""

    scopes: Mapping[str, str]
    operations: tuple[Operation, ...]
    # (method, number of segments, first segment) -> the templates that can match; a template
    # whose first segment is a parameter is under None. A request asks one short list (a few
    # templates) instead of every template of its length (up to 58).
    _index: dict[tuple[str, int, str | None], list[_Template]] = field(
        default_factory=dict, repr=False
    )
    # The same keys -> their operations, in catalogue order: a key's templates are made when a
    # request first asks for it (a session asks a few keys; every session that checks a marker
    # loads the catalogue).
    _pending: dict[tuple[str, int, str | None], list[Operation]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        for op in self.operations:
            parts = op.path.strip("/").split("/")
            first = None if _PARAM.fullmatch(parts[0]) else parts[0]
            self._pending.setdefault((op.method, len(parts), first), []).append(op)

    def _templates(self, key: tuple[str, int, str | None]) -> list[_Template]:
        templates = self._index.get(key)
        if templates is None:
            if key not in self._pending:
                return []  # no operation there: nothing kept for a path no template has
            templates = []
            for op in self._pending[key]:
                segments = tuple(
                    [None if _PARAM.fullmatch(s) else s for s in op.path.strip("/").split("/")]
                )
                literal = len(segments) - segments.count(None)
                templates.append(_Template(op, segments, literal))
            # A literal segment beats a parameter: /clients/cimd/preview before /clients/{id}/...
            templates.sort(key=lambda t: -t.literal_segments)
            # Whole before it is seen: threads (the emulator's) asking at once make equal lists.
            self._index[key] = templates
        return templates

    def is_scope(self, name: str) -> bool:
        return name in self.scopes

    def nearest(self, name: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(name, list(self.scopes), n=n, cutoff=0.6)

    def match(self, method: str, path: str) -> Operation | None:
        """The operation for ``method`` and a concrete path (with or without ``/api/v2``)."""
        if path.startswith(MANAGEMENT_PREFIX + "/"):
            path = path[len(MANAGEMENT_PREFIX) :]
        segments = path.strip("/").split("/")
        if not all(segments):
            return None  # an empty segment ("//") is no operation's path
        method = method.upper()
        for first in (segments[0], None):
            for template in self._templates((method, len(segments), first)):
                if template.matches(segments):
                    return template.operation
        return None


def _parse(data: Mapping[str, Any]) -> Catalogue:
    operations = tuple(
        Operation(
            method=method,
            path=path,
            operation_id=operation_id,
            mode=mode,
            groups=tuple([tuple(g) for g in groups]),
        )
        for method, path, operation_id, mode, groups in data["operations"]
    )
    return Catalogue(scopes=dict(data["scopes"]), operations=operations)


@functools.cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded on first use."""
    text = resources.files("pytest_auth0_m2m").joinpath("data/catalogue.json").read_text("utf-8")
    return _parse(json.loads(text))


@dataclass(frozen=True)
class ScopeRequest:
    """What a test declared with ``mgmt_scopes``: its scope set and its ``strict=`` choice."""

    scopes: frozenset[str]
    strict: bool | None = None

    def marker_text(self) -> str:
        """The marker that declares exactly these scopes, as a user would write it."""
        args = ", ".join(f'"{s}"' for s in sorted(self.scopes))
        return f"@pytest.mark.mgmt_scopes({args})"


MARKER_FORM = '@pytest.mark.mgmt_scopes("read:users", "update:users", strict=True|False)'


def marker_strict(
    marker: str, kwargs: Mapping[str, object], keywords: frozenset[str], form: str
) -> bool | None:
    """A scope marker's ``strict=`` (True, False or None); ScopeError for an unknown keyword or a
    strict= that is not a bool. Shared by mgmt_scopes and own_apis' m2m_scopes."""
    unknown_kwargs = sorted(set(kwargs) - keywords)
    if unknown_kwargs:
        allowed = ", ".join(f"{k}=" for k in sorted(keywords))
        only = "the only keyword is" if len(keywords) == 1 else "the keywords are"
        raise ScopeError(
            f"{marker} got unknown keyword argument(s) {', '.join(unknown_kwargs)}; "
            f"{only} {allowed}. Expected form: {form}"
        )
    strict = kwargs.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise ScopeError(
            f"{marker} strict= must be True or False, got {strict!r}. Expected form: {form}"
        )
    return strict


def parse_marker_args(args: tuple[object, ...], kwargs: Mapping[str, object]) -> ScopeRequest:
    """Validate a marker's arguments against the catalogue; raise ScopeError with the fix."""
    strict = marker_strict("mgmt_scopes", kwargs, frozenset({"strict"}), MARKER_FORM)
    names: list[str] = []
    for arg in args:
        if not isinstance(arg, str):
            raise ScopeError(
                f"mgmt_scopes arguments must be scope strings, got {arg!r} "
                f"({type(arg).__name__}). Expected form: {MARKER_FORM}"
            )
        if not arg.strip():
            raise ScopeError(
                f"mgmt_scopes got an empty scope string. Expected form: {MARKER_FORM}; "
                "use @pytest.mark.mgmt_scopes() for a token with no scope"
            )
        # "read:users update:users" is how Auth0 writes a scope claim: accept it.
        names.extend(arg.split())
    cat = catalogue()
    for name in names:
        if not cat.is_scope(name):
            nearest = cat.nearest(name)
            hint = (
                f"did you mean {', '.join(repr(s) for s in nearest)}?"
                if nearest
                else "see the Management API scopes in Auth0's docs"
            )
            raise ScopeError(f"mgmt_scopes: {name!r} is not a Management API scope; {hint}")
    return ScopeRequest(scopes=frozenset(names), strict=strict)
