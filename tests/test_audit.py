"""`python -m pytest_auth0_m2m audit`: finds each kind of planted secret, passes clean cassettes."""

from __future__ import annotations

import base64
import gzip
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from pytest_auth0_m2m.cassettes import placeholders
from pytest_auth0_m2m.cassettes.audit import main

CLEAN = {
    "interactions": [
        {
            "request": {
                "method": "POST",
                "uri": "https://tenant.auth0.invalid/oauth/token",
                "body": "grant_type=client_credentials&client_id=replayabc&client_secret="
                + placeholders.PLACEHOLDER_CLIENT_SECRET,
                "headers": {"content-type": ["application/x-www-form-urlencoded"]},
            },
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"content-type": ["application/json"]},
                "body": {
                    "string": '{"access_token":"'
                    + placeholders.placeholder_token("tenant.auth0.invalid", "replayabc", ["a:b"])
                    + '","grant_types":["authorization_code"],"token_type":"Bearer"}'
                },
            },
        }
    ],
    "version": 1,
}


def foreign_jwt() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode({"iss": "https://dev-x.eu.auth0.com/", "scope": "a"}, key, "RS256")


def write(tmp_path: Path, data: object, name: str = "c.yaml") -> Path:
    path = tmp_path / "cassettes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def planted(kind: str) -> dict[str, object]:
    data = yaml.safe_load(yaml.safe_dump(CLEAN))
    request = data["interactions"][0]["request"]
    response = data["interactions"][0]["response"]
    if kind == "authorization header":
        request["headers"]["Authorization"] = ["Bearer x"]
    elif kind == "basic":
        creds = base64.b64encode(b"client:s3cret-value").decode()
        request["body"] = f"note=Basic {creds}"
    elif kind == "client secret json":
        response["body"]["string"] = '{"client_id":"x","client_secret":"abcdef123456"}'
    elif kind == "client secret escaped json":
        response["body"]["string"] = '{\\"client_secret\\":\\"abcdef123456\\"}'
    elif kind == "client secret form":
        request["body"] = "client_id=x&client_secret=abc%2Fdef"
    elif kind == "client secret url-encoded json":
        request["body"] = "payload=%7B%22client_secret%22%3A%22abcdef%22%7D"
    elif kind == "foreign jwt":
        response["body"]["string"] = '{"access_token":"' + foreign_jwt() + '"}'
    elif kind == "replay-kid jwt with another signature":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = jwt.encode({"a": 1}, key, "RS256", headers={"kid": placeholders.REPLAY_KID})
        request["body"] = forged
    elif kind == "opaque refresh token":
        response["body"]["string"] = '{"refresh_token":"v1.MaybeReal-123456"}'
    elif kind == "cookie":
        response["headers"]["Set-Cookie"] = ["did=abc"]
    elif kind == "gzip body":
        response["body"]["string"] = gzip.compress(b'{"client_secret":"abcdef123456"}')
    elif kind == "base64 json api key":
        # Starts "eyJ" like a JWT, but is none: judged by entropy like any other value.
        key = base64.b64encode(b'{"k":"9fQ2xZ7wL3mN8pR4","v":2}').decode()
        response["body"]["string"] = '{"app_metadata":{"apiKey":"' + key + '"}}'
    elif kind == "opaque token starting eyJ":
        response["body"]["string"] = '{"refresh_token":"eyJpbmZvIjoxfQ-v1.Opaque-98765"}'
    return data


KINDS = [
    ("authorization header", "an Authorization header in interaction 1 request"),
    ("basic", "HTTP Basic credentials"),
    ("client secret json", "a client_secret value"),
    ("client secret escaped json", "a client_secret value"),
    ("client secret form", "a client_secret value"),
    ("client secret url-encoded json", "a client_secret value"),
    ("foreign jwt", "a JWT not signed by the replay key"),
    ("replay-kid jwt with another signature", "a JWT not signed by the replay key"),
    ("opaque refresh token", "an opaque refresh_token"),
    ("cookie", "a Set-Cookie header in interaction 1 response"),
    ("gzip body", "a client_secret value in a binary body of interaction 1"),
    ("base64 json api key", "a high-entropy value in field apiKey"),
    ("opaque token starting eyJ", "an opaque refresh_token"),
]


def test_clean_cassettes_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, CLEAN)
    write(tmp_path, CLEAN, "sub/d.yaml")
    assert main([str(tmp_path / "cassettes")]) == 0
    assert "audit: 2 cassette(s) checked, no secret found." in capsys.readouterr().out


@pytest.mark.parametrize(("kind", "expected"), KINDS, ids=[k for k, _ in KINDS])
def test_finds_each_kind_of_planted_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, expected: str
) -> None:
    path = write(tmp_path, planted(kind))
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:" in out
    assert expected in out
    assert "abcdef123456" not in out
    assert "s3cret-value" not in out


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


@pytest.mark.e2e  # runs a subprocess: the slow tier
def test_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, planted("foreign jwt"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m", "audit", str(path.parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "a JWT not signed by the replay key" in run.stdout


def test_a_clients_refresh_token_settings_are_not_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GET /clients answers each client's refresh_token *settings*, an object; a string there
    # would be a token and is still found.
    data = yaml.safe_load(yaml.safe_dump(CLEAN))
    body = '{"client_id":"x","refresh_token":{"rotation_type":"non-rotating","leeway":0}}'
    data["interactions"][0]["response"]["body"]["string"] = body
    path = write(tmp_path, data)
    assert main([str(path)]) == 0, capsys.readouterr().out
    data["interactions"][0]["response"]["body"]["string"] = '{"refresh_token":"v1.MRabcdef1234"}'
    write(tmp_path, data)
    assert main([str(path)]) == 1
    assert "an opaque refresh_token" in capsys.readouterr().out
