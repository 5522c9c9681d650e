"""The plugin's fixtures: the tenant, the emulator, tokens, credentials and ready clients."""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_auth0_m2m.auth0.endpoints import (
    RECORDINGS_DOMAIN,
    AccessToken,
    AppCredentials,
    ClientSecret,
    MaskedSecret,
    TenantEndpoints,
    TokenSource,
)
from pytest_auth0_m2m.plugin.state import SETTINGS_KEY, declared_scopes, recording_disabled
from pytest_auth0_m2m.provisioning import settings as settings_mod

# httpx, the clients' retry machinery and the emulator are imported when a fixture is first
# used: a run whose tests never ask for one does not load them.
if TYPE_CHECKING:
    import httpx

    from pytest_auth0_m2m.auth0.retry import ClientKit
    from pytest_auth0_m2m.fake import FakeAuth0


NO_MARKER_MESSAGE = (
    "{nodeid} uses the {fixture} fixture but declares no Management API scopes.\n"
    'Add @pytest.mark.mgmt_scopes("read:users", ...) with the scopes the test needs '
    "(or @pytest.mark.mgmt_scopes() for a token with no scope)."
)


def _scopes_for(request: pytest.FixtureRequest, fixture: str) -> frozenset[str]:
    declared = declared_scopes(request.node)
    if declared is None:
        pytest.fail(
            NO_MARKER_MESSAGE.format(nodeid=request.node.nodeid, fixture=fixture), pytrace=False
        )
    return declared.scopes


# Read when a client is made: httpx and aiohttp (through ssl.create_default_context, so also
# auth0-python's Management client) read SSL_CERT_FILE; requests (auth0-python's token fetch)
# reads REQUESTS_CA_BUNDLE, and CURL_CA_BUNDLE when that is unset; curl and pycurl read
# CURL_CA_BUNDLE. The emulator's bundle holds certifi's roots too, so public hosts still verify.
CA_ENV_VARS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(scope="session")
def auth0_fake(pytestconfig: pytest.Config) -> Generator[FakeAuth0, None, None]:
    """The embedded Auth0 emulator of a --auth0-fake session: URL, seeding, faults, counters."""
    if pytestconfig.stash[SETTINGS_KEY].mode != "fake":
        pytest.fail(
            "the auth0_fake fixture needs the emulator: run with --auth0-fake "
            "(or set auth0_fake = true in your pytest ini)",
            pytrace=False,
        )
    from pytest_auth0_m2m.fake import run_fake_auth0
    from pytest_auth0_m2m.plugin.network import early_tls

    # TLS on localhost, as Auth0 serves it, so SDKs that build https://{domain}/api/v2
    # themselves run unchanged; the session trusts the emulator's own CA (plus the usual ones),
    # made at configure time and already in the CA variables (aiohttp reads them at import).
    from pytest_auth0_m2m.plugin.own_apis import emulator_apis

    tls = early_tls(pytestconfig)
    apis = emulator_apis(pytestconfig)  # the user's own APIs (ini auth0_apis)
    with (
        run_fake_auth0(tls=True, tls_material=tls, apis=apis) as fake,
        pytest.MonkeyPatch.context() as env,
    ):
        for name in CA_ENV_VARS:
            env.setenv(name, str(fake.ca_cert_path))
        yield fake


@pytest.fixture(scope="session")
def auth0_tenant(request: pytest.FixtureRequest) -> TenantEndpoints:
    """The tenant this session talks to: .domain, .mode, .audience, .management_url, .token_url."""
    settings = request.config.stash[SETTINGS_KEY]
    if settings.mode == "fake":
        endpoints: TenantEndpoints = request.getfixturevalue("auth0_fake").endpoints
        return endpoints
    if settings.mode == "replay":
        if recording_disabled(request.config):
            # Replay without cassettes would send requests to the recordings domain, which
            # cannot resolve: say what to do instead.
            pytest.fail(
                "pytest-auth0-m2m: this session replays (record mode 'none') but recording is "
                "disabled (--disable-recording or -p no:recording), so there is nothing to replay. "
                "Run on the "
                "emulator with --auth0-fake, or against your dev tenant with --record-mode "
                "and AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET.",
                pytrace=False,
            )
        return TenantEndpoints(domain=RECORDINGS_DOMAIN, mode="replay")
    try:
        return settings.live_endpoints()
    except settings_mod.SettingsError as exc:
        pytest.fail(str(exc), pytrace=False)


def _open_source(request: pytest.FixtureRequest, endpoints: TenantEndpoints) -> TokenSource:
    """The token source for the session's mode."""
    if endpoints.mode == "replay":
        from pytest_auth0_m2m.cassettes.placeholders import ReplaySource
        from pytest_auth0_m2m.plugin import replay_signatures

        # The placeholder tokens' signatures of earlier runs (each checked before use), and
        # this run's kept for the next one when the session ends; --auth0-no-token-cache: none.
        if not request.config.stash[SETTINGS_KEY].token_cache.value:
            return ReplaySource(endpoints)
        known = replay_signatures.load(request.config)
        replay = ReplaySource(endpoints, known)
        request.addfinalizer(lambda: replay_signatures.save(request.config, known, replay.signed))
        return replay
    from pytest_auth0_m2m.plugin.session import provisioned_source

    config = request.config
    settings = config.stash[SETTINGS_KEY]
    if endpoints.mode == "fake":
        provisioner = request.getfixturevalue("auth0_fake").provisioner
        client_id, client_secret = provisioner.client_id, provisioner.client_secret
    else:
        # Only reached after settings.live_endpoints() (in auth0_tenant) checked the allowlist
        # and the credentials: nothing is ever sent to a tenant that is not allowed.
        client_id, client_secret = settings.client_id or "", settings.client_secret or ""
    kit: ClientKit = request.getfixturevalue("_auth0_m2m_clients")
    return provisioned_source(config, endpoints, client_id, client_secret, kit)


@pytest.fixture(scope="session")
def _auth0_m2m_clients(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[ClientKit, None, None]:
    """What the session's clients share: one SSL context, retries, the run's pacer."""
    from pytest_auth0_m2m.plugin.session import client_kit, record_client_stats

    ca_file = None
    if auth0_tenant.mode == "fake":
        ca_file = request.getfixturevalue("auth0_fake").ca_cert_path
    kit = client_kit(request.config, auth0_tenant, ca_file)
    yield kit
    record_client_stats(request.config, kit)


@pytest.fixture(scope="session")
def _auth0_m2m_source(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[TokenSource, None, None]:
    """Per-scope-set credentials and tokens for this process (provisioned or placeholders)."""
    source = _open_source(request, auth0_tenant)
    try:
        yield source
    finally:
        source.close()


def _token(request: pytest.FixtureRequest, fixture: str) -> str:
    # The marker is checked before the source is asked: a misuse never provisions anything.
    scopes = _scopes_for(request, fixture)
    source: TokenSource = request.getfixturevalue("_auth0_m2m_source")
    return source.token(scopes)


@pytest.fixture
def mgmt_token(request: pytest.FixtureRequest) -> str:
    """An access token whose scope claim is exactly the test's mgmt_scopes.

    A ``str`` (an ``AccessToken``) whose repr is masked, so that assertion output, ``-l`` and
    ``--showlocals`` never print it.
    """
    return AccessToken(_token(request, "mgmt_token"))


def _shown(value: object) -> str:
    if isinstance(value, MaskedSecret):
        return repr(value)
    from pytest_auth0_m2m.cassettes.placeholders import JWT_PATTERN

    text = repr(value)
    # The other side may be a real token the test got elsewhere: shown by its shape only.
    return JWT_PATTERN.sub("<JWT>", text) if len(text) < 200 else f"<{type(value).__name__}>"


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: Any, right: Any
) -> list[str] | None:
    """A comparison with a token or client secret explains itself without showing them.

    pytest's own explanation would diff the strings' text (``-vv`` prints all of it).
    """
    if not isinstance(left, MaskedSecret) and not isinstance(right, MaskedSecret):
        return None
    return [
        f"{_shown(left)} {op} {_shown(right)}",
        "(pytest-auth0-m2m does not print a credential: compare its claims, its length or "
        "a hash of it instead)",
    ]


@pytest.fixture
def m2m_credentials(request: pytest.FixtureRequest) -> AppCredentials:
    """The test's scope-set M2M app: .domain, .client_id, .client_secret, .audience, .token_url."""
    scopes = _scopes_for(request, "m2m_credentials")
    source: TokenSource = request.getfixturevalue("_auth0_m2m_source")
    credentials = source.credentials(scopes)
    return dataclasses.replace(credentials, client_secret=ClientSecret(credentials.client_secret))


@pytest.fixture
def mgmt_client(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[httpx.Client, None, None]:
    """An httpx.Client on the Management API with the test's bearer token; it waits out 429s."""
    token = _token(request, "mgmt_client")
    kit: ClientKit = request.getfixturevalue("_auth0_m2m_clients")
    headers = {"Authorization": f"Bearer {token}"}
    with kit.client(auth0_tenant.management_url, headers, retry=retries(request)) as client:
        yield client


@pytest.fixture
def mgmt_async_client(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> httpx.AsyncClient:
    """An httpx.AsyncClient on the Management API with the test's bearer token."""
    token = _token(request, "mgmt_async_client")
    # A plain (sync) fixture works under any async runner (pytest-asyncio, anyio). With no
    # kept-alive connection, nothing is left bound to the test's event loop after the test.
    kit: ClientKit = request.getfixturevalue("_auth0_m2m_clients")
    headers = {"Authorization": f"Bearer {token}"}
    return kit.async_client(auth0_tenant.management_url, headers, retry=retries(request))


NO_RETRY_MARKER = "auth0_no_retry"
NO_RETRY_HELP = (
    f"{NO_RETRY_MARKER}: this test's mgmt_client, mgmt_async_client and auth0_arrange hand back "
    "429s and 5xx as is (--auth0-no-retry for the whole run)"
)


def retries(request: pytest.FixtureRequest) -> bool:
    """False for a test marked ``auth0_no_retry``: its clients hand back 429s and 5xx as is."""
    return request.node.get_closest_marker(NO_RETRY_MARKER) is None
