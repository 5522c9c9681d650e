"""The package's public names import from the top level, as the README documents them."""

from __future__ import annotations

import subprocess
import sys

import pytest_auth0_m2m
from pytest_auth0_m2m.fake import FakeAuth0 as EmulatorFakeAuth0


def test_every_public_name_imports_from_the_package() -> None:
    for name in pytest_auth0_m2m.__all__:
        assert getattr(pytest_auth0_m2m, name) is not None, name
    assert pytest_auth0_m2m.FakeAuth0 is EmulatorFakeAuth0


def test_importing_the_package_loads_no_emulator_and_no_vcr() -> None:
    code = (
        "import sys, pytest_auth0_m2m;"
        "print(sorted(m for m in sys.modules if m.startswith(('pytest_auth0_m2m.fake', 'vcr'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_fixture_types_import_from_the_top_level_and_are_listed() -> None:
    # Red-team finding: `from pytest_auth0_m2m import Arrange` raised ImportError, and
    # api_mint_token's type was a private alias of the plugin.
    from pytest_auth0_m2m import Arrange, Arranged, ArrangeError, MintToken
    from pytest_auth0_m2m.auth0 import arrange

    assert (Arrange, Arranged, ArrangeError) == (
        arrange.Arrange,
        arrange.Arranged,
        arrange.ArrangeError,
    )
    assert MintToken.__module__ == "pytest_auth0_m2m.own_apis.verification"
    assert set(pytest_auth0_m2m.__all__) <= set(dir(pytest_auth0_m2m))


def test_importing_the_package_loads_no_httpx_for_arrange() -> None:
    code = (
        "import sys, pytest_auth0_m2m;"
        "print(sorted(m for m in sys.modules if m == 'httpx' or m.endswith('.arrange')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
