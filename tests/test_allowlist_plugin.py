"""The allowlist matches the parsed host (issue 13, item 2): a domain that reads as an allowed
string but points elsewhere is refused before any request. Emulator on real sockets."""

from __future__ import annotations

import pytest
from prov_helpers import LIVE_ARGS, live, tenant

from pytest_auth0_m2m.fake import FakeAuth0

__all__ = ["live", "tenant"]

pytestmark = pytest.mark.e2e

ONE_TEST = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_token(mgmt_token):
    assert mgmt_token
"""


@pytest.mark.parametrize(
    "domain",
    [
        "localhost:1@127.0.0.1:{port}",  # passes the glob localhost:* as a string
        "localhost:{port}/api",  # a path: used to pass the glob and fail later as HTTP 404
    ],
)
def test_a_domain_that_is_not_a_plain_host_is_refused_before_any_request(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch, domain: str
) -> None:
    monkeypatch.setenv("AUTH0_DOMAIN", domain.format(port=tenant.port))
    live.makepyfile(ONE_TEST)
    before = tenant.counters.snapshot()
    result = live.runpytest_subprocess(*LIVE_ARGS)
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert "is not a plain host name" in output
    assert tenant.provisioner.client_secret not in output
    # Nothing reached the emulator on P2: not even the provisioner's token request.
    assert tenant.counters.snapshot() == before
