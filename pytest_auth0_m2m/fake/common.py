"""Shared emulator pieces: Auth0's error shapes, path limits, pagination, field filters."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.http import HTTP_STATUS_CODES

from .schemas import PATH_PARAMS

JSON = Any
Reply = tuple[int, JSON]

_ALNUM = string.ascii_letters + string.digits


class ApiError(Exception):
    """An HTTP error answered as is: ``body`` is JSON-able (or raw bytes for injected faults)."""

    def __init__(
        self,
        status: int,
        body: JSON,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def mgmt_body(status: int, message: str, error_code: str | None = None) -> dict[str, Any]:
    """Auth0's Management API error body: ``{statusCode, error, message[, errorCode]}``."""
    body: dict[str, Any] = {
        "statusCode": status,
        "error": HTTP_STATUS_CODES.get(status, "Error"),
        "message": message,
    }
    if error_code is not None:
        body["errorCode"] = error_code
    return body


# An operation the emulator does not emulate answers 405 with this errorCode and a message naming
# it. Not 501: auth0-python 6.x retries every 5xx (and 408, 409, 429), so each call would wait
# through its back-off before failing. 405 is retried by no Auth0 SDK, is never one of Auth0's
# own answers to a spec'd operation (so no test mistakes it for Auth0's behaviour, as a 400 or a
# 404 could be), and says what is true: this server does not allow that method on that path.
NOT_EMULATED_STATUS = 405
NOT_EMULATED_CODE = "operation_not_emulated"


def is_not_emulated(status: int, error_code: str | None) -> bool:
    """Whether an emulator answer is its "not emulated" one (the one test of it, used by the
    server, the diff and the benchmarks)."""
    return status == NOT_EMULATED_STATUS and error_code == NOT_EMULATED_CODE


def not_emulated_body(operation_id: str, method: str, path: str) -> dict[str, Any]:
    return mgmt_body(
        NOT_EMULATED_STATUS,
        f"{operation_id} ({method} {path}) is not emulated by the Auth0 emulator: it answers "
        "this status, which no SDK retries, so the call fails fast; test it against a tenant",
        NOT_EMULATED_CODE,
    )


def mgmt_error(status: int, message: str, error_code: str | None = None) -> ApiError:
    return ApiError(status, mgmt_body(status, message, error_code))


def not_found_error(message: str, error_code: str) -> ApiError:
    return mgmt_error(404, message, error_code)


def bad_body(message: str) -> ApiError:
    return mgmt_error(400, f"Payload validation error: {message}", "invalid_body")


def parse_json(raw: bytes) -> JSON:
    """A request body as JSON, or Auth0's 400 for what JSON (RFC 8259) does not allow or the
    emulator could not answer back: NaN and Infinity, numbers too large for a double, lone
    surrogates (``"\\ud800"``), nesting deep enough to exhaust the parser."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
        _check_strings(value)
    except (ValueError, UnicodeError, RecursionError):
        raise bad_body("'Invalid JSON: the request body could not be parsed'.") from None
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError("a number too large")
    return number


def _check_strings(value: object) -> None:
    """Raises UnicodeError for a string holding a lone surrogate (it has no UTF-8 form)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def bad_query(message: str) -> ApiError:
    return mgmt_error(400, f"Query validation error: {message}", "invalid_query_string")


def random_id(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def dumps(body: JSON) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- body validation ---------------------------------------------------------------------------

_JSON_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def json_type(value: object) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _JSON_TYPES[name](value):
            return name
    return type(value).__name__


def merge_metadata(current: Mapping[str, Any] | None, patch: Mapping[str, Any]) -> dict[str, Any]:
    """Auth0's metadata PATCH: merged one level deep; a key sent as null is removed, others kept
    (users' app_metadata/user_metadata and clients' client_metadata alike)."""
    merged = dict(current or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def validate_path(operation_id: str, params: Mapping[str, str]) -> None:
    """Length limits the spec puts on path parameters, answered as Auth0's invalid_uri."""
    limits = PATH_PARAMS.get(operation_id)
    if not limits:
        return
    for name, (low, high, _pattern, description) in limits.items():
        value = params.get(name, "")
        about = f" ({description})" if description else ""
        if high is not None and len(value) > high:
            raise mgmt_error(
                400,
                f"Path validation error: 'String is too long ({len(value)} chars), maximum "
                f"{high}' on property {name}{about}.",
                "invalid_uri",
            )
        if low is not None and len(value) < low:
            raise mgmt_error(
                400,
                f"Path validation error: 'String is too short ({len(value)} chars), minimum "
                f"{low}' on property {name}{about}.",
                "invalid_uri",
            )


def require_string_list(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_body(f"'Expected type array of strings' on property {name}.")
    return list(value)


# --- query parameters --------------------------------------------------------------------------


def query_bool(args: MultiDict[str, str], name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise bad_query(f"'Expected type boolean but found type string' on property {name}.")


def query_int(
    args: MultiDict[str, str], name: str, default: int, low: int, high: int | None
) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_query(
            f"'Expected type integer but found type string' on property {name}."
        ) from None
    if value < low:
        raise bad_query(f"'Too small: must be at least {low}' on property {name}.")
    if high is not None and value > high:
        raise bad_query(f"'Too big: must be at most {high}' on property {name}.")
    return value


def select_fields(items: Iterable[Mapping[str, Any]], args: MultiDict[str, str]) -> list[JSON]:
    """Apply Auth0's ``fields``/``include_fields`` to each item."""
    raw = args.get("fields")
    if not raw:
        return [dict(item) for item in items]
    wanted = {f.strip() for f in raw.split(",") if f.strip()}
    include = query_bool(args, "include_fields", True)
    if include:
        return [{k: v for k, v in item.items() if k in wanted} for item in items]
    return [{k: v for k, v in item.items() if k not in wanted} for item in items]


def paginate(
    items: Sequence[Mapping[str, Any]],
    args: MultiDict[str, str],
    key: str,
    *,
    checkpoint: bool = False,
    checkpoint_only: bool = False,
    with_length: bool = False,
    id_field: str = "id",
) -> JSON:
    """Page ``items`` with page/per_page/include_totals, or from/take where Auth0 offers it.

    ``checkpoint_only`` is for endpoints that always answer ``{key: [...], "next": ...}``.
    """
    if checkpoint_only or (checkpoint and ("from" in args or "take" in args)):
        take = query_int(args, "take", 50, 1, 100)
        start = 0
        cursor = args.get("from")
        if cursor:
            ids = [str(item.get(id_field)) for item in items]
            if cursor not in ids:
                raise bad_query("'Invalid checkpoint' on property from.")
            start = ids.index(cursor)
        chunk = items[start : start + take]
        body: dict[str, Any] = {key: select_fields(chunk, args)}
        if start + take < len(items):
            body["next"] = str(items[start + take].get(id_field))
        return body
    page = query_int(args, "page", 0, 0, None)
    per_page = query_int(args, "per_page", 50, 0, 100)
    chunk = items[page * per_page : (page + 1) * per_page]
    selected = select_fields(chunk, args)
    if not query_bool(args, "include_totals", False):
        return selected
    body = {"start": page * per_page, "limit": per_page}
    if with_length:
        body["length"] = len(selected)
    body["total"] = len(items)
    body[key] = selected
    return body
