"""Roles: granted by name over httpx, read back through the auth0-python SDK."""

from __future__ import annotations

import pytest
from auth0.management import ManagementClient
from helpdesk import Helpdesk, sdk_role_holders, sdk_role_names


@pytest.mark.mgmt_scopes("read:roles", "create:role_members")
def test_grants_a_role_by_name(auth0_arrange, mgmt_client):
    user = auth0_arrange.user()
    role = auth0_arrange.role(description="Can look users up")
    Helpdesk(mgmt_client).grant_role(user.id, role["name"])


@pytest.mark.mgmt_scopes("read:roles")
def test_granting_an_unknown_role_sends_nothing(mgmt_client):
    with pytest.raises(LookupError, match="no role called"):
        Helpdesk(mgmt_client).grant_role("auth0|000000000000000000000000", "no-such-role")


@pytest.mark.mgmt_scopes("read:users", "read:roles", "read:role_members")
def test_reads_a_users_roles_with_the_sdk(auth0_tenant, mgmt_token, auth0_arrange):
    user = auth0_arrange.user()
    support = auth0_arrange.role()
    billing = auth0_arrange.role()
    auth0_arrange.role()  # not granted
    auth0_arrange.assign_roles(user, [support, billing])
    sdk = ManagementClient(domain=auth0_tenant.domain, token=mgmt_token)
    assert sdk_role_names(sdk, user.id) == sorted([support["name"], billing["name"]])


@pytest.mark.mgmt_scopes("read:role_members")
def test_lists_a_roles_holders_with_the_sdk(auth0_tenant, mgmt_token, auth0_arrange):
    role = auth0_arrange.role()
    holders = [auth0_arrange.user(), auth0_arrange.user()]
    auth0_arrange.user()  # without the role
    for holder in holders:
        auth0_arrange.assign_roles(holder, [role])
    sdk = ManagementClient(domain=auth0_tenant.domain, token=mgmt_token)
    assert sdk_role_holders(sdk, role.id) == sorted(h.id for h in holders)
