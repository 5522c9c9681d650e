"""Replay for the user's own APIs: placeholder tokens, and the JWKS that verifies them.

A replayed session has no tenant, yet the API under test verifies real signatures. Its tokens
are signed by the public replay key (cassettes/placeholders.py) with the recordings domain as
issuer, and :class:`ReplayJwks` serves that key's JWKS on 127.0.0.1, where the API under test
fetches it as it would fetch the tenant's. Nothing signed by this key is worth anything.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from pytest_auth0_m2m.auth0.endpoints import AppCredentials, TenantEndpoints
from pytest_auth0_m2m.cassettes.placeholders import (
    PLACEHOLDER_CLIENT_SECRET,
    PLACEHOLDER_EXP,
    PLACEHOLDER_IAT,
    REPLAY_ALG,
    REPLAY_KID,
    REPLAY_PRIVATE_KEY_PEM,
    placeholder_client_id,
    scope_string,
    sign,
)

JWKS_PATH = "/.well-known/jwks.json"
OPENID_PATH = "/.well-known/openid-configuration"


def api_token_claims(
    domain: str, audience: str, scopes: Iterable[str], *, permissions: bool = False
) -> dict[str, Any]:
    """The claims Auth0 puts in a client-credentials token for ``audience``, with the fixed
    placeholder dates and client id (the same for every recording of a scope set)."""
    names = sorted(set(scopes))
    client_id = placeholder_client_id([f"api={audience}", *names])
    claims: dict[str, Any] = {
        "iss": f"https://{domain}/",
        "sub": f"{client_id}@clients",
        "aud": audience,
        "iat": PLACEHOLDER_IAT,
        "exp": PLACEHOLDER_EXP,
        "scope": scope_string(names),
        "gty": "client-credentials",
        "azp": client_id,
    }
    if permissions:
        claims["permissions"] = names
    return claims


@functools.cache  # a constant key's JWK, computed once
def replay_jwks() -> dict[str, Any]:
    """The JWKS that verifies replay-signed tokens (kid ``REPLAY_KID``)."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from jwt.algorithms import RSAAlgorithm

    private = load_pem_private_key(REPLAY_PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    public = private.public_key()
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
    key = {"kty": jwk["kty"], "use": "sig", "n": jwk["n"], "e": jwk["e"]}
    return {"keys": [{**key, "kid": REPLAY_KID, "alg": REPLAY_ALG}]}


class ReplayApiSource:
    """Placeholder credentials and tokens for the user's APIs in a replayed session."""

    def __init__(self, endpoints: TenantEndpoints, rbac: Mapping[str, bool]) -> None:
        self.endpoints = endpoints
        self._rbac = dict(rbac)  # API identifier -> tokens carry permissions
        self._tokens: dict[tuple[str, frozenset[str]], str] = {}

    def api_credentials(self, api: str, scopes: frozenset[str]) -> AppCredentials:
        client_id = str(api_token_claims(self.endpoints.domain, api, scopes)["azp"])
        return AppCredentials(
            domain=self.endpoints.domain,
            client_id=client_id,
            client_secret=PLACEHOLDER_CLIENT_SECRET,
            audience=api,
            token_url=self.endpoints.token_url,
        )

    def api_token(self, api: str, scopes: frozenset[str]) -> str:
        token = self._tokens.get((api, scopes))
        if token is None:
            claims = api_token_claims(
                self.endpoints.domain, api, scopes, permissions=self._rbac.get(api, False)
            )
            token = self._tokens[(api, scopes)] = sign(claims)
        return token

    def mint(self, api: str, scopes: Iterable[str], claims: Mapping[str, Any] | None = None) -> str:
        """A replay-signed token with chosen claims (negative tests: ``exp``, ``aud``...)."""
        base = api_token_claims(
            self.endpoints.domain, api, scopes, permissions=self._rbac.get(api, False)
        )
        return sign({**base, **(claims or {})})


class _Handler(BaseHTTPRequestHandler):
    issuer = ""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == JWKS_PATH:
            body: Any = replay_jwks()
        elif path == OPENID_PATH:
            body = {
                "issuer": self.issuer,
                "jwks_uri": f"http://{self.headers.get('Host', '')}{JWKS_PATH}",
                "id_token_signing_alg_values_supported": [REPLAY_ALG],
            }
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return  # a test run's output is not the place for an access log


class ReplayJwks:
    """The replay key's JWKS (and a discovery document) served on 127.0.0.1."""

    def __init__(self, issuer: str) -> None:
        handler = type("ReplayJwksHandler", (_Handler,), {"issuer": issuer})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="auth0-m2m-replay-jwks", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        return self.url + JWKS_PATH

    def start(self) -> ReplayJwks:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplayJwks:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
