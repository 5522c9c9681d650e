"""Redaction of vcrpy requests, responses and cassettes: header allowlists, secrets in bodies,
the tenant rewritten to the recordings domain, 429s dropped. Applying it twice gives the same
result."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcr.filters import decode_response
from vcr.request import Request

from pytest_auth0_m2m.cassettes.placeholders import (
    PLACEHOLDER_CLIENT_SECRET,
    is_placeholder_secret,
    placeholder_for,
)
from pytest_auth0_m2m.cassettes.registry import RECORDINGS_TENANT, SecretRegistry, same_text

# Kept on requests and responses; everything else (Authorization, cookies, rate-limit headers,
# Date, Server, ...) never reaches disk. Users may add names, never the ones below.
DEFAULT_REQUEST_HEADERS = frozenset({"content-type", "accept"})
DEFAULT_RESPONSE_HEADERS = frozenset({"content-type", "location"})
NEVER_KEPT_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        # Wrong as soon as a body is rewritten; httpx computes them again on replay.
        "content-length",
        "content-encoding",
        "transfer-encoding",
    }
)

# A request carrying this header, or this User-Agent, is the plugin's own (provisioning, token
# fetch): it is never recorded nor replayed, whatever cassette is active.
INTERNAL_HEADER = "x-pytest-auth0-m2m-internal"
INTERNAL_USER_AGENT = "pytest-auth0-m2m"

SECRET_KEYS = frozenset({"client_secret", "client_assertion"})
TOKEN_KEYS = frozenset({"access_token", "id_token", "refresh_token"})


# --- Redaction -------------------------------------------------------------------------------

Seen = Callable[[str, str], None]  # (value, what) for every secret redaction replaced


def _no_op_seen(value: str, what: str) -> None:
    return None


def header_items(headers: Any) -> Iterator[tuple[str, Any]]:
    if headers is None:
        return iter(())
    if isinstance(headers, Mapping):
        return iter(list(headers.items()))
    return iter(list(headers))


def _charset(content_type: str) -> str:
    match = re.search(r"charset=([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1).strip("\"'") if match else "utf-8"


def body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "getvalue"):
        value = body.getvalue()
        return value if isinstance(value, bytes) else str(value).encode("utf-8")
    if isinstance(body, list):
        return b"".join(part if isinstance(part, bytes) else str(part).encode() for part in body)
    return None


def gunzipped(data: bytes) -> bytes | None:
    """The inflated body when ``data`` is gzip, else None (also for a corrupt gzip stream)."""
    if data[:2] != b"\x1f\x8b":
        return None
    try:
        return zlib.decompress(data, zlib.MAX_WBITS | 16)
    except zlib.error:
        return None


def is_internal(headers: Iterable[tuple[str, Any]]) -> bool:
    for name, value in headers:
        lower = name.lower()
        if lower == INTERNAL_HEADER:
            return True
        if lower == "user-agent" and str(value).split("/")[0].strip() == INTERNAL_USER_AGENT:
            return True
    return False


class Redactor:
    """Redaction rules for one cassette: header allowlists, body secrets, tenant rewrite.

    ``seen`` is told every real secret or token replaced, so the guard knows it from then on.
    """

    def __init__(
        self,
        rewrite: Callable[[str], str] | None = None,
        *,
        request_headers: Iterable[str] = (),
        response_headers: Iterable[str] = (),
        seen: Seen | None = None,
    ) -> None:
        self.rewrite: Callable[[str], str] = rewrite or same_text
        extra_request = {h.lower() for h in request_headers} - NEVER_KEPT_HEADERS
        extra_response = {h.lower() for h in response_headers} - NEVER_KEPT_HEADERS
        self.request_headers = DEFAULT_REQUEST_HEADERS | extra_request
        self.response_headers = DEFAULT_RESPONSE_HEADERS | extra_response
        self.seen: Seen = seen or _no_op_seen

    @classmethod
    def for_registry(
        cls,
        registry: SecretRegistry,
        *,
        request_headers: Iterable[str] = (),
        response_headers: Iterable[str] = (),
    ) -> Redactor:
        return cls(
            registry.rewriter(),
            request_headers=request_headers,
            response_headers=response_headers,
            seen=registry.add_secret,
        )

    # -- requests --

    def request(self, request: Request) -> Request | None:
        """A redacted copy of a vcrpy request; None for the plugin's own traffic."""
        headers = list(header_items(request.headers))
        if is_internal(headers):
            return None
        content_type = ""
        kept: dict[str, str] = {}
        for name, value in headers:
            text = value[0] if isinstance(value, (list, tuple)) and value else value
            text = str(text)
            lower = name.lower()
            if lower in ("authorization", "proxy-authorization"):
                self._note_authorization(text)
            if lower == "content-type":
                content_type = text
            if lower in self.request_headers:
                kept[name] = self.rewrite(text)
        # Shallow: every mutable part (uri, headers, body) is replaced below.
        new = copy.copy(request)
        new.uri = self._uri(request.uri)
        new.headers = kept
        raw = body_bytes(request.body)
        if raw is not None:
            new.body = self.body(raw, content_type)
        return new

    def _note_authorization(self, value: str) -> None:
        scheme, _, credentials = value.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer":
            self.seen(credentials, "a bearer token from an Authorization header")
        elif scheme.lower() == "basic":
            self.seen(credentials, "HTTP Basic credentials")
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            _, _, secret = decoded.partition(":")
            self.seen(secret, "the client secret of HTTP Basic credentials")
        else:
            self.seen(credentials or value, "an Authorization header")

    def _uri(self, uri: str) -> str:
        parts = urlsplit(uri)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if any(key in SECRET_KEYS or key in TOKEN_KEYS for key, _ in pairs):
                query = urlencode([(k, self._form_value(k, v)) for k, v in pairs])
                parts = parts._replace(query=query)
        return self.rewrite(urlunsplit(parts))

    # -- responses --

    def response(self, response: Mapping[str, Any]) -> dict[str, Any] | None:
        """A redacted copy of a vcrpy response dict; None for a 429 (never kept)."""
        status = response.get("status", {})
        code = status.get("code") if isinstance(status, Mapping) else None
        if code == 429:
            return None
        # Compressed bodies would hide secrets from redaction and the guard alike.
        new: dict[str, Any] = decode_response(dict(copy.deepcopy(response)))
        content_type = ""
        kept: dict[str, list[str]] = {}
        for name, values in header_items(new.get("headers")):
            items = values if isinstance(values, (list, tuple)) else [values]
            lower = name.lower()
            if lower == "content-type" and items:
                content_type = str(items[0])
            if lower in self.response_headers:
                kept[name] = [self.rewrite(str(v)) for v in items]
        new["headers"] = kept
        body = new.get("body")
        if isinstance(body, dict) and "string" in body:
            raw = body_bytes(body["string"])
            if raw is not None:
                redacted = self.body(raw, content_type)
                # Keep str bodies str (cassettes loaded from disk hold text).
                body["string"] = (
                    redacted.decode("utf-8", "replace")
                    if isinstance(body["string"], str)
                    else redacted
                )
        return new

    # -- bodies --

    def body(self, raw: bytes, content_type: str = "") -> bytes:
        """Secrets replaced in JSON (any type, any charset) or form bodies; tenant rewritten."""
        if not raw:
            return raw
        charset = _charset(content_type)
        try:
            text = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            try:
                text = raw.decode("utf-8")
                charset = "utf-8"
            except UnicodeDecodeError:
                return raw  # binary: nothing we can read, the guard still scans its bytes
        replaced = self._json_text(text)
        if replaced is None:
            replaced = self._form_text(text, content_type)
        if replaced is None:
            replaced = self._loose_text(text)
        out = self.rewrite(replaced)
        if out == text:
            return raw
        try:
            return out.encode(charset)
        except (LookupError, UnicodeEncodeError):
            return out.encode("utf-8")

    def _json_text(self, text: str) -> str | None:
        stripped = text.strip()
        if not stripped or stripped[0] not in "{[":
            return None
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        changed, new = self._json_value(data)
        if not changed:
            return text
        return json.dumps(new, separators=(",", ":"), ensure_ascii=False)

    def _json_value(self, value: Any, key: str | None = None) -> tuple[bool, Any]:
        if isinstance(value, dict):
            changed = False
            out: dict[str, Any] = {}
            for k, v in value.items():
                c, out[k] = self._json_value(v, k)
                changed = changed or c
            return changed, out
        if isinstance(value, list):
            changed = False
            items = []
            for v in value:
                c, item = self._json_value(v, key)
                changed = changed or c
                items.append(item)
            return changed, items
        if isinstance(value, str) and key is not None:
            new = self._secret_value(key, value)
            if key == "tenant" and value in getattr(self.rewrite, "tenant_names", ()):
                new = RECORDINGS_TENANT
            return new != value, new
        return False, value

    def _secret_value(self, key: str, value: str) -> str:
        if key in SECRET_KEYS and value:
            if value != PLACEHOLDER_CLIENT_SECRET:
                self.seen(value, f"a {key}")
            return PLACEHOLDER_CLIENT_SECRET
        if key in TOKEN_KEYS and value:
            if not is_placeholder_secret(value):
                self.seen(value, f"an {key}" if key[0] in "aei" else f"a {key}")
            return placeholder_for(value, self.rewrite)
        return value

    _form_value = _secret_value

    def _form_text(self, text: str, content_type: str) -> str | None:
        is_form = "x-www-form-urlencoded" in content_type.lower()
        if not is_form and not re.fullmatch(r"[\w.~%+\-]+=[^\s]*", text.strip()):
            return None
        try:
            pairs = parse_qsl(text.strip(), keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return None
        if not any(key in SECRET_KEYS or key in TOKEN_KEYS for key, _ in pairs):
            return text
        return urlencode([(key, self._form_value(key, value)) for key, value in pairs])

    _LOOSE = re.compile(
        r"""(?P<pre>["']?(?P<name>"""
        + "|".join(sorted(SECRET_KEYS | TOKEN_KEYS))
        + r""")["']?\s*[:=]\s*["']?)(?P<value>[^"'&\s,}]+)"""
    )

    def _loose_text(self, text: str) -> str:
        # Neither JSON nor a form (truncated JSON, multipart, text): replace key=value shapes.
        def sub(match: re.Match[str]) -> str:
            return match.group("pre") + self._secret_value(
                match.group("name"), match.group("value")
            )

        return self._LOOSE.sub(sub, text)

    # -- cassettes --

    def cassette(self, cassette_dict: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of vcrpy's cassette dict; dropped interactions are left out."""
        requests: list[Request] = []
        responses: list[dict[str, Any]] = []
        for request, response in zip(
            cassette_dict.get("requests", []), cassette_dict.get("responses", []), strict=False
        ):
            new_request = self.request(request)
            new_response = self.response(response) if new_request is not None else None
            if new_request is None or new_response is None:
                continue
            requests.append(new_request)
            responses.append(new_response)
        out = {key: value for key, value in cassette_dict.items()}
        out["requests"] = requests
        out["responses"] = responses
        return out
