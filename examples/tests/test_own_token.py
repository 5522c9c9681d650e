"""Code that fetches its own token, as the deployed service does, from m2m_credentials."""

from __future__ import annotations

import pytest

from useradmin.service import UserAdmin, client_for_app


@pytest.mark.mgmt_scopes("read:users")
def test_service_with_its_own_credentials(m2m_credentials):
    with client_for_app(
        m2m_credentials.domain, m2m_credentials.client_id, m2m_credentials.client_secret
    ) as api:
        assert UserAdmin(api).count() >= 0
