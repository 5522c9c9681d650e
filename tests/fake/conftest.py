"""Fixtures of the emulator tests; the shared `fake` fixture is in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_helpers import Clock

from pytest_auth0_m2m.fake import FakeAuth0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_fake(clock: Clock) -> Iterator[FakeAuth0]:
    """A private emulator on the test's settable clock."""
    with FakeAuth0(clock=clock) as fake:
        yield fake


@pytest.fixture
def http(fake: FakeAuth0) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url) as client:
        yield client
