"""Application signing keys (/keys/signing) over real HTTP: the keys the emulator signs with, as
TestAccDataSourceSigningKeys.yaml and the spec show them; rotation and revocation as Auth0's
docs describe them (Rotate Signing Keys, Revoke Signing Keys), seen through the tokens and the
JWKS."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from fake_helpers import bearer, make_app, token_request

from pytest_auth0_m2m.fake import FakeAuth0

KEYS = "/api/v2/keys/signing"
# TestAccDataSourceSigningKeys.yaml: a key's fields, in this order
RECORDED_KEYS = [
    "kid",
    "cert",
    "pkcs7",
    "current",
    "next",
    "previous",
    "fingerprint",
    "thumbprint",
    "revoked",
]


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, "read:signing_keys", "create:signing_keys", "update:signing_keys")


def _jwks_kids(fake: FakeAuth0) -> list[str]:
    return [k["kid"] for k in httpx.get(fake.jwks_url).json()["keys"]]


def _signed_by(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_a_fresh_tenant_lists_its_current_and_next_key_with_real_certificates(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    listed = http.get(KEYS, headers=_h(fake))
    assert listed.status_code == 200
    current, upcoming = listed.json()
    # TestAccDataSourceSigningKeys.yaml: these keys, these flags, in this order
    assert list(current) == list(upcoming) == RECORDED_KEYS
    assert (current["current"], current["next"], current["revoked"]) == (True, False, False)
    assert (upcoming["current"], upcoming["next"], upcoming["revoked"]) == (False, True, False)
    jwks = {k["kid"]: k for k in httpx.get(fake.jwks_url).json()["keys"]}
    for key in (current, upcoming):
        assert re.fullmatch(r"[A-Za-z0-9]{21}", key["kid"])
        assert "\r\n" in key["cert"]  # the spec's examples: PEM with CRLF line ends
        cert = x509.load_pem_x509_certificate(key["cert"].encode())
        der = cert.public_bytes(serialization.Encoding.DER)
        sha1 = hashlib.sha1(der).hexdigest().upper()
        assert key["thumbprint"] == sha1
        assert key["fingerprint"] == ":".join(re.findall("..", sha1))
        (in_pkcs7,) = pkcs7.load_pem_pkcs7_certificates(key["pkcs7"].encode())
        assert in_pkcs7 == cert
        # the certificate is the one the JWKS publishes for the same kid
        assert jwks[key["kid"]]["x5c"] == [base64.b64encode(der).decode()]
    # tokens are signed by the current key, and the JWKS lists current then next
    assert _signed_by(fake.issue_token("c", ["read:users"])) == current["kid"]
    assert _jwks_kids(fake) == [current["kid"], upcoming["kid"]]
    one = http.get(f"{KEYS}/{current['kid']}", headers=_h(fake))
    assert one.status_code == 200
    assert one.json() == current


def test_an_unknown_kid_is_404(fake: FakeAuth0, http: httpx.Client) -> None:
    assert http.get(f"{KEYS}/nosuchkid", headers=_h(fake)).status_code == 404
    assert http.put(f"{KEYS}/nosuchkid/revoke", headers=_h(fake)).status_code == 404


def test_rotation_makes_the_next_key_sign_and_keeps_the_old_one_valid(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    old, upcoming = http.get(KEYS, headers=_h(fake)).json()
    old_token = fake.issue_token("c", ["read:signing_keys"])
    rotated = http.post(f"{KEYS}/rotate", headers=_h(fake))
    assert rotated.status_code == 201
    assert rotated.json() == {"cert": upcoming["cert"], "kid": upcoming["kid"]}
    after = {k["kid"]: k for k in http.get(KEYS, headers=_h(fake)).json()}
    assert [k for k, v in after.items() if v["current"]] == [upcoming["kid"]]
    assert after[old["kid"]]["current"] is False
    assert "current_until" in after[old["kid"]]
    assert "current_since" in after[upcoming["kid"]]
    (fresh,) = [k for k, v in after.items() if v["next"]]
    assert fresh not in (old["kid"], upcoming["kid"])
    # tokens minted from now on are signed by the new current key, the token endpoint's too
    assert _signed_by(fake.issue_token("c", ["read:users"])) == upcoming["kid"]
    client_id, secret = make_app(fake, ["read:users"])
    issued = httpx.post(fake.token_url, json=token_request(fake, client_id, secret))
    assert _signed_by(issued.json()["access_token"]) == upcoming["kid"]
    # the JWKS: current, next, and the previous one (not revoked)
    assert _jwks_kids(fake) == [upcoming["kid"], fresh, old["kid"]]
    # "tokens signed with the previous key will still be valid until you revoke" it
    previous_ok = http.get(KEYS, headers={"Authorization": f"Bearer {old_token}"})
    assert previous_ok.status_code == 200


def test_only_a_previous_key_is_revoked_and_its_tokens_are_refused(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    old, upcoming = http.get(KEYS, headers=_h(fake)).json()
    old_token = fake.issue_token("c", ["read:signing_keys"])
    for kid in (old["kid"], upcoming["kid"]):  # current and next: not revocable
        assert http.put(f"{KEYS}/{kid}/revoke", headers=_h(fake)).status_code == 400
    assert http.post(f"{KEYS}/rotate", headers=_h(fake)).status_code == 201
    revoked = http.put(f"{KEYS}/{old['kid']}/revoke", headers=_h(fake))
    assert revoked.status_code == 200
    assert revoked.json() == {"cert": old["cert"], "kid": old["kid"]}
    shown = http.get(f"{KEYS}/{old['kid']}", headers=_h(fake)).json()
    assert shown["revoked"] is True
    assert "revoked_at" in shown
    assert old["kid"] not in _jwks_kids(fake)
    refused = http.get(KEYS, headers={"Authorization": f"Bearer {old_token}"})
    assert refused.status_code == 401
    assert http.put(f"{KEYS}/{old['kid']}/revoke", headers=_h(fake)).status_code == 400
    assert http.get(KEYS, headers=_h(fake)).status_code == 200  # the new key's tokens work


def test_a_restore_rewinds_rotation_and_revocation(fake: FakeAuth0, http: httpx.Client) -> None:
    old, _ = http.get(KEYS, headers=_h(fake)).json()
    old_token = fake.issue_token("c", ["read:signing_keys"])
    point = fake.checkpoint()
    http.post(f"{KEYS}/rotate", headers=_h(fake))
    rotated_token = fake.issue_token("c", ["read:signing_keys"])
    http.put(f"{KEYS}/{old['kid']}/revoke", headers=_h(fake))
    assert http.get(KEYS, headers={"Authorization": f"Bearer {old_token}"}).status_code == 401
    fake.restore(point)
    assert http.get(KEYS, headers={"Authorization": f"Bearer {old_token}"}).status_code == 200
    assert _signed_by(fake.issue_token("c", ["read:users"])) == old["kid"]
    # a token signed after the checkpoint still verifies: the emulator made its key
    assert http.get(KEYS, headers={"Authorization": f"Bearer {rotated_token}"}).status_code == 200
    assert set(http.get(f"{KEYS}/{old['kid']}", headers=_h(fake)).json()) == set(RECORDED_KEYS)
