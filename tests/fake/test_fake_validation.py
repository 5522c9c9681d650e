"""Request bodies are checked against the spec's whole schemas, nested properties included, and
refused in Auth0's words (issue 10: validation compiled from the spec, not re-written by hand)."""

from __future__ import annotations

import fastjsonschema
import httpx
import pytest
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.fake.common import ApiError
from pytest_auth0_m2m.fake.schemas import BODIES
from pytest_auth0_m2m.fake.validation import auth0_message, validate_body

CLIENTS = ("create:clients", "update:clients", "read:clients")


def _message(r: httpx.Response) -> str:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errorCode"] == "invalid_body"
    assert body["error"] == "Bad Request"
    return str(body["message"])


def _client(http: httpx.Client, fake: FakeAuth0) -> str:
    r = http.post("/api/v2/clients", headers=bearer(fake, *CLIENTS), json={"name": "v"})
    assert r.status_code == 201, r.text
    return str(r.json()["client_id"])


def test_a_nested_enum_is_refused_with_its_path_and_description(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    r = http.post(
        "/api/v2/clients",
        headers=bearer(fake, *CLIENTS),
        json={"name": "a", "jwt_configuration": {"alg": "XX256"}},
    )
    message = _message(r)
    assert message.startswith(
        "Payload validation error: 'No enum match for: \"XX256\"' on property "
        "jwt_configuration.alg ("
    )
    assert message.endswith(").")


def test_an_array_item_of_the_wrong_type_names_its_index(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    r = http.post(
        "/api/v2/clients",
        headers=bearer(fake, *CLIENTS),
        json={"name": "a", "callbacks": ["https://ok.example", 7]},
    )
    assert _message(r).startswith(
        "Payload validation error: 'Expected type string but found type integer' on property "
        "callbacks[1]"
    )


def test_a_missing_nested_required_property_is_named(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = bearer(fake, "create:roles", "update:roles")
    role = http.post("/api/v2/roles", headers=headers, json={"name": "r"}).json()
    r = http.post(
        f"/api/v2/roles/{role['id']}/permissions",
        headers=headers,
        json={"permissions": [{"permission_name": "read:x"}]},
    )
    assert _message(r) == (
        "Payload validation error: 'Missing required property: resource_server_identifier' "
        "on property permissions[0]."
    )


def test_an_email_is_checked_as_auth0_checks_its_format(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    r = http.post(
        "/api/v2/users",
        headers=bearer(fake, "create:users"),
        json={"connection": "Username-Password-Authentication", "email": "not-an-email"},
    )
    assert _message(r).startswith(
        "Payload validation error: 'Object didn't pass validation for format email: "
        "not-an-email' on property email"
    )


def test_unknown_top_level_properties_are_all_listed(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.post(
        "/api/v2/roles",
        headers=bearer(fake, "create:roles"),
        json={"name": "r", "colour": "red", "size": 2},
    )
    assert (
        _message(r) == "Payload validation error: 'Additional properties not allowed: colour,size'."
    )


def test_an_update_may_unset_with_null_but_not_send_nothing(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    client_id = _client(http, fake)
    headers = bearer(fake, *CLIENTS)
    url = f"/api/v2/clients/{client_id}"
    r = http.patch(url, headers=headers, json={"description": None})
    assert r.status_code == 200, r.text
    assert _message(http.patch(url, headers=headers, json={})) == (
        "Payload validation error: 'Too few properties defined (0), minimum 1'."
    )
    # a null does not smuggle in a property the schema does not know
    assert _message(http.patch(url, headers=headers, json={"colour": None})) == (
        "Payload validation error: 'Additional properties not allowed: colour'."
    )
    # and the other properties of the update are still checked
    r = http.patch(url, headers=headers, json={"description": None, "callbacks": [1]})
    assert "on property callbacks[0]" in _message(r)


def test_a_recording_wins_over_the_spec_for_a_property_it_omits(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccResourceServer*.yaml: Auth0 accepts token_lifetime_for_web, the spec does not list it
    r = http.post(
        "/api/v2/resource-servers",
        headers=bearer(fake, "create:resource_servers"),
        json={"identifier": "https://v.example", "token_lifetime_for_web": 7200},
    )
    assert r.status_code == 201, r.text


@pytest.mark.e2e  # compiles all the spec's body schemas: the slow tier
@pytest.mark.parametrize("operation_id", sorted(BODIES))
def test_every_body_schema_compiles_and_answers_in_auth0_s_words(operation_id: str) -> None:
    # The data file holds every JSON request body of the spec: each must compile (a schema that
    # does not would be a 500 the first time a test sends that body), and an empty or wrong body
    # is either accepted or refused as Auth0 refuses it.
    for body in ({}, {"\u00e9-not-a-property": []}):
        refused: ApiError | None = None
        try:
            validate_body(operation_id, body)
        except ApiError as error:
            refused = error
        if refused is not None:
            assert refused.status == 400
            assert refused.body["errorCode"] == "invalid_body"
            message = refused.body["message"]
            assert message.startswith("Payload validation error: '"), message
            assert "Data does not match the schema's" not in message, message


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"maxLength": 3}, "abcd", "'String is too long (4 chars), maximum 3'"),
        ({"minLength": 2}, "a", "'String is too short (1 chars), minimum 2'"),
        ({"pattern": "^a+$"}, "b", "'String does not match pattern ^a+$: b'"),
        ({"minItems": 2}, [1], "'Array is too short (1), minimum 2'"),
        ({"maxItems": 1}, [1, 2], "'Array is too long (2), maximum 1'"),
        ({"uniqueItems": True}, [1, 2, 1], "'Array items are not unique (indexes 0 and 2)'"),
        ({"maximum": 5}, 6, "'Value 6 is greater than maximum 5'"),
        ({"minimum": 5}, 4, "'Value 4 is less than minimum 5'"),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, "'Too many properties defined (2), maximum 1'"),
        ({"enum": ["x", "y"]}, "z", "'No enum match for: \"z\"'"),
        (
            {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            1.5,
            "'Data does not match any schemas from 'oneOf''",
        ),
    ],
)
def test_each_rule_is_worded_as_auth0_words_it(schema: dict, value: object, expected: str) -> None:
    check = fastjsonschema.compile(
        {"type": "object", "properties": {"p": {**schema, "description": "About p"}}}
    )
    with pytest.raises(fastjsonschema.JsonSchemaValueException) as failure:
        check({"p": value})
    assert auth0_message(failure.value) == f"{expected} on property p (About p)."


def test_a_form_encoded_body_is_read_as_its_json_twin(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec lists application/x-www-form-urlencoded beside JSON for every request body.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    headers = {**bearer(fake, *CLIENTS), **form}
    r = http.post(
        "/api/v2/clients",
        headers=headers,
        content=b"name=formed&is_first_party=false&callbacks=https%3A%2F%2Fa.example"
        b"&jwt_configuration.alg=x",
    )
    # an object property has no form spelling: refused by the schema, in Auth0's words
    assert (
        _message(r)
        == "Payload validation error: 'Additional properties not allowed: jwt_configuration.alg'."
    )
    r = http.post(
        "/api/v2/clients",
        headers=headers,
        content=b"name=formed&is_first_party=false&callbacks=https%3A%2F%2Fa.example",
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "formed"
    assert made["is_first_party"] is False
    assert made["callbacks"] == ["https://a.example"]
    r = http.post("/api/v2/clients", headers=headers, content=b"name=x&is_first_party=perhaps")
    assert _message(r).startswith(
        "Payload validation error: 'Expected type boolean but found type string' on property "
        "is_first_party"
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"a":' * 3000 + b"1" + b"}" * 3000,
        b'{"connection": "Username-Password-Authentication", "email": "s@example.com", '
        b'"password": "Str0ng!Passw0rd#1", "app_metadata": {"x": "\\ud800"}}',
        b'{"connection": "c", "email": "n@example.com", "app_metadata": {"x": NaN}}',
        b'{"connection": "c", "email": "n@example.com", "app_metadata": {"x": Infinity}}',
        b'{"connection": "c", "email": "n@example.com", "app_metadata": {"x": 1e999}}',
    ],
)
def test_what_json_does_not_allow_is_a_400_never_a_500(
    fake: FakeAuth0, http: httpx.Client, raw: bytes
) -> None:
    # Red-team finding: deep nesting was a RecursionError, a lone surrogate was stored and then
    # made every user list a 500, 1e999 came back as Infinity.
    headers = {**bearer(fake, "create:users", "read:users"), "Content-Type": "application/json"}
    r = http.post("/api/v2/users", headers=headers, content=raw)
    assert (
        _message(r)
        == "Payload validation error: 'Invalid JSON: the request body could not be parsed'."
    )
    assert http.get("/api/v2/users", headers=headers).status_code == 200
    assert fake.server_errors == []
    token = http.post("/oauth/token", content=raw, headers={"Content-Type": "application/json"})
    assert token.status_code == 400
    assert fake.server_errors == []


def test_a_body_the_spec_makes_an_array_is_checked_as_one(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    headers = bearer(fake, "read:connections", "update:connections")
    connection = http.get("/api/v2/connections", headers=headers).json()[0]
    path = f"/api/v2/connections/{connection['id']}/clients"
    assert _message(http.patch(path, headers=headers, json=[])) == (
        "Payload validation error: 'Array is too short (0), minimum 1'."
    )
    bad = http.patch(path, headers=headers, json=[{"client_id": "x"}])
    assert "Missing required property: status" in _message(bad)
    assert _message(http.patch(path, headers=headers, json={"client_id": "x"})).startswith(
        "Payload validation error: 'Expected type array but found type object'"
    )
    ok = http.patch(
        path, headers=headers, json=[{"client_id": fake.provisioner.client_id, "status": True}]
    )
    assert ok.status_code == 204, ok.text
