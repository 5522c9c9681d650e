"""Derive tests/fake/data/auth0_recorded_facts.json from the terraform provider's recordings.

The recordings (go-vcr cassettes recorded on real Auth0 tenants by Auth0's terraform provider,
test/data/recordings/) are read from a local git mirror. Only facts are kept, for the short
cassettes of the families the emulator keeps state for: per interaction the method, the path (host
dropped), its template, the query, the request body (passwords replaced, tenant hosts scrubbed),
Auth0's status, the response's top-level key set, the response's ids only (so the replay can map
them to the emulator's), and the source cassette's name. Response bodies are not kept.

    .venv/bin/python scripts/derive_recorded_facts.py [--mirror DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from mirror_recordings import MIRROR, recordings

from pytest_auth0_m2m.fake import diff

OUT = Path(__file__).resolve().parent.parent / "tests/fake/data/auth0_recorded_facts.json"
FAMILIES = {
    "clients",
    "client-grants",
    "resource-servers",
    "roles",
    "users",
    "connections",
    "organizations",
    # answered by the spec-driven engine (fake/routes/engine.py)
    "actions",
    "attack-protection",
    "branding",
    "connection-profiles",
    "custom-domains",
    "email-templates",
    "emails",
    "event-streams",
    "flows",
    "forms",
    "guardian",
    "hooks",
    "keys",
    "log-streams",
    "network-acls",
    "prompts",
    "rate-limit-policies",
    "risk-assessments",
    "rules",
    "rules-configs",
    "self-service-profiles",
    "supplemental-signals",
    "tenants",
    "token-exchange-profiles",
    "user-attribute-profiles",
}
MAX_INTERACTIONS = 8
PASSWORD = "Replayed-Passw0rd!"
_HOST = re.compile(r"[A-Za-z0-9-]+\.(?:[a-z]{2,4}\.)?auth0\.com")


# Request properties holding a credential (log stream sinks, e-mail providers, hook secrets,
# phone providers): replaced at any depth, so no recorded value, real or not, is kept.
_SECRET_KEY = re.compile(
    r"(?i)^(password|.*secret.*|api_?key|token|auth_?token|access_?key(_?id)?|private_?key|"
    r".*authorization|sas_?token|.*_token)$"
)
SECRET = "replayed-secret-value"


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (SECRET if _SECRET_KEY.search(k) and isinstance(v, str) else _redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _without_tenant(ids: Any) -> Any:
    """An id skeleton without the tenant's name (``tenant_id`` of network ACLs, ``tenant``)."""
    if isinstance(ids, dict):
        kept = {k: _without_tenant(v) for k, v in ids.items() if k not in ("tenant_id", "tenant")}
        return kept or None
    if isinstance(ids, list):
        return [_without_tenant(v) for v in ids]
    return ids


def _scrub(body: str) -> str:
    body = _HOST.sub("tenant.auth0.invalid", body)
    try:
        value = json.loads(body) if body.strip() else None
    except ValueError:
        return body
    if isinstance(value, dict) and "password" in value:
        value["password"] = PASSWORD
    redacted = _redact(value)
    if redacted != value or (isinstance(value, dict) and value.get("password") == PASSWORD):
        return json.dumps(redacted, separators=(",", ":"))
    return body


def derive(mirror: Path) -> list[dict[str, Any]]:
    cassettes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in recordings(mirror, Path(tmp)):
            interactions = [
                i
                for i in diff.read_cassette(path)
                if i.path.startswith(diff.MANAGEMENT_PREFIX + "/")
            ]
            if not interactions or len(interactions) > MAX_INTERACTIONS:
                continue
            families = {
                diff.template(i.method, i.path).strip("/").split("/")[0] for i in interactions
            }
            if not families <= FAMILIES:
                continue
            cassettes.append(
                {
                    "source": f"auth0/terraform-provider-auth0:{name}",
                    "interactions": [
                        {
                            "method": i.method,
                            "path": _HOST.sub("tenant.auth0.invalid", i.path),
                            "template": diff.template(i.method, i.path),
                            "query": i.query,
                            "body": _scrub(i.body),
                            "content_type": i.content_type,
                            "status": i.status,
                            "keys": list(diff.shape(i.response) or ()),
                            "ids": _without_tenant(diff.id_skeleton(i.response)),
                        }
                        for i in interactions
                    ],
                }
            )
    return cassettes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=MIRROR)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    cassettes = derive(args.mirror)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"cassettes": cassettes}, separators=(",", ":"), sort_keys=True)
    args.out.write_text(text.replace('{"source"', '\n{"source"') + "\n", encoding="utf-8")
    count = sum(len(c["interactions"]) for c in cassettes)
    print(f"{len(cassettes)} cassettes, {count} interactions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
