"""Generate ``pytest_auth0_m2m/data/secret_fields.json``: the fields of Auth0's APIs that carry a
credential, per operation, read from the copies of Auth0's specs in ``specs/auth0/``.

Usage: ``python scripts/generate_secret_fields.py [SPEC_DIR] [OUT_DIR]``; with ``--check`` it
writes nothing and exits 1 when the committed file differs from what the specs give.

Every operation's request bodies (JSON, form, multipart), query parameters and response schemas
are walked (``$ref``, ``allOf``/``oneOf``/``anyOf``, ``additionalProperties``, arrays). A
property is secret when its name says so (``password``, ``*secret*``, ``*token*`` but not a
token *setting*, ``ticket``, ``*_key``, ``*hash*``, ...) or its description does, corrected by
the reviewed ``OVERRIDES`` below. A secret object or array is secret as a whole: every string
under it is redacted. Paths: ``a.b`` for properties, ``*`` for any key of a map
(``additionalProperties``), ``[*]`` for the items of an array.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC_DIR = ROOT / "specs" / "auth0"
DEFAULT_OUT_DIR = ROOT / "pytest_auth0_m2m" / "data"
OUT_FILE = "secret_fields.json"
SPECS = {
    "management": "management-api-oas.json",
    "authentication": "authentication-api-oas.json",
}
METHODS = ("get", "post", "put", "patch", "delete")
MAX_DEPTH = 8

# Names (lower-cased, without _ or -) that carry a credential wherever they appear.
_SECRET_NAME = re.compile(
    r"password|passwd|passphrase|secret|ticket|recoverycode|otp|apikey|accesskey|privatekey|"
    r"signingkey|encryptionkey|sharedkey|hash$|passwordhash|salt$|bearer|credentials?$|"
    r"authorization|token|^pin$|^pem$|^cert(ificate)?key$|cookie|session$"
)
# A name matching _SECRET_NAME but with one of these parts is a *setting about* a secret.
_SETTING_PART = re.compile(
    r"lifetime|expir|endpoint|authmethod|method|type|policy|length|complexity|history|"
    r"dictionary|nopersonalinfo|strength|rotation|leeway|quota|dialect|format|enabled|"
    r"enable|allow|required|require|options|settings|url$|uri$|count$|^is|^use|has$|"
    r"algorithm|alg$|scheme|transport|location|maxage|ttl$|reuse|binding|exchange|profile|"
    r"^id$|id$|ids$|name$|field$|mode$|selection|prompt|template|provider$|vault|"
    r"flow|hook|param|header|fields$|changed|last|at$|duration|interval|limit|strategy|"
    r"connection|identifier|audience|issuer|kid$|thumbprint|fingerprint|digest"
)
_SECRET_DESCRIPTION = re.compile(
    r"\b(client secret|shared secret|api key|private key|password hash|hashed password|"
    r"secret key|access key|auth token|bearer token|signing secret|recovery code|"
    r"the ticket|webhook secret)\b",
    re.IGNORECASE,
)

# Reviewed corrections: (api or "*", operation or "*", JSON path) -> secret or not, with the
# reason. An override's path matches a field path that ends with it (at a segment boundary);
# the longest matching override wins. An override for one operation (not "*") also adds its
# path to that operation (response side for GET, request side otherwise).
# Not secret by the name rules on purpose: "code" (error codes, Actions' source code) and "key"
# (a form field's or rules config's name); the credentials among them are listed here.
OVERRIDES: list[tuple[str, str, str, bool, str]] = [
    # -- never secret --
    ("*", "*", "token_lifetime", False, "a duration setting, not a token"),
    ("*", "*", "token_endpoint_auth_method", False, "names an auth method, holds no secret"),
    ("*", "*", "password_policy", False, "the connection's policy name (e.g. good)"),
    ("*", "*", "token_quota", False, "rate-limit settings of a client or organization"),
    ("*", "*", "pem", False, "a public key or certificate (client credentials, JWE key)"),
    ("*", "*", "change_password", False, "a connection's custom script: code, not a credential"),
    ("*", "*", "id_token_signed_response_algs", False, "a list of algorithm names"),
    ("*", "*", "private_key_jwt.credentials", False, "ids of a client's public-key credentials"),
    ("*", "*", "tls_client_auth.credentials", False, "ids of a client's certificate credentials"),
    ("*", "*", "signed_request_object.credentials", False, "ids of public-key credentials"),
    ("*", "*", "token_vault_privileged_access.credentials", False, "ids of credentials"),
    ("*", "*", "rate_limit_policies[*].configuration", False, "rate limits, no credential"),
    # -- always secret --
    ("*", "*", "password_hash", True, "a bcrypt/argon hash of a user's password"),
    ("*", "*", "custom_password_hash", True, "a user's imported hash, its salt and algorithm"),
    ("*", "*", "configuration", True, "connection options.configuration: secret by design"),
    ("*", "*", "httpAuthorization", True, "log stream http sink's Authorization header"),
    ("*", "*", "splunkToken", True, "log stream splunk sink token"),
    ("*", "*", "datadogApiKey", True, "log stream datadog sink api key"),
    ("*", "*", "mixpanelServiceAccountPassword", True, "log stream mixpanel sink credential"),
    ("*", "*", "segmentWriteKey", True, "log stream segment sink write key"),
    ("*", "*", "sumoSourceAddress", True, "a sumo logic collector URL embeds its auth"),
    ("*", "*", "recovery_code", True, "an MFA recovery code"),
    ("*", "*", "totp_secret", True, "the TOTP seed of an authenticator"),
    ("*", "*", "signing_secret", True, "HS256 signing secret of a resource server"),
    ("*", "*", "ticket", True, "a ticket URL is a bearer credential"),
    ("*", "*", "ticket_url", True, "an enrollment ticket URL is a bearer credential"),
    ("*", "*", "ticket_id", True, "the id of a ticket URL is its credential"),
    ("*", "*", "invitation_url", True, "holds the invitation ticket id"),
    ("*", "*", "credentials", True, "email/sms provider and similar credential objects"),
    ("*", "*", "secrets[*].value", True, "an Action's secret values (their names are kept)"),
    ("*", "*", "device_code", True, "the device flow's code, exchanged for tokens"),
    ("authentication", "POST /oauth/token", "code", True, "an authorization code, for tokens"),
    ("management", "POST /flows/vault/connections", "setup.code", True, "an OAuth code"),
    ("management", "PATCH /flows/vault/connections/{id}", "setup.code", True, "an OAuth code"),
    ("management", "PUT /rules-configs/{key}", "value", True, "rules configs hold rules' secrets"),
    ("management", "POST /device-credentials", "value", True, "the device credential itself"),
    ("management", "GET /device-credentials", "[*].value", True, "device credential values"),
    ("management", "POST /jobs/users-imports", "users", True, "the import file: hashes"),
    ("management", "GET /jobs/{id}", "location", True, "an export's signed download URL"),
    ("management", "POST /hooks/{id}/secrets", "*", True, "a hook's secrets: name -> value"),
    ("management", "PATCH /hooks/{id}/secrets", "*", True, "a hook's secrets: name -> value"),
    ("authentication", "POST /oauth/token", "code_verifier", True, "PKCE: redeems the code"),
    ("*", "*", "new_password", True, "a ticket's or reset's new password (older Auth0 APIs)"),
]


def _norm(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def name_is_secret(name: str, description: str = "") -> bool:
    lower = _norm(name)
    if _SECRET_NAME.search(lower) and not _SETTING_PART.search(lower):
        return True
    return bool(_SECRET_DESCRIPTION.search(description)) and not _SETTING_PART.search(lower)


def _resolve(spec: dict[str, Any], node: Any, seen: frozenset[str]) -> tuple[Any, frozenset[str]]:
    while isinstance(node, dict) and "$ref" in node:
        ref = str(node["$ref"])
        if not ref.startswith("#/") or ref in seen:
            return {}, seen
        seen = seen | {ref}
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, seen


def walk(
    spec: dict[str, Any], schema: Any, prefix: str, seen: frozenset[str], depth: int = 0
) -> Iterator[tuple[str, str, str]]:
    """(path, last name, description) of every property under ``schema``."""
    schema, seen = _resolve(spec, schema, seen)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            yield from walk(spec, sub, prefix, seen, depth + 1)
    if "items" in schema:
        yield from walk(spec, schema["items"], _join(prefix, "[*]"), seen, depth + 1)
    for name, prop in schema.get("properties", {}).items():
        resolved, _ = _resolve(spec, prop, seen)
        description = ""
        if isinstance(prop, dict):
            description = str(prop.get("description", ""))
        if isinstance(resolved, dict):
            description = description or str(resolved.get("description", ""))
        path = _join(prefix, name)
        yield path, name, description if _is_text(spec, prop, seen) else OBJECT
        yield from walk(spec, prop, path, seen, depth + 1)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        yield from walk(spec, extra, _join(prefix, "*"), seen, depth + 1)


OBJECT = "\0object"  # the description slot of a property that holds no string itself


def _is_text(spec: dict[str, Any], prop: Any, seen: frozenset[str]) -> bool:
    """Whether a property holds a string (maybe in a list or one of several shapes)."""
    node, seen = _resolve(spec, prop, seen)
    if not isinstance(node, dict):
        return False
    kind = node.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    if "string" in kinds:
        return True
    if "array" in kinds:
        return _is_text(spec, node.get("items", {}), seen)
    alternatives = [*node.get("oneOf", []), *node.get("anyOf", []), *node.get("allOf", [])]
    return any(_is_text(spec, sub, seen) for sub in alternatives)


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return prefix + name if name == "[*]" else f"{prefix}.{name}"


def _override(api: str, op_key: str, path: str) -> bool | None:
    best: tuple[int, bool] | None = None
    for o_api, o_op, o_path, secret, _why in OVERRIDES:
        if o_api not in ("*", api) or o_op not in ("*", op_key):
            continue
        ends = path == o_path or path.endswith("." + o_path) or path.endswith("]." + o_path)
        if ends and (best is None or len(o_path) > best[0]):
            best = (len(o_path), secret)
    return None if best is None else best[1]


def _secret_paths(api: str, op_key: str, found: Iterator[tuple[str, str, str]]) -> list[str]:
    paths: set[str] = set()
    for path, name, description in found:
        verdict = _override(api, op_key, path)
        if verdict is None:
            # Only a string can be a credential by its name; objects are secret by override.
            verdict = description != OBJECT and name_is_secret(name, description)
        if verdict:
            paths.add(path)
    # A path under a secret one adds nothing: the whole subtree is redacted already.
    kept = sorted(paths)
    return [
        p
        for p in kept
        if not any(p.startswith(q + ".") or p.startswith(q + "[") for q in kept if q != p)
    ]


def _media_schemas(spec: dict[str, Any], node: Any) -> Iterator[Any]:
    node, _ = _resolve(spec, node, frozenset())
    if isinstance(node, dict):
        for media in node.get("content", {}).values():
            if isinstance(media, dict) and "schema" in media:
                yield media["schema"]


def build_api(api: str, spec: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            op_key = f"{method.upper()} {path}"
            request: list[tuple[str, str, str]] = []
            for schema in _media_schemas(spec, op.get("requestBody", {})):
                request.extend(walk(spec, schema, "", frozenset()))
            query: list[tuple[str, str, str]] = []
            for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
                param, _ = _resolve(spec, raw, frozenset())
                if isinstance(param, dict) and param.get("in") == "query":
                    query.append(
                        (str(param["name"]), str(param["name"]), str(param.get("description", "")))
                    )
            response: list[tuple[str, str, str]] = []
            for answer in op.get("responses", {}).values():
                for schema in _media_schemas(spec, answer):
                    response.extend(walk(spec, schema, "", frozenset()))
            entry = {
                "request": _secret_paths(api, op_key, iter(request)),
                "query": _secret_paths(api, op_key, iter(query)),
                "response": _secret_paths(api, op_key, iter(response)),
            }
            for extra_api, extra_op, extra_path, secret, _why in OVERRIDES:
                if secret and extra_api == api and extra_op == op_key:
                    side = "response" if method == "get" else "request"
                    if extra_path not in entry[side]:
                        entry[side] = sorted([*entry[side], extra_path])
            if any(entry.values()):
                operations[op_key] = entry
    return dict(sorted(operations.items(), key=lambda kv: (kv[0].split(" ", 1)[1], kv[0])))


# Last names too generic to redact where no operation is known (only their operation's paths).
# "credentials" is also the list of a client's public-key credential ids (not secret).
GENERIC_NAMES = frozenset({"value", "users", "*", "[*]", "code", "key", "credentials"})


def build(specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    apis = {api: build_api(api, spec) for api, spec in specs.items()}
    names: set[str] = set()
    for ops in apis.values():
        for entry in ops.values():
            for path in (p for side in entry.values() for p in side):
                last = path.replace("[*]", "").rsplit(".", 1)[-1]
                if last and last not in GENERIC_NAMES:
                    names.add(last)
    # Names the review marks secret everywhere, even where no spec schema shows them (a
    # users-imports file's password_hash).
    for _api, op_key, path, secret, _why in OVERRIDES:
        if secret and op_key == "*" and path not in GENERIC_NAMES:
            names.add(path)
    return {
        "source": "Auth0 Management and Authentication API OpenAPI specs (specs/auth0/)",
        "generated_by": "scripts/generate_secret_fields.py",
        "info_version": {
            api: spec.get("info", {}).get("version", "") for api, spec in specs.items()
        },
        "names": sorted(names),
        **apis,
    }


def render(data: dict[str, Any]) -> str:
    # One operation a line, like the scope catalogue: spec updates give readable diffs.
    lines = ["{"]
    for key in ("source", "generated_by", "info_version", "names"):
        lines.append(f"{json.dumps(key)}: {json.dumps(data[key])},")
    apis = list(SPECS)
    for i, api in enumerate(apis):
        lines.append(f"{json.dumps(api)}: {{")
        ops = list(data[api].items())
        for j, (op_key, entry) in enumerate(ops):
            comma = "," if j < len(ops) - 1 else ""
            lines.append(f"{json.dumps(op_key)}: {json.dumps(entry, separators=(',', ':'))}{comma}")
        lines.append("}," if i < len(apis) - 1 else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def output(spec_dir: Path) -> str:
    specs = {api: json.loads((spec_dir / name).read_text("utf-8")) for api, name in SPECS.items()}
    return render(build(specs))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    spec_dir = Path(args[0]) if args else DEFAULT_SPEC_DIR
    out = (Path(args[1]) if len(args) > 1 else DEFAULT_OUT_DIR) / OUT_FILE
    text = output(spec_dir)
    if check:
        if not out.exists() or out.read_text("utf-8") != text:
            print(f"{out} is out of date: run python scripts/generate_secret_fields.py")
            return 1
        print(f"{out} is in sync with {spec_dir}")
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
