"""A CA made per emulator and a server certificate for localhost and 127.0.0.1."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class TlsMaterial:
    directory: Path
    ca_path: Path
    ca_bundle_path: Path
    server_context: ssl.SSLContext

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pytest-auth0-m2m fake tenant"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_tls_material() -> TlsMaterial:
    """Write a fresh CA, a leaf for localhost/127.0.0.1, and certifi's bundle plus the CA.

    The bundle keeps every public host verifiable when SSL_CERT_FILE points at it. EC keys keep
    start-up fast.
    """
    now = _dt.datetime.now(_dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("pytest-auth0-m2m fake tenant CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory = Path(tempfile.mkdtemp(prefix="fake-auth0-tls-"))
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    ca_path = directory / "ca.pem"
    ca_path.write_bytes(ca_pem)
    bundle_path = directory / "ca-bundle.pem"
    bundle = Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca_pem
    bundle_path.write_bytes(bundle)
    cert_path = directory / "server.pem"
    cert_path.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM) + ca_pem)
    key_path = directory / "server-key.pem"
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return TlsMaterial(directory, ca_path, bundle_path, context)
