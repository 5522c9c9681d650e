"""`audit` finds what the guard would, in every encoding a cassette can hold, by hand-planted
values in a copy of a clean cassette; the value itself is never printed."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from test_audit import CLEAN

from pytest_auth0_m2m.cassettes.audit import audit_file, entropy, main, secret_looking

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FOREIGN_JWT = jwt.encode(
    {"iss": "https://dev-x.eu.auth0.com/", "scope": "read:users"}, KEY, "RS256"
)
API_KEY = "SG.q8Zr2LmX9vTk4wPb7NcYd1Hs.Ej6fUa3oQi5Kg0Rt"
RECOVERY = "R7KD9XZQ2MWN4PBT6VCY"
BODIES = {
    "foreign JWT": (
        json.dumps({"access_token": FOREIGN_JWT}),
        "a JWT not signed by the replay key",
    ),
    "api key": (
        json.dumps({"credentials": {"webhook_signing_key": API_KEY}}),
        "a high-entropy value in field webhook_signing_key",
    ),
    "catalogue field": (
        json.dumps({"user_id": "auth0|1", "recovery_code": RECOVERY}),
        "a value in secret field recovery_code",
    ),
}


def _mime(text: str) -> str:
    return base64.encodebytes(b"prefix " + text.encode()).decode()


TEXT_ENCODINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda t: t,
    "URL-encoded": lambda t: "payload=" + quote(t, safe=""),
    "URL-encoded every character": lambda t: "".join(f"%{b:02X}" for b in t.encode()),
    "JSON \\u escapes": lambda t: '{"inner": "' + "".join(f"\\u{ord(c):04x}" for c in t) + '"}',
    "JSON \\u escapes, YAML-escaped": lambda t: "\x07" + "".join(f"\\u{ord(c):04x}" for c in t),
    "JSON string": lambda t: json.dumps({"inner": t}),
    "base64 offset 0": lambda t: base64.b64encode(t.encode()).decode(),
    "base64 offset 1": lambda t: base64.b64encode(b"x" + t.encode()).decode(),
    "base64 offset 2": lambda t: base64.b64encode(b"xy" + t.encode()).decode(),
    "base64url": lambda t: base64.urlsafe_b64encode(b"z" + t.encode()).decode().rstrip("="),
    "MIME base64": _mime,
    "MIME base64 in JSON": lambda t: json.dumps({"attachment": _mime(t)}),
    "hex": lambda t: t.encode().hex(),
    "HEX": lambda t: t.encode().hex().upper(),
}
BINARY_ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "UTF-16": lambda t: t.encode("utf-16"),
    "UTF-16-BE": lambda t: t.encode("utf-16-be"),
    "UTF-32-LE": lambda t: t.encode("utf-32-le"),
    "UTF-32-BE": lambda t: t.encode("utf-32-be"),
    "gzip": lambda t: gzip.compress(t.encode()),
    "gzip of UTF-16": lambda t: gzip.compress(t.encode("utf-16")),
}


def copy_with(body: str | bytes) -> dict[str, object]:
    data = copy.deepcopy(CLEAN)
    data["interactions"][0]["response"]["body"]["string"] = body  # type: ignore[index]
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "cassettes" / "c.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(data))
    return path


def assert_flagged(path: Path, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if expected in line]
    assert lines, out
    assert all(line.startswith(f"{path}:") for line in lines)
    for secret in (FOREIGN_JWT, API_KEY, RECOVERY, FOREIGN_JWT[40:70], API_KEY[:16]):
        assert secret not in out


def test_the_clean_copy_is_clean(tmp_path: Path) -> None:
    assert audit_file(write(tmp_path, CLEAN)) == []
    for body in (b"\x1f\x8b" + b"\0" * 20, gzip.compress(b'{"token_type":"Bearer"}')):
        assert audit_file(write(tmp_path, copy_with(body))) == []
    text = json.dumps({"token_type": "Bearer", "token_endpoint_auth_method": "client_secret_post"})
    assert audit_file(write(tmp_path, copy_with(text.encode("utf-16")))) == []


@pytest.mark.parametrize("planted", list(BODIES))
@pytest.mark.parametrize("encoding", list(TEXT_ENCODINGS))
def test_a_planted_value_is_found_in_a_text_body(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str, planted: str
) -> None:
    body, expected = BODIES[planted]
    path = write(tmp_path, copy_with("note " + TEXT_ENCODINGS[encoding](body) + " end"))
    assert_flagged(path, expected, capsys)


@pytest.mark.parametrize("planted", list(BODIES))
@pytest.mark.parametrize("encoding", list(BINARY_ENCODINGS))
def test_a_planted_value_is_found_in_a_binary_body(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str, planted: str
) -> None:
    body, expected = BODIES[planted]
    path = write(tmp_path, copy_with(BINARY_ENCODINGS[encoding](body)))
    assert "!!binary" in path.read_text()
    assert_flagged(path, expected, capsys)


def test_a_token_split_by_a_line_wrap_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, copy_with("x"))
    text = path.read_text().replace(
        "string: x", f"string: '{FOREIGN_JWT[:50]}\n\n        {FOREIGN_JWT[50:]}'"
    )
    path.write_text(text)
    assert yaml.safe_load(text)  # still a cassette
    assert_flagged(path, "a JWT not signed by the replay key", capsys)


def test_a_finding_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    encoded = base64.b64encode(BODIES["api key"][0].encode()).decode()
    path = write(tmp_path, copy_with(encoded))
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if encoded[:30] in line)
    problems = audit_file(path)
    assert [p.line for p in problems] == [number], problems


def test_catalogue_fields_are_flagged_whatever_their_entropy(tmp_path: Path) -> None:
    body = json.dumps({"recovery_code": "aaaa1111", "password": "REDACTED", "name": "x"})
    path = write(tmp_path, copy_with(body))
    fields = frozenset({"recovery_code", "password"})
    kinds = [p.kind for p in audit_file(path, fields)]
    assert kinds == ["a value in secret field recovery_code"]
    assert audit_file(path) == []  # low entropy: only the catalogue knows it is a secret


def test_secret_looking_keys_and_entropy() -> None:
    assert secret_looking("api_key")
    assert secret_looking("apiKey")
    assert secret_looking("httpAuthorization")
    assert secret_looking("signing_secret")
    assert not secret_looking("token_type")
    assert not secret_looking("token_endpoint_auth_method")
    assert not secret_looking("errorCode")
    assert not secret_looking("email")
    assert not secret_looking("scope_hash")  # the plugin's own app metadata
    assert secret_looking("password_hash")
    assert entropy("aaaaaaaa") == 0
    assert entropy(API_KEY) > 4


@pytest.mark.parametrize(
    "query", ["password=Summer2024x", "password=Summer2024x&per_page=1", "a=1&password=Summer2024x"]
)
def test_a_secret_query_parameter_is_flagged_wherever_it_stands(tmp_path: Path, query: str) -> None:
    data = copy.deepcopy(CLEAN)
    data["interactions"][0]["request"]["uri"] = (  # type: ignore[index]
        f"https://tenant.auth0.invalid/api/v2/users?{query}"
    )
    kinds = [p.kind for p in audit_file(write(tmp_path, data), frozenset({"password"}))]
    assert kinds == ["a value in secret field password"]
    ticket = copy.deepcopy(CLEAN)
    ticket["interactions"][0]["response"]["body"]["string"] = json.dumps(  # type: ignore[index]
        {"ticket": "https://tenant.auth0.invalid/lo/reset?ticket=REDACTED#"}
    )
    assert audit_file(write(tmp_path, ticket), frozenset({"ticket"})) == []
