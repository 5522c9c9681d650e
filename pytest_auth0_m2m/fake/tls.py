"""A CA made per emulator (trustme) and a server certificate for localhost and 127.0.0.1."""

from __future__ import annotations

import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import certifi
import trustme

from ..auth0.hosts import LOOPBACK_NAMES


@dataclass
class TlsMaterial:
    directory: Path
    ca_path: Path
    ca_bundle_path: Path
    cert_path: Path
    key_path: Path
    server_context: ssl.SSLContext

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def make_tls_material() -> TlsMaterial:
    """A fresh CA, a leaf for localhost/127.0.0.1/::1, and certifi's bundle plus the CA on disk.

    The bundle keeps every public host verifiable when SSL_CERT_FILE points at it. EC keys keep
    start-up fast.
    """
    ca = trustme.CA(
        organization_name="pytest-auth0-m2m fake tenant", key_type=trustme.KeyType.ECDSA
    )
    names = [name.strip("[]") for name in LOOPBACK_NAMES]  # every name the emulator answers to
    leaf = ca.issue_cert(*names, key_type=trustme.KeyType.ECDSA)
    directory = Path(tempfile.mkdtemp(prefix="fake-auth0-tls-"))
    ca_path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    bundle_path = directory / "ca-bundle.pem"
    bundle = Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca.cert_pem.bytes()
    bundle_path.write_bytes(bundle)
    cert_path = directory / "server.pem"
    cert_path.write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    key_path = directory / "server-key.pem"
    key_path.touch(mode=0o600)
    leaf.private_key_pem.write_to_path(str(key_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    leaf.configure_cert(context)
    return TlsMaterial(directory, ca_path, bundle_path, cert_path, key_path, context)
