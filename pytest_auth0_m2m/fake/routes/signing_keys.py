"""/keys/signing: the tenant's application signing keys, the very keys its tokens are signed with.

A key's certificate, PKCS#7, fingerprint and thumbprint are the real ones of the emulator's RSA
keys (fake/signing_keys.py), so a program can check a token against GET /keys/signing as against
the JWKS. A fresh tenant lists its current and its next key (TestAccDataSourceSigningKeys.yaml:
that key order and key set). A rotation makes the next key current (it signs the tokens minted
from then on), the current one previous, and a new next key; only a previous key can be revoked,
and the tokens it signed are refused from then on (auth0.com/docs, Rotate Signing Keys, Revoke
Signing Keys). Rotate and revoke answer {cert, kid} (the spec's response schemas).
"""

from __future__ import annotations

from typing import Any

from ..common import Reply, mgmt_error, not_found_error
from ..tenant import Tenant
from . import Call, HandlerTable

HANDLERS = HandlerTable()
# Dates Auth0 adds once a key's role changed (the spec's SigningKeys schema; the recorded fresh
# tenant's keys have none).
_DATES = ("current_since", "current_until")


def _shown(tenant: Tenant, kid: str) -> dict[str, Any]:
    """A key as GET /keys/signing answers it, in the recorded key order."""
    state = tenant.signing_keys[kid]
    key = tenant.keyring.key(kid)
    shown: dict[str, Any] = {
        "kid": kid,
        "cert": key.cert_pem,
        "pkcs7": key.pkcs7_pem,
        "current": state["current"],
        "next": state["next"],
        "previous": state["previous"],
    }
    shown.update({name: state[name] for name in _DATES if name in state})
    shown.update(fingerprint=key.fingerprint, thumbprint=key.thumbprint, revoked=state["revoked"])
    if "revoked_at" in state:
        shown["revoked_at"] = state["revoked_at"]
    return shown


def _known(call: Call) -> str:
    kid = call.params["kid"]
    if kid not in call.tenant.signing_keys:
        # The spec's 404: "Signing key not found." (the wording of the body is not recorded)
        raise not_found_error("Signing key not found", "inexistent_signing_key")
    return kid


def _cert_and_kid(tenant: Tenant, kid: str) -> dict[str, Any]:
    return {"cert": tenant.keyring.key(kid).cert_pem, "kid": kid}


@HANDLERS.route("get_signing_keys")
def list_keys(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, [_shown(call.tenant, kid) for kid in call.tenant.signing_keys]


@HANDLERS.route("get_signing_key")
def get_key(call: Call) -> Reply:
    with call.tenant.lock:
        return 200, _shown(call.tenant, _known(call))


@HANDLERS.route("post_signing_keys")
def rotate(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        now = tenant.now_iso()
        for state in tenant.signing_keys.values():
            if state["current"]:
                state.update(current=False, current_until=now)
        promoted = next(k for k, state in tenant.signing_keys.items() if state["next"])
        tenant.signing_keys[promoted].update(current=True, next=False, current_since=now)
        tenant.signing_keys[tenant.keyring.allocate()] = {
            "current": False,
            "next": True,
            "previous": True,  # as every recorded key answers it
            "revoked": False,
        }
        # 201 (the spec): the key now current, which signs the tokens minted from now on.
        return 201, _cert_and_kid(tenant, promoted)


@HANDLERS.route("put_signing_keys")
def revoke(call: Call) -> Reply:
    tenant = call.tenant
    with tenant.lock:
        kid = _known(call)
        state = tenant.signing_keys[kid]
        if state["current"] or state["next"] or state["revoked"]:
            # "You can only revoke the previously used signing key" (Revoke Signing Keys); the
            # status and wording of Auth0's refusal are not recorded: a 400 saying so.
            raise mgmt_error(
                400, "Only a previously used signing key can be revoked", "invalid_signing_key"
            )
        state.update(revoked=True, revoked_at=tenant.now_iso())
        return 200, _cert_and_kid(tenant, kid)
