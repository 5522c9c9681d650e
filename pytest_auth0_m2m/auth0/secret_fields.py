"""The secret-field catalogue: which request and response fields of Auth0's APIs hold a credential.

Generated from Auth0's Management and Authentication API specs by
``scripts/generate_secret_fields.py`` into ``data/secret_fields.json`` and loaded once, on first
use. A field path is dotted (``sink.httpAuthorization``), ``*`` stands for any key of a map and
``[*]`` for the items of an array (``[*].ticket_id``); a path naming an object or array makes
everything under it secret. ``names`` are the last names of every secret path except generic
ones (``value``, ``code``, ...): they are secret wherever they appear, also when no operation
matches.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pytest_auth0_m2m.auth0.scopes import MANAGEMENT_PREFIX, Catalogue, Operation, catalogue

# What a redacted value becomes; the guard and ``audit`` treat it as a placeholder.
REDACTED = "REDACTED"

ITEMS = "[*]"
ANY_KEY = "*"


@dataclass
class PathTree:
    """Secret field paths as a tree: ``children`` by key (``*``, ``[*]`` included); a node that
    ends a path is ``secret`` (its whole value is)."""

    secret: bool = False
    children: dict[str, PathTree] = field(default_factory=dict)

    @classmethod
    def of(cls, paths: Iterable[str]) -> PathTree:
        root = cls()
        for path in paths:
            node = root
            for part in split_path(path):
                node = node.children.setdefault(part, cls())
            node.secret = True
        return root

    def key(self, name: str) -> list[PathTree]:
        """The subtrees for a mapping's key ``name`` (its own and any-key's)."""
        found = []
        for part in (name, ANY_KEY):
            child = self.children.get(part)
            if child is not None:
                found.append(child)
        return found

    def items(self) -> PathTree | None:
        """The subtree for an array's items."""
        return self.children.get(ITEMS)

    def __bool__(self) -> bool:
        return self.secret or bool(self.children)


_PART = re.compile(r"\[\*\]|[^.\[]+")


def split_path(path: str) -> list[str]:
    """``"[*].sink.a"`` -> ``["[*]", "sink", "a"]``."""
    return _PART.findall(path)


@dataclass(frozen=True)
class SecretFields:
    """One operation's secret fields (or none, for a path no operation matches)."""

    operation: str  # "POST /users" (Management, relative to /api/v2) or "POST /oauth/token"
    request: tuple[str, ...] = ()  # body field paths, JSON, form and multipart alike
    query: frozenset[str] = frozenset()  # query parameter names
    response: tuple[str, ...] = ()  # response body field paths

    # The trees are made when a request of the operation is first redacted or guarded: a
    # session asks a few operations of the catalogue's 500, and every one it keeps is work for
    # the garbage collector. (cached_property writes the instance's __dict__: frozen allows it.)
    @functools.cached_property
    def request_tree(self) -> PathTree:
        return PathTree.of(self.request)

    @functools.cached_property
    def response_tree(self) -> PathTree:
        return PathTree.of(self.response)


NO_FIELDS = SecretFields(operation="")


class SecretCatalogue:
    """Every operation's secret fields, indexed once; ``fields`` is the per-request lookup."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.names: frozenset[str] = frozenset(data["names"])
        self.management: dict[str, SecretFields] = _parse_api(data["management"])
        self.authentication: dict[str, SecretFields] = _parse_api(data["authentication"])
        self._auth_router = Catalogue(
            scopes={},
            operations=tuple(
                Operation(
                    method=k.split(" ", 1)[0],
                    path=k.split(" ", 1)[1],
                    operation_id=k,
                    mode="any",
                    groups=(),
                )
                for k in self.authentication
            ),
        )
        self._cache: dict[tuple[str, str], SecretFields] = {}

    @functools.cached_property
    def any_response_tree(self) -> PathTree:
        """For a response whose request is unknown: every operation's response paths at once."""
        return PathTree.of(
            path
            for api in (self.management, self.authentication)
            for f in api.values()
            for path in f.response
        )

    def operations(self) -> int:
        return len(self.management) + len(self.authentication)

    def paths(self) -> int:
        return sum(
            len(f.request) + len(f.query) + len(f.response)
            for api in (self.management, self.authentication)
            for f in api.values()
        )

    def fields(self, method: str, path: str) -> SecretFields:
        """The secret fields of the operation ``method path`` (a concrete request path, with or
        without ``/api/v2``, query string ignored); ``NO_FIELDS`` when none matches."""
        path = path.split("?", 1)[0].split("#", 1)[0]
        key = (method.upper(), path)
        found = self._cache.get(key)
        if found is not None:
            return found
        found = NO_FIELDS
        auth = self._auth_router.match(method, path)
        if auth is not None and not path.startswith(MANAGEMENT_PREFIX + "/"):
            found = self.authentication[auth.operation_id]
        else:
            op = catalogue().match(method, path)
            if op is not None:
                found = self.management.get(f"{op.method} {op.path}", NO_FIELDS)
        if len(self._cache) < 4096:  # concrete paths hold ids: bounded
            self._cache[key] = found
        return found

    def is_secret_name(self, name: str) -> bool:
        return name in self.names

    def secret_values(
        self, document: Any, tree: PathTree | None = None
    ) -> Iterator[tuple[str, str]]:
        """``(field path, value)`` for every non-empty string of a parsed JSON ``document``
        under a secret field: one of ``tree``'s paths (an operation's ``request_tree`` or
        ``response_tree``; ``any_response_tree`` for a response of an unknown operation) or a
        key in ``names``. Paths are concrete (``users[0].password``). For the guard and audit:
        a value that is not ``REDACTED`` (or another placeholder) there is a leak."""
        yield from self._values(document, "", [tree] if tree is not None else [], tree is None)

    def _values(
        self,
        value: Any,
        path: str,
        nodes: list[PathTree],
        unknown: bool,
        secret: bool = False,
        named: bool = False,
    ) -> Iterator[tuple[str, str]]:
        # ``secret``: under a secret path, everything below is secret. ``named``: the key is a
        # secret name, which makes its string (or its list's strings) secret. Under a known
        # operation its paths say which objects are secret, so an object under a secret name (a
        # client's ``refresh_token`` settings) is judged by its own keys; under an unknown one
        # (``unknown``) a secret name makes everything below it secret.
        if isinstance(value, dict):
            for key, item in value.items():
                below = [child for node in nodes for child in node.key(str(key))]
                named_here = str(key) in self.names
                is_secret = secret or any(n.secret for n in below) or (named_here and unknown)
                yield from self._values(
                    item,
                    f"{path}.{key}" if path else str(key),
                    below,
                    unknown,
                    is_secret,
                    named_here,
                )
        elif isinstance(value, list):
            below = [item for item in (node.items() for node in nodes) if item is not None]
            is_secret = secret or any(n.secret for n in below)
            for i, item in enumerate(value):
                yield from self._values(item, f"{path}[{i}]", below, unknown, is_secret, named)
        elif isinstance(value, str) and value and (secret or named):
            yield path, value


def _parse_api(ops: Mapping[str, Any]) -> dict[str, SecretFields]:
    return {
        key: SecretFields(
            operation=key,
            request=tuple(entry["request"]),
            query=frozenset(entry["query"]),
            response=tuple(entry["response"]),
        )
        for key, entry in ops.items()
    }


@functools.cache
def secret_catalogue() -> SecretCatalogue:
    """The packaged secret-field catalogue, loaded on first use."""
    text = (
        resources.files("pytest_auth0_m2m").joinpath("data/secret_fields.json").read_text("utf-8")
    )
    return SecretCatalogue(json.loads(text))


def secret_names() -> frozenset[str]:
    """Field names secret wherever they appear (the fallback for an unknown path)."""
    return secret_catalogue().names
