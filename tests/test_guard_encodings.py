"""The guard finds a known secret in every encoding a cassette can hold, and nothing else."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from vcr.persisters.filesystem import CassetteNotFoundError, FilesystemPersister
from vcr.request import Request
from vcr.serializers import jsonserializer, yamlserializer

from pytest_auth0_m2m.cassettes import placeholders
from pytest_auth0_m2m.cassettes.guard import (
    GuardedPersister,
    UnreadableCassette,
    guard,
    needles,
    text_views,
)
from pytest_auth0_m2m.cassettes.registry import Secret, SecretRegistry

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0." + "Sig-n4tur3_" * 12
CLIENT_SECRET = "Zq8/kP+w=Lr_3vT-9uYx2mNbC4dE5fGh6jKl7"
SECRETS = [Secret(TOKEN, "the test's access token"), Secret(CLIENT_SECRET, "a client secret")]


def _b64(prefix: bytes, value: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(prefix + value.encode() + b" tail").decode()


def _mime(value: str) -> str:
    return base64.encodebytes(b"header bytes " + value.encode() * 3).decode()


TEXT_ENCODINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda v: v,
    "URL-encoded": lambda v: quote(v, safe=""),
    "URL-encoded every character": lambda v: "".join(f"%{b:02X}" for b in v.encode()),
    "JSON-escaped": lambda v: json.dumps(v)[1:-1].replace("/", "\\/"),
    "JSON \\u escapes": lambda v: "".join(f"\\u{ord(c):04x}" for c in v),
    "base64 offset 0": lambda v: _b64(b"", v),
    "base64 offset 1": lambda v: _b64(b"x", v),
    "base64 offset 2": lambda v: _b64(b"xy", v),
    "base64url offset 0": lambda v: _b64(b"", v, urlsafe=True),
    "base64url offset 1": lambda v: _b64(b"x", v, urlsafe=True),
    "base64url offset 2": lambda v: _b64(b"xy", v, urlsafe=True),
    "MIME base64": _mime,
    "MIME base64, JSON-escaped": lambda v: json.dumps(_mime(v))[1:-1],
    "hex": lambda v: v.encode().hex(),
    "HEX": lambda v: v.encode().hex().upper(),
    "split by a line wrap": lambda v: v[:17] + "\n    " + v[17:],
    "split in two fields": lambda v: json.dumps({"a": v[: len(v) // 3], "b": v[len(v) // 3 :]}),
}

BINARY_ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "UTF-16 (BOM)": lambda v: json.dumps({"t": v}).encode("utf-16"),
    "UTF-16-LE": lambda v: json.dumps({"t": v}).encode("utf-16-le"),
    "UTF-16-BE": lambda v: json.dumps({"t": v}).encode("utf-16-be"),
    "UTF-32-LE": lambda v: json.dumps({"t": v}).encode("utf-32-le"),
    "UTF-32-BE": lambda v: json.dumps({"t": v}).encode("utf-32-be"),
    "gzip": lambda v: gzip.compress(json.dumps({"t": v}).encode()),
    "gzip of UTF-16": lambda v: gzip.compress(json.dumps({"t": v}).encode("utf-16")),
    "binary with the value inside": lambda v: b"\xff\xfe\x00\x81" + v.encode() + b"\x00\xff",
}


def cassette(request_body: Any = b"", response_body: Any = "ok", uri: str = "") -> dict[str, Any]:
    request = Request(
        "POST", uri or "https://tenant.auth0.invalid/api/v2/x", request_body, {"X-A": "1"}
    )
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/json"]},
        "body": {"string": response_body},
    }
    return {"requests": [request], "responses": [response]}


@pytest.mark.parametrize("serializer", [yamlserializer, jsonserializer], ids=["yaml", "json"])
@pytest.mark.parametrize("secret", SECRETS, ids=["token", "client secret"])
@pytest.mark.parametrize("encoding", list(TEXT_ENCODINGS))
def test_a_secret_in_a_text_body_is_found(encoding: str, secret: Secret, serializer: Any) -> None:
    body = "note: " + TEXT_ENCODINGS[encoding](secret.value) + " end"
    for data in (cassette(request_body=body.encode()), cassette(response_body=body)):
        findings = guard(data, serializer, SECRETS)
        assert [f.what for f in findings] == [secret.what], (encoding, findings)
        assert secret.value not in "\n".join(str(f) for f in findings)


@pytest.mark.parametrize("secret", SECRETS, ids=["token", "client secret"])
@pytest.mark.parametrize("encoding", list(BINARY_ENCODINGS))
def test_a_secret_in_a_binary_body_is_found(encoding: str, secret: Secret) -> None:
    body = BINARY_ENCODINGS[encoding](secret.value)
    for data in (cassette(request_body=body), cassette(response_body=body)):
        text = yamlserializer.serialize(
            {"interactions": [{"request": data["requests"][0]._to_dict()}]}
        )
        assert "!!binary" in text, "the case must really be a binary body"
        findings = guard(data, yamlserializer, SECRETS)
        assert [f.what for f in findings] == [secret.what], (encoding, findings)


def test_the_form_says_how_it_was_found() -> None:
    forms = {}
    for encoding in ("plain", "URL-encoded", "hex", "MIME base64", "split in two fields"):
        body = TEXT_ENCODINGS[encoding](CLIENT_SECRET).encode()
        forms[encoding] = guard(cassette(body), yamlserializer, SECRETS)[0].form
    assert forms["plain"] == "plain"
    assert forms["URL-encoded"] == "URL-encoded"
    assert forms["hex"] == "hex"
    assert "base64" in forms["MIME base64"]
    assert forms["split in two fields"] == "split in parts"


def test_a_secret_in_the_url_path_is_found_and_not_printed() -> None:
    data = cassette(uri=f"https://tenant.auth0.invalid/api/v2/users/{quote(CLIENT_SECRET)}")
    findings = guard(data, yamlserializer, SECRETS)
    assert findings
    text = "\n".join(str(f) for f in findings)
    assert CLIENT_SECRET not in text
    assert quote(CLIENT_SECRET, safe="") not in text


def test_clean_cassettes_have_no_finding() -> None:
    placeholder = placeholders.placeholder_token("tenant.auth0.invalid", "replayabc", ["a:b"])
    body = json.dumps({"access_token": placeholder, "client_secret": "REDACTED"})
    assert guard(cassette(body.encode(), body), jsonserializer, SECRETS) == []
    data = cassette(body.encode("utf-16"), gzip.compress(body.encode("utf-16")))
    assert guard(data, yamlserializer, SECRETS) == []
    # A short secret is searched whole only: its halves would match anything.
    assert all(form != "split in parts" for _, form in needles("abcdefghij"))


def test_views_undo_each_wrapping() -> None:
    views = dict(text_views("a%2Fb \\u0041"))
    assert "a/b \\u0041" in views.values()
    assert "a%2Fb A" in views.values()
    assert "a/bA" in views.values()


def test_guard_is_fast_on_a_clean_cassette() -> None:
    """Measured: 30 secrets over 40 interactions of 2 KB JSON each."""
    secrets = [Secret(f"{i:02d}" + CLIENT_SECRET * 2, f"secret {i}") for i in range(30)]
    body = json.dumps({"items": [{"id": f"u{i}", "name": "x" * 40} for i in range(30)]})
    data = cassette(body.encode(), body)
    data["requests"] = data["requests"] * 40
    data["responses"] = data["responses"] * 40
    guard(data, yamlserializer, secrets)  # needles are made once per secret and cached
    start = time.perf_counter()
    assert guard(data, yamlserializer, secrets) == []
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{elapsed:.3f} s"


def test_the_persister_makes_the_folder_before_vcrpy_can_race_for_it(tmp_path: Path) -> None:
    seen: list[bool] = []

    class Inner:
        @staticmethod
        def save_cassette(path: str, cassette_dict: Any, serializer: Any) -> None:
            # vcrpy's FilesystemPersister checks, then mkdirs without exist_ok: a race between
            # xdist workers unless the folder is already there.
            seen.append(Path(path).parent.is_dir())

    persister = GuardedPersister(Inner(), SecretRegistry())
    target = tmp_path / "a" / "b" / "c.yaml"
    (tmp_path / "a").mkdir()  # another worker made part of it already
    persister.save_cassette(str(target), cassette(b"clean"), yamlserializer)
    persister.save_cassette(str(target), cassette(b"clean"), yamlserializer)
    assert seen == [True, True]


@pytest.mark.parametrize("text", ["", "  \n", "- a list\n", "interactions: [", "{: :\n\t"])
def test_an_unreadable_cassette_is_reported_and_treated_as_missing(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    reported: list[UnreadableCassette] = []
    persister = GuardedPersister(
        FilesystemPersister, SecretRegistry(), on_unreadable=reported.append
    )
    with pytest.raises(CassetteNotFoundError):
        persister.load_cassette(str(path), yamlserializer)
    assert [r.path for r in reported] == [str(path)]
    # Without the callback (cassettes not the plugin's), vcrpy's behaviour is unchanged.
    plain = GuardedPersister(FilesystemPersister, SecretRegistry())
    with pytest.raises(Exception):  # noqa: B017 - whatever vcrpy raises
        plain.load_cassette(str(path), yamlserializer)


# --- Values under fields Auth0's specs mark secret --------------------------------------------

UNKNOWN_PASSWORD = "Unregistered-pass-7781"  # never registered: only the catalogue knows it


@pytest.mark.parametrize(
    ("uri", "request_body", "response_body", "field"),
    [
        (
            "https://tenant.auth0.invalid/api/v2/users",
            json.dumps({"email": "a@example.com", "password": UNKNOWN_PASSWORD}).encode(),
            "{}",
            "password",
        ),
        (
            "https://tenant.auth0.invalid/api/v2/tickets/password-change",
            b"{}",
            json.dumps({"ticket": f"https://t.example/lo/reset?ticket={UNKNOWN_PASSWORD}#"}),
            "ticket",
        ),
        (
            "https://tenant.auth0.invalid/api/v2/resource-servers",
            b"{}",
            json.dumps({"identifier": "https://api", "signing_secret": UNKNOWN_PASSWORD}),
            "signing_secret",
        ),
        (
            "https://tenant.auth0.invalid/api/v2/unknown-path",
            b"{}",
            json.dumps({"nested": {"recovery_code": UNKNOWN_PASSWORD}}),
            "nested.recovery_code",
        ),
    ],
    ids=["user password", "ticket URL", "signing secret", "unknown operation"],
)
def test_a_value_under_a_secret_field_is_refused_though_never_registered(
    uri: str, request_body: bytes, response_body: str, field: str
) -> None:
    findings = guard(cassette(request_body, response_body, uri=uri), yamlserializer, [])
    assert [f.what for f in findings] == [f"a value of Auth0's secret field {field}"]
    assert UNKNOWN_PASSWORD not in "\n".join(str(f) for f in findings)


def test_placeholders_under_secret_fields_pass() -> None:
    body = json.dumps(
        {
            "password": "REDACTED",
            "ticket": "https://tenant.auth0.invalid/lo/reset?ticket=REDACTED#",
            "signing_secret": "REDACTED",
        }
    )
    uri = "https://tenant.auth0.invalid/api/v2/users"
    assert guard(cassette(body.encode(), body, uri=uri), yamlserializer, []) == []
