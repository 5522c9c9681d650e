"""The emulator's RSA signing keys, by key id: what signs its tokens and what /keys/signing shows.

An Auth0 tenant always has a current key (it signs) and a next key (the one a rotation makes
current); a rotation also makes a new next key, and the old current one stays valid until it is
revoked (auth0.com/docs, Rotate Signing Keys / Revoke Signing Keys). Which key is which is tenant
state (``Tenant.signing_keys``: checkpointed and restored like every table); the key material
lives here, outside that state, so a restore never loses a key a token was signed with.

Generating an RSA key is the costly part: a key id is handed out at once and its key made on first
use (most emulators never show or sign with their next key).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

from .common import random_id

# Auth0's key ids are 21 characters (the spec's example, the recorded ones).
KID_LENGTH = 21


def _crlf(pem: bytes) -> str:
    # Auth0 answers PEM text with CRLF line ends (the spec's examples of cert and pkcs7).
    return pem.decode("ascii").strip().replace("\n", "\r\n")


@dataclass(frozen=True)
class SigningKey:
    """One key pair and the public views of it Auth0 publishes."""

    kid: str
    private: rsa.RSAPrivateKey
    public: rsa.RSAPublicKey
    cert_pem: str
    pkcs7_pem: str
    # SHA-1 of the certificate: "AA:BB:..." (fingerprint) and "AABB..." (thumbprint), as the
    # spec's examples of both show.
    fingerprint: str
    thumbprint: str
    jwk: dict[str, Any]

    @classmethod
    def generate(cls, kid: str, domain: str) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = private.public_key()
        # Auth0's signing certificates name the tenant: subject /CN={domain}.
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
        now = _dt.datetime.now(_dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=3650))
            .sign(private, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        sha1 = hashlib.sha1(der).digest()
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        return cls(
            kid=kid,
            private=private,
            public=public,
            cert_pem=_crlf(cert.public_bytes(serialization.Encoding.PEM)),
            pkcs7_pem=_crlf(pkcs7.serialize_certificates([cert], serialization.Encoding.PEM)),
            fingerprint=":".join(f"{b:02X}" for b in sha1),
            thumbprint=sha1.hex().upper(),
            jwk={
                "kty": jwk["kty"],
                "use": "sig",
                "n": jwk["n"],
                "e": jwk["e"],
                "kid": kid,
                "x5t": base64.urlsafe_b64encode(sha1).rstrip(b"=").decode(),
                "x5c": [base64.b64encode(der).decode("ascii")],
                "alg": "RS256",
            },
        )


class Keyring:
    """Every key one emulator ever made, by kid; keys made on first use, once (thread-safe)."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self._keys: dict[str, SigningKey | None] = {}
        self._lock = threading.Lock()
        # The tenant's first current key signs at once: made now, as the emulator starts.
        self.first = self.allocate()
        self.key(self.first)
        self.first_next = self.allocate()

    def allocate(self) -> str:
        """A new key id; its key is made when first needed."""
        with self._lock:
            kid = random_id(KID_LENGTH)
            while kid in self._keys:
                kid = random_id(KID_LENGTH)
            self._keys[kid] = None
            return kid

    def __contains__(self, kid: object) -> bool:
        with self._lock:
            return kid in self._keys

    def key(self, kid: str) -> SigningKey:
        """The key ``kid`` names (KeyError for a kid this keyring never handed out)."""
        with self._lock:
            found = self._keys[kid]
            if found is None:
                found = self._keys[kid] = SigningKey.generate(kid, self.domain)
            return found
