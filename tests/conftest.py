from __future__ import annotations

import pytest

# Generated projects get an explicit asyncio loop scope so pytest-asyncio stays quiet, and
# no AUTH0_* variable leaks in from the developer's shell.
BASE_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester project with a base ini and a clean AUTH0_* environment."""
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeini(BASE_INI)
    return pytester
