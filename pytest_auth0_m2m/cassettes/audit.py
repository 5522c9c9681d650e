"""``python -m pytest_auth0_m2m audit [PATHS]``: find what looks like a secret in cassettes.

The session guard knows the exact secrets of the run that records; this command knows none, so
it looks for shapes instead: Authorization and cookie headers, HTTP Basic credentials, bearer
tokens, client secrets that are not the placeholder, JWTs not signed by the public replay key,
high-entropy values under secret-looking keys (the keyword-plus-entropy idea of secret scanners
such as detect-secrets, with rules of its own) and, given the names of the fields Auth0 defines as
secret, any such field whose value is not a placeholder.

Every rule runs over the file as written and over its decoded views: URL-encoding and JSON (and
YAML) escapes undone, line wraps joined (MIME base64, folded YAML, a token split by a line
break), base64/base64url and hex runs decoded at each alignment, and binary bodies decoded
(gzip, UTF-16/32). A finding names the file, line and field, never the value.
Meant for CI and pre-commit, over cassettes from any source.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import itertools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pytest_auth0_m2m.cassettes.guard import JSON_ESCAPE, WRAP, binary_texts, json_unescape_one
from pytest_auth0_m2m.cassettes.placeholders import (
    JWT_PATTERN,
    PLACEHOLDER_CLIENT_SECRET,
    PLACEHOLDER_OPAQUE_TOKEN,
    is_placeholder,
    is_replay_token,
)
from pytest_auth0_m2m.cassettes.redaction import SECRET_KEYS, TOKEN_KEYS

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
PLACEHOLDERS = frozenset({PLACEHOLDER_CLIENT_SECRET, PLACEHOLDER_OPAQUE_TOKEN, ""})

_BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{6,}={0,2})")
_BEARER = re.compile(r"\bBearer\s+([^\s\"'\\,]{6,})")
# client_secret as a JSON key (also escaped inside a YAML string), a YAML key, or a form field,
# plain or URL-encoded ("client_secret%22%3A%22...", "client_secret%3D...").
_Q = r"""(?:\\?["']|%22|%27)?"""
_SEP = r"""\s*(?::|=|%3A|%3D)\s*"""
# The fields redaction replaces by placeholders (redaction.SECRET_KEYS, TOKEN_KEYS): named in
# the finding, as the rest of the secret-field catalogue is by _FIELD below.
_SECRET_FIELD = re.compile(
    "(?P<key>"
    + "|".join(sorted(SECRET_KEYS))
    + ")"
    + _Q
    + _SEP
    + _Q
    + r"""(?P<value>[^"'\\&\s,}%]*)""",
    re.IGNORECASE,
)
_TOKEN_FIELD = re.compile(
    "(?P<key>"
    + "|".join(sorted(TOKEN_KEYS))
    + ")"
    + _Q
    + _SEP
    + _Q
    # Not an object or list: a client's refresh_token is its settings ({"rotation_type": ...}).
    + r"""(?![{\[])(?P<value>[^"'\\&\s,}%]*)""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- Views: the file with each wrapping undone, every offset traced back to the file ---------


@dataclass
class View:
    """A decoded view of a cassette's text; ``origin`` maps its offsets back to the file."""

    text: str
    how: str = ""  # "" for the file as written, else e.g. "URL-encoded, line-wrapped"
    parent: View | None = None
    # (offset here, offset in parent, copied): a copied run maps char by char, a replacement
    # maps to where the replaced text began.
    marks: list[tuple[int, int, bool]] = field(default_factory=list)
    wrapped: bool = False  # whitespace removed: values run into their neighbours

    def origin(self, offset: int) -> int:
        if self.parent is None:
            return offset
        starts = [m[0] for m in self.marks]
        index = max(0, bisect.bisect_right(starts, offset) - 1)
        start, parent_start, copied = self.marks[index] if self.marks else (0, 0, True)
        return self.parent.origin(parent_start + (offset - start if copied else 0))

    def root(self) -> View:
        return self if self.parent is None else self.parent.root()


def _derive(
    view: View, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], how: str
) -> View | None:
    pieces: list[str] = []
    marks: list[tuple[int, int, bool]] = []
    position = length = 0
    for match in pattern.finditer(view.text):
        if match.start() > position:
            marks.append((length, position, True))
            pieces.append(view.text[position : match.start()])
            length += match.start() - position
        new = replace(match)
        if new:
            marks.append((length, match.start(), False))
            pieces.append(new)
            length += len(new)
        position = match.end()
    if not marks and position == 0:
        return None  # nothing matched
    if position < len(view.text):
        marks.append((length, position, True))
        pieces.append(view.text[position:])
    name = how if not view.how else f"{view.how}, {how}"
    return View("".join(pieces), name, view, marks, view.wrapped or how == "line-wrapped")


_URL_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+|\+")


def _url_one(match: re.Match[str]) -> str:
    return " " if match.group(0) == "+" else unquote(match.group(0), errors="replace")


def views(text: str) -> list[View]:
    """The file as written, then URL-decoded, JSON/YAML-unescaped and unwrapped, combined."""
    result = [View(text)]
    seen = {text}
    steps: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], str]] = [
        (_URL_ESCAPES, _url_one, "URL-encoded"),
        (JSON_ESCAPE, json_unescape_one, "JSON-escaped"),
        # JSON text inside a double-quoted YAML string is escaped twice.
        (JSON_ESCAPE, json_unescape_one, "JSON-escaped"),
        (WRAP, lambda _match: "", "line-wrapped"),
    ]
    for pattern, replace, how in steps:
        for view in list(result):
            derived = _derive(view, pattern, replace, how)
            if derived is not None and derived.text not in seen:
                seen.add(derived.text)
                result.append(derived)
    # YAML folds a long double-quoted line with a backslash, even inside an escape: join the
    # lines first, then unescape.
    joined: View | None = _derive(result[0], WRAP, lambda _match: "", "line-wrapped")
    for _ in range(2):
        joined = _derive(joined, JSON_ESCAPE, json_unescape_one, "JSON-escaped") if joined else None
        if joined is not None and joined.text not in seen:
            seen.add(joined.text)
            result.append(joined)
    return result


# --- Rules -----------------------------------------------------------------------------------

# key = value, key: value, "key": "value" (JSON, YAML, forms, query strings).
_FIELD = re.compile(
    r"""(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,80})["']?\s*(?::|=)\s*["']?"""
    r"""(?P<value>[^"'&\s,}\]\\]{1,4000})"""
)
_QUOTED_FIELD = re.compile(
    r"""["'](?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,80})["']\s*:\s*["'](?P<value>[^"'\\]{1,4000})["']"""
)
SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
        "privatekey",
        "signing",
        "recovery",
        "ticket",
        "otp",
        "totp",
        "salt",
        "authorization",
        "cookie",
        "key",
        "keys",
        "auth",
    }
)
# The last word of a key that names a property of a secret, not the secret itself.
NOT_SECRET_ENDINGS = frozenset(
    {
        "type",
        "types",
        "method",
        "methods",
        "lifetime",
        "expiration",
        "expires",
        "exp",
        "in",
        "at",
        "alg",
        "algorithm",
        "length",
        "count",
        "policy",
        "name",
        "mode",
        "enabled",
        "format",
        "endpoint",
        "scope",
        "scopes",
        "usage",
        "header",
        "version",
        "status",
        "strategy",
        "template",
        "hint",
        "required",
        "supported",
        "kid",
        "ttl",
        "leeway",
        "dialect",
    }
)
MIN_ENTROPY = 3.0  # bits per character (Shannon) of the value's own characters
MIN_ENTROPY_LENGTH = 8
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def key_words(key: str) -> list[str]:
    """``client_secret`` -> client, secret; ``apiKey`` -> api, key; ``x.api_key`` -> ..."""
    words = [w.lower() for w in _WORD.findall(key)]
    joined = [a + b for a, b in itertools.pairwise(words)]  # api+key, private+key
    return words + [j for j in joined if j in SECRET_WORDS]


def secret_looking(key: str) -> bool:
    words = key_words(key)
    plain = [w.lower() for w in _WORD.findall(key)]
    if not words or (plain and plain[-1] in NOT_SECRET_ENDINGS):
        return False
    return any(word in SECRET_WORDS for word in words)


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def high_entropy(value: str) -> bool:
    if len(value) < MIN_ENTROPY_LENGTH or is_placeholder(value):
        return False
    if value.lower() in {"true", "false", "null", "none"} or value.replace(".", "").isdigit():
        return False
    return entropy(value) >= MIN_ENTROPY


def _rules(view: View, secret_fields: frozenset[str]) -> Iterator[tuple[int, str]]:
    """(offset in the view, kind) for each secret shape in it."""
    text = view.text
    root = view.root().text
    for match in JWT_PATTERN.finditer(text):
        token = match.group(0)
        if is_replay_token(token):
            continue
        if view.wrapped:
            # Joined lines may run a placeholder into the next line's text: judge what the
            # file has at that place first.
            head = JWT_PATTERN.match(root, view.origin(match.start()))
            if (
                head is not None
                and token.startswith(head.group(0))
                and (is_replay_token(head.group(0)) or token == head.group(0))
            ):
                continue
        yield match.start(), "a JWT not signed by the replay key"
    if view.wrapped:
        # Values run into their neighbours here: only JWTs and quoted values are judged.
        yield from _field_rules(text, _QUOTED_FIELD, secret_fields)
        return
    for match in _BASIC.finditer(text):
        if _looks_like_basic(match.group(1)):
            yield match.start(), "HTTP Basic credentials"
    for match in _BEARER.finditer(text):
        if not is_replay_token(match.group(1)) and match.group(1) not in PLACEHOLDERS:
            yield match.start(), "a bearer token"
    for match in _SECRET_FIELD.finditer(text):
        if match.group("value") not in PLACEHOLDERS:
            yield match.start(), f"a {match.group('key').lower()} value"
    for match in _TOKEN_FIELD.finditer(text):
        value = match.group("value")
        # JWTs are judged above by their signature; here: opaque tokens that are not ours.
        if value not in PLACEHOLDERS and not JWT_PATTERN.fullmatch(value):
            yield match.start(), f"an opaque {match.group('key').lower()}"
    yield from _field_rules(text, _FIELD, secret_fields)


def _field_rules(
    text: str, pattern: re.Pattern[str], secret_fields: frozenset[str]
) -> Iterator[tuple[int, str]]:
    for match in pattern.finditer(text):
        key, value = match.group("key"), match.group("value")
        if "?" in value:
            # A URL's query is fields too, and its first one is inside this match's value.
            start = match.start("value") + value.index("?") + 1
            for offset, kind in _field_rules(
                text[start : match.end("value")], pattern, secret_fields
            ):
                yield start + offset, kind
        if value[:1] in ("{", "[") or value in ("true", "false", "null"):
            continue  # not a scalar: the fields inside it are judged on their own
        name = key.rsplit(".", 1)[-1]
        if (key in secret_fields or name in secret_fields) and not is_placeholder(value):
            yield match.start(), f"a value in secret field {key}"
        elif secret_looking(name) and high_entropy(value) and not JWT_PATTERN.fullmatch(value):
            # A JWT is judged by its signature, by the one JWT rule; a value merely starting
            # "eyJ" (base64 of a JSON object) is judged here like any other.
            yield match.start(), f"a high-entropy value in field {key}"


_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}")
_HEX_RUN = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{2}){12,}(?![0-9A-Za-z])")


def _decoded_runs(text: str) -> Iterator[tuple[int, str, bytes]]:
    """(offset, how, bytes) for each hex or base64 run, at each of its 4 alignments."""
    for match in _HEX_RUN.finditer(text):
        yield match.start(), "hex", bytes.fromhex(match.group(0))
    for match in _B64_RUN.finditer(text):
        run = match.group(0)
        how = "base64url" if ("-" in run or "_" in run) else "base64"
        standard = run.replace("-", "+").replace("_", "/")
        for skip in range(4):
            chunk = standard[skip:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            try:
                yield match.start(), how, base64.b64decode(chunk)
            except (binascii.Error, ValueError):
                continue


def _problems_in(
    path: Path, text: str, secret_fields: frozenset[str], decode: bool = True
) -> list[tuple[int, str]]:
    """(offset in ``text``, kind) of every finding in ``text`` and its views."""
    found: list[tuple[int, str]] = []
    for view in views(text):
        suffix = f" ({view.how})" if view.how else ""
        for offset, kind in _rules(view, secret_fields):
            found.append((view.origin(offset), kind + suffix))
        if not decode:
            continue
        for offset, how, blob in _decoded_runs(view.text):
            if len(blob) < 8:
                continue
            for binary_how, decoded in binary_texts(blob):
                label = how if binary_how == "plain" else f"{how}, {binary_how}"
                inner = _problems_in(path, decoded, secret_fields, decode=False)
                for _, kind in inner:
                    found.append(
                        (
                            view.origin(offset),
                            f"{kind} ({label}{', ' + view.how if view.how else ''})",
                        )
                    )
    return found


def scan_text(path: Path, text: str, secret_fields: frozenset[str] = frozenset()) -> list[Problem]:
    """Secret shapes in a cassette's text, as written and in every view of it."""
    best: dict[tuple[int, str], Problem] = {}
    for offset, kind in _problems_in(path, text, secret_fields):
        line = _line(text, offset)
        base = kind.split(" (", 1)[0]
        # One finding per line and kind: the most direct view that shows it.
        best.setdefault((line, base), Problem(path, line, kind))
    return list(best.values())


def _looks_like_basic(credentials: str) -> bool:
    try:
        decoded = base64.b64decode(credentials + "=" * (-len(credentials) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def _load(text: str, suffix: str) -> Any:
    if suffix == ".json":
        return json.loads(text)
    from vcr.serializers import yamlserializer

    return yamlserializer.deserialize(text)


def _interactions(data: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(data, dict):
        for number, interaction in enumerate(data.get("interactions") or [], 1):
            if isinstance(interaction, dict):
                yield number, interaction


def _header_names(message: Any) -> list[str]:
    headers = message.get("headers") if isinstance(message, dict) else None
    return [str(name) for name in headers] if isinstance(headers, dict) else []


def _binary_bodies(value: Any) -> Iterator[bytes]:
    """Bodies as loaded: ``!!binary`` ones, and text that holds NULs (UTF-16/32 as UTF-8)."""
    if isinstance(value, (bytes, bytearray)):
        yield bytes(value)
    elif isinstance(value, str) and "\0" in value:
        yield value.encode("utf-8", "surrogatepass")
    elif isinstance(value, dict):
        for item in value.values():
            yield from _binary_bodies(item)
    elif isinstance(value, list):
        for item in value:
            yield from _binary_bodies(item)


def scan_structure(
    path: Path, text: str, data: Any, secret_fields: frozenset[str] = frozenset()
) -> list[Problem]:
    """Secret headers by name, and secrets inside binary (gzip, UTF-16/32) bodies."""
    problems: list[Problem] = []
    binary_lines = [_line(text, m.start()) for m in re.finditer(r"!!binary", text)]
    blobs_seen = 0
    for number, interaction in _interactions(data):
        for side in ("request", "response"):
            for name in _header_names(interaction.get(side)):
                if name.lower() in SECRET_HEADERS:
                    article = "an" if name[:1].lower() in "aeiou" else "a"
                    offset = text.find(f"{name}:")
                    line = _line(text, offset) if offset >= 0 else 1
                    problems.append(
                        Problem(
                            path, line, f"{article} {name} header in interaction {number} {side}"
                        )
                    )
        for blob in _binary_bodies(interaction):
            line = binary_lines[blobs_seen] if blobs_seen < len(binary_lines) else 1
            blobs_seen += 1
            kinds: dict[str, None] = {}
            for how, decoded in binary_texts(blob):
                for problem in scan_text(path, decoded, secret_fields):
                    encoding = "" if how == "plain" else f" ({how})"
                    kinds.setdefault(
                        f"{problem.kind} in a binary body of interaction {number}{encoding}"
                    )
            problems.extend(Problem(path, line, kind) for kind in kinds)
    return problems


def audit_file(path: Path, secret_fields: frozenset[str] = frozenset()) -> list[Problem]:
    """Every finding in one cassette. ``secret_fields``: names of fields that hold a secret
    (e.g. Auth0's ``password``, ``recovery_code``): any value there that is not a placeholder
    is one."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return [Problem(path, 0, f"cannot be read ({exc.strerror})")]
    problems = scan_text(path, text, secret_fields)
    try:
        data = _load(text, path.suffix.lower())
    except Exception:  # not a vcrpy cassette: the text scan above is all we can do
        data = None
    problems.extend(scan_structure(path, text, data, secret_fields))
    return sorted(set(problems), key=lambda p: (p.line, p.kind))


def cassette_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in CASSETTE_SUFFIXES:
                    yield child
        else:
            yield path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_auth0_m2m audit",
        description="Check cassettes for anything that looks like a secret; exit 1 if found.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("cassettes")],
        help="cassette files or directories (default: cassettes)",
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(
            f"audit: no such file or directory: {', '.join(missing)}. Pass the cassette "
            "directory, e.g. `python -m pytest_auth0_m2m audit cassettes`.",
            file=sys.stderr,
        )
        return 2
    from pytest_auth0_m2m.auth0.secret_fields import secret_names

    fields = secret_names()  # Auth0's secret field names, from its specs
    files = list(cassette_files(args.paths))
    problems = [problem for path in files for problem in audit_file(path, fields)]
    for problem in problems:
        print(problem)
    if problems:
        dirty = len({p.path for p in problems})
        print(
            f"audit: {len(problems)} possible secret(s) in {dirty} of {len(files)} cassette(s). "
            "Delete those cassettes, rotate any secret that was real, and record again with "
            "pytest-auth0-m2m (which redacts before writing)."
        )
        return 1
    print(f"audit: {len(files)} cassette(s) checked, no secret found.")
    return 0
