"""Replay for the user's own APIs: placeholder tokens, and the JWKS that verifies them.

A replayed session has no tenant, yet the API under test verifies real signatures. Its tokens
are signed by the public replay key (cassettes/placeholders.py) with the recordings domain as
issuer, and :class:`ReplayJwks` serves that key's JWKS on 127.0.0.1, where the API under test
fetches it as it would fetch the tenant's. Code under test that fetches its own token with
``api_credentials`` gets one from the same server's ``/oauth/token``, so no cassette is needed.
Nothing signed by this key is worth anything.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

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
TOKEN_PATH = "/oauth/token"
# (client_id, client_secret, audience) -> (status, JSON body) of the token endpoint
TokenEndpoint = Callable[[str, str, str], tuple[int, dict[str, Any]]]


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

    def __init__(
        self, endpoints: TenantEndpoints, rbac: Mapping[str, bool], token_url: str | None = None
    ) -> None:
        self.endpoints = endpoints
        self._rbac = dict(rbac)  # API identifier -> tokens carry permissions
        self._tokens: dict[tuple[str, frozenset[str]], str] = {}
        # Where api_credentials' token_url points: the replay server's token endpoint.
        self.token_url = token_url or endpoints.token_url
        self._apps: dict[str, tuple[str, frozenset[str]]] = {}  # client id -> (API, scopes)
        self._lock = threading.Lock()

    def api_credentials(self, api: str, scopes: frozenset[str]) -> AppCredentials:
        client_id = str(api_token_claims(self.endpoints.domain, api, scopes)["azp"])
        with self._lock:
            self._apps[client_id] = (api, scopes)
        return AppCredentials(
            domain=self.endpoints.domain,
            client_id=client_id,
            client_secret=PLACEHOLDER_CLIENT_SECRET,
            audience=api,
            token_url=self.token_url,
        )

    def token_endpoint(
        self, client_id: str, secret: str, audience: str
    ) -> tuple[int, dict[str, Any]]:
        """What ``/oauth/token`` answers an app of :meth:`api_credentials`, as Auth0 does: its
        token for the API it was made for, 401 for other credentials, 403 for another API."""
        with self._lock:
            app = self._apps.get(client_id)
        if app is None or secret != PLACEHOLDER_CLIENT_SECRET:
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}
        api, scopes = app
        if audience != api:
            return 403, {
                "error": "access_denied",
                "error_description": f'Client is not authorized to access "{audience}".',
            }
        token = self.api_token(api, scopes)
        return 200, {
            "access_token": token,
            "scope": scope_string(sorted(scopes)),
            "expires_in": PLACEHOLDER_EXP - PLACEHOLDER_IAT,
            "token_type": "Bearer",
        }

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
    answer_token: TokenEndpoint | None = None

    def do_POST(self) -> None:
        endpoint = type(self).answer_token
        if self.path.split("?", 1)[0] != TOKEN_PATH or endpoint is None:
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 64 * 1024)).decode("utf-8", "replace")
        params: dict[str, Any]
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                loaded = json.loads(raw or "{}")
            except ValueError:
                loaded = None
            params = loaded if isinstance(loaded, dict) else {}
        else:
            params = dict(parse_qsl(raw))
        if params.get("grant_type") != "client_credentials":
            grant = params.get("grant_type")
            description = f"Unsupported grant type: {grant}"
            self._answer(400, {"error": "unsupported_grant_type", "error_description": description})
            return
        status, body = endpoint(
            str(params.get("client_id", "")),
            str(params.get("client_secret", "")),
            str(params.get("audience", "")),
        )
        self._answer(status, body)

    def _answer(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

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
        self._answer(200, body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # a test run's output is not the place for an access log


class ReplayJwks:
    """The replay key's JWKS and a discovery document served on 127.0.0.1, and ``/oauth/token``
    once given a ``token_endpoint`` (replay's answer to an app fetching its own token)."""

    def __init__(self, issuer: str, token_endpoint: TokenEndpoint | None = None) -> None:
        self._handler: type[_Handler] = type("ReplayJwksHandler", (_Handler,), {"issuer": issuer})
        self.token_endpoint = token_endpoint
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler)
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

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    @property
    def token_endpoint(self) -> TokenEndpoint | None:
        """What answers ``POST /oauth/token`` (None: 404)."""
        endpoint: TokenEndpoint | None = self._handler.answer_token
        return endpoint

    @token_endpoint.setter
    def token_endpoint(self, endpoint: TokenEndpoint | None) -> None:
        self._handler.answer_token = staticmethod(endpoint) if endpoint else None

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
