"""The least-privilege report shows request paths with tokens and known secrets masked."""

from __future__ import annotations

import json
from urllib.parse import quote

from pytest_auth0_m2m.auth0.scopes import ScopeRequest
from pytest_auth0_m2m.cassettes.guard import mask_secrets
from pytest_auth0_m2m.cassettes.registry import Secret
from pytest_auth0_m2m.least_privilege import analysis as lp

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVlLWFiY2Q"
SECRET = "Zq8/kP+w=Lr_3vT-9uYx2mNbC4dE5fGh6jKl7"
BASE = "https://tenant.auth0.invalid/api/v2"
DENIED = {
    "statusCode": 403,
    "error": "Forbidden",
    "errorCode": "insufficient_scope",
    "message": f"Insufficient scope, expected any of: read:users ({SECRET})",
}


def usage() -> lp.ScopeUsage:
    exchanges = [
        lp.Exchange("GET", f"{BASE}/nothing-here/{TOKEN}", 404),
        lp.Exchange("GET", f"{BASE}/also-nothing/{quote(SECRET, safe='')}?q={SECRET}", 404),
        lp.Exchange("GET", f"{BASE}/users/{quote(SECRET, safe='')}", 403, DENIED),
    ]

    def mask(text: str) -> str:
        return mask_secrets(text, [Secret(SECRET, "a client secret")], lp.MASK)

    return lp.analyse(
        "t.py::test", exchanges, ScopeRequest(frozenset({"read:clients"})), mask=mask
    ).with_outcome("failed")


def test_paths_and_messages_are_masked_in_lines_and_json() -> None:
    result = usage()
    report = lp.RunReport()
    report.add(result)
    shown = "\n".join(report.summary_lines() + result.failure_lines())
    shown += json.dumps(report.to_json())
    for secret in (TOKEN, SECRET, quote(SECRET, safe="")):
        assert secret not in shown
    assert "/api/v2/nothing-here/***" in shown
    assert "/api/v2/also-nothing/***" in shown
    assert "/api/v2/users/***" in shown
    assert len(result.unknown) == 2
    assert [d.operation_id for d in result.denials] != [None]  # matched unmasked


def test_tokens_are_masked_without_a_mask() -> None:
    result = lp.analyse("t", [lp.Exchange("GET", f"{BASE}/x/{TOKEN}", 404)], None)
    assert result.unknown[0].path == "/api/v2/x/***"
