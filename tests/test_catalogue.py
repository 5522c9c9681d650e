"""The generated data: the scope catalogue and the emulator's request schemas are generated from
Auth0's spec, in sync with it, and the catalogue matches real paths."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from pytest_auth0_m2m.auth0 import insufficient_scope
from pytest_auth0_m2m.auth0.management import ManagementError
from pytest_auth0_m2m.auth0.scopes import ScopeError, catalogue, parse_marker_args
from pytest_auth0_m2m.fake.schemas import (
    BODIES,
    DEFINITIONS,
    PATH_PARAMS,
    property_description,
    resolve,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "auth0" / "management-api-oas.json"
DATA = ROOT / "pytest_auth0_m2m" / "data"
GENERATOR = ROOT / "scripts" / "generate_catalogue.py"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_catalogue", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SPEC.exists(), reason="Auth0's spec is not beside the repository")
def test_committed_data_is_in_sync_with_the_spec() -> None:
    expected = _generator().outputs(json.loads(SPEC.read_text("utf-8")))
    assert sorted(expected) == ["catalogue.json", "fake_schemas.json"]
    for name, text in expected.items():
        committed = (DATA / name).read_text("utf-8")
        assert committed == text, f"{name} is stale; run: python scripts/generate_catalogue.py"


@pytest.mark.e2e  # runs a subprocess: the slow tier
@pytest.mark.skipif(not SPEC.exists(), reason="Auth0's spec is not beside the repository")
def test_check_mode_flags_a_stale_file_and_writes_nothing(tmp_path: Path) -> None:
    generator = _generator()
    assert generator.main([str(SPEC), str(tmp_path)]) == 0
    assert generator.main(["--check", str(SPEC), str(tmp_path)]) == 0
    stale = tmp_path / "fake_schemas.json"
    stale.write_text(stale.read_text("utf-8").replace('"name"', '"nom"', 1), "utf-8")
    before = stale.read_text("utf-8")
    assert generator.main(["--check", str(SPEC), str(tmp_path)]) == 1
    assert stale.read_text("utf-8") == before


@pytest.mark.skipif(not SPEC.exists(), reason="Auth0's spec is not beside the repository")
def test_every_spec_operation_and_scope_is_in_the_catalogue() -> None:
    spec = json.loads(SPEC.read_text("utf-8"))
    flows = spec["components"]["securitySchemes"]["oAuth2ClientCredentials"]["flows"]
    assert set(catalogue().scopes) == set(flows["clientCredentials"]["scopes"])
    spec_ops = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert {(op.method, op.path) for op in catalogue().operations} == spec_ops


@pytest.mark.parametrize(
    ("texts", "security", "expected"),
    [
        (
            ["Insufficient scope; expected any of: read:users."],
            ["read:users"],
            ("any", [["read:users"]]),
        ),
        (
            ["Insufficient scope; expected all of: read:users, read:roles, read:role_members."],
            ["read:users", "read:roles", "read:role_members"],
            ("all", [["read:users"], ["read:roles"], ["read:role_members"]]),
        ),
        (
            ["Insufficient scope; expected create:signing_keys and update:signing_keys."],
            ["create:signing_keys", "update:signing_keys"],
            ("all", [["create:signing_keys"], ["update:signing_keys"]]),
        ),
        (
            [
                "Insufficient scope; expected: read:connections and any of: read:clients or "
                "read:client_summary."
            ],
            ["read:connections", "read:clients", "read:client_summary"],
            ("mixed", [["read:connections"], ["read:clients", "read:client_summary"]]),
        ),
        (
            ["Insufficient scope; expected: update:users, update:current_user_identities."],
            ["update:users", "update:current_user_identities"],
            ("any", [["update:users", "update:current_user_identities"]]),
        ),
        ([], ["read:scim_config"], ("any", [["read:scim_config"]])),
    ],
)
def test_scope_rules_are_read_from_the_403_descriptions(
    texts: list[str], security: list[str], expected: tuple[str, list[list[str]]]
) -> None:
    assert _generator().scope_rule(security, texts) == expected


def test_operations_of_each_kind_are_in_the_packaged_catalogue() -> None:
    cat = catalogue()
    roles = cat.match("GET", "/api/v2/users/auth0|abc/roles")
    assert roles is not None
    assert (roles.operation_id, roles.mode) == ("get_user_roles", "all")
    assert not roles.allows({"read:users", "read:roles"})
    assert roles.allows({"read:users", "read:roles", "read:role_members"})
    assert roles.insufficient_scope_message() == (
        "Insufficient scope, expected all of: read:role_members,read:roles,read:users"
    )

    mixed = cat.match("GET", "/api/v2/clients/abc/connections")
    assert mixed is not None
    assert mixed.mode == "mixed"
    assert mixed.allows({"read:connections", "read:client_summary"})
    assert not mixed.allows({"read:clients", "read:client_summary"})
    assert mixed.insufficient_scope_message() == (
        "Insufficient scope, expected: read:connections and any of: "
        "read:clients or read:client_summary"
    )

    users = cat.match("get", "/users")
    assert users is not None
    assert users.mode == "any"
    assert users.insufficient_scope_message() == (
        "Insufficient scope, expected any of: read:users,read:user_idp_tokens"
    )


def test_literal_segments_win_over_parameters() -> None:
    cat = catalogue()
    by_email = cat.match("GET", "/api/v2/users-by-email")
    assert by_email is not None
    assert by_email.path == "/users-by-email"
    preview = cat.match("POST", "/api/v2/clients/cimd/preview")
    assert preview is not None
    assert preview.path == "/clients/cimd/preview"
    assert cat.match("GET", "/api/v2/no-such-thing") is None
    assert cat.match("TRACE", "/api/v2/users") is None


def test_marker_arguments_are_validated_without_pytest() -> None:
    assert parse_marker_args(("read:users", "read:users"), {}).scopes == {"read:users"}
    assert parse_marker_args((), {}).scopes == frozenset()
    with pytest.raises(ScopeError, match="did you mean 'read:users'"):
        parse_marker_args(("read:user",), {})
    with pytest.raises(ScopeError, match="is not a Management API scope; see"):
        parse_marker_args(("zzzz",), {})


def test_committed_fake_schemas_are_in_the_generator_s_form() -> None:
    # Without the spec: the file is what the generator renders from its own content, so a
    # hand edit that breaks the one-entry-a-line layout or the shape is caught.
    generator = _generator()
    committed = (DATA / "fake_schemas.json").read_text("utf-8")
    data = json.loads(committed)
    assert generator.render_fake_schemas(data) == committed
    referenced = set()
    for schema in [*data["bodies"].values(), *data["definitions"].values()]:
        referenced |= set(_refs(schema))
    # every reference resolves, and no definition is carried that nothing refers to
    assert referenced == {f"#/definitions/{name}" for name in data["definitions"]}


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["$ref"])] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_emulator_schemas_name_catalogue_operations_and_cover_every_json_body() -> None:
    known = {op.operation_id for op in catalogue().operations}
    assert set(BODIES) <= known
    assert set(PATH_PARAMS) <= known
    assert len(BODIES) >= 170  # every JSON request body of the spec, not only emulated ones
    client = resolve(BODIES["post_clients"])
    assert client["required"] == ["name"]
    assert client["additionalProperties"] is False
    assert resolve(client["properties"]["name"])["type"] == "string"
    assert property_description("post_clients", "name").startswith("Name of this client")
    assert resolve(BODIES["patch_users_by_id"]).get("additionalProperties", True) is not False
    assert "ClientMetadata" in DEFINITIONS
    # the recording-wins overrides are in the generated schema
    assert "token_lifetime_for_web" in resolve(BODIES["post_resource-servers"])["properties"]
    assert PATH_PARAMS["get_event-streams_by_id"] == {
        "id": (26, 26, None, "Unique identifier for the event stream.")
    }
    assert "get_users" not in PATH_PARAMS
    with pytest.raises(KeyError):
        BODIES["get_users"]


def test_long_descriptions_are_cut_at_a_word_boundary() -> None:
    short = _generator().short_description
    assert short("a" * 160) == "a" * 160
    long = "word " * 40
    cut = short(long)
    assert cut.endswith("word...")
    assert len(cut) <= 160
    assert long.startswith(cut[:-3])


def test_a_ref_is_replaced_by_its_target_and_path_limits_are_read() -> None:
    generator = _generator()
    spec = {
        "components": {
            "schemas": {
                "Meta": {
                    "type": ["object", "null"],
                    "description": "Target text",
                    "default": None,
                    "x-release-lifecycle": "GA",
                    "format": "client-id",
                },
                "When": {"type": "string", "format": "date-time", "pattern": "[\\w-\\.]+"},
                "Body": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["meta"],
                    "properties": {
                        "meta": {"$ref": "#/components/schemas/Meta", "description": "Sibling"},
                        "count": {"type": "integer"},
                        "when": {"$ref": "#/components/schemas/When"},
                    },
                },
            },
            "parameters": {
                "Id": {"name": "id", "in": "path", "schema": {"type": "string", "maxLength": 9}}
            },
        },
        "paths": {
            "/things/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "patch": {
                    "operationId": "patch_thing",
                    "parameters": [{"name": "q", "in": "query", "schema": {"maxLength": 3}}],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Body"}}
                        }
                    },
                },
            }
        },
    }
    _, op = generator._operations_by_id(spec)["patch_thing"]
    used: set[str] = set()
    body = generator.body_schema(spec, "patch_thing", op, used)
    assert body == {
        "type": "object",
        "additionalProperties": False,
        "required": ["meta"],
        "properties": {
            "meta": {"$ref": "#/definitions/Meta", "description": "Sibling"},
            "count": {"type": "integer"},
            "when": {"$ref": "#/definitions/When"},
        },
    }
    # non-validating keywords and Auth0's unpublished formats are dropped; an ECMAScript-only
    # pattern is dropped rather than misread by Python's re
    assert generator._definitions(spec, used) == {
        "Meta": {"type": ["object", "null"], "description": "Target text"},
        "When": {"type": "string", "format": "date-time"},
    }
    item = spec["paths"]["/things/{id}"]
    assert generator.path_limits(spec, item, op) == {"id": [None, 9, None, ""]}


def test_every_operations_403_message_reads_back_as_its_rule() -> None:
    """The emulator writes what the client, the report and replay read: one grammar."""
    for op in catalogue().operations:
        written = op.insufficient_scope_message()
        parsed = insufficient_scope.parse(written)
        assert parsed is not None, written
        assert {frozenset(g) for g in parsed} == {frozenset(g) for g in op.groups}, written
        assert insufficient_scope.scopes_named(written), written
        assert set(insufficient_scope.scopes_named(written)) == op.scopes


def test_management_error_names_the_scopes_of_every_rule() -> None:
    for op in catalogue().operations:
        error = ManagementError("call", 403, op.insufficient_scope_message(), "insufficient_scope")
        assert set(error.missing_scopes) == op.scopes
    assert ManagementError("call", 404, op.insufficient_scope_message()).missing_scopes == ()
