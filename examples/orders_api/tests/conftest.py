"""The service under test, configured with what the plugin says to verify tokens against."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from orders.app import create_app

# The service's own setting: the audience it accepts (its Auth0 API identifier).
ORDERS_AUDIENCE = "https://orders.example.com"


@pytest.fixture
def api_app(api_verification):
    """In-process: api_client sends its requests to this WSGI app."""
    return create_app(
        issuer=api_verification.issuer,
        audience=ORDERS_AUDIENCE,
        jwks_url=api_verification.jwks_url,
    )


@pytest.fixture
def orders_url(api_app) -> Iterator[str]:
    """The same service as a separate process would run it: a real HTTP server."""
    server = make_server("127.0.0.1", 0, api_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
