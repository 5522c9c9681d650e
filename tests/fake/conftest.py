"""Real-socket fixtures for the emulator: one shared server reset per test, plus factories."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_helpers import Clock

from pytest_auth0_m2m.fake import FakeAuth0


@pytest.fixture(scope="session")
def _shared_fake() -> Iterator[FakeAuth0]:
    with FakeAuth0() as fake:
        yield fake


@pytest.fixture
def fake(_shared_fake: FakeAuth0) -> Iterator[FakeAuth0]:
    """A running emulator in its initial state (shared across tests, reset after each)."""
    _shared_fake.reset()
    _shared_fake.set_rate_limits(None)
    _shared_fake.server_errors.clear()
    yield _shared_fake
    errors = list(_shared_fake.server_errors)
    _shared_fake.reset()
    _shared_fake.set_rate_limits(None)
    assert errors == [], errors[-1]


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
