"""Redaction of vcrpy requests, responses and cassettes: header allowlists, secrets in bodies,
the tenant rewritten to the recordings domain, 429s dropped. Applying it twice gives the same
result."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from pytest_auth0_m2m.auth0.arrange import ARRANGE_HEADER, ARRANGE_VALUE
from pytest_auth0_m2m.auth0.secret_fields import (
    NO_FIELDS,
    REDACTED,
    PathTree,
    SecretFields,
    secret_catalogue,
)
from pytest_auth0_m2m.cassettes.placeholders import (
    PLACEHOLDER_CLIENT_SECRET,
    is_placeholder_secret,
    placeholder_for,
)
from pytest_auth0_m2m.cassettes.registry import RECORDINGS_TENANT, SecretRegistry, same_text

# vcr itself is imported when a response is first redacted: importing this module (the plugin
# at start-up) does not load it, as pytest-recording does not until a cassette is used.
if TYPE_CHECKING:
    from vcr.request import Request

# Kept on requests and responses; everything else (Authorization, cookies, rate-limit headers,
# Date, Server, ...) never reaches disk. Users may add names, never the ones below.
DEFAULT_REQUEST_HEADERS = frozenset({"content-type", "accept"})
_ARRANGE = ARRANGE_HEADER.lower()
DEFAULT_RESPONSE_HEADERS = frozenset({"content-type", "location"})
# Kept on a 429 the test got as is: when to try again is its answer too. (On other responses
# Auth0's x-ratelimit-* headers change with every recording: left out.)
RATE_LIMIT_HEADERS = frozenset(
    {"retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}
)
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
# Query parameters of a secret URL (a ticket URL) that are no credential: kept as they are.
URL_KEPT_PARAMS = frozenset({"client_id", "tenant", "organization", "organization_name"})
# The plugin's app tag in client_metadata (provisioning/tags.py): an HMAC keyed from the
# provisioner's secret. No use to a reader, but an offline guessing oracle for a weak secret and
# different at every run: recorded as a fixed placeholder.
APP_TAG = re.compile(r"v1:[0-9a-f]{64}")
APP_TAG_PLACEHOLDER = "v1:REDACTED"
# The plugin's per-run lease keys in client_metadata ("lease_<run id>": "host:pid:expires"):
# recorded as lease_1, lease_2... with no host, pid or time, so re-recording changes nothing.
LEASE_KEY = re.compile(r"lease_[0-9a-f]{6,}")
LEASE_VALUE = re.compile(r"[0-9a-f]+:\d+:[\d.]+")
# Echoes shorter than this are not replaced in text (they would match by accident).
MIN_ECHO_LENGTH = 6

# vcrpy redacts a request and then its response, one after the other in the same thread
# (Cassette.append): the response is redacted with the fields of the request's operation.
_last_request = threading.local()


def _last_fields() -> SecretFields:
    fields = getattr(_last_request, "fields", None)
    return fields if isinstance(fields, SecretFields) else NO_FIELDS


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


@functools.cache  # the catalogue is constant
def _query_names() -> frozenset[str]:
    """Every query parameter name ``Redactor`` may rewrite the value of."""
    cat = secret_catalogue()
    in_queries = {
        name
        for api in (cat.management, cat.authentication)
        for f in api.values()
        for name in f.query
    }
    return SECRET_KEYS | TOKEN_KEYS | cat.names | frozenset(in_queries) | {"tag"}


def request_may_change(request: Request, registry: SecretRegistry) -> bool:
    """Whether ``Redactor.for_registry(registry).request`` could give another URL or drop the
    request: a query parameter it looks at, the plugin's own traffic, or a rewrite rule or a
    redacted value it would apply. Replay matches a request by its redacted form and most have
    none of these: they skip making a redactor and copying the request."""
    if registry.redacted_values() or registry.rewriter():
        return True
    if _query_may_change(request.uri):
        return True
    return is_internal(header_items(request.headers))


@functools.lru_cache(maxsize=1024)  # vcrpy asks four times a request (the same URL)
def _query_may_change(uri: str) -> bool:
    names = _query_names()
    query = urlsplit(uri).query
    return any(key in names for key, _ in parse_qsl(query, keep_blank_values=True))


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
        echoes: Callable[[], Iterable[str]] | None = None,
        redacted: Seen | None = None,
    ) -> None:
        self.catalogue = secret_catalogue()
        self.seen: Seen = seen or _no_op_seen
        # Told every value redacted from a secret field: a secret, and an echo to mask later
        # (``echoes``: e.g. a password Auth0 quotes back in a 400). Without them, this
        # redactor remembers its own.
        own: list[str] = []

        def remember(value: str, what: str) -> None:
            self.seen(value, what)
            if value not in own:
                own.append(value)
                own.sort(key=len, reverse=True)

        self.redacted: Seen = redacted or remember
        self.echoes: Callable[[], Iterable[str]] = echoes or (lambda: own)
        self.rewrite: Callable[[str], str] = rewrite or same_text
        extra_request = {h.lower() for h in request_headers} - NEVER_KEPT_HEADERS
        extra_response = {h.lower() for h in response_headers} - NEVER_KEPT_HEADERS
        self.request_headers = DEFAULT_REQUEST_HEADERS | extra_request
        self.response_headers = DEFAULT_RESPONSE_HEADERS | extra_response

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
            echoes=registry.redacted_values,
            redacted=registry.add_redacted,
        )

    # -- requests --

    def request(self, request: Request) -> Request | None:
        """A redacted copy of a vcrpy request; None for the plugin's own traffic."""
        _last_request.fields = NO_FIELDS
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
            elif lower == _ARRANGE and text.strip() == ARRANGE_VALUE:
                # A setup call's mark: replay and the report tell setup from the test by it. Only
                # its one value is kept, so the header cannot carry anything else to disk.
                kept[name] = ARRANGE_VALUE
        fields = self.catalogue.fields(str(request.method), urlsplit(request.uri).path)
        _last_request.fields = fields
        # Shallow: every mutable part (uri, headers, body) is replaced below.
        new = copy.copy(request)
        raw = body_bytes(request.body)
        if raw is not None:
            new.body = self.body(raw, content_type, fields.request_tree)
        # After the body: a value redacted there is masked in the URL too.
        new.uri = self._uri(request.uri, fields)
        new.headers = kept
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

    def _uri(self, uri: str, fields: SecretFields = NO_FIELDS) -> str:
        parts = urlsplit(uri)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if any(self._is_secret_key(key) or key in fields.query for key, _ in pairs):
                query = urlencode(
                    [(k, self._field_value(k, v, k in fields.query)) for k, v in pairs]
                )
                parts = parts._replace(query=query)
        return self.rewrite(self._echoes_masked(urlunsplit(parts)))

    # -- responses --

    def response(
        self, response: Mapping[str, Any], *, keep_rate_limited: bool = False
    ) -> dict[str, Any] | None:
        """A redacted copy of a vcrpy response dict; None for a 429 unless
        ``keep_rate_limited`` (the client handed it to the test rather than retrying it)."""
        status = response.get("status", {})
        code = status.get("code") if isinstance(status, Mapping) else None
        if code == 429 and not keep_rate_limited:
            return None
        # Compressed bodies would hide secrets from redaction and the guard alike.
        from vcr.filters import decode_response

        new: dict[str, Any] = decode_response(dict(copy.deepcopy(response)))
        content_type = ""
        kept: dict[str, list[str]] = {}
        allowed = (
            self.response_headers | RATE_LIMIT_HEADERS if code == 429 else self.response_headers
        )
        for name, values in header_items(new.get("headers")):
            items = values if isinstance(values, (list, tuple)) else [values]
            lower = name.lower()
            if lower == "content-type" and items:
                content_type = str(items[0])
            if lower in allowed:
                kept[name] = [self.rewrite(str(v)) for v in items]
        new["headers"] = kept
        fields = _last_fields()
        # An unknown operation's response: every operation's response paths apply.
        tree = fields.response_tree if fields.operation else self.catalogue.any_response_tree
        body = new.get("body")
        if isinstance(body, dict) and "string" in body:
            raw = body_bytes(body["string"])
            if raw is not None:
                redacted = self.body(raw, content_type, tree)
                # Keep str bodies str (cassettes loaded from disk hold text).
                body["string"] = (
                    redacted.decode("utf-8", "replace")
                    if isinstance(body["string"], str)
                    else redacted
                )
        return new

    # -- bodies --

    def body(self, raw: bytes, content_type: str = "", tree: PathTree | None = None) -> bytes:
        """Secrets replaced in JSON (any type, any charset), form or multipart bodies, by the
        operation's secret field paths (``tree``) and the catalogue's secret names; values
        redacted before masked wherever they reappear; tenant rewritten."""
        if not raw:
            return raw
        tree = tree or NO_FIELDS.request_tree
        if "multipart/" in content_type.lower():
            multipart = self._multipart(raw, content_type, tree)
            if multipart is not None:
                return multipart
        decoded = decoded_text(raw, content_type)
        if decoded is None:
            return raw  # binary: nothing we can read, the guard still scans its bytes
        text, charset = decoded
        replaced = self._json_text(text, tree)
        if replaced is None:
            replaced = self._form_text(text, content_type, tree)
        if replaced is None:
            replaced = self._loose_text(text)
        out = self.rewrite(self._echoes_masked(replaced))
        if out == text:
            return raw
        try:
            return out.encode(charset)
        except (LookupError, UnicodeEncodeError):
            return out.encode("utf-8")

    def _is_secret_key(self, key: str) -> bool:
        return key in SECRET_KEYS or key in TOKEN_KEYS or self.catalogue.is_secret_name(key)

    def _echoes_masked(self, text: str) -> str:
        for value in self.echoes():
            if len(value) < MIN_ECHO_LENGTH:
                continue
            for form in _echo_forms(value):
                if form in text:
                    text = text.replace(form, REDACTED)
        return text

    def _json_text(self, text: str, tree: PathTree) -> str | None:
        stripped = text.strip()
        if not stripped or stripped[0] not in "{[":
            return None
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        changed, new = self._json_value(data, None, [tree])
        if not changed:
            return text
        return json.dumps(new, separators=(",", ":"), ensure_ascii=False)

    def _json_value(
        self, value: Any, key: str | None, nodes: list[PathTree], secret: bool = False
    ) -> tuple[bool, Any]:
        if isinstance(value, dict):
            changed = False
            out: dict[str, Any] = {}
            leases = 0
            for k, v in value.items():
                if isinstance(v, str) and LEASE_KEY.fullmatch(k) and LEASE_VALUE.fullmatch(v):
                    leases += 1
                    out[f"lease_{leases}"] = "REDACTED"
                    changed = True
                    continue
                below = [child for node in nodes for child in node.key(k)]
                is_secret = secret or any(n.secret for n in below)
                c, out[k] = self._json_value(v, k, below, is_secret)
                changed = changed or c
            return changed, out
        if isinstance(value, list):
            changed = False
            items = []
            below = [item for item in (node.items() for node in nodes) if item is not None]
            is_secret = secret or any(n.secret for n in below)
            for v in value:
                c, item = self._json_value(v, key, below, is_secret)
                changed = changed or c
                items.append(item)
            return changed, items
        if isinstance(value, str) and key is not None:
            new = self._field_value(key, value, secret)
            if new == value and not secret and value[:1] in "{[":
                new = self._nested_json(value)
            if key == "tenant" and value in getattr(self.rewrite, "tenant_names", ()):
                new = RECORDINGS_TENANT
            return new != value, new
        if isinstance(value, str) and secret:
            new = self._field_value("", value, True)
            return new != value, new
        return False, value

    def _nested_json(self, value: str) -> str:
        # JSON inside a JSON string (metadata, a log line): its secret names redacted too.
        try:
            inner = json.loads(value)
        except ValueError:
            return value
        if not isinstance(inner, (dict, list)):
            return value
        changed, new = self._json_value(inner, None, [])
        return json.dumps(new, separators=(",", ":"), ensure_ascii=False) if changed else value

    def _field_value(self, key: str, value: str, secret: bool = False) -> str:
        """The value to record for field ``key``: a placeholder when it is secret (by the
        operation's paths, ``secret``, or by its name), else ``value``."""
        if key in SECRET_KEYS or key in TOKEN_KEYS:
            return self._secret_value(key, value)
        if key == "tag" and APP_TAG.fullmatch(value):
            return APP_TAG_PLACEHOLDER
        if not value or not (secret or self.catalogue.is_secret_name(key)):
            return value
        if value == REDACTED or is_placeholder_secret(value):
            return value
        label = f"the {key} field" if key else "a secret field"
        if re.match(r"https?://", value):
            return self._url_value(value, label)
        self.redacted(value, label)
        return REDACTED

    def _url_value(self, url: str, label: str) -> str:
        """A secret URL (a ticket URL) stays a URL: its credential parts are redacted."""
        self.redacted(url, label)
        parts = urlsplit(url)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            kept = []
            for name, value in pairs:
                if name in URL_KEPT_PARAMS or not value:
                    kept.append((name, value))
                    continue
                self.redacted(value, f"{label}'s {name}")
                kept.append((name, REDACTED))
            parts = parts._replace(query=urlencode(kept))
        else:
            head, _, last = parts.path.rpartition("/")
            if last:
                self.redacted(last, label)
                parts = parts._replace(path=f"{head}/{REDACTED}")
        if parts.fragment:
            self.redacted(parts.fragment, label)
            parts = parts._replace(fragment=REDACTED)
        out = urlunsplit(parts)
        # urlunsplit drops an empty fragment: Auth0's ticket URLs end in "#".
        return out + "#" if url.endswith("#") and not out.endswith("#") else out

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

    def _form_value(self, key: str, value: str) -> str:
        return self._field_value(key, value)

    def _form_text(self, text: str, content_type: str, tree: PathTree) -> str | None:
        is_form = "x-www-form-urlencoded" in content_type.lower()
        if not is_form and not re.fullmatch(r"[\w.~%+\-]+=[^\s]*", text.strip()):
            return None
        try:
            pairs = parse_qsl(text.strip(), keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return None

        def secret(key: str) -> bool:
            return any(n.secret for n in tree.key(key))

        if not any(self._is_secret_key(key) or secret(key) for key, _ in pairs):
            return text
        return urlencode(
            [(key, self._field_value(key, value, secret(key))) for key, value in pairs]
        )

    def _multipart(self, raw: bytes, content_type: str, tree: PathTree) -> bytes | None:
        """A multipart body with each secret part redacted, and the JSON of every part (a
        users-imports file) redacted by name; None when it is not one."""
        match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
        if not match:
            return None
        delimiter = b"--" + match.group(1).encode("latin-1")
        chunks = raw.split(delimiter)
        if len(chunks) < 3:
            return None
        out = [chunks[0]]
        for chunk in chunks[1:]:
            head, sep, content = chunk.partition(b"\r\n\r\n")
            if not sep or chunk.startswith(b"--"):
                out.append(chunk)
                continue
            name_match = re.search(rb'name="([^"]*)"', head)
            name = name_match.group(1).decode("utf-8", "replace") if name_match else ""
            body, tail = (
                (content[:-2], content[-2:]) if content.endswith(b"\r\n") else (content, b"")
            )
            out.append(head + sep + self._part(name, body, tree) + tail)
        return delimiter.join(out)

    def _part(self, name: str, body: bytes, tree: PathTree) -> bytes:
        is_secret = any(n.secret for n in tree.key(name))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        replaced = self._json_text(text, PathTree())
        if replaced is not None:
            return self.rewrite(self._echoes_masked(replaced)).encode("utf-8")
        if (is_secret or self._is_secret_key(name)) and text:
            return self._field_value(name, text, True).encode("utf-8")
        return self.rewrite(self._echoes_masked(text)).encode("utf-8")

    def _loose_text(self, text: str) -> str:
        # Neither JSON nor a form (truncated JSON, text): replace key=value shapes.
        def sub(match: re.Match[str]) -> str:
            return match.group("pre") + self._field_value(match.group("name"), match.group("value"))

        return _loose_pattern(self.catalogue.names).sub(sub, text)

    # -- cassettes --

    def cassette(self, cassette_dict: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of vcrpy's cassette dict; dropped interactions are left out. A 429
        here was kept as it was recorded (``response`` decided then: the test's answer)."""
        requests: list[Request] = []
        responses: list[dict[str, Any]] = []
        for request, response in zip(
            cassette_dict.get("requests", []), cassette_dict.get("responses", []), strict=False
        ):
            new_request = self.request(request)
            new_response = (
                self.response(response, keep_rate_limited=True) if new_request is not None else None
            )
            if new_request is None or new_response is None:
                continue
            requests.append(new_request)
            responses.append(new_response)
        out = {key: value for key, value in cassette_dict.items()}
        out["requests"] = requests
        out["responses"] = responses
        return out


@functools.cache
def _loose_pattern(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(SECRET_KEYS | TOKEN_KEYS | names))
    return re.compile(
        r"""(?P<pre>["']?\b(?P<name>"""
        + alternatives
        + r""")["']?\s*[:=]\s*["']?)(?P<value>[^"'&\s,}]+)"""
    )


# The characters a URL path keeps as they are (RFC 3986 pchar sub-delims, ":" and "@"): httpx
# sends a path's "a b!:c" as "a%20b!:c", where a query's is "a+b%21%3Ac".
_PATH_SAFE = "/:@!$&'()*+,;="


@functools.lru_cache(maxsize=4096)
def literal_forms(value: str) -> tuple[tuple[str, str], ...]:
    """(form, text) for every way a value is written literally in a body or URL: plain,
    URL-encoded as a query value, a form value or a path segment, JSON-escaped. The one list
    of them: redaction masks these forms of a value it redacted, the guard searches for them."""
    forms: dict[str, str] = {}  # text -> its form; the first form a text is wins ("plain")
    for form, text in (
        ("plain", value),
        ("URL-encoded", quote(value, safe="")),
        ("URL-encoded", quote_plus(value, safe="")),
        ("URL-encoded", quote(value, safe="/:")),
        ("URL-encoded", quote(value, safe=_PATH_SAFE)),
        ("JSON-escaped", json.dumps(value, ensure_ascii=False)[1:-1]),
        ("JSON-escaped", json.dumps(value)[1:-1]),
    ):
        if text:
            forms.setdefault(text, form)
    return tuple((form, text) for text, form in forms.items())


def _echo_forms(value: str) -> tuple[str, ...]:
    """A value as it can reappear in a body or URL."""
    return tuple(text for _, text in literal_forms(value))


def decoded_text(raw: bytes, content_type: str = "") -> tuple[str, str] | None:
    """``(text, charset)`` of a body, or None when it is binary.

    Zero bytes or a BOM decide first (UTF-16 text of ASCII is valid UTF-8 too), then the
    declared charset, then UTF-8.
    """
    for candidate in (*_sniffed_charsets(raw), _charset(content_type), "utf-8"):
        try:
            return raw.decode(candidate), candidate
        except (LookupError, UnicodeDecodeError):
            continue
    return None


def _sniffed_charsets(raw: bytes) -> tuple[str, ...]:
    """Charsets a body's first bytes show: a BOM's, or UTF-16/32 by their zero bytes."""
    if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return ("utf-32",)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return ("utf-16",)
    if len(raw) >= 4 and raw[1:4] == b"\x00\x00\x00":
        return ("utf-32-le",)
    if len(raw) >= 4 and raw[:3] == b"\x00\x00\x00":
        return ("utf-32-be",)
    if len(raw) >= 2 and raw[1:2] == b"\x00":
        return ("utf-16-le",)
    if len(raw) >= 2 and raw[:1] == b"\x00":
        return ("utf-16-be",)
    return ()
