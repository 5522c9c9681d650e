"""RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 8.2) for the public replay key, in Python.

Replay signs a placeholder token per scope set and the guard checks tokens it meets; doing that
with PyJWT and cryptography would load both (about 9 MiB, 60 modules) into every replay
session for one constant key. The key's numbers are read from its PEM once, and signing is
Python's ``pow`` with the CRT (about 2 ms a token). Nothing here is secret: the key is public,
so no constant-time care is needed. Only this key goes through here; the emulator's real
signing keeps using cryptography.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

# DER of DigestInfo { sha256, NULL } before the 32-byte hash (RFC 8017 9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


@dataclass(frozen=True)
class RsaKey:
    """An RSA private key's numbers."""

    n: int
    e: int
    d: int
    p: int
    q: int
    dp: int
    dq: int
    qinv: int

    @property
    def size(self) -> int:
        """The modulus length in bytes (k in RFC 8017)."""
        return (self.n.bit_length() + 7) // 8


def _der_read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, content, offset after it) of the DER element at ``at``."""
    tag = data[at]
    length = data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    return tag, data[at : at + length], at + length


def _der_sequence(data: bytes) -> list[tuple[int, bytes]]:
    tag, body, _ = _der_read(data, 0)
    if tag != 0x30:
        raise ValueError("not a DER SEQUENCE")
    items = []
    at = 0
    while at < len(body):
        item_tag, content, at = _der_read(body, at)
        items.append((item_tag, content))
    return items


def load_pkcs8_pem(pem: str) -> RsaKey:
    """An unencrypted PKCS#8 RSA private key (``BEGIN PRIVATE KEY``) as its numbers."""
    lines = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    outer = _der_sequence(base64.b64decode("".join(lines)))
    # PrivateKeyInfo: version, algorithm, privateKey (an OCTET STRING holding RSAPrivateKey).
    if len(outer) < 3 or outer[2][0] != 0x04:
        raise ValueError("not a PKCS#8 private key")
    numbers = [int.from_bytes(content, "big") for tag, content in _der_sequence(outer[2][1])]
    if len(numbers) < 9:
        raise ValueError("not an RSA private key")
    return RsaKey(*numbers[1:9])


def b64url(data: bytes) -> str:
    """base64url without padding, as JWS writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """base64url without padding, as JWS uses it; ValueError if it is not."""
    raw = text.encode("ascii")
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


def _encoded(message: bytes, size: int) -> int:
    """EMSA-PKCS1-v1_5 of ``message`` for a ``size``-byte modulus, as an integer."""
    t = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    return int.from_bytes(b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t, "big")


def sign(key: RsaKey, message: bytes) -> str:
    """The base64url RS256 signature of ``message``."""
    m = _encoded(message, key.size)
    # The CRT: two half-size exponentiations instead of one full one (RFC 8017 5.1.2).
    m1 = pow(m, key.dp, key.p)
    m2 = pow(m, key.dq, key.q)
    s = m2 + (key.qinv * (m1 - m2) % key.p) * key.q
    return b64url(s.to_bytes(key.size, "big"))


def verify(key: RsaKey, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64url) is this key's RS256 signature of ``message``."""
    try:
        raw = b64url_decode(signature)
    except ValueError:
        return False
    if len(raw) != key.size:
        return False
    s = int.from_bytes(raw, "big")
    return s < key.n and pow(s, key.e, key.n) == _encoded(message, key.size)
