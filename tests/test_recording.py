"""Redaction, tenant rewrite and the secret guard, as pure functions over vcrpy's data."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from vcr.request import Request
from vcr.serializers import yamlserializer

from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.cassettes import placeholders
from pytest_auth0_m2m.cassettes.guard import (
    CassetteSecretError,
    GuardedPersister,
    guard,
    secret_forms,
)
from pytest_auth0_m2m.cassettes.redaction import INTERNAL_HEADER, Redactor
from pytest_auth0_m2m.cassettes.registry import Secret, SecretRegistry

DOMAIN = "dev-x.eu.auth0.com"
SECRET = "Xq7/s+e=c&r%e t-" + "k" * 40  # characters that URL-encoding and base64 change
CLIENT_ID = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
SCOPES = frozenset({"read:users"})


def real_token(client_id: str = CLIENT_ID, domain: str = DOMAIN) -> str:
    """A token as the tenant would issue it, signed by a key that is not the replay key."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "iss": f"https://{domain}/",
        "sub": f"{client_id}@clients",
        "aud": f"https://{domain}/api/v2/",
        "iat": 1_800_000_000,
        "exp": 1_800_086_400,
        "scope": "read:users",
        "gty": "client-credentials",
        "azp": client_id,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "tenant-key"})


@pytest.fixture
def registry() -> SecretRegistry:
    registry = SecretRegistry()
    registry.add_tenant(DOMAIN)
    registry.add_app(SCOPES, CLIENT_ID, SECRET)
    return registry


@pytest.fixture
def redactor(registry: SecretRegistry) -> Redactor:
    return Redactor.for_registry(registry)


def response(
    body: Any, content_type: str = "application/json", status: int = 200
) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {
        "status": {"code": status, "message": "OK"},
        "headers": {
            "Content-Type": [content_type],
            "X-RateLimit-Limit": ["50"],
            "X-RateLimit-Remaining": ["49"],
            "Set-Cookie": ["did=s%3Asecret-cookie; Path=/"],
            "Date": ["Mon, 01 Jan 2024 00:00:00 GMT"],
        },
        "body": {"string": raw},
    }


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "text/plain",
        "application/vnd.auth0+json; charset=latin-1",
    ],
)
def test_client_secret_in_json_of_any_content_type_and_nested(
    redactor: Redactor, content_type: str
) -> None:
    body = {"client_id": CLIENT_ID, "client_secret": SECRET, "app": {"client_secret": SECRET}}
    request = Request(
        "POST",
        f"https://{DOMAIN}/oauth/token",
        json.dumps(body).encode("latin-1" if "latin" in content_type else "utf-8"),
        {"Content-Type": content_type},
    )
    redacted = redactor.request(request)
    assert redacted is not None
    sent = json.loads(redacted.body)
    assert sent["client_secret"] == placeholders.PLACEHOLDER_CLIENT_SECRET
    assert sent["app"]["client_secret"] == placeholders.PLACEHOLDER_CLIENT_SECRET
    assert sent["client_id"] == placeholders.placeholder_client_id(SCOPES)
    assert redacted.uri == f"https://{RECORDINGS_DOMAIN}/oauth/token"
    assert SECRET.encode() not in redacted.body
    # The original is untouched: redaction returns a copy.
    assert json.loads(request.body)["client_secret"] == SECRET


def test_form_body_secret_and_url_encoded_tenant(redactor: Redactor) -> None:
    form = (
        f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={quote(SECRET)}"
        f"&audience={quote(f'https://{DOMAIN}/api/v2/', safe='')}"
    )
    request = Request(
        "POST",
        f"https://{DOMAIN}/oauth/token",
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Host": DOMAIN},
    )
    redacted = redactor.request(request)
    assert redacted is not None
    body = redacted.body.decode()
    assert quote(SECRET) not in body
    assert SECRET not in body
    assert f"client_secret={placeholders.PLACEHOLDER_CLIENT_SECRET}" in body
    assert "dev-x" not in body
    assert quote(f"https://{RECORDINGS_DOMAIN}/api/v2/", safe="") in body


def test_basic_auth_and_bearer_headers_dropped_and_guarded() -> None:
    registry = SecretRegistry()
    token = real_token()
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    for authorization in (f"Basic {basic}", f"Bearer {token}"):
        request = Request(
            "POST",
            f"https://{DOMAIN}/oauth/token",
            b"",
            {"Authorization": authorization, "Cookie": "a=b", "Content-Type": "x/y"},
        )
        redacted = Redactor.for_registry(registry).request(request)
        assert redacted is not None
        assert {k.lower() for k in redacted.headers} == {"content-type"}
    known = {secret.value for secret in registry.secrets()}
    assert SECRET in known
    assert token in known


def test_plugin_traffic_is_never_recorded(redactor: Redactor) -> None:
    for headers in ({INTERNAL_HEADER: "1"}, {"User-Agent": "pytest-auth0-m2m"}):
        assert redactor.request(Request("GET", f"https://{DOMAIN}/x", b"", headers)) is None
    kept = redactor.request(Request("GET", f"https://{DOMAIN}/x", b"", {"User-Agent": "me"}))
    assert kept is not None


def test_response_headers_allowlist(redactor: Redactor) -> None:
    redacted = redactor.response(response({"ok": True}))
    assert redacted is not None
    assert list(redacted["headers"]) == ["Content-Type"]


def test_user_can_keep_more_headers_but_never_credentials(registry: SecretRegistry) -> None:
    redactor = Redactor.for_registry(registry, response_headers=["X-RateLimit-Limit", "Set-Cookie"])
    redacted = redactor.response(response({"ok": True}))
    assert redacted is not None
    assert sorted(redacted["headers"]) == ["Content-Type", "X-RateLimit-Limit"]


def test_token_response_gets_a_replay_signed_placeholder_with_the_same_claims(
    redactor: Redactor, registry: SecretRegistry
) -> None:
    token = real_token()
    body = {"access_token": token, "id_token": token, "refresh_token": "opaque-" + "r" * 30}
    redacted = redactor.response(response(body, "application/json; charset=utf-8"))
    assert redacted is not None
    sent = json.loads(redacted["body"]["string"])
    placeholder = sent["access_token"]
    assert placeholders.is_replay_token(placeholder)
    assert jwt.get_unverified_header(placeholder)["kid"] == placeholders.REPLAY_KID
    claims = placeholders.unverified_claims(placeholder)
    fake_id = placeholders.placeholder_client_id(SCOPES)
    assert claims == {
        "iss": f"https://{RECORDINGS_DOMAIN}/",
        "sub": f"{fake_id}@clients",
        "aud": f"https://{RECORDINGS_DOMAIN}/api/v2/",
        "iat": placeholders.PLACEHOLDER_IAT,
        "exp": placeholders.PLACEHOLDER_EXP,
        "scope": "read:users",
        "gty": "client-credentials",
        "azp": fake_id,
    }
    assert placeholders.is_replay_token(sent["id_token"])
    assert sent["refresh_token"] == placeholders.PLACEHOLDER_OPAQUE_TOKEN
    known = {secret.value for secret in registry.secrets()}
    assert token in known
    assert "opaque-" + "r" * 30 in known


def test_management_response_client_secret_and_tenant_name(redactor: Redactor) -> None:
    body = [{"client_id": "other", "client_secret": "s" * 64, "tenant": "dev-x", "name": "a"}]
    redacted = redactor.response(response(body))
    assert redacted is not None
    assert json.loads(redacted["body"]["string"]) == [
        {
            "client_id": "other",
            "client_secret": placeholders.PLACEHOLDER_CLIENT_SECRET,
            "tenant": "tenant",
            "name": "a",
        }
    ]


def test_gzip_response_is_decoded_then_redacted(redactor: Redactor) -> None:
    raw = gzip.compress(json.dumps({"client_secret": SECRET}).encode())
    compressed = response(raw)
    compressed["headers"]["Content-Encoding"] = ["gzip"]
    redacted = redactor.response(compressed)
    assert redacted is not None
    assert "Content-Encoding" not in redacted["headers"]
    assert json.loads(redacted["body"]["string"])["client_secret"] == (
        placeholders.PLACEHOLDER_CLIENT_SECRET
    )


def test_a_429_is_dropped_when_recorded_unless_it_was_the_answer(redactor: Redactor) -> None:
    limited = response({"error": "too_many_requests"}, status=429)
    assert redactor.response(limited) is None  # a retried one (or another client's)
    kept = redactor.response(limited, keep_rate_limited=True)  # handed to the test as is
    assert kept is not None
    assert kept["status"]["code"] == 429
    # Written, a cassette keeps what recording kept: the 429 was decided on then.
    request = Request("GET", f"https://{DOMAIN}/api/v2/clients", b"", {})
    cassette = redactor.cassette(
        {
            "requests": [request, request],
            "responses": [response({}, status=429), response([], status=200)],
        }
    )
    assert [r["status"]["code"] for r in cassette["responses"]] == [429, 200]


def test_tenant_rewrite_in_every_form() -> None:
    registry = SecretRegistry()
    registry.add_tenant("localhost:8443", "https://localhost:8443")
    rewrite = registry.rewriter()
    text = (
        "https://localhost:8443/api/v2/ http://127.0.0.1:8443/x "
        "https%3A%2F%2Flocalhost%3A8443%2Fapi%2Fv2%2F https:\\/\\/localhost:8443\\/ "
        "localhost:84430 LOCALHOST:8443"
    )
    assert rewrite(text) == (
        f"https://{RECORDINGS_DOMAIN}/api/v2/ https://{RECORDINGS_DOMAIN}/x "
        f"https%3A%2F%2F{RECORDINGS_DOMAIN}%2Fapi%2Fv2%2F https:\\/\\/{RECORDINGS_DOMAIN}\\/ "
        f"localhost:84430 {RECORDINGS_DOMAIN}"
    )


def test_redaction_is_idempotent(redactor: Redactor) -> None:
    request = Request(
        "POST",
        f"https://{DOMAIN}/oauth/token",
        json.dumps({"client_secret": SECRET}).encode(),
        {"Content-Type": "application/json"},
    )
    first = redactor.cassette(
        {"requests": [request], "responses": [response({"access_token": real_token()})]}
    )
    second = redactor.cassette(first)
    assert yamlserializer.serialize(
        {"r": [r._to_dict() for r in first["requests"]], "s": first["responses"]}
    ) == yamlserializer.serialize(
        {"r": [r._to_dict() for r in second["requests"]], "s": second["responses"]}
    )


def _cassette_with(body: bytes, uri: str = f"https://{RECORDINGS_DOMAIN}/x") -> dict[str, Any]:
    request = Request("POST", uri, body, {"Content-Type": "text/plain"})
    return {"requests": [request], "responses": [response({"ok": True})]}


@pytest.mark.parametrize(
    ("encoded", "form"),
    [
        (SECRET, "plain"),
        (quote(SECRET, safe=""), "URL-encoded"),
        (json.dumps(SECRET)[1:-1], "plain"),
        (base64.b64encode(SECRET.encode()).decode(), "base64"),
        (base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode(), "base64"),
        (base64.b64encode(f"x:{SECRET}".encode()).decode(), "base64"),
        (base64.urlsafe_b64encode(f"ab:{SECRET}".encode()).decode(), "base64"),
    ],
)
def test_guard_finds_a_known_secret_in_any_form(
    registry: SecretRegistry, encoded: str, form: str
) -> None:
    cassette = _cassette_with(f"note: {encoded} end".encode())
    findings = guard(cassette, yamlserializer, registry.secrets())
    assert findings, encoded
    assert findings[0].what == "the client secret of the app for {read:users}"
    assert findings[0].form.startswith(form.rstrip("url"))
    assert "interaction 1 (POST https://tenant.auth0.invalid/x) request body" in str(findings[0])


def test_guard_sees_through_yaml_folding_and_gzip(registry: SecretRegistry) -> None:
    spaced = "word " * 30 + SECRET + " word" * 30
    cassette = _cassette_with(spaced.encode())
    cassette["responses"][0]["body"]["string"] = gzip.compress(SECRET.encode())
    findings = guard(cassette, yamlserializer, registry.secrets())
    wheres = {f.where.rsplit(" ", 2)[-2] + " " + f.where.rsplit(" ", 1)[-1] for f in findings}
    assert {"request body", "response body"} <= wheres


def test_guard_knows_tenant_issued_tokens_without_being_told() -> None:
    registry = SecretRegistry()
    registry.add_tenant(DOMAIN)
    token = real_token()
    findings = guard(
        _cassette_with(token.encode()), yamlserializer, registry.secrets(), registry.tenant_hosts()
    )
    assert [f.what for f in findings] == ["an access token issued by the tenant"]
    placeholder = placeholders.placeholder_for(token, registry.rewriter())
    assert not guard(
        _cassette_with(placeholder.encode()),
        yamlserializer,
        registry.secrets(),
        registry.tenant_hosts(),
    )


def test_guarded_persister_writes_nothing_and_names_the_place(
    registry: SecretRegistry, tmp_path: Any
) -> None:
    written: list[str] = []

    class Inner:
        @staticmethod
        def save_cassette(path: str, cassette_dict: Any, serializer: Any) -> None:
            written.append(path)

    errors: list[CassetteSecretError] = []
    persister = GuardedPersister(Inner(), registry, on_leak=errors.append)
    target = str(tmp_path / "c.yaml")
    persister.save_cassette(target, _cassette_with(quote(SECRET).encode()), yamlserializer)
    assert written == []
    message = str(errors[0])
    assert f"refused to write cassette {target}" in message
    assert "the client secret of the app for {read:users} (URL-encoded) in interaction 1" in message
    assert SECRET not in message
    assert quote(SECRET) not in message

    persister.save_cassette(target, _cassette_with(b"clean"), yamlserializer)
    assert written == [target]


def test_secret_forms_never_empty_and_long_enough() -> None:
    forms = secret_forms(SECRET)
    assert {form for form, _ in forms} >= {"plain", "URL-encoded", "base64"}
    assert all(len(text) >= 6 for _, text in forms)


def test_a_secret_repr_names_it_without_its_value() -> None:
    text = repr(Secret(SECRET, "the provisioner's client secret"))
    assert "the provisioner's client secret" in text
    assert SECRET not in text


def test_a_finding_shows_the_url_without_user_info_or_query(registry: SecretRegistry) -> None:
    uri = f"https://bob:hunter2hunter2@{RECORDINGS_DOMAIN}/x?q=1"
    findings = guard(_cassette_with(SECRET.encode(), uri), yamlserializer, registry.secrets())
    text = "\n".join(str(f) for f in findings)
    assert f"(POST https://{RECORDINGS_DOMAIN}/x) request body" in text
    assert "hunter2" not in text
    assert "q=1" not in text
