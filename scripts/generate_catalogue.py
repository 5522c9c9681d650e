"""Generate the packaged data read from Auth0's Management API OpenAPI spec.

Usage: ``python scripts/generate_catalogue.py [SPEC] [OUT_DIR]``; with ``--check`` it writes
nothing and exits 1 when a committed file differs from what the spec gives. It writes, into
``pytest_auth0_m2m/data/`` by default:

- ``catalogue.json``, the scope catalogue. Each operation's scope rule is read from two places:
  the ``oAuth2ClientCredentials`` security requirement (the authoritative scope names) and the
  403 descriptions, which say whether the operation wants *any* of them, *all* of them, or a
  mix ("read:connections and any of: ..."). A rule is stored as a list of groups: every group
  must be satisfied by at least one of its scopes.
- ``fake_schemas.json``, what the emulator validates (``pytest_auth0_m2m/fake/schemas.py``): for
  the request bodies of the write operations it emulates, the required property names, whether
  unknown properties are allowed, and each top-level property's JSON types and the description
  Auth0 quotes in its 400 messages; and, for every operation, the length limits the spec puts on
  path parameters.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "specs" / "auth0" / "management-api-oas.json"
DEFAULT_OUT_DIR = ROOT / "pytest_auth0_m2m" / "data"
CATALOGUE_FILE = "catalogue.json"
FAKE_SCHEMAS_FILE = "fake_schemas.json"
METHODS = ("get", "post", "put", "patch", "delete")
SCOPE_RE = re.compile(r"[a-z_]+:[a-z_\-]+")


def _scope_descriptions(response: dict[str, Any]) -> list[str]:
    return [
        str(v)
        for k, v in sorted(response.items())
        if (k == "description" or k.startswith("x-description")) and "scope" in str(v).lower()
    ]


def scope_rule(security: list[str], descriptions: list[str]) -> tuple[str, list[list[str]]]:
    """Return ``(mode, groups)`` for an operation: mode is ``any``, ``all`` or ``mixed``."""
    granted = set(security)
    for text in descriptions:
        if "and any of:" in text:
            head, tail = text.split("and any of:", 1)
            required = [s for s in SCOPE_RE.findall(head) if s in granted]
            alternatives = [s for s in SCOPE_RE.findall(tail) if s in granted]
            if required and alternatives:
                return "mixed", [[s] for s in required] + [alternatives]
        named = [s for s in SCOPE_RE.findall(text) if s in granted]
        says_all = "all of" in text or (" and " in text and "any of" not in text)
        if says_all and len(named) > 1 and set(named) == granted:
            return "all", [[s] for s in security]
    if not security:
        return "any", []
    return "any", [list(security)]


def build(spec: dict[str, Any]) -> dict[str, Any]:
    flows = spec["components"]["securitySchemes"]["oAuth2ClientCredentials"]["flows"]
    scopes = dict(sorted(flows["clientCredentials"]["scopes"].items()))
    operations: list[list[Any]] = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            security: list[str] = []
            for requirement in op.get("security", []):
                security.extend(requirement.get("oAuth2ClientCredentials", []))
            forbidden = op.get("responses", {}).get("403", {})
            mode, groups = scope_rule(security, _scope_descriptions(forbidden))
            operations.append([method.upper(), path, op.get("operationId", ""), mode, groups])
    operations.sort(key=lambda o: (o[1], o[0]))
    return {
        "source": "Auth0 Management API v2 OpenAPI spec (management-api-oas.json)",
        "info_version": spec.get("info", {}).get("version", ""),
        "scopes": scopes,
        "operations": operations,
    }


def render(catalogue: dict[str, Any]) -> str:
    # One operation a line: compact, yet diffs of a spec update stay readable.
    lines = ["{"]
    lines.append(f'"source": {json.dumps(catalogue["source"])},')
    lines.append(f'"info_version": {json.dumps(catalogue["info_version"])},')
    lines.append('"scopes": {')
    items = list(catalogue["scopes"].items())
    for i, (name, desc) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(desc)}{comma}")
    lines.append("},")
    lines.append('"operations": [')
    ops = catalogue["operations"]
    for i, op in enumerate(ops):
        comma = "," if i < len(ops) - 1 else ""
        lines.append(json.dumps(op, separators=(",", ":")) + comma)
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- emulator schemas -----------------------------------------------------------------------

# The write operations whose request bodies the emulator validates (its routes call
# validate_body with these operation ids); in the order the data file lists them.
FAKE_BODY_OPERATIONS = (
    "post_client-grants",
    "patch_client-grants_by_id",
    "post_clients",
    "patch_clients_by_id",
    "post_connections",
    "patch_connections_by_id",
    "post_organizations",
    "patch_organizations_by_id",
    "delete_members",
    "post_members",
    "post_resource-servers",
    "patch_resource-servers_by_id",
    "post_roles",
    "patch_roles_by_id",
    "delete_role_permission_assignment",
    "post_role_permission_assignment",
    "post_role_users",
    "post_users",
    "patch_users_by_id",
    "delete_user_roles",
    "post_user_roles",
)
# Long descriptions are cut at a word boundary so a 400 message stays one readable line.
DESCRIPTION_MAX = 160
ELLIPSIS = "..."


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` to its target; the target's keywords win over the reference's siblings.

    That is OpenAPI 3.0's reading (siblings of ``$ref`` ignored), the one the emulator's
    descriptions have always used: where Auth0's spec puts a more specific description next to a
    ``$ref`` (e.g. ``mobile`` on client updates), the emulator quotes the referenced schema's.
    """
    seen: set[str] = set()
    while "$ref" in node:
        ref = str(node["$ref"])
        if not ref.startswith("#/") or ref in seen:
            raise ValueError(f"cannot resolve $ref {ref!r}: expected a local, acyclic reference")
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def short_description(text: str) -> str:
    if len(text) <= DESCRIPTION_MAX:
        return text
    return text[: DESCRIPTION_MAX - len(ELLIPSIS)].rsplit(" ", 1)[0] + ELLIPSIS


def _json_types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _operations_by_id(spec: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """operationId -> (path item, operation), in the spec's order."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in METHODS and "operationId" in op:
                found[op["operationId"]] = (item, op)
    return found


def body_schema(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """One operation's request body as the emulator checks it."""
    content = _resolve(spec, op["requestBody"])["content"]["application/json"]
    body = _resolve(spec, content["schema"])
    properties = {}
    for name, prop in body.get("properties", {}).items():
        resolved = _resolve(spec, prop)
        properties[name] = [
            _json_types(resolved),
            short_description(str(resolved.get("description", ""))),
        ]
    return {
        "required": list(body.get("required", [])),
        "additional_properties": body.get("additionalProperties", True) is not False,
        "properties": properties,
    }


def path_limits(spec: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """Path parameters the spec constrains: name -> [minLength, maxLength, pattern, description]."""
    limits: dict[str, Any] = {}
    for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
        param = _resolve(spec, raw)
        if param.get("in") != "path":
            continue
        schema = _resolve(spec, param.get("schema", {}))
        low, high, pattern = (schema.get(k) for k in ("minLength", "maxLength", "pattern"))
        if low is None and high is None and pattern is None:
            continue
        limits[param["name"]] = [low, high, pattern, str(param.get("description", ""))]
    return limits


def build_fake_schemas(spec: dict[str, Any]) -> dict[str, Any]:
    operations = _operations_by_id(spec)
    missing = [oid for oid in FAKE_BODY_OPERATIONS if oid not in operations]
    if missing:
        raise ValueError(f"the spec has no operation(s) {missing}: update FAKE_BODY_OPERATIONS")
    bodies = {oid: body_schema(spec, operations[oid][1]) for oid in FAKE_BODY_OPERATIONS}
    path_params = {}
    for oid, (item, op) in operations.items():
        limits = path_limits(spec, item, op)
        if limits:
            path_params[oid] = limits
    return {
        "source": "Auth0 Management API v2 OpenAPI spec (management-api-oas.json)",
        "generated_by": "scripts/generate_catalogue.py",
        "info_version": spec.get("info", {}).get("version", ""),
        "bodies": bodies,
        "path_params": path_params,
    }


def _dump(value: Any) -> str:
    return json.dumps(value)


def render_fake_schemas(data: dict[str, Any]) -> str:
    # One property (and one operation's path limits) a line, like the catalogue.
    lines = ["{"]
    for key in ("source", "generated_by", "info_version"):
        lines.append(f"{_dump(key)}: {_dump(data[key])},")
    lines.append('"bodies": {')
    bodies = list(data["bodies"].items())
    for i, (oid, body) in enumerate(bodies):
        lines.append(
            f'{_dump(oid)}: {{"required": {_dump(body["required"])}, '
            f'"additional_properties": {_dump(body["additional_properties"])}, "properties": {{'
        )
        props = list(body["properties"].items())
        for j, (name, prop) in enumerate(props):
            comma = "," if j < len(props) - 1 else ""
            lines.append(f"  {_dump(name)}: {_dump(prop)}{comma}")
        lines.append("}}," if i < len(bodies) - 1 else "}}")
    lines.append("},")
    lines.append('"path_params": {')
    params = list(data["path_params"].items())
    for i, (oid, limits) in enumerate(params):
        comma = "," if i < len(params) - 1 else ""
        lines.append(f"{_dump(oid)}: {_dump(limits)}{comma}")
    lines.append("}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def outputs(spec: dict[str, Any]) -> dict[str, str]:
    """File name (in the data directory) -> the text the spec gives it."""
    return {
        CATALOGUE_FILE: render(build(spec)),
        FAKE_SCHEMAS_FILE: render_fake_schemas(build_fake_schemas(spec)),
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    spec_path = Path(args[0]) if args else DEFAULT_SPEC
    out_dir = Path(args[1]) if len(args) > 1 else DEFAULT_OUT_DIR
    texts = outputs(json.loads(spec_path.read_text(encoding="utf-8")))
    if check:
        stale = [
            out_dir / name
            for name, text in texts.items()
            if not (out_dir / name).exists() or (out_dir / name).read_text("utf-8") != text
        ]
        for path in stale:
            print(f"{path} is out of date: run python scripts/generate_catalogue.py")
        if stale:
            return 1
        print(f"{', '.join(texts)} in {out_dir} are in sync with {spec_path}")
        return 0
    for name, text in texts.items():
        (out_dir / name).write_text(text, encoding="utf-8")
        print(f"wrote {out_dir / name}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
