"""The help desk's async front, on mgmt_async_client."""

from __future__ import annotations

import pytest
from helpdesk import AsyncHelpdesk


@pytest.mark.asyncio
@pytest.mark.mgmt_scopes("read:users")
async def test_shows_a_profile(auth0_arrange, mgmt_async_client):
    user = auth0_arrange.user(blocked=True)
    async with mgmt_async_client as api:
        desk = AsyncHelpdesk(api)
        assert await desk.lookup(user["email"]) == [user.id]
        assert await desk.profile(user.id) == {"email": user["email"], "blocked": True}
