"""The help desk's user operations, each test holding exactly the scopes it declares."""

from __future__ import annotations

import pytest
from helpdesk import Helpdesk, HelpdeskError

# The module's tests read users; a test that does more declares more.
pytestmark = pytest.mark.mgmt_scopes("read:users")


def test_looks_a_user_up_by_email(auth0_arrange, mgmt_client):
    user = auth0_arrange.user(given_name="Ada")
    [found] = Helpdesk(mgmt_client).lookup(user["email"])
    assert found["user_id"] == user.id
    assert found["given_name"] == "Ada"


def test_searches_users_by_family_name(auth0_arrange, mgmt_client):
    first = auth0_arrange.user(family_name="Lovelace")
    second = auth0_arrange.user(family_name="Lovelace")
    auth0_arrange.user(family_name="Hopper")
    assert sorted(Helpdesk(mgmt_client).search("family_name", "Lovelace")) == sorted(
        [first.id, second.id]
    )


def test_counts_every_user(auth0_arrange, mgmt_client):
    auth0_arrange.user()
    auth0_arrange.user()
    assert Helpdesk(mgmt_client).count_users() >= 2


@pytest.mark.mgmt_scopes("update:users")
def test_suspends_and_reinstates_a_user(auth0_arrange, mgmt_client):
    desk = Helpdesk(mgmt_client)
    user = auth0_arrange.user()
    assert desk.suspend(user.id) is True
    assert desk.reinstate(user.id) is False


# The negative test: a desk deployed read-only must be refused by the tenant, not do half the
# job. Its one (refused) request uses none of its scopes: strict=False keeps
# --mgmt-scopes-strict from asking to narrow the set it is deployed with.
@pytest.mark.mgmt_scopes("read:users", strict=False)
def test_a_read_only_desk_cannot_suspend(auth0_arrange, mgmt_client):
    user = auth0_arrange.user()
    with pytest.raises(HelpdeskError) as refused:
        Helpdesk(mgmt_client).suspend(user.id)
    assert refused.value.status == 403
    assert refused.value.error_code == "insufficient_scope"


@pytest.mark.mgmt_scopes("read:users", "delete:users")
def test_removes_a_user(auth0_arrange, mgmt_client):
    desk = Helpdesk(mgmt_client)
    user = auth0_arrange.user()
    desk.remove(user.id)
    assert desk.lookup(user["email"]) == []
