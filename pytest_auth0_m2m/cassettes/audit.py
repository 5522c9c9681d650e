"""``python -m pytest_auth0_m2m audit [PATHS]``: find what looks like a secret in cassettes.

The session guard knows the exact secrets of the run that records; this command knows none, so
it looks for shapes instead: Authorization and cookie headers, HTTP Basic credentials, bearer
tokens, client secrets that are not the placeholder, and JWTs not signed by the public replay key.
Meant for CI and pre-commit, over cassettes from any source. Never prints a secret.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_auth0_m2m.cassettes.placeholders import (
    JWT_PATTERN,
    PLACEHOLDER_CLIENT_SECRET,
    PLACEHOLDER_OPAQUE_TOKEN,
    is_replay_token,
)
from pytest_auth0_m2m.cassettes.redaction import gunzipped

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
PLACEHOLDERS = frozenset({PLACEHOLDER_CLIENT_SECRET, PLACEHOLDER_OPAQUE_TOKEN, ""})

_BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{6,}={0,2})")
_BEARER = re.compile(r"\bBearer\s+([^\s\"'\\,]{6,})")
# client_secret as a JSON key (also escaped inside a YAML string), a YAML key, or a form field,
# plain or URL-encoded ("client_secret%22%3A%22...", "client_secret%3D...").
_Q = r"""(?:\\?["']|%22|%27)?"""
_SEP = r"""\s*(?::|=|%3A|%3D)\s*"""
_SECRET_FIELD = re.compile(
    r"(?P<key>client_secret|client_assertion)" + _Q + _SEP + _Q + r"""(?P<value>[^"'\\&\s,}%]*)""",
    re.IGNORECASE,
)
_TOKEN_FIELD = re.compile(
    r"(?P<key>access_token|refresh_token|id_token)"
    + _Q
    + _SEP
    + _Q
    + r"""(?P<value>[^"'\\&\s,}%]*)""",
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


def scan_text(path: Path, text: str) -> list[Problem]:
    """Secret shapes in a cassette's text."""
    problems: list[Problem] = []
    for match in JWT_PATTERN.finditer(text):
        if not is_replay_token(match.group(0)):
            problems.append(
                Problem(path, _line(text, match.start()), "a JWT not signed by the replay key")
            )
    for match in _BASIC.finditer(text):
        if _looks_like_basic(match.group(1)):
            problems.append(Problem(path, _line(text, match.start()), "HTTP Basic credentials"))
    for match in _BEARER.finditer(text):
        if not is_replay_token(match.group(1)) and match.group(1) not in PLACEHOLDERS:
            problems.append(Problem(path, _line(text, match.start()), "a bearer token"))
    for match in _SECRET_FIELD.finditer(text):
        if match.group("value") not in PLACEHOLDERS:
            problems.append(
                Problem(path, _line(text, match.start()), f"a {match.group('key').lower()} value")
            )
    for match in _TOKEN_FIELD.finditer(text):
        value = match.group("value")
        # JWTs are judged above by their signature; here: opaque tokens that are not ours.
        if value not in PLACEHOLDERS and not value.startswith("eyJ"):
            problems.append(
                Problem(path, _line(text, match.start()), f"an opaque {match.group('key').lower()}")
            )
    return problems


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
    if isinstance(value, (bytes, bytearray)):
        yield bytes(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _binary_bodies(item)
    elif isinstance(value, list):
        for item in value:
            yield from _binary_bodies(item)


def scan_structure(path: Path, text: str, data: Any) -> list[Problem]:
    """Secret headers by name, and secrets inside binary (e.g. gzip) bodies."""
    problems: list[Problem] = []
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
            blob = gunzipped(blob) or blob
            inner = scan_text(path, blob.decode("utf-8", "replace"))
            for problem in inner:
                kind = f"{problem.kind} in a binary body of interaction {number}"
                problems.append(Problem(path, 1, kind))
    return problems


def audit_file(path: Path) -> list[Problem]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return [Problem(path, 0, f"cannot be read ({exc.strerror})")]
    problems = scan_text(path, text)
    try:
        data = _load(text, path.suffix.lower())
    except Exception:  # not a vcrpy cassette: the text scan above is all we can do
        data = None
    problems.extend(scan_structure(path, text, data))
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
    files = list(cassette_files(args.paths))
    problems = [problem for path in files for problem in audit_file(path)]
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
