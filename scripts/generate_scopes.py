"""Generate ``pytest_auth0_m2m/data/catalogue.json`` from Auth0's Management API OpenAPI spec.

Usage: ``python scripts/generate_scopes.py [SPEC] [OUT]``; with ``--check`` it writes nothing and
exits 1 when the committed file differs from what the spec gives.

Each operation's scope rule is read from two places: the ``oAuth2ClientCredentials`` security
requirement (the authoritative scope names) and the 403 descriptions, which say whether the
operation wants *any* of them, *all* of them, or a mix ("read:connections and any of: ...").
A rule is stored as a list of groups: every group must be satisfied by at least one of its scopes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared" / "auth0" / "management-api-oas.json"
DEFAULT_OUT = ROOT / "pytest_auth0_m2m" / "data" / "catalogue.json"
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


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    spec_path = Path(args[0]) if args else DEFAULT_SPEC
    out_path = Path(args[1]) if len(args) > 1 else DEFAULT_OUT
    text = render(build(json.loads(spec_path.read_text(encoding="utf-8"))))
    if check:
        current = out_path.read_text(encoding="utf-8") if out_path.exists() else ""
        if current != text:
            print(f"{out_path} is out of date: run python scripts/generate_scopes.py")
            return 1
        print(f"{out_path} is in sync with {spec_path}")
        return 0
    out_path.write_text(text, encoding="utf-8")
    print(f"wrote {out_path}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
