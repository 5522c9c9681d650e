"""App tags: proof that an app was made by the holder of the provisioner's credentials.

``client_metadata`` is writable by anyone holding ``create:clients`` or ``update:clients``, so a
marker there proves nothing. An app the plugin may reuse, grant or delete therefore carries a
tag: HMAC-SHA256 over its client id, scope hash and audience, keyed by a key derived from the
provisioner's client secret (HMAC(secret, ``pytest-auth0-m2m app tag v1``)). The client id is
known only once the app exists, so the tag is written by a PATCH right after the create (Auth0
merges ``client_metadata``, so that is a one-key write).

Secret rotation: while ``AUTH0_PREVIOUS_CLIENT_SECRET`` holds the old secret, tags made with it
still verify, and the plugin re-tags each such app with the current secret when it lists it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Literal

from pytest_auth0_m2m.auth0.management import JSONDict, ManagementClient, derive_key

META_TAG = "tag"
TAG_LABEL = b"pytest-auth0-m2m app tag v1"
TAG_VERSION = "v1"
ENV_PREVIOUS_CLIENT_SECRET = "AUTH0_PREVIOUS_CLIENT_SECRET"

Verdict = Literal["current", "previous"]


def tag_key(client_secret: str) -> bytes:
    """The tag key derived from a client secret (the same derivation as
    ``ManagementClient.derive_key(TAG_LABEL)``)."""
    return derive_key(client_secret, TAG_LABEL)


def _message(client_id: str, scope_hash: str, audience: str) -> bytes:
    return "\0".join((TAG_VERSION, client_id, scope_hash, audience)).encode()


class AppTagger:
    """Makes and checks app tags; holds derived keys only, never a secret, and shows none."""

    def __init__(self, key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        self._key = key
        self._previous = previous

    def __repr__(self) -> str:
        return f"AppTagger(previous_keys={len(self._previous)})"

    @classmethod
    def for_client(cls, mgmt: ManagementClient, env: Mapping[str, str] | None = None) -> AppTagger:
        """The provisioner's tagger; the previous secret (rotation) from the environment."""
        previous = (env if env is not None else os.environ).get(ENV_PREVIOUS_CLIENT_SECRET)
        return cls(mgmt.derive_key(TAG_LABEL), (tag_key(previous),) if previous else ())

    def tag(self, client_id: str, scope_hash: str, audience: str) -> str:
        digest = hmac.new(self._key, _message(client_id, scope_hash, audience), hashlib.sha256)
        return f"{TAG_VERSION}:{digest.hexdigest()}"  # 67 chars: within Auth0's 255

    def verify(self, client: JSONDict, scope_hash: str, audience: str) -> Verdict | None:
        """ "current" if the app's tag was made with the current key, "previous" if with the
        previous secret's key, None if it has no tag that verifies."""
        metadata = client.get("client_metadata")
        tag = metadata.get(META_TAG) if isinstance(metadata, dict) else None
        client_id = client.get("client_id")
        if not isinstance(tag, str) or not isinstance(client_id, str):
            return None
        prefix, _, digest = tag.partition(":")
        if prefix != TAG_VERSION:
            return None
        message = _message(client_id, scope_hash, audience)
        keys: list[tuple[Verdict, bytes]] = [("current", self._key)]
        keys += [("previous", key) for key in self._previous]
        for verdict, key in keys:
            expected = hmac.new(key, message, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, digest):
                return verdict
        return None
