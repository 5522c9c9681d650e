"""Role administration through the official auth0-python SDK, unchanged."""

from __future__ import annotations

import pytest
from auth0.management import ManagementClient

from useradmin.roles import ensure_role


@pytest.mark.mgmt_scopes("read:roles", "create:roles")
def test_ensure_role_is_idempotent(auth0_tenant, mgmt_token):
    sdk = ManagementClient(domain=auth0_tenant.domain, token=mgmt_token)
    first = ensure_role(sdk, "support-agent", "Can look users up")
    assert ensure_role(sdk, "support-agent", "Can look users up") == first
