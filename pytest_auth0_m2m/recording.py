"""Cassettes that never hold a secret: redaction, tenant rewrite and a guard over what is written.

Library code over vcrpy's data, usable without pytest:

- ``SecretRegistry``: every secret and raw token a session has seen, and the tenant names and
  client ids to rewrite. The provisioning side feeds it; redaction feeds it what it meets.
- ``Redactor``: pure functions over a vcrpy ``Request``, a vcrpy response dict and a cassette
  dict (``{"requests": [...], "responses": [...]}``): header allowlists, ``client_secret`` and
  token replacement in any JSON or form body, the tenant rewritten to the recordings domain, 429s
  dropped. Applying it twice gives the same result.
- ``guard``: the serialized cassette is searched for every registered secret in plain,
  URL-encoded, JSON-escaped and base64 forms; a hit stops the write.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from vcr.filters import decode_response
from vcr.request import Request
from vcr.serialize import serialize

from pytest_auth0_m2m.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.placeholders import (
    PLACEHOLDER_CLIENT_SECRET,
    is_placeholder_secret,
    placeholder_client_id,
    placeholder_for,
    scope_string,
    unverified_claims,
)

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

RECORDINGS_TENANT = RECORDINGS_DOMAIN.split(".")[0]
PROVISIONER_PLACEHOLDER_ID = "replayprovisioner000000000000000"

SECRET_KEYS = frozenset({"client_secret", "client_assertion"})
TOKEN_KEYS = frozenset({"access_token", "id_token", "refresh_token"})

# Secrets shorter than this would match by accident in any cassette.
MIN_SECRET_LENGTH = 6


# --- Registry of what the session knows ------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    value: str = field(repr=False)  # a traceback or log showing a Secret must not show this
    what: str  # e.g. "the provisioner's client secret"; never the value itself


class SecretRegistry:
    """Every secret and raw token this pytest process has seen, and the names to rewrite.

    One per session, kept in ``config.stash``. Thread-safe: async tests and the emulator's
    threads may feed it concurrently.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._hosts: dict[str, str] = {}  # real domain / host:port -> recordings domain
        self._bases: dict[str, str] = {}  # real base URL -> https://recordings domain
        self._ids: dict[str, str] = {}  # real client id -> placeholder client id
        self._names: set[str] = set()  # tenant names ("dev-x" of dev-x.eu.auth0.com)
        self._sources: list[Callable[[], Iterable[Secret]]] = []
        # Redaction sees the same bearer token on every request and asks for the rewriter on
        # every request (vcrpy runs before_record_request to match, even in replay): both are
        # remembered, so a replayed request costs no RSA check and no regex compilation.
        self._placeholders: set[str] = set()
        self._rewriter: Rewriter | None = None

    def add_secret(self, value: str | None, what: str) -> None:
        """Guard ``value``: a cassette holding it (in any encoding) is not written."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._secrets or value in self._placeholders:
                return
        if is_placeholder_secret(value):
            with self._lock:
                self._placeholders.add(value)
            return
        with self._lock:
            self._secrets.setdefault(value, what)

    def add_token(self, token: str | None, what: str = "an access token") -> None:
        """Guard a raw token the session was issued or saw on the wire."""
        self.add_secret(token, what)

    def add_app(self, scopes: Iterable[str], client_id: str, client_secret: str | None) -> None:
        """A per-scope-set app: its secret is guarded, its id recorded as the placeholder id."""
        scope_set = frozenset(scopes)
        label = "{" + scope_string(scope_set) + "}"
        self.add_secret(client_secret, f"the client secret of the app for {label}")
        if client_id:
            with self._lock:
                self._set_id(client_id, placeholder_client_id(scope_set))

    def add_provisioner(self, client_id: str | None, client_secret: str | None) -> None:
        """The provisioner app: secret guarded, id recorded as a fixed placeholder."""
        self.add_secret(client_secret, "the provisioner's client secret")
        if client_id:
            with self._lock:
                self._set_id(client_id, PROVISIONER_PLACEHOLDER_ID)

    def _set_id(self, client_id: str, placeholder: str) -> None:
        # Called under the lock, for every test: the rewriter is made again only on news.
        if self._ids.get(client_id) != placeholder:
            self._ids[client_id] = placeholder
            self._rewriter = None

    def add_tenant(self, domain: str, base_url: str | None = None) -> None:
        """The real tenant (or the emulator): written as the recordings domain in cassettes."""
        domain = domain.strip().lower()
        if not domain or domain == RECORDINGS_DOMAIN:
            return
        with self._lock:
            name = domain.split(":")[0].split(".")[0]
            if (
                domain in self._hosts
                and name in self._names
                and (not base_url or base_url.rstrip("/").lower() in self._bases)
            ):
                return  # known already (every test registers its tenant)
            self._rewriter = None
            self._hosts[domain] = RECORDINGS_DOMAIN
            self._names.add(name)
            host, sep, port = domain.rpartition(":")
            if sep and host in ("127.0.0.1", "localhost", "[::1]"):
                # Loopback emulator: the same server answers under either name.
                for alias in ("127.0.0.1", "localhost"):
                    self._hosts[f"{alias}:{port}"] = RECORDINGS_DOMAIN
                    for scheme in ("http", "https"):
                        self._bases[f"{scheme}://{alias}:{port}"] = f"https://{RECORDINGS_DOMAIN}"
            if base_url:
                self._bases[base_url.rstrip("/").lower()] = f"https://{RECORDINGS_DOMAIN}"

    def add_source(self, source: Callable[[], Iterable[Secret]]) -> None:
        """Secrets known only later (e.g. the emulator's client secrets), asked at every check."""
        with self._lock:
            self._sources.append(source)

    def secrets(self) -> list[Secret]:
        with self._lock:
            found = dict(self._secrets)
            sources = list(self._sources)
        for source in sources:
            for secret in source():
                if len(secret.value) >= MIN_SECRET_LENGTH and not is_placeholder_secret(
                    secret.value
                ):
                    found.setdefault(secret.value, secret.what)
        return [Secret(value, what) for value, what in found.items()]

    def tenant_hosts(self) -> list[str]:
        """The real tenant's names (domain, emulator host:port): a token they issued is real."""
        with self._lock:
            return sorted(self._hosts)

    def rewriter(self) -> Rewriter:
        """The rewrite rules as known now (made again only after a name or id was added)."""
        with self._lock:
            if self._rewriter is None:
                self._rewriter = Rewriter(
                    hosts=dict(self._hosts),
                    bases=dict(self._bases),
                    ids=dict(self._ids),
                    tenant_names=set(self._names),
                )
            return self._rewriter


# --- Rewriting the tenant and client ids -----------------------------------------------------


class Rewriter:
    """Literal replacements, also in URL-encoded and JSON-escaped form, longest first."""

    def __init__(
        self,
        hosts: Mapping[str, str] | None = None,
        bases: Mapping[str, str] | None = None,
        ids: Mapping[str, str] | None = None,
        tenant_names: Iterable[str] = (),
    ) -> None:
        # A tenant's name shows in bodies ({"tenant": "dev-x"}); too short to replace blindly,
        # so only JSON values under a "tenant" key are rewritten (see Redactor).
        self.tenant_names = frozenset(tenant_names)
        rules: list[tuple[str, str, bool]] = []  # (real, new, case-insensitive)
        for real, new in (bases or {}).items():
            rules.append((real, new, True))
        for real, new in (hosts or {}).items():
            rules.append((real, new, True))
        for real, new in (ids or {}).items():
            rules.append((real, new, False))
        self._rules: list[tuple[re.Pattern[str], str]] = []
        variants: list[tuple[str, str, bool]] = []
        for real, new, fold in rules:
            for encode in (_same, _quoted, _json_escaped):
                variants.append((encode(real), encode(new), fold))
        seen: set[str] = set()
        for real, new, fold in sorted(variants, key=lambda v: -len(v[0])):
            if real in seen:
                continue
            seen.add(real)
            # "127.0.0.1:8080" must not match inside "127.0.0.1:80801".
            tail = r"(?![0-9])" if real[-1:].isdigit() else ""
            flags = re.IGNORECASE if fold else 0
            self._rules.append((re.compile(re.escape(real) + tail, flags), new))

    def __call__(self, text: str) -> str:
        for pattern, new in self._rules:
            text = pattern.sub(_constant(new), text)
        return text

    def __bool__(self) -> bool:
        return bool(self._rules)


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    # A function, not a template: replacements may hold backslashes (JSON-escaped URLs).
    return lambda _match: text


def _same(text: str) -> str:
    return text


def _quoted(text: str) -> str:
    return quote(text, safe="")


def _json_escaped(text: str) -> str:
    return text.replace("/", "\\/")


# --- Redaction -------------------------------------------------------------------------------

Seen = Callable[[str, str], None]  # (value, what) for every secret redaction replaced


def _no_op_seen(value: str, what: str) -> None:
    return None


def _header_items(headers: Any) -> Iterator[tuple[str, Any]]:
    if headers is None:
        return iter(())
    if isinstance(headers, Mapping):
        return iter(list(headers.items()))
    return iter(list(headers))


def _charset(content_type: str) -> str:
    match = re.search(r"charset=([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1).strip("\"'") if match else "utf-8"


def _as_bytes(body: Any) -> bytes | None:
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
        self.rewrite: Callable[[str], str] = rewrite or _same
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
        headers = list(_header_items(request.headers))
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
        raw = _as_bytes(request.body)
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
        for name, values in _header_items(new.get("headers")):
            items = values if isinstance(values, (list, tuple)) else [values]
            lower = name.lower()
            if lower == "content-type" and items:
                content_type = str(items[0])
            if lower in self.response_headers:
                kept[name] = [self.rewrite(str(v)) for v in items]
        new["headers"] = kept
        body = new.get("body")
        if isinstance(body, dict) and "string" in body:
            raw = _as_bytes(body["string"])
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


# --- The guard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    what: str  # which secret, e.g. "the provisioner's client secret"
    form: str  # "plain", "URL-encoded", "base64", ...
    where: str  # e.g. "interaction 2 (POST https://.../oauth/token) response body"

    def __str__(self) -> str:
        form = "" if self.form == "plain" else f" ({self.form})"
        return f"{self.what}{form} in {self.where}"


def _base64_cores(value: bytes, alphabet: Callable[[bytes], bytes]) -> list[str]:
    """The base64 text of ``value`` at each of the 3 byte alignments it can have in a blob."""
    cores = []
    n = len(value)
    for offset in range(3):
        encoded = alphabet(b"\0" * offset + value).decode()
        start = -(-8 * offset // 6)  # first character made only of value's bits
        end = (8 * (offset + n)) // 6
        core = encoded[start:end]
        if len(core) >= MIN_SECRET_LENGTH:
            cores.append(core)
    return cores


def secret_forms(value: str) -> list[tuple[str, str]]:
    """(form, text) for every way ``value`` may be written in a cassette."""
    forms: dict[str, str] = {}
    raw = value.encode("utf-8")

    def add(form: str, text: str) -> None:
        if text and text not in forms:
            forms[text] = form

    add("plain", value)
    add("URL-encoded", quote(value, safe=""))
    add("URL-encoded", quote_plus(value))
    add("URL-encoded", quote(value, safe="/:"))
    add("JSON-escaped", json.dumps(value)[1:-1])
    add("JSON-escaped", json.dumps(value, ensure_ascii=True)[1:-1])
    for core in _base64_cores(raw, base64.b64encode):
        add("base64", core)
    for core in _base64_cores(raw, base64.urlsafe_b64encode):
        add("base64url", core)
    return [(form, text) for text, form in forms.items()]


class SecretScanner:
    """Searches text and bytes for a set of secrets in all their forms."""

    def __init__(self, secrets: Sequence[Secret]) -> None:
        self._needles: list[tuple[str, str, str]] = []  # (text, what, form)
        for secret in secrets:
            for form, text in secret_forms(secret.value):
                self._needles.append((text, secret.what, form))

    def __bool__(self) -> bool:
        return bool(self._needles)

    def scan_text(self, text: str) -> list[tuple[str, str, int]]:
        """(what, form, offset) of every secret form found in ``text``."""
        hits = []
        for needle, what, form in self._needles:
            index = text.find(needle)
            if index >= 0:
                hits.append((what, form, index))
        return hits

    def mask(self, text: str) -> str:
        """``text`` with every secret form replaced by ``***`` (for labels that get printed)."""
        for needle, _, _ in sorted(self._needles, key=lambda n: -len(n[0])):
            text = text.replace(needle, "***")
        return text

    def scan_bytes(self, data: bytes) -> list[tuple[str, str, int]]:
        hits = []
        for needle, what, form in self._needles:
            index = data.find(needle.encode("utf-8"))
            if index >= 0:
                hits.append((what, form, index))
        if data[:2] == b"\x1f\x8b":
            try:
                inflated = zlib.decompress(data, zlib.MAX_WBITS | 16)
            except zlib.error:
                inflated = b""
            hits.extend((w, f"{f}, gzip-compressed", i) for w, f, i in self.scan_bytes(inflated))
        return hits


def _strings(value: Any, path: str) -> Iterator[tuple[str, str | bytes]]:
    if isinstance(value, (str, bytes, bytearray)):
        yield path, bytes(value) if isinstance(value, bytearray) else value
    elif hasattr(value, "getvalue"):
        yield path, value.getvalue()
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield f"{path} {key}".strip(), str(key)
            yield from _strings(item, f"{path} {key}".strip())
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, path)


_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def tenant_tokens(text: str, tenant_hosts: Sequence[str]) -> list[str]:
    """JWTs in ``text`` issued by one of ``tenant_hosts`` (not replay placeholders)."""
    if not tenant_hosts:
        return []
    tokens = []
    for match in _JWT.finditer(text):
        claims = unverified_claims(match.group(0))
        issuer = str((claims or {}).get("iss", "")).lower()
        if any(host in issuer for host in tenant_hosts) and not is_placeholder_secret(
            match.group(0)
        ):
            tokens.append(match.group(0))
    return tokens


def guard(
    cassette_dict: Mapping[str, Any],
    serializer: Any,
    secrets: Sequence[Secret],
    tenant_hosts: Sequence[str] = (),
) -> list[Finding]:
    """Every registered secret found in the cassette, as it would be serialized and in its data.

    Both are searched: the text is what reaches disk, and the data catches what a serializer
    could hide from a text search (YAML line folding, !!binary bodies, gzip).
    """
    serialized = serialize(dict(cassette_dict), serializer)
    text = (
        serialized.decode("utf-8", "replace") if isinstance(serialized, bytes) else str(serialized)
    )
    issued = [
        Secret(token, "an access token issued by the tenant")
        for token in tenant_tokens(text, tenant_hosts)
    ]
    scanner = SecretScanner([*secrets, *issued])
    if not scanner:
        return []
    findings: dict[tuple[str, str, str], Finding] = {}
    requests = list(cassette_dict.get("requests", []))
    responses = list(cassette_dict.get("responses", []))
    for index, (request, response) in enumerate(zip(requests, responses, strict=False), 1):
        # Printed in the refusal: a secret in the URL's path must not be shown either.
        label = scanner.mask(
            f"interaction {index} ({getattr(request, 'method', '?')} {_safe_uri(request)})"
        )
        parts: list[tuple[str, Any]] = [
            ("request URL", getattr(request, "uri", "")),
            ("request headers", dict(_header_items(getattr(request, "headers", None)))),
            ("request body", _as_bytes(getattr(request, "body", None)) or b""),
            ("response headers", response.get("headers") if isinstance(response, dict) else None),
            ("response body", response.get("body") if isinstance(response, dict) else None),
        ]
        for part, value in parts:
            for _, piece in _strings(value, ""):
                if isinstance(piece, str):
                    hits = scanner.scan_text(piece)
                else:
                    hits = scanner.scan_bytes(piece)
                for what, form, _ in hits:
                    key = (what, form, f"{label} {part}")
                    findings.setdefault(key, Finding(what, form, f"{label} {part}"))
    for what, form, offset in scanner.scan_text(text):
        line = text.count("\n", 0, offset) + 1
        if not any(f.what == what for f in findings.values()):
            findings.setdefault((what, form, ""), Finding(what, form, f"line {line}"))
    if "metadata" in cassette_dict:
        for _, value in _strings(cassette_dict["metadata"], "metadata"):
            hits = scanner.scan_text(value) if isinstance(value, str) else scanner.scan_bytes(value)
            for what, form, _ in hits:
                findings.setdefault((what, form, "metadata"), Finding(what, form, "metadata"))
    return list(findings.values())


def _safe_uri(request: Any) -> str:
    # The label of a finding is printed: show the URL without its query or user info (either
    # may be the leak, or hold a password the session never registered).
    uri = str(getattr(request, "uri", ""))
    parts = urlsplit(uri)
    if not parts.scheme:
        return uri[:80]
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment=""))


class CassetteSecretError(Exception):
    """A cassette would have been written with a secret in it; nothing was written."""

    def __init__(self, path: str, findings: Sequence[Finding]) -> None:
        self.path = path
        self.findings = list(findings)
        lines = "\n".join(f"  - {finding}" for finding in self.findings[:20])
        more = len(self.findings) - 20
        if more > 0:
            lines += f"\n  - ... and {more} more"
        super().__init__(
            f"pytest-auth0-m2m: refused to write cassette {path}: it would contain a secret "
            f"this session knows:\n{lines}\n"
            "Nothing was written. Redaction runs after your vcr hooks, so something put the "
            "value back afterwards (a before_save_interaction hook, filter_sensitive_data, a "
            "custom serializer or persister) or carried it where no rule looks. Remove that "
            "hook or setting for this test, or report the case to pytest-auth0-m2m."
        )


class GuardedPersister:
    """A vcrpy persister that redacts and guards a cassette right before it is written.

    Wraps whatever persister vcrpy would have used, so the user's own persister still writes.
    On a leak nothing is written and ``on_leak`` gets the error; the error is not raised here,
    because vcrpy would then skip undoing its HTTP patches. Without ``on_leak`` it is raised.
    """

    def __init__(
        self,
        inner: Any,
        registry: SecretRegistry,
        redactor: Callable[[], Redactor | None] = lambda: None,
        on_leak: Callable[[CassetteSecretError], None] | None = None,
        on_save: Callable[[str], None] | None = None,
    ) -> None:
        self.inner = inner
        self._registry = registry
        self._redactor = redactor
        self._on_leak = on_leak
        self._on_save = on_save

    def load_cassette(self, cassette_path: Any, serializer: Any) -> Any:
        return self.inner.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        redactor = self._redactor()
        if redactor is not None:
            cassette_dict = redactor.cassette(cassette_dict)
        findings = guard(
            cassette_dict, serializer, self._registry.secrets(), self._registry.tenant_hosts()
        )
        if findings:
            error = CassetteSecretError(str(cassette_path), findings)
            if self._on_leak is None:
                raise error
            self._on_leak(error)
            return
        self.inner.save_cassette(cassette_path, cassette_dict, serializer=serializer)
        if self._on_save is not None:
            self._on_save(str(cassette_path))


# --- Where cassettes live --------------------------------------------------------------------


def cassette_dir_for(cassette_root: Path, rootdir: Path, module_path: Path) -> Path:
    """``cassettes/tests/test_users`` for ``tests/test_users.py``: the module path, mirrored."""
    try:
        relative = module_path.resolve().relative_to(rootdir.resolve())
    except ValueError:
        relative = Path(module_path.name)
    return cassette_root / relative.with_suffix("")


def missing_cassette_message(nodeid: str, cassette: str) -> str:
    quoted = f"'{nodeid}'" if any(c in nodeid for c in " []()") else nodeid
    return (
        f"pytest-auth0-m2m: no cassette for {nodeid}: expected {cassette}.\n"
        "This session replays (record mode 'none'), so it contacts no tenant. Record the "
        "cassette once, against your dev tenant:\n"
        "    AUTH0_DOMAIN=<dev-tenant> AUTH0_CLIENT_ID=<provisioner-id> "
        f"AUTH0_CLIENT_SECRET=<provisioner-secret> pytest {quoted} --record-mode=once\n"
        "or against the embedded emulator:\n"
        f"    pytest {quoted} --record-mode=once --auth0-fake\n"
        "and commit it."
    )
