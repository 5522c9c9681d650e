"""Placeholders for replay: a fixed, public signing key and the tokens and credentials it makes.

Cassettes must never hold a real token, yet code under test may decode the token it was given
(scopes, issuer, audience). So recorded tokens are replaced by JWTs with the same claims, signed
by the key below. The key is PUBLIC on purpose (it is committed here, and its ``kid`` says so):
nothing signed by it is worth anything, and anyone can check that a cassette's JWT is one.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pytest_auth0_m2m.auth0.endpoints import AppCredentials, TenantEndpoints
from pytest_auth0_m2m.cassettes import replay_rsa

# Tokens are made and read here without PyJWT or cryptography (replay_rsa): a replay session
# would otherwise load both, about 9 MiB, for one public key.

REPLAY_KID = "pytest-auth0-m2m-replay-key-public"
REPLAY_ALG = "RS256"

# Not a secret: published with the package so that placeholders are reproducible everywhere.
REPLAY_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEuwIBADANBgkqhkiG9w0BAQEFAASCBKUwggShAgEAAoIBAQCj03m4ys2HcCTX
/W8f6zio1j5Qs2vI8tZPh8mPec9DmIuYqXLydCcm0Cg1LOFGxFHeGZDOW6Q+sscK
D0ikcag5BEcEt0P5HQUx3hswP/xGMY0nNgwEjCAAjD79P0NKV+kYOYHoXhtzRFxx
aI+B7COUvpA3sYMZkkIxeYRV6DqFKnMMzhHsREY97WqXCQPtQ96TKDb0jRMMoPF8
sDBYpEdSvTC3BDGJMxZ0AqunEGd6RnOI3cSaSRt7/RQddMUNllvay1D/OJlxiTuA
uDiXn2T5FjFYnHcQExlc6/kO8YplPLMuGvAJe9xvu0jzNaqriJC1u2iXrOUQrtRR
D5DYZZixAgMBAAECgf8Pra14gfAphhIAmcCIzXoermJIVuN518Oq2NPxZzbuwSqa
8ZyOl48np8QxUpo8q40qNEgnd53AYluqGsxY8Ieo7T/es6tNq/lTTG5Nr9H05ckc
d4+u37owUzu0ANnvw3oLV3WXR2pZHbG7KMaTKIY/Nf2XVuW1DMpI8dg4YIE5PS9M
rje4c8IhgVexkV5pLGc1fvC1rfkhE6SIYZHtzjDOAuzk3i4N4FES2o5Mgiq5zusG
uLBlwGpdAJothltf2Jal0gXGA9DVyMfwEvwbK0jptFImFsqQFPg3Tztm9zcNquyM
M+N2XRTW+gv+qSByptotWIenhTi5jaUQGZtlUhMCgYEA5nfRAhT/iACwMoVid9Es
JWo4cYAQELkl+HGd4uo27y5zCg6ADgJwPAN9bSLvUx1I9W1Q9FXcwhUhH2dRXtxS
/16bT0m8j461cBhuoAagGiBOeGUv0wiEUsbe4UUXy2Y82OWPRWr0B0ntaryKJspS
QkPHOmLK4I1aRwp5MUUTbk8CgYEAtfmpSlgbKxXp55+l5SYZqrcNjw/4fHzBRkRK
sq5sGEv5YR2dfSgiPjp+qqLN2HIlyPq+zwZZZ9/hilbE/sFti5IJp+lWiNdVMZOY
xbP1+59sdpEZrORPvj+LBechqeYaNhL6DCj1FvDzn9E8h/hso9MmQxo8IUw2kUlB
AZQTyP8CgYBudAP+fHPPCY1oWRbNF7mRoOu2McsBSMrS3BjwNJHpZZiKvFJQ5IhH
quCE2pZafhGGVkLTJwdrGNdMBqcv0GYSr5O9lzhAkQOR2pPCLAq1GsCg4NXfzRgl
19vfmM6Dk9cbmEFm4pBboemgGwYW+yYbTgKAj/JtVjFrFLDqlRFv7wKBgH2fXii+
bfLua8zEP0fTZ4CcYbXTNpzpmpshZde35VNYj01lnmTaIdmHlA3D2gqDsmXuA27z
WSEGQrK3d8LOUQs6w4Ow51YMIPnahGpm83bC9aNcQ7dA3XPedeCbUHfzK0ENFKT0
WU1/BQ/c58aNzqHBj/Ze1AfAjyL4yPGIAaiNAoGBANXzDzIOlx2OfVvTXv99z9Ki
4wTPr6v6PH0C7KnNfCTlUYAmnMpwhxgRfsNz9Cvw+Lhwz17A7tE4jZmmP6Kz5/sH
k/cKj88Y7C0kE5cbeKsmcVSeZEMZILHtbETwWFxbSR757UD5JfH1Vn/fiVTIA0iB
TtDTqnIwEAwQHHzXjpLl
-----END PRIVATE KEY-----
"""

# Fixed dates keep re-recorded cassettes identical: issued in the past (validators reject a
# future ``iat``) and valid until 2100 (validators reject an expired token).
PLACEHOLDER_IAT = 1_700_000_000
PLACEHOLDER_EXP = 4_102_444_800
_DATE_CLAIMS = {"iat": PLACEHOLDER_IAT, "nbf": PLACEHOLDER_IAT, "auth_time": PLACEHOLDER_IAT}

# Short and plainly not a secret: secret scanners (ours, GitHub's, pre-commit hooks) flag a
# `client_secret` of 12 characters or more, and must not cry wolf over every cassette.
PLACEHOLDER_CLIENT_SECRET = "REDACTED"
PLACEHOLDER_OPAQUE_TOKEN = "pytest-auth0-m2m-placeholder-token"

# The shape of a compact JWS whose header and payload are JSON objects: base64url of "{" and
# then '"', a space or a line break begins "ey" or "ew" (every issuer writes "eyJ", '{"').
JWT_PATTERN = re.compile(r"e[wy][A-Za-z0-9_-]{4,}\.e[wy][A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


@functools.cache  # parsing a constant once; not session state
def replay_key() -> replay_rsa.RsaKey:
    return replay_rsa.load_pkcs8_pem(REPLAY_PRIVATE_KEY_PEM)


def scope_string(scopes: Iterable[str]) -> str:
    """Auth0's ``scope`` claim: space-separated; sorted so placeholders are reproducible."""
    return " ".join(sorted(set(scopes)))


def placeholder_client_id(scopes: Iterable[str]) -> str:
    """A stable, obviously fake client id for a scope set (32 characters, like Auth0's)."""
    digest = hashlib.sha256(scope_string(scopes).encode()).hexdigest()
    return "replay" + digest[:26]


def token_claims(domain: str, client_id: str, scopes: Iterable[str]) -> dict[str, Any]:
    """The claims Auth0 puts in a client-credentials Management API token (docs/auth0-wire.md)."""
    return {
        "iss": f"https://{domain}/",
        "sub": f"{client_id}@clients",
        "aud": f"https://{domain}/api/v2/",
        "iat": PLACEHOLDER_IAT,
        "exp": PLACEHOLDER_EXP,
        "scope": scope_string(scopes),
        "gty": "client-credentials",
        "azp": client_id,
    }


def _json(value: Any, *, sort_keys: bool = False) -> bytes:
    # PyJWT's serialisation (compact; the header's keys sorted), so tokens are the same bytes
    # as those in cassettes recorded before.
    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys).encode()


def signing_input(claims: Mapping[str, Any]) -> str:
    """The JWS header and ``claims``, base64url, as the replay key signs them."""
    header = {"typ": "JWT", "alg": REPLAY_ALG, "kid": REPLAY_KID}
    return replay_rsa.b64url(_json(header, sort_keys=True)) + "." + replay_rsa.b64url(_json(claims))


def sign(claims: Mapping[str, Any]) -> str:
    """A JWT over ``claims`` signed by the public replay key (RS256 is deterministic)."""
    text = signing_input(claims)
    return text + "." + _signature(text)


@functools.lru_cache(maxsize=256)  # a few ms of big-number arithmetic; the same claims recur
def _signature(signing_input: str) -> str:
    return replay_rsa.sign(replay_key(), signing_input.encode("ascii"))


def _object(segment: str) -> dict[str, Any] | None:
    """A JWS segment's JSON object; None if it is not one."""
    try:
        value = json.loads(replay_rsa.b64url_decode(segment))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return value if isinstance(value, dict) else None


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str, str] | None:
    """(header, claims, signing input, signature) of a compact JWS with JSON parts, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header, claims = _object(parts[0]), _object(parts[1])
    if header is None or claims is None:
        return None
    try:
        # A signature that is not base64url is not a JWT (PyJWT's rule, the guard's too: a
        # token cut short in one of a cassette's views is not another token).
        replay_rsa.b64url_decode(parts[2])
    except (ValueError, binascii.Error):
        return None
    return header, claims, parts[0] + "." + parts[1], parts[2]


def placeholder_token(domain: str, client_id: str, scopes: Iterable[str]) -> str:
    return sign(token_claims(domain, client_id, scopes))


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT without checking anything; None if it is not a JWT."""
    segments = _segments(token)
    return None if segments is None else segments[1]


def _rewrite_claim(value: Any, rewrite: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, list):
        return [_rewrite_claim(item, rewrite) for item in value]
    if isinstance(value, dict):
        return {key: _rewrite_claim(item, rewrite) for key, item in value.items()}
    return value


def placeholder_for(token: str, rewrite: Callable[[str], str] = lambda text: text) -> str:
    """A stand-in for a real token: a replay-signed JWT with the same claims, else an opaque one.

    ``rewrite`` maps claim text (the tenant domain, client ids) to its recordings form. Dates
    become fixed ones, so the placeholder is the same whenever the test is recorded.
    """
    claims = unverified_claims(token)
    if claims is None:
        return PLACEHOLDER_OPAQUE_TOKEN
    new: dict[str, Any] = {}
    for name, value in claims.items():
        if name == "exp":
            new[name] = PLACEHOLDER_EXP
        elif name in _DATE_CLAIMS:
            new[name] = _DATE_CLAIMS[name]
        else:
            new[name] = _rewrite_claim(value, rewrite)
    return sign(new)


def is_replay_token(token: str) -> bool:
    """Whether ``token`` is a JWT signed by the replay key (so it carries no real access)."""
    segments = _segments(token)
    if segments is None:
        return False
    header, _, signing_input, signature = segments
    if header.get("kid") != REPLAY_KID or header.get("alg") != REPLAY_ALG:
        return False
    try:
        message = signing_input.encode("ascii")
    except UnicodeError:
        return False
    return replay_rsa.verify(replay_key(), message, signature)


def is_placeholder_secret(value: str) -> bool:
    return value in (PLACEHOLDER_CLIENT_SECRET, PLACEHOLDER_OPAQUE_TOKEN) or is_replay_token(value)


def is_placeholder(value: str) -> bool:
    """Whether a value under a secret field is one the plugin wrote (so no leak): a placeholder
    secret or token, a replay token, empty, or a redacted value kept in shape (a ticket URL
    whose ticket reads REDACTED)."""
    return (
        value in ("", PLACEHOLDER_CLIENT_SECRET, PLACEHOLDER_OPAQUE_TOKEN)
        or "redacted" in value.lower()
        or PLACEHOLDER_OPAQUE_TOKEN in value
        or is_replay_token(value)
    )


class ReplaySource:
    """The ``TokenSource`` of a replay session: no network, no tenant, only placeholders.

    Credentials are per scope set, with the same placeholder client id that recordings use for
    the app of that scope set, so requests the test makes with them match the cassette.

    Signing is the costliest step of a replay session (a few ms a scope set, every run), and a
    scope set's token never changes: ``known`` holds signatures kept from an earlier run
    (signing input -> signature). Each is checked against the replay key before it is used (a
    public-exponent check, about a hundredth of a signing), so a wrong or forged one is never
    handed out: the token is then signed here. ``signed`` is every signature this source used,
    for the next run to keep.
    """

    def __init__(self, endpoints: TenantEndpoints, known: Mapping[str, str] | None = None) -> None:
        self.endpoints = endpoints
        self._tokens: dict[frozenset[str], str] = {}
        self._known = dict(known or {})
        self.signed: dict[str, str] = {}

    def credentials(self, scopes: frozenset[str]) -> AppCredentials:
        return AppCredentials(
            domain=self.endpoints.domain,
            client_id=placeholder_client_id(scopes),
            client_secret=PLACEHOLDER_CLIENT_SECRET,
            audience=self.endpoints.audience,
            token_url=self.endpoints.token_url,
        )

    def token(self, scopes: frozenset[str]) -> str:
        token = self._tokens.get(scopes)
        if token is None:
            claims = token_claims(self.endpoints.domain, placeholder_client_id(scopes), scopes)
            text = signing_input(claims)
            signature = self._known.get(text)
            if not isinstance(signature, str) or not replay_rsa.verify(
                replay_key(), text.encode("ascii"), signature
            ):
                signature = _signature(text)
            self.signed[text] = signature
            token = self._tokens[scopes] = f"{text}.{signature}"
        return token

    def close(self) -> None:
        return None
