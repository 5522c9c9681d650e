from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_auth0_m2m.fake import FakeAuth0

# Generated projects get an explicit asyncio loop scope so pytest-asyncio stays quiet, and
# no AUTH0_* variable leaks in from the developer's shell.
BASE_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester project with a base ini and a clean AUTH0_* environment."""
    for name in (
        "AUTH0_DOMAIN",
        "AUTH0_CLIENT_ID",
        "AUTH0_CLIENT_SECRET",
        "AUTH0_PREVIOUS_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    pytester.makeini(BASE_INI)
    return pytester


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
