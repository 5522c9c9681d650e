"""The replay key's RS256 in pure Python agrees with cryptography and PyJWT, byte for byte,
and a replay session loads neither."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pytest_auth0_m2m.cassettes import placeholders, replay_rsa

pytest_plugins = ["pytester"]


def _crypto_key() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(
        placeholders.REPLAY_PRIVATE_KEY_PEM.encode(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def test_the_key_numbers_are_cryptographys() -> None:
    ours = replay_rsa.load_pkcs8_pem(placeholders.REPLAY_PRIVATE_KEY_PEM)
    numbers = _crypto_key().private_numbers()
    public = numbers.public_numbers
    assert (ours.n, ours.e, ours.d, ours.p, ours.q) == (
        public.n,
        public.e,
        numbers.d,
        numbers.p,
        numbers.q,
    )
    assert (ours.dp, ours.dq, ours.qinv) == (numbers.dmp1, numbers.dmq1, numbers.iqmp)


@pytest.mark.parametrize("message", [b"", b"a", b"x" * 5000, bytes(range(256))])
def test_signatures_are_cryptographys(message: bytes) -> None:
    key = replay_rsa.load_pkcs8_pem(placeholders.REPLAY_PRIVATE_KEY_PEM)
    expected = _crypto_key().sign(message, padding.PKCS1v15(), hashes.SHA256())
    signature = replay_rsa.sign(key, message)
    assert replay_rsa.b64url_decode(signature) == expected
    assert replay_rsa.verify(key, message, signature)
    assert not replay_rsa.verify(key, message + b"!", signature)


def test_a_token_is_the_one_pyjwt_makes_and_pyjwt_verifies_it() -> None:
    claims = placeholders.token_claims("tenant.auth0.invalid", "replayabc", ["read:users"])
    expected = jwt.encode(
        claims,
        _crypto_key(),
        algorithm="RS256",
        headers={"kid": placeholders.REPLAY_KID, "typ": "JWT"},
    )
    token = placeholders.sign(claims)
    assert token == expected
    assert (
        jwt.decode(token, _crypto_key().public_key(), algorithms=["RS256"], audience=claims["aud"])
        == claims
    )
    assert placeholders.unverified_claims(token) == claims
    assert placeholders.is_replay_token(token)


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_what_is_not_a_replay_token() -> None:
    token = placeholders.placeholder_token("tenant.auth0.invalid", "replayabc", ["read:users"])
    head, body, signature = token.split(".")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({"a": 1}, other, "RS256", headers={"kid": placeholders.REPLAY_KID})
    flipped = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    for value in (
        forged,
        f"{head}.{body}.{flipped}",
        f"{head}.{_b64({'scope': 'everything'})}.{signature}",  # claims changed
        f"{_b64({'alg': 'HS256', 'kid': placeholders.REPLAY_KID})}.{body}.{signature}",
        f"{head}.{body}",
        f"{head}.{body}.{signature}.x",
        f"{head}.{_b64([1, 2])}.{signature}",  # claims not an object
        "not.a.jwt",
        "é.é.é",
        "",
    ):
        assert not placeholders.is_replay_token(value), value
    assert placeholders.unverified_claims(f"{head}.{_b64([1, 2])}.{signature}") is None
    assert placeholders.unverified_claims("é.é.é") is None
    # Claims are read without checking the signature, as PyJWT's verify_signature=False does.
    assert placeholders.unverified_claims(forged) == {"a": 1}


REPLAYED = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_lists_users(mgmt_client, mgmt_token):
    assert mgmt_client.get("users").status_code == 200
"""

MODULES_CONFTEST = """
import json, sys


def pytest_unconfigure(config):
    with open("loaded-modules.json", "w") as f:
        json.dump(sorted(sys.modules), f)
"""


@pytest.mark.e2e  # runs a subprocess: the slow tier
def test_a_replay_session_loads_no_pyjwt_cryptography_or_filelock(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_app=REPLAYED)
    pytester.runpytest_subprocess(
        "--auth0-fake", "--record-mode=once", "-p", "no:cacheprovider"
    ).assert_outcomes(passed=1)
    pytester.makeconftest(MODULES_CONFTEST)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    result = pytester.runpytest_subprocess("--block-network", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    loaded = json.loads(Path(pytester.path / "loaded-modules.json").read_text())
    # The test did run on the plugin (its token was signed and its cassette checked) ...
    assert "pytest_auth0_m2m.cassettes.placeholders" in loaded
    assert "pytest_auth0_m2m.cassettes.guard" in loaded
    # ... without the libraries a replay does not need (about 10 MiB between them).
    heavy = {name.split(".")[0] for name in loaded} & {"jwt", "cryptography", "filelock"}
    assert heavy == set()
