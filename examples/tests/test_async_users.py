"""The async path of the service, with mgmt_async_client."""

from __future__ import annotations

import pytest

from useradmin.service import AsyncUserAdmin


@pytest.mark.mgmt_scopes("create:users", "read:users")
async def test_async_create_and_get(mgmt_async_client):
    admin = AsyncUserAdmin(mgmt_async_client)
    created = await admin.create("grace@example.com", "correct-Horse-battery-9")
    fetched = await admin.get(created["user_id"])
    assert fetched["email"] == "grace@example.com"
