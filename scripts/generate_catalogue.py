"""Generate the packaged data read from Auth0's Management API OpenAPI spec.

Usage: ``python scripts/generate_catalogue.py [SPEC] [OUT_DIR]``; with ``--check`` it writes
nothing and exits 1 when a committed file differs from what the spec gives. It writes, into
``pytest_auth0_m2m/data/`` by default:

- ``catalogue.json``, the scope catalogue. Each operation's scope rule is read from two places:
  the ``oAuth2ClientCredentials`` security requirement (the authoritative scope names) and the
  403 descriptions, which say whether the operation wants *any* of them, *all* of them, or a
  mix ("read:connections and any of: ..."). A rule is stored as a list of groups: every group
  must be satisfied by at least one of its scopes.
- ``fake_schemas.json``, what the emulator validates (``pytest_auth0_m2m/fake/schemas.py``): the
  JSON Schema of every operation's JSON request body (component schemas in ``definitions``,
  Auth0's unpublished formats and non-validating keywords dropped, descriptions short enough to
  quote in a 400, ``EXTRA_PROPERTIES`` added where recordings show Auth0 accepts more than its
  spec), and, for every operation, the limits the spec puts on path parameters.
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

# Properties Auth0 accepts that the spec does not list: where a real recording and the spec
# disagree the recording wins (terraform provider recordings, test/data/recordings).
EXTRA_PROPERTIES = {
    "post_resource-servers": ("token_lifetime_for_web",),
    "patch_resource-servers_by_id": ("token_lifetime_for_web",),
    "post_connections": ("cross_app_access_resource_app",),
    "patch_connections_by_id": ("cross_app_access_resource_app",),
    # organization-level roles (TestAccRoleOrganizationLevel.yaml)
    "post_roles": ("type", "owner_id"),
    # TestAccDataSourceOrganizations.yaml and ten more: organizations created and updated with
    # is_app_entitlement_active
    "post_organizations": ("is_app_entitlement_active",),
    "patch_organizations_by_id": ("is_app_entitlement_active",),
}
# The same for properties of component schemas (nested bodies), by schema name.
EXTRA_SCHEMA_PROPERTIES = {
    # TestAccNetworkACL*.yaml: Auth0 takes rule.match.auth0_managed (and validates its items)
    "NetworkAclMatch": ("auth0_managed",),
    # TestAccEventStream*.yaml: the webhook's credentials, which the spec's (response) schemas
    # of the request leave out
    "EventStreamWebhookBearerAuth": ("token",),
    "EventStreamWebhookBasicAuth": ("password",),
    "EventStreamWebhookCustomHeaderAuth": ("header_value",),
}
# The formats the emulator checks, as Auth0 does (a recording shows Auth0's 400 for a bad
# email). Auth0's own formats (client-id, strict-https-uri, ...) have no published definition,
# so they are dropped from the generated schemas rather than guessed.
CHECKED_FORMATS = ("email", "date-time", "ipv4", "ipv6")
# Keywords that do not validate anything; dropped to keep the data file small.
UNCHECKED_KEYWORDS = (
    "default",
    "example",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "title",
)
# Long descriptions are cut at a word boundary so a 400 message stays one readable line.
DESCRIPTION_MAX = 160
ELLIPSIS = "..."
SCHEMA_REF = "#/components/schemas/"
DEFINITION_REF = "#/definitions/"


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


def _operations_by_id(spec: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """operationId -> (path item, operation), in the spec's order."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in METHODS and "operationId" in op:
                found[op["operationId"]] = (item, op)
    return found


def _python_compiles(pattern: str) -> bool:
    """Whether the emulator's validator (fastjsonschema, over Python's re) reads the pattern."""
    import fastjsonschema

    try:
        fastjsonschema.compile({"type": "string", "pattern": pattern})
    except (re.error, fastjsonschema.JsonSchemaDefinitionException):
        return False
    return True


def _checked(node: Any, used: set[str]) -> Any:
    """A spec schema as the emulator compiles it: component references point into
    ``definitions`` (their names collected in ``used``), descriptions are short, and keywords
    that check nothing (or that Auth0 does not publish) are gone."""
    if isinstance(node, list):
        return [_checked(item, used) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in UNCHECKED_KEYWORDS or key.startswith("x-"):
            continue
        if key == "$ref":
            ref = str(value)
            if not ref.startswith(SCHEMA_REF):
                raise ValueError(f"cannot compile $ref {ref!r}: expected a component schema")
            used.add(ref[len(SCHEMA_REF) :])
            out[key] = DEFINITION_REF + ref[len(SCHEMA_REF) :]
        elif key == "format":
            if value in CHECKED_FORMATS:
                out[key] = value
        elif key == "pattern" and not _python_compiles(str(value)):
            continue  # an ECMAScript-only pattern (e.g. "[\\w-\\.]"): unchecked, not misread
        elif key == "description" and isinstance(value, str):
            out[key] = short_description(value)
        elif key in ("properties", "patternProperties", "definitions", "$defs"):
            out[key] = {name: _checked(sub, used) for name, sub in value.items()}
        elif key == "oneOf":
            # Auth0 takes a body that more than one alternative describes (its validator picks
            # by the discriminating property; recorded event-stream bodies match two): checked
            # as anyOf, worded as the spec's oneOf.
            out["anyOf"] = _checked(value, used)
            out["$comment"] = "oneOf"
        else:
            out[key] = _checked(value, used)
    return out


def body_schema(spec: dict[str, Any], oid: str, op: dict[str, Any], used: set[str]) -> Any:
    """One operation's JSON request body as a JSON Schema the emulator compiles, with the
    properties of ``EXTRA_PROPERTIES`` allowed."""
    content = _resolve(spec, op["requestBody"])["content"]["application/json"]
    body = _checked(_resolve(spec, content["schema"]), used)
    extra = EXTRA_PROPERTIES.get(oid, ())
    if extra:
        if "properties" not in body:
            raise ValueError(f"{oid}: EXTRA_PROPERTIES needs a body with properties")
        body["properties"].update({name: {} for name in extra if name not in body["properties"]})
    return body


def _definitions(spec: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """The component schemas the bodies refer to, and those they refer to, by name."""
    found: dict[str, Any] = {}
    pending = sorted(used)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        more: set[str] = set()
        found[name] = _checked(spec["components"]["schemas"][name], more)
        extra = EXTRA_SCHEMA_PROPERTIES.get(name, ())
        if extra:
            found[name]["properties"].update({p: {} for p in extra})
        pending.extend(sorted(more - found.keys()))
    return dict(sorted(found.items()))


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
    unknown = [oid for oid in EXTRA_PROPERTIES if oid not in operations]
    if unknown:
        raise ValueError(f"the spec has no operation(s) {unknown}: update EXTRA_PROPERTIES")
    used: set[str] = set()
    bodies = {}
    for oid, (_item, op) in operations.items():
        if "application/json" in _resolve(spec, op.get("requestBody", {})).get("content", {}):
            bodies[oid] = body_schema(spec, oid, op, used)
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
        "definitions": _definitions(spec, used),
        "path_params": path_params,
    }


def _dump(value: Any) -> str:
    return json.dumps(value)


def _table(lines: list[str], name: str, table: dict[str, Any], last: bool = False) -> None:
    """One entry a line, like the catalogue, so a spec update reads as a short diff."""
    lines.append(f"{_dump(name)}: {{")
    entries = list(table.items())
    for i, (key, value) in enumerate(entries):
        comma = "," if i < len(entries) - 1 else ""
        lines.append(f"{_dump(key)}: {_dump(value)}{comma}")
    lines.append("}" if last else "},")


def render_fake_schemas(data: dict[str, Any]) -> str:
    lines = ["{"]
    for key in ("source", "generated_by", "info_version"):
        lines.append(f"{_dump(key)}: {_dump(data[key])},")
    _table(lines, "bodies", data["bodies"])
    _table(lines, "definitions", data["definitions"])
    _table(lines, "path_params", data["path_params"], last=True)
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
