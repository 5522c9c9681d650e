"""RS256 signing keys, JWKS and discovery, token minting and verification, scope enforcement."""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import jwt

from ..auth0.insufficient_scope import body as insufficient_scope_body
from ..auth0.scopes import Operation
from .apis import carries_permissions
from .common import ApiError
from .tenant import Tenant

GRANT_TYPES_URI = "https://auth0.com/docs/clients/client-grant-types"
BAD_SIGNATURE = "Invalid signature received for JSON Web Token validation"
_TOKEN_CACHE_MAX = 10_000


def unauthorized(message: str) -> ApiError:
    """Auth0's Management API 401 body (the message is repeated under ``attributes``)."""
    return ApiError(
        401,
        {
            "statusCode": 401,
            "error": "Unauthorized",
            "message": message,
            "attributes": {"error": message},
        },
    )


def insufficient_scope(operation: Operation) -> ApiError:
    """Auth0's 403 for a token without the operation's scopes (the one writer of its body)."""
    return ApiError(403, insufficient_scope_body(operation.groups, operation.mode))


def oauth_error(status: int, error: str, description: str, **extra: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description, **extra})


class Signer:
    """Signs the tenant's tokens with its current key, publishes the JWKS, verifies bearer tokens.

    Keys rotate (routes/signing_keys.py): a token is signed by the key current when it is minted
    and verifies while its key is not revoked, as Auth0's are (auth0.com/docs, Rotate Signing
    Keys: "all tokens signed with the previous key will still be valid until you revoke the
    previous key"). A key the tenant's state no longer lists (a restore rewound past its
    rotation) still verifies: the emulator made it, and rewinding must not void issued tokens.
    """

    def __init__(self, issuer: str, clock: Callable[[], float], tenant: Tenant) -> None:
        self.issuer = issuer
        self.clock = clock
        self.tenant = tenant
        self.keyring = tenant.keyring
        # Verified tokens by their text, with their key id: RS256 verification costs far more
        # than a request, and a revocation must still reach a token verified before it.
        self._verified: dict[str, tuple[str, dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()

    @property
    def kid(self) -> str:
        """The key id tokens are signed with now."""
        return self.tenant.signing_kid()

    def jwks(self) -> dict[str, Any]:
        """Every key not revoked, the current one first, then the next: Auth0's discovery
        document "will always include both the current key and the next key, and it may also
        include the previous key if the previous key has not yet been revoked" (Rotate Signing
        Keys)."""
        with self.tenant.lock:
            states = {kid: dict(state) for kid, state in self.tenant.signing_keys.items()}
        shown = sorted(
            (kid for kid, state in states.items() if not state["revoked"]),
            key=lambda kid: (not states[kid]["current"], not states[kid]["next"]),
        )
        return {"keys": [dict(self.keyring.key(kid).jwk) for kid in shown]}

    def openid_configuration(self, served_at: str) -> dict[str, Any]:
        """The discovery document: the tokens' issuer, and the endpoints where the emulator
        serves them (``served_at``: its base URL, plain HTTP included; the issuer is always
        https://, as the ``iss`` claim of Auth0's tokens)."""
        base = served_at.rstrip("/") + "/"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}authorize",
            "token_endpoint": f"{base}oauth/token",
            "jwks_uri": f"{base}.well-known/jwks.json",
            "response_types_supported": ["code", "token", "id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": ["aud", "sub", "iss", "iat", "exp", "azp", "scope", "gty"],
        }

    def mint(
        self,
        client_id: str,
        audience: str,
        scopes: list[str],
        lifetime: int,
        *,
        permissions: bool = False,
        issued_at: int | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A client-credentials access token as Auth0 signs it; ``permissions`` adds the RBAC
        claim (the granted scopes), ``claims`` overrides or adds claims (negative tests)."""
        now = int(self.clock()) if issued_at is None else issued_at
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": f"{client_id}@clients",
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "scope": " ".join(scopes),
            "gty": "client-credentials",
            "azp": client_id,
        }
        if permissions:
            body["permissions"] = list(scopes)
        body.update(claims or {})
        key = self.keyring.key(self.kid)
        return jwt.encode(body, key.private, algorithm="RS256", headers={"kid": key.kid})

    def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """Claims of a valid bearer token for ``audience``, else Auth0's 401."""
        if not authorization or not authorization[:7].lower() == "bearer ":
            raise unauthorized("Invalid token")
        token = authorization[7:].strip()
        verified = self._verified.get(token)
        kid, claims = verified if verified is not None else self._verify_signature(token)
        if self.tenant.signing_key_revoked(kid):
            raise unauthorized(BAD_SIGNATURE)
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= self.clock():
            raise unauthorized("Expired token received for JSON Web Token validation")
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if audience not in auds:
            shown = " ".join(str(a) for a in auds)
            raise unauthorized(f"Bad audience: {shown}")
        return claims

    def _verify_signature(self, token: str) -> tuple[str, dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise unauthorized("Invalid token") from None
        if header.get("alg") != "RS256":
            raise unauthorized("Invalid token")
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in self.keyring:
            # No key of this tenant's signed it: to the verifier, a signature that fails.
            raise unauthorized(BAD_SIGNATURE)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.keyring.key(kid).public,
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_aud": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise unauthorized(BAD_SIGNATURE) from None
        except jwt.PyJWTError:
            raise unauthorized("Invalid token") from None
        if claims.get("iss") != self.issuer:
            raise unauthorized("Invalid token")
        with self._cache_lock:
            if len(self._verified) >= _TOKEN_CACHE_MAX:
                self._verified.clear()
            self._verified[token] = (kid, claims)
        return kid, claims


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    scope = claims.get("scope")
    return frozenset(scope.split()) if isinstance(scope, str) else frozenset()


def enforce_scopes(operation: Operation, granted: frozenset[str]) -> None:
    if not operation.allows(granted):
        raise insufficient_scope(operation)


# --- POST /oauth/token ---------------------------------------------------------------------------


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise oauth_error(401, "access_denied", "Unauthorized") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise oauth_error(401, "access_denied", "Unauthorized")
    # RFC 6749 2.3.1: both parts are form-urlencoded inside the Basic header.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def issue_token(
    tenant: Tenant,
    signer: Signer,
    params: Mapping[str, Any],
    authorization: str | None,
) -> tuple[str, dict[str, Any]]:
    """Answer a client-credentials token request: returns (client_id, response body)."""
    for name in ("grant_type",):
        if not isinstance(params.get(name), str) or not params.get(name):
            raise oauth_error(400, "invalid_request", f"Missing required parameter: {name}")
    if params["grant_type"] != "client_credentials":
        # RFC 6749 section 5.2 and Auth0: an unknown grant type is a 400, not a 403.
        raise oauth_error(
            400, "unsupported_grant_type", f"Unsupported grant type: {params['grant_type']}"
        )
    basic = _basic_credentials(authorization)
    client_id: object
    client_secret: object
    if basic is not None:
        client_id, client_secret = basic
    else:
        client_id = params.get("client_id")
        client_secret = params.get("client_secret")
    if not isinstance(client_id, str) or not client_id:
        raise oauth_error(401, "access_denied", "Unauthorized")
    with tenant.lock:
        client = tenant.clients.get(client_id)
        if (
            client is None
            or not isinstance(client_secret, str)
            or client.get("client_secret") != client_secret
        ):
            raise oauth_error(401, "access_denied", "Unauthorized")
        if "client_credentials" not in client.get("grant_types", ()):
            raise oauth_error(
                403,
                "unauthorized_client",
                "Grant type 'client_credentials' not allowed for the client.",
                error_uri=GRANT_TYPES_URI,
            )
        audience = params.get("audience")
        if not isinstance(audience, str) or not audience:
            # The emulated tenant has no default audience, like a fresh Auth0 tenant.
            raise oauth_error(
                403,
                "access_denied",
                "No audience parameter was provided, and no default audience has been configured",
            )
        server = tenant.resource_server_by_identifier(audience)
        if server is None:
            raise oauth_error(403, "access_denied", f"Service not found: {audience}")
        grant = tenant.grant_for(client_id, audience)
        if grant is None:
            raise oauth_error(
                403,
                "access_denied",
                f'Client is not authorized to access "{audience}". You need to create a '
                '"client-grant" associated to this API. See: '
                "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants",
            )
        granted = list(grant.get("scope") or [])
        lifetime = int(server.get("token_lifetime") or tenant.token_lifetime)
        permissions = carries_permissions(server)
    requested = params.get("scope")
    if isinstance(requested, str) and requested.strip():
        missing = [s for s in requested.split() if s not in granted]
        if missing:
            raise oauth_error(
                403, "access_denied", f"Client has not been granted scopes: {', '.join(missing)}"
            )
    if permissions:
        token = signer.mint(client_id, audience, granted, lifetime, permissions=True)
    else:
        token = signer.mint(client_id, audience, granted, lifetime)
    body = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": " ".join(granted),
    }
    return client_id, body
