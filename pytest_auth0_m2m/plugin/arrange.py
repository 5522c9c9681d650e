"""The ``auth0_arrange`` fixture: test data arranged in any mode, deleted after the test.

The library is ``auth0.arrange``; this module gives it a client with the setup identity's token
(its own per-scope-set app, ``ARRANGE_SCOPES``, never the test's token) and reports what
cleanup could not delete.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints, TokenSource
from pytest_auth0_m2m.plugin.state import ARRANGE_CLIENTS_KEY, declared_scopes

# Imported when the fixture is first used (they load httpx): other tests never pay for them.
if TYPE_CHECKING:
    from pytest_auth0_m2m.auth0.arrange import Arrange
    from pytest_auth0_m2m.auth0.retry import ClientKit

NO_MARKER_MESSAGE = (
    "{nodeid} uses auth0_arrange but declares no Management API scopes: its arranged data "
    "is recorded into the test's cassette, which only mgmt_scopes tests have.\n"
    'Add @pytest.mark.mgmt_scopes("read:users", ...) with the scopes the test itself needs.'
)


@pytest.fixture
def auth0_arrange(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[Arrange, None, None]:
    """Arrange users, roles, organizations... for this test; all deleted after it, pass or fail."""
    from pytest_auth0_m2m.auth0.arrange import ARRANGE_SCOPES, Arrange

    if declared_scopes(request.node) is None:
        pytest.fail(NO_MARKER_MESSAGE.format(nodeid=request.node.nodeid), pytrace=False)
    source: TokenSource = request.getfixturevalue("_auth0_m2m_source")
    token = source.token(ARRANGE_SCOPES)
    if auth0_tenant.mode != "replay":
        from pytest_auth0_m2m.plugin.cassettes import secret_registry

        # The setup app's secret and token are guarded like the test's own app's.
        credentials = source.credentials(ARRANGE_SCOPES)
        registry = secret_registry(request.config)
        registry.add_app(ARRANGE_SCOPES, credentials.client_id, credentials.client_secret)
        registry.add_token(token, "the arrange identity's access token")
        # Without a cassette (fake mode, no recording) the report reads the emulator's journal,
        # where the setup calls are known by their client id.
        request.config.stash.setdefault(ARRANGE_CLIENTS_KEY, set()).add(credentials.client_id)
    # The session's clients' kit: one SSL context, the same 429 waits and pacing as mgmt_client.
    from pytest_auth0_m2m.plugin.fixtures import retries

    kit: ClientKit = request.getfixturevalue("_auth0_m2m_clients")
    headers = {"Authorization": f"Bearer {token}"}
    with kit.client(auth0_tenant.management_url, headers, retry=retries(request)) as client:
        arrange = Arrange(client)
        try:
            yield arrange
        finally:
            leftovers = arrange.cleanup()
        if leftovers:
            lines = "\n".join(f"  {left.kind} {left.id}: {left.reason}" for left in leftovers)
            pytest.fail(
                f"auth0_arrange could not delete {len(leftovers)} object(s) it created for "
                f"{request.node.nodeid}:\n{lines}\n"
                "Delete them in the tenant (or on the emulator, restart it); a replayed "
                "test whose cassette lacks the deletes needs re-recording.",
                pytrace=False,
            )
