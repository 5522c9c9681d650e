"""The secret-field catalogue: generated from the specs kept in specs/auth0/, in sync with them,
reviewed for what must (and must not) be secret, and matched to concrete request paths."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from pytest_auth0_m2m.auth0.secret_fields import NO_FIELDS, secret_catalogue, split_path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs" / "auth0"
DATA = ROOT / "pytest_auth0_m2m" / "data"
GENERATOR = ROOT / "scripts" / "generate_secret_fields.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_secret_fields", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_specs_are_inside_the_project() -> None:
    for name in ("management-api-oas.json", "authentication-api-oas.json"):
        assert json.loads((SPECS / name).read_text("utf-8"))["paths"]


def test_committed_catalogue_is_in_sync_with_the_specs() -> None:
    committed = (DATA / "secret_fields.json").read_text("utf-8")
    expected = _generator().output(SPECS)
    assert committed == expected, "stale; run: python scripts/generate_secret_fields.py"


@pytest.mark.e2e  # runs a subprocess: the slow tier
def test_check_mode_flags_a_stale_file_and_writes_nothing(tmp_path: Path) -> None:
    generator = _generator()
    assert generator.main([str(SPECS), str(tmp_path)]) == 0
    assert generator.main(["--check", str(SPECS), str(tmp_path)]) == 0
    stale = tmp_path / "secret_fields.json"
    stale.write_text(stale.read_text("utf-8").replace('"password"', '"passw0rd"', 1), "utf-8")
    before = stale.read_text("utf-8")
    assert generator.main(["--check", str(SPECS), str(tmp_path)]) == 1
    assert stale.read_text("utf-8") == before


@pytest.mark.parametrize(
    ("method", "path", "side", "field"),
    [
        ("POST", "/api/v2/users", "request", "password"),
        ("PATCH", "/api/v2/users/auth0|1", "request", "password"),
        ("POST", "/api/v2/tickets/password-change", "response", "ticket"),
        ("POST", "/api/v2/tickets/email-verification", "response", "ticket"),
        ("POST", "/api/v2/guardian/enrollments/ticket", "response", "ticket_url"),
        ("POST", "/api/v2/guardian/enrollments/ticket", "response", "ticket_id"),
        ("POST", "/api/v2/organizations/org_1/invitations", "response", "invitation_url"),
        ("POST", "/api/v2/organizations/org_1/invitations", "response", "ticket_id"),
        ("POST", "/api/v2/users/auth0|1/recovery-code-regeneration", "response", "recovery_code"),
        ("POST", "/api/v2/users/auth0|1/authentication-methods", "request", "totp_secret"),
        ("POST", "/api/v2/resource-servers", "request", "signing_secret"),
        ("GET", "/api/v2/resource-servers/rs_1", "response", "signing_secret"),
        ("POST", "/api/v2/connections", "request", "options.configuration"),
        ("POST", "/api/v2/emails/provider", "request", "credentials"),
        ("POST", "/api/v2/log-streams", "request", "sink.httpAuthorization"),
        ("GET", "/api/v2/log-streams", "response", "[*].sink.httpAuthorization"),
        ("POST", "/api/v2/connections/con_1/scim-configuration/tokens", "response", "token"),
        ("POST", "/api/v2/device-credentials", "request", "value"),
        ("POST", "/api/v2/jobs/users-imports", "request", "users"),
        ("POST", "/oauth/token", "request", "client_secret"),
        ("POST", "/oauth/token", "request", "password"),
        ("POST", "/oauth/token", "response", "refresh_token"),
        ("POST", "/dbconnections/signup", "request", "password"),
        ("POST", "/mfa/associate", "response", "secret"),
        ("POST", "/api/v2/actions/actions", "request", "secrets[*].value"),
        ("PUT", "/api/v2/rules-configs/MY_KEY", "request", "value"),
        ("POST", "/oauth/token", "request", "code"),
    ],
)
def test_the_kinds_auth0_defines_are_secret(method: str, path: str, side: str, field: str) -> None:
    fields = secret_catalogue().fields(method, path)
    assert fields is not NO_FIELDS, f"{method} {path} matched no operation"
    assert field in getattr(fields, side)


@pytest.mark.parametrize(
    "name",
    [
        "token_lifetime",
        "token_endpoint_auth_method",
        "password_policy",
        "pem",
        "change_password",
        "token_quota",
        "name",
        "email",
    ],
)
def test_settings_about_secrets_are_not_secret(name: str) -> None:
    catalogue = secret_catalogue()
    assert name not in catalogue.names
    every = {
        split_path(p)[-1]
        for api in (catalogue.management, catalogue.authentication)
        for f in api.values()
        for p in (*f.request, *f.response)
    }
    assert name not in every


def test_names_usable_when_no_operation_matches() -> None:
    catalogue = secret_catalogue()
    assert catalogue.fields("GET", "/api/v2/no-such-thing") is NO_FIELDS
    for name in ("password", "password_hash", "totp_secret", "httpAuthorization", "ticket"):
        assert catalogue.is_secret_name(name)
    for generic in ("value", "code", "key", "credentials", "users"):
        assert not catalogue.is_secret_name(generic)


def test_every_override_is_reviewed_with_a_reason() -> None:
    for api, op, path, _secret, why in _generator().OVERRIDES:
        assert api in ("*", "management", "authentication")
        assert op == "*" or " /" in op
        assert path
        assert len(why) > 10, f"override {path!r} needs its reason"


def test_secret_values_lists_every_string_under_a_secret_field() -> None:
    catalogue = secret_catalogue()
    fields = catalogue.fields("POST", "/api/v2/connections")
    body = {
        "name": "db",
        "options": {"configuration": {"A": "one-secret", "B": ["two-secret"]}, "x": "kept"},
        "meta": {"password": "three-secret", "password_hash": ""},
    }
    assert list(catalogue.secret_values(body, fields.request_tree)) == [
        ("options.configuration.A", "one-secret"),
        ("options.configuration.B[0]", "two-secret"),
        ("meta.password", "three-secret"),
    ]
    # Without an operation, only the names count ("configuration" is one; "value" is not).
    assert len(list(catalogue.secret_values(body))) == 3
    listing = [{"id": "dcr_1", "value": "devcred-secret"}]
    tree = catalogue.fields("GET", "/api/v2/device-credentials").response_tree
    assert list(catalogue.secret_values(listing, tree)) == [("[0].value", "devcred-secret")]
    assert list(catalogue.secret_values(listing)) == []


def test_an_object_under_a_secret_name_is_judged_by_its_own_keys_in_a_known_operation() -> None:
    # "refresh_token" is secret by name (the token endpoint's string); a client's refresh_token
    # is its rotation settings, which GET /clients's paths do not make secret.
    catalogue = secret_catalogue()
    tree = catalogue.fields("GET", "/api/v2/clients").response_tree
    listing = [{"client_id": "c", "refresh_token": {"rotation_type": "non-rotating"}}]
    assert list(catalogue.secret_values(listing, tree)) == []
    token = [{"refresh_token": "v1.opaque-token-value"}]
    assert list(catalogue.secret_values(token, tree)) == [
        ("[0].refresh_token", "v1.opaque-token-value")
    ]
    # Where no operation is known, a secret name still makes everything below it secret.
    assert list(catalogue.secret_values(listing)) == [
        ("[0].refresh_token.rotation_type", "non-rotating")
    ]
