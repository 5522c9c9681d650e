"""Request bodies checked against the spec's JSON Schemas, refused in Auth0's words.

Each operation's schema (``data/fake_schemas.json``) is compiled once, on first use, with
fastjsonschema; its first failure is translated into the message Auth0's validator writes
(``Payload validation error: 'Missing required property: name'.``, ``... 'String is too long
(300 chars), maximum 255' on property name (Name of this client ...).``; wording from
recordings and docs/auth0-wire.md). Auth0 reports one failure at a time, as this does.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import fastjsonschema

from .common import JSON, bad_body, json_type
from .schemas import BODIES, DEFINITIONS, resolve

Validator = Callable[[Any], Any]
_DEFINITION_REF = "#/definitions/"


@functools.cache
def _validator(operation_id: str, *, detailed: bool = False) -> Validator:
    """The operation's compiled check. The plain one (tens of ms to compile for the largest
    bodies) only says whether a body passes; the detailed one, whose failures carry the rule,
    value and schema that Auth0's message needs, costs a few times more and is compiled only
    once a body of that operation fails."""
    body = BODIES[operation_id]
    # Only the definitions this body reaches: fastjsonschema walks all it is given.
    schema = {**body, "definitions": _reachable(body)}
    return fastjsonschema.compile(schema, detailed_exceptions=detailed)


def _reachable(schema: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_DEFINITION_REF):
                name = ref[len(_DEFINITION_REF) :]
                if name not in found:
                    found[name] = DEFINITIONS[name]
                    pending.append(found[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def validate_body(operation_id: str, body: JSON) -> Any:
    """``body`` if it satisfies the operation's request schema, else Auth0's 400 invalid_body
    (an object for nearly every operation; an array where the spec says so).

    A property sent as null in an update (``patch_*``) is accepted whatever its type: Auth0
    unsets it (recordings), where the spec often does not list null among its types.
    """
    wanted = resolve(BODIES[operation_id]).get("type", "object")
    if wanted == "object" and not isinstance(body, dict):
        raise bad_body(f"'Expected type object but found type {json_type(body)}'.")
    try:
        _validator(operation_id)(body)
        return body
    except fastjsonschema.JsonSchemaValueException:
        pass
    checked = body
    while True:
        try:
            _validator(operation_id, detailed=True)(checked)
            return body
        except fastjsonschema.JsonSchemaValueException as failure:
            unset = _unset_in_update(operation_id, checked, failure)
            if unset is None:
                if _min_properties_met_by_nulls(body, failure):
                    return body
                raise bad_body(auth0_message(failure)) from None
            checked = {k: v for k, v in body.items() if k != unset and k in checked}


def _unset_in_update(
    operation_id: str, body: Any, failure: fastjsonschema.JsonSchemaValueException
) -> str | None:
    """The top-level property the failure is about, if it is a null in an update."""
    if not operation_id.startswith("patch_") or not isinstance(body, dict):
        return None
    name = _path(failure.name or "data")
    return name if name in body and body[name] is None else None


def _min_properties_met_by_nulls(
    body: Any, failure: fastjsonschema.JsonSchemaValueException
) -> bool:
    """An update of nulls only is still an update: Auth0 counts them (they unset)."""
    if (
        failure.rule != "minProperties"
        or _path(failure.name or "data")
        or not isinstance(body, dict)
    ):
        return False
    return len(body) >= int(resolve(failure.definition or {}).get("minProperties", 0))


def form_body(operation_id: str, raw: bytes) -> dict[str, Any]:
    """A form-encoded body as the object its JSON twin would be: a repeated name is a list, and a
    value is read as the boolean, number or one-item array the schema's top-level property wants
    (a form carries only strings). What does not convert stays a string, for the schema to refuse
    in Auth0's words."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise bad_body("'Invalid form body: the request body could not be parsed'.") from None
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    properties = (
        resolve(BODIES[operation_id]).get("properties", {}) if operation_id in BODIES else {}
    )
    return {
        name: _from_form(values, resolve(properties.get(name, {})))
        for name, values in grouped.items()
    }


def _from_form(values: list[str], schema: Mapping[str, Any]) -> Any:
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        return values
    if len(values) > 1:
        return values
    value = values[0]
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "number" in kinds and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value):
        return float(value)
    return value


def auth0_message(failure: fastjsonschema.JsonSchemaValueException) -> str:
    """The part of Auth0's 400 message after ``Payload validation error: ``."""
    definition: Mapping[str, Any] = resolve(failure.definition or {})
    what = _what(failure.rule or "", failure.value, definition)
    path = _path(failure.name or "data")
    if not path:
        return f"'{what}'."
    about = definition.get("description")
    return f"'{what}' on property {path}{f' ({about})' if about else ''}."


def _path(name: str) -> str:
    """fastjsonschema's ``data.groups[0].email`` as Auth0 writes it: ``groups[0].email``."""
    if name == "data":
        return ""
    return name.removeprefix("data.").removeprefix("data")


# Auth0's validator's words for a failed rule: {value} is the failing value, {size} its length,
# {limit} the rule's value in the schema.
_MESSAGES = {
    "maxLength": "String is too long ({size} chars), maximum {limit}",
    "minLength": "String is too short ({size} chars), minimum {limit}",
    "pattern": "String does not match pattern {limit}: {value}",
    "format": "Object didn't pass validation for format {limit}: {value}",
    "maxItems": "Array is too long ({size}), maximum {limit}",
    "minItems": "Array is too short ({size}), minimum {limit}",
    "maxProperties": "Too many properties defined ({size}), maximum {limit}",
    "minProperties": "Too few properties defined ({size}), minimum {limit}",
    "maximum": "Value {value} is greater than maximum {limit}",
    "minimum": "Value {value} is less than minimum {limit}",
    "exclusiveMaximum": "Value {value} is equal or greater than exclusive maximum {limit}",
    "exclusiveMinimum": "Value {value} is equal or less than exclusive minimum {limit}",
    "multipleOf": "Value {value} is not a multiple of {limit}",
    "oneOf": "Data does not match any schemas from 'oneOf'",
    "anyOf": "Data does not match any schemas from 'anyOf'",
    "not": "Data matches schema from 'not'",
}


def _what(rule: str, value: Any, definition: Mapping[str, Any]) -> str:
    if rule == "type":
        kinds = definition.get("type", [])
        expected = " or ".join([kinds] if isinstance(kinds, str) else kinds)
        return f"Expected type {expected} but found type {json_type(value)}"
    if rule == "required":
        missing = [n for n in definition.get("required", []) if n not in value]
        return f"Missing required property: {missing[0] if missing else '?'}"
    if rule == "additionalProperties":
        return f"Additional properties not allowed: {','.join(_unknown(value, definition))}"
    if rule in ("enum", "const"):
        return f"No enum match for: {json.dumps(value)}"
    if rule == "uniqueItems":
        first, second = _repeated(value)
        return f"Array items are not unique (indexes {first} and {second})"
    if rule == "anyOf" and definition.get("$comment") == "oneOf":
        rule = "oneOf"  # the spec's oneOf, checked as anyOf (scripts/generate_catalogue.py)
    if rule in _MESSAGES:
        size = len(value) if isinstance(value, (str, list, dict)) else 0
        return _MESSAGES[rule].format(value=value, size=size, limit=definition.get(rule))
    return f"Data does not match the schema's '{rule}'"


def _unknown(value: Mapping[str, Any], definition: Mapping[str, Any]) -> list[str]:
    known = definition.get("properties", {})
    patterns = [re.compile(p) for p in definition.get("patternProperties", {})]
    return [k for k in value if k not in known and not any(p.search(k) for p in patterns)]


def _repeated(items: list[Any]) -> tuple[int, int]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            return seen[key], index
        seen[key] = index
    return 0, 0
