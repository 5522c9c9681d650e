"""Generate data/fake_resources.json: how the emulator's spec-driven engine answers each operation.

The engine (pytest_auth0_m2m/fake/routes/engine.py) answers every operation that has no
hand-written handler. What it needs per operation comes from two inputs, merged here:

- Auth0's Management API spec (specs/auth0/management-api-oas.json): the operation's shape. A path
  ``C`` is a *collection* when ``C/{param}`` exists and ``C`` has a POST or a GET; ``C/{param}`` is
  then its *item*; every other path is a *singleton*, stored per concrete path
  (``/tenants/settings``, ``/guardian/factors/sms``, ``/connections/{id}/directory-provisioning``).
  The spec also gives the success status, the list's paging style (plain array, a wrapper object
  and its keys, when ``include_totals`` switches to the wrapper) and the id parameter.
- Facts taken from the terraform provider's recordings of real tenants (specs/auth0/
  recorded-resource-facts.json, written by ``--derive MIRROR``): the status Auth0 answered, the id
  key and id style of created resources, the keys Auth0 adds to a created resource and a
  singleton's answer before anything was written to it. Only facts are kept, and only values that
  cannot carry a tenant's data: booleans, numbers, null, strings that are enum values in the spec;
  other strings become ``""``, timestamps ``"<now>"`` and ids ``"<id>"`` (filled in at run time).

Where the recordings and the spec disagree the recording wins; OVERRIDES lists what neither says
right, with its reason.

    .venv/bin/python scripts/generate_resource_facts.py [--check]
    .venv/bin/python scripts/generate_resource_facts.py --derive MIRROR
      (MIRROR: a git checkout of auth0/terraform-provider-auth0)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "auth0" / "management-api-oas.json"
RECORDED = ROOT / "specs" / "auth0" / "recorded-resource-facts.json"
OUT = ROOT / "pytest_auth0_m2m" / "data" / "fake_resources.json"
RECORDINGS = "test/data/recordings/"
METHODS = ("get", "post", "put", "patch", "delete")
PREFIX = "/api/v2"
NOW = "<now>"
ID = "<id>"
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PREFIXED = re.compile(r"^([a-z]{2,8}_)([A-Za-z0-9]{8,40})$")

# Answers of an operation needed before its recorded key set restricts the emulator's answer,
# and the share of them a key must appear in to be filled in when the emulator lacks it.
MIN_ANSWERS = 3
ALWAYS = 0.9

# Operations whose answer neither the spec nor the recordings give right: {operation id: the
# entry's keys to set}, with the reason beside each; the places where the recordings overrule the
# spec are listed in the output's "recorded_over_spec", generated.
_RULE_STAGE = "login_success"
OVERRIDES: dict[str, dict[str, Any]] = {
    # A rule's stage: every recorded answer says "login_success" (TestAccRule.yaml) and so does
    # the spec's default, but it is no enum value in the spec, so the scrub blanked it.
    "post_rules": {
        "added": {"enabled": True, "id": ID, "order": 1, "stage": _RULE_STAGE},
    },
    "get_rules_by_id": {
        "always": {"enabled": True, "name": "", "order": 1, "script": "", "stage": _RULE_STAGE},
    },
    # The factors exist from the start (COLLECTION_OVERRIDES): a PUT sets one, never makes one.
    "put_factors_by_name": {"upsert": False},
    # A user's authentication methods read back confirmed; the create's and PATCH's answers do
    # not say it (go-auth0's TestUserManager_AuthenticationMethods.yaml).
    # A list with include_totals and no methods leaves total out (docs/auth0-wire.md, go-auth0's
    # TestUserManager_AuthenticationMethods.yaml).
    "get_authentication-methods": {"always": {"confirmed": True}, "total_when_items": True},
    "get_authentication-methods_by_authentication_method_id": {"always": {"confirmed": True}},
    # Hook secrets are never answered: POST and PATCH answer 201 {} (TestAccHookSecrets.yaml;
    # the spec: no body), GET masks the values. A POST naming a secret that exists is 409, a
    # PATCH naming one that does not 404 (the spec's responses; no recording shows them).
    "post_secrets": {
        "answer_empty": True,
        "names_conflict": "Secret with the same name already exists.",
    },
    "patch_secrets": {"answer_empty": True, "names_missing": "Hook or secret not found."},
}

# Keys an operation answers that its recorded answers happen not to show (no recorded request sent
# them), so the recorded key set would drop them: {operation id: keys}, with the evidence.
ANSWERED_TOO: dict[str, tuple[str, ...]] = {
    # The create's recordings sent no displayName; TestAccBrandingTheme.yaml's PATCH and GETs of
    # the same theme answer it, and the spec's create response lists it.
    "post_branding_theme": ("displayName",),
}

# Collections whose facts neither the spec's shape nor the recordings give right: {stored path:
# facts to set}. ``conflict``: a create naming an existing item is a 409 with this message
# ({id}: the item's key), where Auth0 refuses it rather than overwrite.
COLLECTION_OVERRIDES: dict[str, dict[str, Any]] = {
    # An email template is named by its "template" (the path's {templateName}); a second POST of
    # one is 409 "Template verify_email already exists." (go-auth0's recordings of real tenants,
    # TestEmailTemplateManager_Create.yaml; PATCH and PUT of it then answer 200).
    "/email-templates": {"id_key": "template", "conflict": "Template {id} already exists."},
    # ``unique``: a create naming a taken name is 409; ``only_one``: a second item is 409. The
    # spec's 409s of POST /rules, POST /hooks and POST /branding/themes (a tenant has one theme:
    # TestAccBrandingTheme.yaml reads it back as /branding/themes/default); no recording shows
    # the answers, so the messages are the spec's descriptions.
    "/rules": {"unique": ["name", "A rule with the same name already exists."]},
    "/hooks": {"unique": ["name", "Hook with the same name already exists."]},
    "/branding/themes": {
        "only_one": "There was an error updating branding settings: The theme already exists"
    },
    # Every tenant has the eight factors, all off, in this order (a fresh tenant's GET in
    # go-auth0's TestGuardian/MultiFactor/List.yaml; TestAccGuardian.yaml after a PUT): the
    # recordings' first GETs here all follow a write, so --derive keeps no default.
    "/guardian/factors": {
        "items": [
            {"name": name, "enabled": False, "trial_expired": False}
            for name in (
                "sms",
                "push-notification",
                "otp",
                "email",
                "duo",
                "webauthn-roaming",
                "webauthn-platform",
                "recovery-code",
            )
        ]
    },
}

# Operations the engine does not emulate although the spec gives them a shape: their effect is
# not a stored object (a job runs, a ticket URL is minted, a log is written by Auth0 itself).
NOT_EMULATED_PREFIXES = (
    "/jobs",
    "/tickets",
    "/logs",
    "/stats",
    "/anomaly",
    "/device-credentials",
    "/grants",
    "/sessions",
    "/refresh-tokens",
    "/users-by-email",
)


# --- the spec ------------------------------------------------------------------------------------


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = str(node["$ref"])
        if ref in seen:
            raise ValueError(f"cyclic $ref {ref}")
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _parent(template: str) -> str:
    return template.rsplit("/", 1)[0]


def _enums(spec: dict[str, Any]) -> set[str]:
    """Every string the spec lists as an enum value (safe to keep: no tenant's data)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "enum" and isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def _success(op: dict[str, Any]) -> tuple[int, Any]:
    for code in sorted(op.get("responses", {})):
        if code.startswith("2"):
            response = op["responses"][code]
            content = response.get("content", {}) if isinstance(response, dict) else {}
            return int(code), content.get("application/json", {}).get("schema")
    return 200, None


def _list_shape(spec: dict[str, Any], schema: Any, query: list[str]) -> dict[str, Any]:
    """How a list answers: ``array`` (plain), ``wrapper`` key and its other keys, and whether
    ``include_totals`` (or from/take) picks the wrapper."""
    schema = _resolve(spec, schema)
    shape: dict[str, Any] = {"array": False, "key": None, "extra": [], "query": sorted(query)}
    if not isinstance(schema, dict):
        shape["array"] = True
        return shape
    variants = [_resolve(spec, v) for v in schema.get("oneOf", schema.get("anyOf", [schema]))]
    for variant in variants:
        if variant.get("type") == "array":
            shape["array"] = True
        elif variant.get("type") == "object" or "properties" in variant:
            props = variant.get("properties", {})
            arrays = [k for k, v in props.items() if _resolve(spec, v).get("type") == "array"]
            if arrays and shape["key"] is None:
                shape["key"] = arrays[0]
                shape["extra"] = sorted(k for k in props if k != arrays[0])
    if shape["key"] is None:
        shape["array"] = True
    return shape


def _free_form(spec: dict[str, Any], schema: Any) -> bool:
    """A response that is a map of the caller's own names (hook secrets, custom texts): its
    recorded keys are data, not Auth0's shape."""
    schema = _resolve(spec, schema)
    return (
        isinstance(schema, dict)
        and "properties" not in schema
        and "oneOf" not in schema
        and bool(schema.get("additionalProperties"))
    )


def _path_enums(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, list[str]]:
    """The path parameters the spec limits to an enum (a prompt's, a screen's, a language's
    name): any other value is refused, whatever the tenant holds."""
    found: dict[str, list[str]] = {}
    for param in op.get("parameters", []):
        param = _resolve(spec, param)
        schema = _resolve(spec, param.get("schema", {}))
        if param.get("in") == "path" and isinstance(schema.get("enum"), list):
            found[str(param["name"])] = [str(v) for v in schema["enum"]]
    return found


def spec_operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    ops: dict[str, tuple[str, str, dict[str, Any]]] = {}
    methods: dict[str, set[str]] = defaultdict(set)
    for template, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op and "operationId" in op:
                ops[op["operationId"]] = (method.upper(), template, op)
                methods[template].add(method.upper())
    templates = set(methods)

    def item_of(collection: str) -> str | None:
        for t in templates:
            if _parent(t) == collection and _is_param(t.rsplit("/", 1)[1]):
                return t
        return None

    def is_collection(c: str) -> bool:
        return item_of(c) is not None and bool(methods[c] & {"GET", "POST"})

    out: dict[str, dict[str, Any]] = {}
    for oid, (method, template, op) in sorted(ops.items()):
        status, schema = _success(op)
        parent = _parent(template)
        last = template.rsplit("/", 1)[1]
        entry: dict[str, Any] = {"method": method, "path": template, "status": status}
        enums = _path_enums(spec, op)
        if enums:
            entry["path_enums"] = enums
        if _free_form(spec, schema):
            entry["free_form"] = True
        if is_collection(template) and method in ("GET", "POST"):
            entry["kind"] = "list" if method == "GET" else "create"
            entry["store"] = template
            if method == "GET":
                query = [
                    str(_resolve(spec, p).get("name"))
                    for p in op.get("parameters", [])
                    if _resolve(spec, p).get("in") == "query"
                ]
                entry["list"] = _list_shape(spec, schema, query)
        elif _is_param(last) and is_collection(parent):
            entry["kind"] = {"GET": "get", "PATCH": "update", "PUT": "replace"}.get(
                method, "delete" if method == "DELETE" else "action"
            )
            entry["store"] = parent
            entry["param"] = last[1:-1]
            # Without a POST on the collection, a PUT is how items come to exist (upsert).
            entry["upsert"] = "POST" not in methods[parent]
        else:
            kind = {"GET": "get", "PATCH": "update", "PUT": "replace", "DELETE": "delete"}
            entry["kind"] = "singleton_" + kind.get(method, "create")
            if method == "POST" and "GET" not in methods[template]:
                entry["kind"] = "action"
            entry["store"] = template
            if method == "GET" and _resolve(spec, schema or {}).get("type") == "array":
                entry["array_answer"] = True  # never written: its answer is [] (popped in build)
        out[oid] = entry
    # Parents whose ids must exist: for each {param} of a template, the collection it indexes.
    for entry in out.values():
        parts = entry["path"].split("/")
        checks = []
        for i in range(1, len(parts)):
            if _is_param(parts[i]) and is_collection("/".join(parts[:i])):
                checks.append(["/".join(parts[:i]), parts[i][1:-1]])
        if entry["kind"] in ("get", "update", "replace", "delete"):
            checks = checks[:-1]  # the item itself is looked up by the engine
        entry["parents"] = checks
    return out


# --- the recordings ------------------------------------------------------------------------------


def _scrub(value: Any, enums: set[str]) -> Any:
    """A recorded value with nothing of the tenant left: see the module docstring."""
    if isinstance(value, dict):
        return {k: _scrub(v, enums) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, enums) for v in value]
    if isinstance(value, str):
        if _TIMESTAMP.match(value):
            return NOW
        if value in enums:
            return value
        return ""
    return value


def _id_style(value: str) -> list[Any]:
    if _UUID.match(value):
        return ["uuid"]
    match = _PREFIXED.match(value)
    if match:
        return ["prefix", match.group(1), len(match.group(2))]
    return ["alnum", max(8, min(len(value), 40))]


def derive(mirror: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Per operation id: statuses seen, the id key and style of creates, the keys a create adds,
    a singleton's first answer (scrubbed); the source cassettes named."""
    # Imported here: the generator's sync check (also loaded by path from a test) needs neither.
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    from mirror_recordings import recordings

    from pytest_auth0_m2m.auth0.scopes import catalogue
    from pytest_auth0_m2m.fake import diff

    shapes = spec_operations(spec)
    enums = _enums(spec)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    sources: dict[str, set[str]] = defaultdict(set)
    added: dict[str, Counter[str]] = defaultdict(Counter)
    added_values: dict[str, dict[str, Any]] = defaultdict(dict)
    creates: Counter[str] = Counter()
    id_keys: dict[str, Counter[str]] = defaultdict(Counter)
    id_styles: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[str, Counter[str]] = defaultdict(Counter)
    not_found: dict[str, Counter[str]] = defaultdict(Counter)
    not_found_codes: dict[str, Counter[str]] = defaultdict(Counter)
    answers: Counter[str] = Counter()
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    seen_values: dict[str, dict[str, Any]] = defaultdict(dict)
    with tempfile.TemporaryDirectory() as tmp:
        for _name, path in recordings(mirror, Path(tmp)):
            written: set[str] = set()
            for item in diff.read_cassette(path):
                if not item.path.startswith(PREFIX + "/"):
                    continue
                operation = catalogue().match(item.method, item.path)
                if operation is None:
                    continue
                oid = operation.operation_id
                shape = shapes.get(oid)
                if shape is None:
                    continue
                statuses[oid][item.status] += 1
                sources[oid].add(path.name)
                try:
                    response = json.loads(item.response) if item.response.strip() else None
                except ValueError:
                    response = None
                concrete = item.path[len(PREFIX) :]
                if item.status == 404 and isinstance(response, dict):
                    not_found[oid][str(response.get("message", ""))] += 1
                    if isinstance(response.get("errorCode"), str):
                        not_found_codes[oid][response["errorCode"]] += 1
                kind = shape["kind"]
                if 200 <= item.status < 300:
                    for obj in _answered_objects(shape, response):
                        answers[oid] += 1
                        for key, value in obj.items():
                            seen[oid][key] += 1
                            seen_values[oid].setdefault(key, _scrub(value, enums))
                if kind.startswith("singleton_") and kind != "singleton_get":
                    written.add(concrete)
                if kind in ("create", "replace", "update", "delete"):
                    written.add(_parent(concrete) if kind != "create" else concrete)
                if kind == "list" and concrete not in written:
                    written.add(concrete)
                    items = response if isinstance(response, list) else None
                    if item.status == 200 and items is not None:
                        first[oid][json.dumps(_scrub(items, enums), sort_keys=True)] += 1
                if kind == "singleton_get" and concrete not in written:
                    written.add(concrete)
                    if item.status == 200 and response is not None:
                        scrubbed = _scrub(response, enums)
                        key = json.dumps(scrubbed, sort_keys=True)
                        first[oid][key] += 1
                    elif item.status == 404:
                        first[oid]["null"] += 1
                if (
                    kind in ("create", "singleton_create")
                    and 200 <= item.status < 300
                    and isinstance(response, dict)
                ):
                    creates[oid] += 1
                    try:
                        sent = json.loads(item.body) if item.body.strip() else {}
                    except ValueError:
                        sent = {}
                    sent = sent if isinstance(sent, dict) else {}
                    for key, value in response.items():
                        if key not in sent:
                            added[oid][key] += 1
                            added_values[oid].setdefault(key, _scrub(value, enums))
                    for key in ("id", *sorted(response)):
                        value = response.get(key)
                        if (
                            isinstance(value, str)
                            and len(value) >= 6
                            and (key == "id" or key.endswith("_id") or key.endswith("Id"))
                        ):
                            id_keys[oid][key] += 1
                            id_styles[oid][json.dumps(_id_style(value))] += 1
                            break
    facts: dict[str, Any] = {}
    for oid in sorted(statuses):
        entry: dict[str, Any] = {
            "statuses": {str(k): v for k, v in sorted(statuses[oid].items())},
            "sources": sorted(sources[oid])[:3],
        }
        if creates[oid]:
            entry["added"] = {
                k: _placeholder_id(k, added_values[oid][k], id_keys[oid])
                for k, n in sorted(added[oid].items())
                if n * 2 >= creates[oid]
            }
        if id_keys[oid]:
            entry["id_key"] = id_keys[oid].most_common(1)[0][0]
            entry["id_style"] = json.loads(id_styles[oid].most_common(1)[0][0])
        if first[oid]:
            best = first[oid].most_common(1)[0][0]
            entry["default"] = json.loads(best)
        if not_found[oid]:
            entry["not_found"] = not_found[oid].most_common(1)[0][0]
        if not_found_codes[oid]:
            entry["not_found_code"] = not_found_codes[oid].most_common(1)[0][0]
        if answers[oid] >= MIN_ANSWERS:
            entry["keys"] = sorted(seen[oid])
            entry["always"] = {
                k: seen_values[oid][k]
                for k, n in sorted(seen[oid].items())
                if n >= ALWAYS * answers[oid] and k != "id"
            }
        facts[oid] = entry
    return {
        "source": "auth0/terraform-provider-auth0:test/data/recordings/ (go-vcr, real tenants)",
        "generated_by": "scripts/generate_resource_facts.py --derive",
        "operations": facts,
    }


def _answered_objects(shape: dict[str, Any], response: Any) -> list[dict[str, Any]]:
    """The objects whose keys an answer shows: the object, a list's items, a wrapper's items."""
    if isinstance(response, list):
        return [i for i in response if isinstance(i, dict)]
    if not isinstance(response, dict):
        return []
    key = (shape.get("list") or {}).get("key")
    if shape["kind"] == "list" and key and isinstance(response.get(key), list):
        return [i for i in response[key] if isinstance(i, dict)]
    return [response]


def _placeholder_id(key: str, value: Any, id_keys: Counter[str]) -> Any:
    if key in id_keys:
        return ID
    return value


# --- merging -------------------------------------------------------------------------------------


def build(spec: dict[str, Any], recorded: dict[str, Any]) -> dict[str, Any]:
    shapes = spec_operations(spec)
    facts = recorded["operations"]
    out: dict[str, Any] = {}
    overruled: dict[str, dict[str, int]] = {}
    for oid, entry in shapes.items():
        if entry["path"].startswith(NOT_EMULATED_PREFIXES) and oid not in facts:
            continue
        merged = dict(entry)
        seen = facts.get(oid, {})
        successes = {int(k): n for k, n in seen.get("statuses", {}).items() if k.startswith("2")}
        if successes:
            # The recording wins where it disagrees with the spec.
            recorded_status = max(successes, key=lambda k: (successes[k], -k))
            if recorded_status != merged["status"]:
                overruled[oid] = {"spec": merged["status"], "recorded": recorded_status}
            merged["status"] = recorded_status
        for key in (
            "id_key",
            "id_style",
            "added",
            "default",
            "not_found",
            "not_found_code",
            "keys",
            "always",
        ):
            if key in seen:
                merged[key] = seen[key]
        if merged.pop("free_form", False):
            merged.pop("keys", None)
            merged.pop("always", None)
        if "keys" in merged and oid in ANSWERED_TOO:
            merged["keys"] = sorted({*merged["keys"], *ANSWERED_TOO[oid]})
        merged.update(OVERRIDES.get(oid, {}))
        out[oid] = merged
    created = {e["store"] for e in out.values() if e["kind"] in ("singleton_create", "create")}
    # Per stored path template: a singleton's answer before any write (None: absent, 404), or a
    # collection's id key and style (the create's) and the items it holds before any write.
    singletons: dict[str, Any] = {}
    stores: dict[str, dict[str, Any]] = {}
    for entry in out.values():
        kind, store = entry["kind"], entry["store"]
        if kind == "singleton_get":
            # Never written, a singleton the spec answers as an array is [] (GET /guardian/policies
            # on a fresh tenant: go-auth0's TestGuardian/MultiFactor/Policy.yaml).
            empty: Any = [] if entry.pop("array_answer", False) else {}
            singletons[store] = entry.pop("default", None if store in created else empty)
        elif kind.startswith("singleton_"):
            entry.pop("default", None)
        if kind == "create":
            facts_of = stores.setdefault(store, {})
            facts_of.update(
                id_key=entry.pop("id_key", "id"),
                id_style=entry.pop("id_style", ["alnum", 24]),
                added=entry.pop("added", {}),
            )
        elif kind == "list" and store not in created and isinstance(entry.get("default"), list):
            stores.setdefault(store, {})["items"] = entry.pop("default")
        entry.pop("default", None) if kind == "list" else None
    for entry in sorted(out.values(), key=lambda e: "param" not in e):
        if entry["kind"] in ("get", "update", "replace", "delete", "list"):
            store = stores.setdefault(entry["store"], {})
            store.setdefault("id_key", entry.get("param") or "id")
            store.setdefault("id_style", ["alnum", 24])
            store.setdefault("added", {})
        entry.pop("id_key", None)
        entry.pop("id_style", None)
    for store, overrides in COLLECTION_OVERRIDES.items():
        stores.setdefault(store, {}).update(overrides)
    for facts_of in stores.values():
        facts_of.setdefault("id_key", "id")
        facts_of.setdefault("id_style", ["alnum", 24])
        facts_of.setdefault("added", {})
        facts_of.setdefault("items", [])
    return {
        "source": "Auth0 Management API v2 OpenAPI spec + terraform provider recordings",
        "generated_by": "scripts/generate_resource_facts.py",
        "info_version": spec.get("info", {}).get("version", ""),
        "recorded_over_spec": overruled,
        "singletons": dict(sorted(singletons.items())),
        "collections": dict(sorted(stores.items())),
        "log_descriptions": log_descriptions(spec),
        "operations": out,
    }


def log_descriptions(spec: dict[str, Any]) -> dict[str, str]:
    """Per write operation, the description of its "sapi"/"fapi" tenant log event: Auth0 uses
    the operation's summary ("Create a User", "Delete organization" in go-auth0's recordings of
    GET /logs). Reads are not logged, so only writes are listed."""
    found: dict[str, str] = {}
    for item in spec["paths"].values():
        for method in METHODS[1:]:
            op = item.get(method)
            if op and "operationId" in op and op.get("summary"):
                found[op["operationId"]] = str(op["summary"])
    return dict(sorted(found.items()))


def render(data: dict[str, Any]) -> str:
    # One operation a line: a spec or recording update diffs readably.
    lines = ["{"]
    for key in ("source", "generated_by", "info_version"):
        lines.append(f"{json.dumps(key)}: {json.dumps(data[key])},")
    tables = ("recorded_over_spec", "singletons", "collections", "log_descriptions", "operations")
    for table in tables:
        lines.append(f'"{table}": {{')
        items = list(data[table].items())
        for i, (name, entry) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append(f"{json.dumps(name)}: {json.dumps(entry, sort_keys=True)}{comma}")
        lines.append("}" if table == "operations" else "},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    spec = json.loads(SPEC.read_text("utf-8"))
    if argv[:1] == ["--derive"]:
        if len(argv) != 2:
            print("usage: generate_resource_facts.py --derive MIRROR", file=sys.stderr)
            return 2
        facts = derive(Path(argv[1]), spec)
        RECORDED.write_text(render_recorded(facts), "utf-8")
        print(f"wrote {RECORDED}: {len(facts['operations'])} operations")
    text = render(build(spec, json.loads(RECORDED.read_text("utf-8"))))
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text("utf-8") != text:
            print(f"{OUT} is out of date: run python scripts/generate_resource_facts.py")
            return 1
        print(f"{OUT.name} is in sync with {SPEC.name} and {RECORDED.name}")
        return 0
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT}: {len(text)} bytes")
    return 0


def render_recorded(facts: dict[str, Any]) -> str:
    lines = ["{"]
    for key in ("source", "generated_by"):
        lines.append(f"{json.dumps(key)}: {json.dumps(facts[key])},")
    lines.append('"operations": {')
    items = list(facts["operations"].items())
    for i, (oid, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(oid)}: {json.dumps(entry, sort_keys=True)}{comma}")
    lines.append("}")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
