"""The guard over what is written: a serialized cassette is searched for every secret the
session knows, in every form it may take; a hit stops the write."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from vcr.serialize import serialize

from pytest_auth0_m2m.cassettes.placeholders import (
    JWT_PATTERN,
    is_placeholder_secret,
    unverified_claims,
)
from pytest_auth0_m2m.cassettes.redaction import Redactor, body_bytes, gunzipped, header_items
from pytest_auth0_m2m.cassettes.registry import MIN_SECRET_LENGTH, Secret, SecretRegistry

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
        inflated = gunzipped(data)
        if inflated is not None:
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


def tenant_tokens(text: str, tenant_hosts: Sequence[str]) -> list[str]:
    """JWTs in ``text`` issued by one of ``tenant_hosts`` (not replay placeholders)."""
    if not tenant_hosts:
        return []
    tokens = []
    for match in JWT_PATTERN.finditer(text):
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
            ("request headers", dict(header_items(getattr(request, "headers", None)))),
            ("request body", body_bytes(getattr(request, "body", None)) or b""),
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
    ) -> None:
        self.inner = inner
        self._registry = registry
        self._redactor = redactor
        self._on_leak = on_leak

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
