"""Organizations and their members."""

from __future__ import annotations

import pytest
from auth0.management import ManagementClient
from helpdesk import Helpdesk, sdk_team_emails


@pytest.mark.mgmt_scopes("read:organization_members")
def test_lists_an_organizations_members(auth0_arrange, mgmt_client):
    ada, grace = auth0_arrange.user(), auth0_arrange.user()
    auth0_arrange.user()  # not a member
    team = auth0_arrange.organization(members=[ada, grace])
    assert Helpdesk(mgmt_client).members(team.id) == sorted([ada.id, grace.id])


@pytest.mark.mgmt_scopes("create:organization_members", "read:organization_members")
def test_enrolls_a_user(auth0_arrange, mgmt_client):
    desk = Helpdesk(mgmt_client)
    team = auth0_arrange.organization()
    newcomer = auth0_arrange.user()
    assert desk.members(team.id) == []
    desk.enroll(team.id, newcomer.id)
    assert desk.members(team.id) == [newcomer.id]


@pytest.mark.mgmt_scopes("read:organization_members")
def test_team_emails_with_the_sdk(auth0_tenant, mgmt_token, auth0_arrange):
    members = [auth0_arrange.user(), auth0_arrange.user()]
    team = auth0_arrange.organization(members=members)
    sdk = ManagementClient(domain=auth0_tenant.domain, token=mgmt_token)
    assert sdk_team_emails(sdk, team.id) == sorted(m["email"] for m in members)
