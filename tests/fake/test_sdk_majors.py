"""Both auth0-python majors, unchanged, run a realistic sequence over every family on the emulator.

6.x (httpx, typed models) is the installed one and runs in-process (tests/fake/sdk6_sequences.py).
4.x (requests, dicts: ``auth0.management.Auth0(domain, token)``) cannot share the venv with 6.x:
4.13.0, its last release, is installed once with ``pip --no-deps --target`` into a cache dir next
to the venv (its dependencies are the venv's) and tests/fake/sdk4_sequences.py runs in a
subprocess with that dir first on PYTHONPATH and the emulator's CA in REQUESTS_CA_BUNDLE.
One test per family per major, so a failure names both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from filelock import FileLock

from pytest_auth0_m2m.auth0.scopes import catalogue
from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0

management = pytest.importorskip("auth0.management")
from sdk6_sequences import SEQUENCES, Sequence  # noqa: E402 - after the SDK's importorskip

pytestmark = pytest.mark.e2e

SDK4 = "auth0-python==4.13.0"
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target"]
SDK4_SCRIPT = Path(__file__).with_name("sdk4_sequences.py")
# The same families, in the same order, in both scripts (checked below).
FAMILIES = list(SEQUENCES)
# Words in pip's output when the package index cannot be reached at all.
UNREACHABLE = ("from versions: none", "NewConnectionError", "Max retries exceeded", "timed out")


@pytest.fixture(scope="module")
def emulator() -> Iterator[FakeAuth0]:
    with run_fake_auth0(tls=True) as fake:
        yield fake


@pytest.fixture
def tenant(emulator: FakeAuth0) -> Iterator[FakeAuth0]:
    emulator.reset()
    yield emulator
    assert emulator.server_errors == []


def _token(fake: FakeAuth0) -> str:
    # A program with every Management scope: what each family's calls need is not the point here.
    return fake.issue_token("sdk-majors", sorted(catalogue().scopes))


def run_sdk6(sequence: Sequence, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch) -> None:
    """One family's sequence through the installed auth0-python 6.x, in-process."""
    assert tenant.ca_cert_path is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tenant.ca_cert_path))
    with httpx.Client() as http:  # as the SDK would build, but closable
        sdk = management.ManagementClient(
            domain=tenant.domain, token=_token(tenant), httpx_client=http
        )
        sequence(sdk, tenant.audience)


def run_sdk4(script: Path, family: str, tenant: FakeAuth0, sdk4_path: Path) -> None:
    """One family's sequence through auth0-python 4.13.0, in a subprocess (``script FAMILY``)."""
    assert tenant.ca_cert_path is not None
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(sdk4_path), os.environ.get("PYTHONPATH", "")]),
        "REQUESTS_CA_BUNDLE": str(tenant.ca_cert_path),
        "SDK4_DOMAIN": tenant.domain,
        "SDK4_AUDIENCE": tenant.audience,
        "SDK4_TOKEN": _token(tenant),
    }
    run = subprocess.run(
        [sys.executable, str(script), family], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"auth0-python 4.x, family {family}:\n{run.stdout}{run.stderr}"
    assert run.stdout.strip() == f"auth0-python 4.13.0 {family}: ok"


@pytest.mark.parametrize("family", FAMILIES)
def test_sdk6(family: str, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch) -> None:
    run_sdk6(SEQUENCES[family], tenant, monkeypatch)


@pytest.fixture(scope="session")
def sdk4_path() -> Path:
    """auth0-python 4.13.0 in a cache dir beside the venv, installed once (xdist-safe)."""
    cache = Path(sys.prefix) / "sdk-cache"
    target = cache / SDK4.replace("==", "-")
    cache.mkdir(exist_ok=True)
    with FileLock(str(cache / "install.lock")):
        if (target / "auth0" / "management" / "auth0.py").is_file():
            return target
        partial = cache / (target.name + ".partial")
        pip = subprocess.run(
            [*PIP_INSTALL, str(partial), SDK4],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if pip.returncode != 0:
            output = pip.stdout + pip.stderr
            if any(word in output for word in UNREACHABLE):
                pytest.skip(f"{SDK4} cannot be installed: the package index is unreachable")
            pytest.fail(f"pip could not install {SDK4}:\n{output}", pytrace=False)
        partial.rename(target)
    return target


@pytest.mark.parametrize("family", FAMILIES)
def test_sdk4(family: str, tenant: FakeAuth0, sdk4_path: Path) -> None:
    run_sdk4(SDK4_SCRIPT, family, tenant, sdk4_path)


def test_both_majors_cover_the_same_families() -> None:
    listed = subprocess.run(
        [sys.executable, str(SDK4_SCRIPT), "--list"], capture_output=True, text=True, check=True
    )
    assert listed.stdout.split() == FAMILIES
