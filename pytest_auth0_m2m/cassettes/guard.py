"""The guard over what is written: a serialized cassette is searched for every secret the
session knows, in every form it may take; a hit stops the write.

How a secret is searched for, once per secret and then cached (``needles``): as itself, as hex
(lower and upper case), as the base64 and base64url text it has at each of the 3 byte
alignments it can take inside a longer blob, and as its two halves (a secret cut in two leaves
one piece holding a whole half). What the secret may be wrapped in is undone on the cassette's
side instead (``text_views``): URL-encoding, JSON escapes (``\\uXXXX`` too), line wraps (MIME
base64, YAML folding, a token split by a line break), each alone and together. Binary bodies
(YAML ``!!binary``) are searched decoded: as UTF-8, inflated when gzip, and as UTF-16/32 (LE and
BE) when they hold NUL bytes. All views are joined into one text, so a clean cassette costs one
substring search per needle.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from pytest_auth0_m2m.auth0.secret_fields import PathTree, secret_catalogue
from pytest_auth0_m2m.cassettes.placeholders import (
    JWT_PATTERN,
    is_placeholder,
    is_placeholder_secret,
    unverified_claims,
)
from pytest_auth0_m2m.cassettes.redaction import (
    Redactor,
    body_bytes,
    decoded_text,
    gunzipped,
    header_items,
    literal_forms,
)
from pytest_auth0_m2m.cassettes.registry import MIN_SECRET_LENGTH, Secret, SecretRegistry

# A half shorter than this could match by accident; shorter secrets are searched whole only.
MIN_HALF_LENGTH = 12
WIDE_ENCODINGS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
SPLIT = "split in parts"
_SEPARATOR = "\x00"  # between views: no needle holds it (a secret with NUL is never split on it)

# --- The forms of a secret -------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One secret found in a cassette: which, in what form, where."""

    what: str  # which secret, e.g. "the provisioner's client secret"
    form: str  # "plain", "URL-encoded", "base64", ...
    where: str  # e.g. "interaction 2 (POST https://.../oauth/token) response body"

    def __str__(self) -> str:
        form = "" if self.form == "plain" else f" ({self.form})"
        return f"{self.what}{form} in {self.where}"


def _base64_cores(value: bytes, alphabet: Callable[[bytes], bytes]) -> list[str]:
    """The base64 text of ``value`` at each of the 3 byte alignments it can have in a blob.

    Only the characters made of ``value``'s bits alone are kept: the first and last ones also
    carry bits of whatever surrounds it, so they change with the neighbours.
    """
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


@functools.lru_cache(maxsize=4096)
def needles(value: str) -> tuple[tuple[str, str], ...]:
    """(text, form) searched for in a cassette's views; made once per secret."""
    found: dict[str, str] = {}

    def add(text: str, form: str) -> None:
        if len(text) >= MIN_SECRET_LENGTH:
            found.setdefault(text, form)

    raw = value.encode("utf-8")
    add(value, "plain")
    add(raw.hex(), "hex")
    add(raw.hex().upper(), "hex")
    for core in _base64_cores(raw, base64.b64encode):
        add(core, "base64")
    for core in _base64_cores(raw, base64.urlsafe_b64encode):
        add(core, "base64url")
    half = len(value) // 2
    if half >= MIN_HALF_LENGTH:
        add(value[:half], SPLIT)
        add(value[half:], SPLIT)
    return tuple(found.items())


def secret_forms(value: str) -> list[tuple[str, str]]:
    """(form, text) for every way ``value`` may be written literally (also used for masking)."""
    forms: dict[str, str] = {}

    def add(form: str, text: str) -> None:
        if text and text not in forms:
            forms[text] = form

    for form, text in literal_forms(value):
        add(form, text)
    for text, form in needles(value):
        add(form, text)
    return [(form, text) for text, form in forms.items()]


# The characters pytest-recording turns into "-" in a cassette's name (get_default_cassette_name).
_NAME_FORBIDDEN = frozenset("<>?%*:|\"'/\\")


@functools.lru_cache(maxsize=1024)  # asked for every known secret at every cassette write
def file_name_forms(value: str) -> frozenset[str]:
    """Every way ``value`` appears in a cassette's file name when it is a test's parameter:
    as pytest writes it in the test's id (non-ASCII and non-printable escaped as ``\\xNN``...)
    and then as pytest-recording makes a file name of that id."""
    ids = {value, value.encode("unicode_escape").decode("ascii")}
    return frozenset(
        ids | {"".join("-" if c in _NAME_FORBIDDEN else c for c in text) for text in ids}
    )


def secrets_in_name(name: str, secrets: Sequence[Secret], mark: str = "***") -> str:
    """``name`` with every form of a known secret (``file_name_forms``) replaced by ``mark``."""
    forms = {form for secret in secrets for form in file_name_forms(secret.value)}
    for form in sorted(forms, key=len, reverse=True):
        if form in name:
            name = name.replace(form, mark)
    return name


# --- The views of a cassette -----------------------------------------------------------------

# JSON's escapes (a surrogate pair is one character) and YAML's \xNN and \UXXXXXXXX.
JSON_ESCAPE = re.compile(
    r"\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[\"\\/bfnrt])"
)
_JSON_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
WRAP = re.compile(r"\\?\s+")  # whitespace, and YAML's backslash before a folded line break


def json_unescape_one(match: re.Match[str]) -> str:
    """The character one match of ``JSON_ESCAPE`` stands for."""
    code = match.group(1)
    if len(code) == 11:  # a surrogate pair
        high, low = int(code[1:5], 16), int(code[7:], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if code[0] in "uUx":
        number = int(code[1:], 16)
        return chr(number) if number <= 0x10FFFF else match.group(0)
    return _JSON_SIMPLE.get(code, code)


def _json_unescaped(text: str) -> str:
    return JSON_ESCAPE.sub(json_unescape_one, text)


def _unwrapped(text: str) -> str:
    return WRAP.sub("", text)


def _url_decoded(text: str) -> str:
    return unquote_plus(text, errors="replace")


def text_views(text: str) -> list[tuple[str, str]]:
    """(how, text): ``text`` as written, and with each wrapping a secret may be in undone."""
    views: dict[str, str] = {text: "plain"}
    steps: list[tuple[str, Callable[[str], str], Callable[[str], bool]]] = [
        ("URL-encoded", _url_decoded, lambda t: "%" in t or "+" in t),
        ("JSON-escaped", _json_unescaped, lambda t: "\\" in t),
        ("line-wrapped", _unwrapped, lambda t: WRAP.search(t) is not None),
    ]
    for how, step, applies in steps:
        for view, name in list(views.items()):
            if applies(view):
                new = step(view)
                if new not in views:
                    views[new] = how if name == "plain" else f"{name}, {how}"
    # YAML may fold a line in the middle of a JSON escape: unwrap, then unescape.
    folded = _unwrapped(text)
    if "\\" in folded:
        views.setdefault(_json_unescaped(folded), "line-wrapped, JSON-escaped")
    return [(name, view) for view, name in views.items()]


def binary_texts(data: bytes) -> list[tuple[str, str]]:
    """(how, text) a binary body may hold: UTF-8, gzip-inflated, UTF-16/32 when it has NULs."""
    texts: list[tuple[str, str]] = []
    blobs = [("plain", data)]
    inflated = gunzipped(data)
    if inflated is not None:
        blobs.append(("gzip-compressed", inflated))
    for how, blob in blobs:
        texts.append((how, blob.decode("utf-8", "replace")))
        if b"\0" in blob:
            for encoding in WIDE_ENCODINGS:
                wide = encoding.upper() if how == "plain" else f"{how}, {encoding.upper()}"
                texts.append((wide, blob.decode(encoding, "replace")))
    return texts


def _all_views(pieces: Sequence[str | bytes]) -> list[tuple[str, str]]:
    views: list[tuple[str, str]] = []
    for piece in pieces:
        if isinstance(piece, str) and "\0" in piece:
            # UTF-16/32 that is also valid UTF-8: vcrpy stores such a body as text.
            piece = piece.encode("utf-8", "surrogatepass")
        if isinstance(piece, str):
            views.extend(text_views(piece))
        else:
            for how, text in binary_texts(piece):
                views.extend(
                    (name if how == "plain" else how if name == "plain" else f"{how}, {name}", view)
                    for name, view in text_views(text)
                )
    return views


class SecretScanner:
    """Searches text and bytes for a set of secrets in all their forms."""

    def __init__(self, secrets: Sequence[Secret]) -> None:
        self._secrets = [s for s in secrets if len(s.value) >= MIN_SECRET_LENGTH]

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def search(self, views: Sequence[tuple[str, str]]) -> list[tuple[str, str, int]]:
        """(what, form, offset) of every secret in ``views`` (see ``text_views``)."""
        joined = _SEPARATOR.join(view for _, view in views)
        hits: list[tuple[str, str, int]] = []
        for secret in self._secrets:
            forms = needles(secret.value)
            if not any(text in joined for text, _ in forms):
                continue
            # Found: say in which view (the first, the most direct one) and in what form.
            hits.extend(self._locate(secret, forms, views))
        return hits

    @staticmethod
    def _locate(
        secret: Secret, forms: Sequence[tuple[str, str]], views: Sequence[tuple[str, str]]
    ) -> list[tuple[str, str, int]]:
        whole = [f for f in forms if f[1] != SPLIT]
        parts = [f for f in forms if f[1] == SPLIT]
        for group in (whole, parts):  # a whole form in any view says more than a part
            for how, view in views:
                for text, form in group:
                    index = view.find(text)
                    if index < 0:
                        continue
                    if how == "plain":
                        label = form
                    elif form == "plain":
                        label = how
                    else:
                        label = f"{form}, {how}"
                    return [(secret.what, label, index if how == "plain" else -1)]
        return []

    def scan_text(self, text: str) -> list[tuple[str, str, int]]:
        """(what, form, offset) of every secret found in ``text`` (offset -1: in a view)."""
        return self.search(text_views(text))

    def scan_bytes(self, data: bytes) -> list[tuple[str, str, int]]:
        return self.search(_all_views([data]))

    def scan(self, pieces: Sequence[str | bytes]) -> list[tuple[str, str, int]]:
        """Every piece and all its views at once: the clean case is one pass per needle."""
        return self.search(_all_views(pieces))

    def mask(self, text: str) -> str:
        """``text`` with every secret form replaced by ``***`` (for labels that get printed)."""
        return mask_secrets(text, self._secrets)


def mask_secrets(text: str, secrets: Sequence[Secret], mark: str = "***") -> str:
    """``text`` with each secret (in any literal form) and any JWT replaced by ``mark``."""
    forms = {form for s in secrets for _, form in secret_forms(s.value)}
    for form in sorted(forms, key=len, reverse=True):
        if form in text:
            text = text.replace(form, mark)
    return JWT_PATTERN.sub(mark, text)


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


def _binary_pieces(cassette_dict: Mapping[str, Any]) -> list[bytes]:
    pieces: list[bytes] = []
    for request in cassette_dict.get("requests", []):
        body = body_bytes(getattr(request, "body", None))
        if body:
            pieces.append(body)
    for _, piece in _strings(list(cassette_dict.get("responses", [])), ""):
        if isinstance(piece, bytes):
            pieces.append(piece)
    return pieces


def _json_document(body: Any, content_type: str) -> Any:
    raw = body_bytes(body)
    if not raw:
        return None
    raw = gunzipped(raw) or raw
    decoded = decoded_text(raw, content_type)
    if decoded is None:
        return None
    try:
        return json.loads(decoded[0])
    except ValueError:
        return None


def _content_type(headers: Any) -> str:
    for name, value in header_items(headers):
        if name.lower() == "content-type":
            return str(value[0] if isinstance(value, list) and value else value)
    return ""


def catalogue_leaks(request: Any, response: Any) -> list[tuple[str, str]]:
    """``(part, field path)`` of every value under a field Auth0's specs mark secret, in the
    interaction's JSON bodies, that is not a placeholder: what redaction should have replaced.

    The second line of defence: it holds whatever hook or serializer ran after redaction."""
    catalogue = secret_catalogue()
    fields = catalogue.fields(
        getattr(request, "method", ""), urlsplit(getattr(request, "uri", "")).path
    )
    response = response if isinstance(response, Mapping) else {}
    body = response.get("body")
    bodies: list[tuple[str, Any, str, PathTree]] = [
        (
            "request body",
            getattr(request, "body", None),
            _content_type(getattr(request, "headers", None)),
            fields.request_tree,
        ),
        (
            "response body",
            body.get("string") if isinstance(body, Mapping) else body,
            _content_type(response.get("headers")),
            fields.response_tree if fields.operation else catalogue.any_response_tree,
        ),
    ]
    leaks = []
    for part, raw, content_type, tree in bodies:
        document = _json_document(raw, content_type)
        if document is None:
            continue
        for path, value in catalogue.secret_values(document, tree):
            if not is_placeholder(value):
                leaks.append((part, path))
    return leaks


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
    from vcr.serialize import serialize  # lazily, as pytest-recording imports vcr

    serialized = serialize(dict(cassette_dict), serializer)
    text = (
        serialized.decode("utf-8", "replace") if isinstance(serialized, bytes) else str(serialized)
    )
    requests = list(cassette_dict.get("requests", []))
    responses = list(cassette_dict.get("responses", []))
    places: list[tuple[int, Any, str, list[str | bytes]]] = []  # (number, request, part, ...)
    for number, (request, response) in enumerate(zip(requests, responses, strict=False), 1):
        parts: list[tuple[str, Any]] = [
            ("request URL", getattr(request, "uri", "")),
            ("request headers", dict(header_items(getattr(request, "headers", None)))),
            ("request body", body_bytes(getattr(request, "body", None)) or b""),
            ("response headers", response.get("headers") if isinstance(response, dict) else None),
            ("response body", response.get("body") if isinstance(response, dict) else None),
        ]
        for part, value in parts:
            places.append((number, request, part, [piece for _, piece in _strings(value, "")]))
    if "metadata" in cassette_dict:
        pieces = [value for _, value in _strings(cassette_dict["metadata"], "metadata")]
        places.append((0, None, "metadata", pieces))
    everything: list[str | bytes] = [text, *(p for *_, pieces in places for p in pieces)]
    views = _all_views(everything)
    issued = {
        token: Secret(token, "an access token issued by the tenant")
        for _, view in views
        for token in tenant_tokens(view, tenant_hosts)
    }
    scanner = SecretScanner([*secrets, *issued.values()])
    findings: dict[tuple[str, str, str], Finding] = {}
    labels: dict[int, str] = {}

    def label(number: int, request: Any) -> str:
        # Printed in the refusal: a secret in the URL's path must not be shown either.
        if number not in labels:
            method = getattr(request, "method", "?")
            labels[number] = scanner.mask(f"interaction {number} ({method} {_safe_uri(request)})")
        return labels[number]

    for number, (request, response) in enumerate(zip(requests, responses, strict=False), 1):
        for part, path in catalogue_leaks(request, response):
            what = f"a value of Auth0's secret field {path}"
            where = f"{label(number, request)} {part}"
            findings.setdefault((what, "plain", where), Finding(what, "plain", where))
    if not scanner or not scanner.search(views):
        return list(findings.values())  # the common case: one search per needle over all views
    for number, request, part, pieces in places:
        where = part if request is None else f"{label(number, request)} {part}"
        for what, form, _ in scanner.scan(pieces):
            findings.setdefault((what, form, where), Finding(what, form, where))
    for what, form, offset in scanner.scan_text(text):
        if not any(f.what == what for f in findings.values()):
            where = f"line {text.count(chr(10), 0, offset) + 1}" if offset >= 0 else "the file"
            findings.setdefault((what, form, ""), Finding(what, form, where))
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

    HINT = (
        "Nothing was written. Redaction runs after your vcr hooks, so something put the "
        "value back afterwards (a before_save_interaction hook, filter_sensitive_data, a "
        "custom serializer or persister) or carried it where no rule looks. Remove that "
        "hook or setting for this test, or report the case to pytest-auth0-m2m."
    )
    NAME_HINT = (
        "Nothing was written: the cassette's file name is the test's id, and a parameter of "
        "the test holds the secret. Give that parameter an id (pytest.param(value, id=...) or "
        "parametrize(..., ids=...))."
    )

    def __init__(self, path: str, findings: Sequence[Finding], hint: str = HINT) -> None:
        self.path = path
        self.findings = list(findings)
        lines = "\n".join(f"  - {finding}" for finding in self.findings[:20])
        more = len(self.findings) - 20
        if more > 0:
            lines += f"\n  - ... and {more} more"
        super().__init__(
            f"pytest-auth0-m2m: refused to write cassette {path}: it would contain a secret "
            f"this session knows:\n{lines}\n{hint}"
        )


class UnreadableCassette(Exception):
    """A cassette file that exists but cannot be replayed (empty, truncated, not a cassette)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cassette {path} cannot be read: {reason}")


class GuardedPersister:
    """A vcrpy persister that redacts and guards a cassette right before it is written.

    Wraps whatever persister vcrpy would have used, so the user's own persister still writes.
    On a leak nothing is written and ``on_leak`` gets the error; the error is not raised here,
    because vcrpy would then skip undoing its HTTP patches. Without ``on_leak`` it is raised.

    With ``on_unreadable``, a cassette file that exists but is empty or cannot be loaded is
    reported there and then treated as missing (vcrpy would otherwise either raise the YAML
    error or, for an empty file, silently replay nothing).
    """

    def __init__(
        self,
        inner: Any,
        registry: SecretRegistry,
        redactor: Callable[[], Redactor | None] = lambda: None,
        on_leak: Callable[[CassetteSecretError], None] | None = None,
        on_unreadable: Callable[[UnreadableCassette], None] | None = None,
    ) -> None:
        self.inner = inner
        self._registry = registry
        self._redactor = redactor
        self._on_leak = on_leak
        self._on_unreadable = on_unreadable

    def load_cassette(self, cassette_path: Any, serializer: Any) -> Any:
        from vcr.persisters.filesystem import CassetteNotFoundError

        if self._on_unreadable is None:
            return self.inner.load_cassette(cassette_path, serializer)
        path = Path(str(cassette_path))
        try:
            # Only a short file can be blank: a cassette is not read twice to find out (a
            # longer one of whitespace only fails to load below and is told unreadable there).
            # One stat answers both questions (is it a file, is it short).
            info = path.stat()
            blank = (
                stat.S_ISREG(info.st_mode) and info.st_size < 64 and not path.read_bytes().strip()
            )
        except OSError:
            blank = False
        if blank:
            self._on_unreadable(UnreadableCassette(str(cassette_path), "the file is empty"))
            raise CassetteNotFoundError()
        try:
            return self.inner.load_cassette(cassette_path, serializer)
        except CassetteNotFoundError:
            raise
        except Exception as exc:  # YAML/JSON errors, a truncated or foreign file, bad bytes
            # The error's text may quote the file (a secret, even): only its kind is told.
            reason = f"not a readable cassette ({type(exc).__name__})"
            self._on_unreadable(UnreadableCassette(str(cassette_path), reason))
            raise CassetteNotFoundError() from exc

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        secrets = self._registry.secrets()
        path = Path(str(cassette_path))
        shown_name = secrets_in_name(path.name, secrets)
        if shown_name != path.name:
            shown = str(path.with_name(shown_name))
            # The file name is committed with the cassette: a secret there leaks as surely.
            where = Finding("a secret this session knows", "plain", "the cassette's file name")
            error = CassetteSecretError(shown, [where], CassetteSecretError.NAME_HINT)
            if self._on_leak is None:
                raise error
            self._on_leak(error)
            return
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
        # vcrpy's FilesystemPersister checks for the folder, then makes it: two xdist workers
        # recording the first cassettes of one module race there (FileExistsError).
        Path(str(cassette_path)).parent.mkdir(parents=True, exist_ok=True)
        self.inner.save_cassette(cassette_path, cassette_dict, serializer=serializer)
