"""An API's operations and the scopes they need, from its OpenAPI document's ``security``.

OpenAPI's rule: an operation's ``security`` (else the document's) lists alternatives; one
alternative is met when every scope it names is granted. An empty list, or an empty
alternative, means the operation needs no scope.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{[^/}]+\}")


class OpenApiError(ValueError):
    """An OpenAPI document that cannot be read or has no usable ``security``."""


@dataclass(frozen=True)
class ApiOperation:
    """One operation of the user's API and the scope sets that each allow it."""

    method: str
    path: str  # the template, e.g. "/orders/{id}"
    alternatives: tuple[frozenset[str], ...]

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(s for alt in self.alternatives for s in alt)

    def allows(self, granted: Iterable[str]) -> bool:
        have = set(granted)
        return not self.alternatives or any(alt <= have for alt in self.alternatives)

    def label(self) -> str:
        return f"{self.method} {self.path}"

    def _segments(self) -> list[str | None]:
        return [None if _PARAM.fullmatch(s) else s for s in self.path.strip("/").split("/")]

    def matches(self, method: str, path: str) -> bool:
        if method.upper() != self.method:
            return False
        template = self._segments()
        segments = path.split("?", 1)[0].strip("/").split("/")
        return len(template) == len(segments) and all(
            t is None or t == s for t, s in zip(template, segments, strict=True)
        )


@dataclass(frozen=True)
class ApiDocument:
    """What the plugin uses of an OpenAPI document: its scopes and its operations."""

    scopes: frozenset[str]
    operations: tuple[ApiOperation, ...]

    def match(self, method: str, path: str, base_path: str = "") -> ApiOperation | None:
        """The operation for a request path (``base_path``, the server's prefix, removed)."""
        if base_path and path.startswith(base_path.rstrip("/") + "/"):
            path = path[len(base_path.rstrip("/")) :]
        # A literal segment beats a parameter: /orders/mine before /orders/{id}.
        candidates = [op for op in self.operations if op.matches(method, path)]
        if not candidates:
            return None
        return max(candidates, key=lambda op: sum(s is not None for s in op._segments()))


def _alternatives(security: Any, where: str) -> tuple[frozenset[str], ...]:
    if not isinstance(security, list):
        raise OpenApiError(f"{where}: security must be a list of requirement objects")
    alternatives: list[frozenset[str]] = []
    for requirement in security:
        if not isinstance(requirement, Mapping):
            raise OpenApiError(f"{where}: a security requirement must be an object")
        scopes: set[str] = set()
        for scheme, names in requirement.items():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise OpenApiError(f"{where}: security scheme {scheme!r} needs a list of scopes")
            scopes.update(names)
        alternatives.append(frozenset(scopes))
    return tuple(alternatives)


def _scheme_scopes(document: Mapping[str, Any]) -> set[str]:
    """Scopes the document's OAuth2 security schemes define (``flows.*.scopes``)."""
    found: set[str] = set()
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme in schemes.values() if isinstance(schemes, Mapping) else ():
        flows = scheme.get("flows") if isinstance(scheme, Mapping) else None
        for flow in flows.values() if isinstance(flows, Mapping) else ():
            scopes = flow.get("scopes") if isinstance(flow, Mapping) else None
            if isinstance(scopes, Mapping):
                found.update(str(s) for s in scopes)
    return found


def parse(document: Mapping[str, Any], source: str = "the OpenAPI document") -> ApiDocument:
    """The operations of an OpenAPI 3 document and every scope it names."""
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        raise OpenApiError(f"{source} has no paths")
    default = document.get("security", [])
    operations: list[ApiOperation] = []
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            where = f"{source}: {method.upper()} {path}"
            security = operation.get("security", default)
            operations.append(
                ApiOperation(method.upper(), str(path), _alternatives(security, where))
            )
    scopes = _scheme_scopes(document) | {s for op in operations for s in op.scopes}
    return ApiDocument(frozenset(scopes), tuple(operations))


def load(path: Path) -> ApiDocument:
    """Read an OpenAPI document (JSON, or YAML when PyYAML is installed) from ``path``."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise OpenApiError(f"cannot read the OpenAPI document {path}: {exc.strerror}") from None
    data: Any
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # vcrpy depends on PyYAML, so it is installed with the plugin

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise OpenApiError(f"the OpenAPI document {path} is not valid YAML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise OpenApiError(f"the OpenAPI document {path} is not valid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise OpenApiError(f"the OpenAPI document {path} is not an object")
    return parse(data, str(path.name))
