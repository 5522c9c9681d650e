"""HTTPS on localhost with a per-emulator CA, and ``python -m pytest_auth0_m2m.fake``."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import certifi
import httpx
import pytest
from fake_helpers import token_request

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0


@pytest.fixture(scope="module")
def tls_fake() -> Iterator[FakeAuth0]:
    with run_fake_auth0(tls=True) as fake:
        yield fake


def test_tls_addresses(tls_fake: FakeAuth0) -> None:
    assert tls_fake.domain == f"localhost:{tls_fake.port}"
    assert tls_fake.url == f"https://localhost:{tls_fake.port}"
    assert tls_fake.audience == f"https://localhost:{tls_fake.port}/api/v2/"
    assert tls_fake.ca_cert_path is not None
    assert tls_fake.ca_cert_path.is_file()


def test_httpx_trusts_the_ca_through_an_ssl_context(tls_fake: FakeAuth0) -> None:
    context = ssl.create_default_context(cafile=str(tls_fake.ca_cert_path))
    prov = tls_fake.provisioner
    with httpx.Client(verify=context) as http:
        r = http.post(
            tls_fake.token_url, data=token_request(tls_fake, prov.client_id, prov.client_secret)
        )
        assert r.status_code == 200
        token = r.json()["access_token"]
        clients = http.get(
            f"{tls_fake.management_url}clients", headers={"Authorization": f"Bearer {token}"}
        )
        assert clients.status_code == 200
        # The server certificate also covers 127.0.0.1.
        ping = http.get(f"https://127.0.0.1:{tls_fake.port}/__fake__/ping")
        assert ping.status_code == 200


def test_untrusted_by_default(tls_fake: FakeAuth0, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(
            f"{tls_fake.url}/__fake__/ping",
            verify=ssl.create_default_context(cafile=certifi.where()),
        )


def test_ssl_cert_file_bundle_keeps_public_cas(
    tls_fake: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_fake.ca_cert_path is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_fake.ca_cert_path))
    with httpx.Client() as http:  # default verify, trust_env: httpx reads SSL_CERT_FILE
        assert http.get(f"{tls_fake.url}/__fake__/ping").status_code == 200
    bundle = tls_fake.ca_cert_path.read_text()
    public = Path(certifi.where()).read_text()
    assert public.strip() in bundle
    assert bundle.count("BEGIN CERTIFICATE") == public.count("BEGIN CERTIFICATE") + 1


def test_plain_http_to_the_tls_port_does_not_hurt_it(tls_fake: FakeAuth0) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{tls_fake.port}/__fake__/ping", timeout=5)
    context = ssl.create_default_context(cafile=str(tls_fake.ca_cert_path))
    assert httpx.get(f"{tls_fake.url}/__fake__/ping", verify=context).status_code == 200


def test_silent_client_does_not_block_others_or_stop() -> None:
    with run_fake_auth0(tls=True) as fake:
        context = ssl.create_default_context(cafile=str(fake.ca_cert_path))
        with socket.create_connection(("127.0.0.1", fake.port)):
            # This TCP client never starts its handshake; others are still served.
            r = httpx.get(f"{fake.url}/__fake__/ping", verify=context)
            assert r.status_code == 200
            fake.stop()
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{fake.url}/__fake__/ping", verify=context)


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_auth0_m2m.fake", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    info: dict[str, str] = {"printed": ""}
    for line in proc.stdout:
        info["printed"] += line
        match = re.match(r"^([a-zA-Z ]+):\s+(\S+)", line)
        if line.startswith("Fake Auth0 tenant listening on "):
            info["url"] = line.rsplit(" ", 1)[1].strip()
        elif match:
            info[match.group(1).strip()] = match.group(2)
        if line.startswith("Press Ctrl-C"):
            break
    return proc, info


def _stop_cli(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.e2e  # a subprocess emulator: the slow tier
def test_cli_serves_and_prints_a_ready_provisioner() -> None:
    proc, info = _start_cli("--rate-limits", "free")
    try:
        assert info["url"].startswith("http://127.0.0.1:")
        assert info["domain"] == info["url"].removeprefix("http://")
        payload = {
            "grant_type": "client_credentials",
            "client_id": info["provisioner client id"],
            "client_secret": info["provisioner client secret"],
            "audience": info["audience"],
        }
        r = httpx.post(f"{info['url']}/oauth/token", data=payload)
        assert r.status_code == 200
        assert r.headers["x-ratelimit-limit"] == "30"
        assert "create:client_grants" in r.json()["scope"]
    finally:
        assert _stop_cli(proc) == 0


@pytest.mark.e2e  # a subprocess emulator: the slow tier
def test_cli_with_tls_prints_the_ca_bundle() -> None:
    proc, info = _start_cli("--tls")
    try:
        assert info["url"].startswith("https://localhost:")
        bundle = info["CA bundle"]
        context = ssl.create_default_context(cafile=bundle)
        assert httpx.get(f"{info['url']}/__fake__/ping", verify=context).status_code == 200
    finally:
        assert _stop_cli(proc) == 0


@pytest.mark.e2e  # a subprocess emulator: the slow tier
def test_cli_with_tls_prints_every_variable_a_client_reads() -> None:
    proc, info = _start_cli("--tls")
    try:
        bundle = info["CA bundle"]
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            assert f"export {name}={bundle}" in info["printed"], name
    finally:
        assert _stop_cli(proc) == 0


@pytest.mark.e2e  # a subprocess emulator: the slow tier
def test_cli_seed_file_is_loaded_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "seed.json"
    good.write_text(json.dumps({"users": [{"email": "ada@example.com"}]}))
    proc, info = _start_cli("--seed", str(good))
    try:
        token = httpx.post(
            f"{info['url']}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": info["provisioner client id"],
                "client_secret": info["provisioner client secret"],
                "audience": info["audience"],
            },
        ).json()["access_token"]
        assert token  # the seeded emulator serves as usual
    finally:
        assert _stop_cli(proc) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"users": [{"emial": "ada@example.com"}]}))
    refused = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m.fake", "--seed", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "cannot load the seed" in refused.stderr
    assert "emial" in refused.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "99999"], "argument --port: 99999 is out of range (from 0 to 65535)"),
        (["--search-lag", "-3"], "argument --search-lag: -3 is out of range (at least 0)"),
        (["--token-lifetime", "-5"], "argument --token-lifetime: -5 is out of range (at least 1)"),
        (["--port", "abc"], "argument --port: not a number: 'abc'"),
    ],
)
def test_the_cli_refuses_a_number_out_of_range_in_one_line(args: list[str], said: str) -> None:
    # Red-team finding: these ended in raw tracebacks, or were accepted (a negative lifetime).
    run = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m.fake", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert said in run.stderr
    assert "Traceback" not in run.stderr
