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
