"""The user service against the Management API, with exactly the scopes each test needs."""

from __future__ import annotations

import pytest

from useradmin.service import AdminError, UserAdmin

# Every test of this module may read and create users...
pytestmark = pytest.mark.mgmt_scopes("read:users", "create:users", "delete:users")


def test_create_find_and_delete_a_user(mgmt_client):
    admin = UserAdmin(mgmt_client)
    user = admin.create("ada@example.com", "correct-Horse-battery-9")
    assert [u["user_id"] for u in admin.find_by_email("ada@example.com")] == [user["user_id"]]
    admin.delete(user["user_id"])
    assert admin.find_by_email("ada@example.com") == []


@pytest.mark.mgmt_scopes("read:users")  # ...but a read-only path gets a read-only token.
def test_counting_needs_only_read(mgmt_client):
    assert UserAdmin(mgmt_client).count() >= 0


# The negative test: the service must fail loudly when its token lacks update:users. It runs
# with the read-only set the service is deployed with, which its one (refused) request does not
# use: strict=False keeps --mgmt-scopes-strict from asking to narrow it.
@pytest.mark.mgmt_scopes("read:users", strict=False)
def test_read_only_token_cannot_block_a_user(mgmt_client):
    with pytest.raises(AdminError) as refused:
        UserAdmin(mgmt_client).block("auth0|000000000000000000000000")
    assert refused.value.status == 403
