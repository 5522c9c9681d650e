"""The pytest entry point: options, the ``mgmt_scopes`` marker, the report header, fixtures.

Thin on purpose: every decision is made by the library modules; this file only reads pytest's
configuration, keeps per-session state in ``config.stash`` and hands it to them.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import httpx
import pytest

from pytest_auth0_m2m import config as settings_mod
from pytest_auth0_m2m.endpoints import RECORDINGS_DOMAIN, AppCredentials, TenantEndpoints
from pytest_auth0_m2m.scopes import ScopeError, ScopeRequest, parse_marker_args
from pytest_auth0_m2m.source import TokenSource

MARKER = "mgmt_scopes"
MARKER_HELP = (
    "mgmt_scopes(*scopes, strict=None): the Auth0 Management API scopes this test's token gets, "
    "exactly; the closest marker (function > class > module) wins."
)

SETTINGS_KEY = pytest.StashKey[settings_mod.Settings]()
SCOPES_KEY = pytest.StashKey[ScopeRequest]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("auth0-m2m", "Auth0 Management API (pytest-auth0-m2m)")
    group.addoption(
        "--auth0-fake",
        action="store_true",
        default=None,
        help="run against the embedded Auth0 emulator on 127.0.0.1 (ini: auth0_fake).",
    )
    group.addoption(
        "--auth0-domain",
        metavar="DOMAIN",
        default=None,
        help="dev tenant domain for live runs, e.g. dev-x.eu.auth0.com (env AUTH0_DOMAIN; "
        "credentials only from env AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET).",
    )
    group.addoption(
        "--auth0-no-token-cache",
        action="store_true",
        default=None,
        help="do not read or write the on-disk token cache under the pytest cache directory.",
    )
    group.addoption(
        "--auth0-keep",
        action="store_true",
        default=None,
        help="keep the per-scope-set apps and grants at the end of the session.",
    )
    group.addoption(
        "--auth0-delete-apps",
        action="store_true",
        default=None,
        help="also delete the per-scope-set apps at the end (they are kept for reuse by default).",
    )
    group.addoption(
        "--mgmt-scopes-report",
        metavar="PATH",
        default=None,
        help="write the least-privilege report (declared vs used scopes per test) as JSON to PATH.",
    )
    group.addoption(
        "--mgmt-scopes-strict",
        action="store_true",
        default=None,
        help="fail a test whose declared scopes include ones its requests did not need.",
    )
    parser.addini(
        "auth0_fake", "run against the embedded Auth0 emulator", type="bool", default=None
    )
    parser.addini("auth0_domain", "dev tenant domain for live runs", default=None)
    parser.addini(
        "auth0_allowed_domains",
        "glob patterns of tenant domains live runs may write to, e.g. dev-*.eu.auth0.com",
        type="linelist",
        default=[],
    )
    parser.addini(
        "auth0_cassette_dir",
        "cassette directory, relative to the rootdir (default: cassettes)",
        default="cassettes",
    )


def _record_mode(config: pytest.Config) -> str:
    try:
        mode = config.getoption("--record-mode")
    except ValueError:  # pytest-recording disabled with -p no:recording
        return "none"
    return str(mode) if mode is not None else "none"


def _ini(config: pytest.Config, name: str) -> object:
    value = config.getini(name)
    # Older pytest returns "" or [] for an unset value whatever the default: treat as unset.
    return None if value in ("", [], None) else value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    ini_fake = _ini(config, "auth0_fake")
    ini_domain = _ini(config, "auth0_domain")
    try:
        settings = settings_mod.resolve(
            cli_fake=config.getoption("--auth0-fake"),
            ini_fake=ini_fake if isinstance(ini_fake, (str, bool)) else None,
            cli_domain=config.getoption("--auth0-domain"),
            ini_domain=str(ini_domain) if ini_domain is not None else None,
            env=os.environ,
            allowed_domains=[str(p) for p in config.getini("auth0_allowed_domains")],
            record_mode=_record_mode(config),
            cassette_dir=config.rootpath / str(config.getini("auth0_cassette_dir")),
            cli_no_token_cache=config.getoption("--auth0-no-token-cache"),
            cli_keep=config.getoption("--auth0-keep"),
            cli_delete_apps=config.getoption("--auth0-delete-apps"),
        )
    except settings_mod.SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SETTINGS_KEY] = settings


def _header_domain(settings: settings_mod.Settings) -> str:
    if settings.mode == "fake":
        return "emulator on 127.0.0.1"
    if settings.mode == "replay":
        return RECORDINGS_DOMAIN
    return settings.domain.value or "(none: set AUTH0_DOMAIN or --auth0-domain)"


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        return None
    return settings.header_line(_header_domain(settings), config.rootpath)


def _check_scopes(item: pytest.Item) -> None:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return
    try:
        request = parse_marker_args(tuple(marker.args), marker.kwargs)
    except ScopeError as exc:
        raise pytest.Collector.CollectError(f"{item.nodeid}: {exc}") from None
    item.stash[SCOPES_KEY] = request


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makeitem(
    collector: pytest.Collector, name: str, obj: object
) -> Generator[None, object, object]:
    # Validating here, while the module is collected, makes a typo a collection error that
    # stops the run before any test (or any tenant call) happens.
    result = yield
    items = result if isinstance(result, list) else [result]
    for item in items:
        if isinstance(item, pytest.Item):
            _check_scopes(item)
    return result


def declared_scopes(item: pytest.Item) -> ScopeRequest | None:
    """The validated ``mgmt_scopes`` declaration of a collected test, or None without a marker."""
    return item.stash.get(SCOPES_KEY, None)


@pytest.fixture(scope="session")
def auth0_settings(pytestconfig: pytest.Config) -> settings_mod.Settings:
    """The plugin's resolved settings for this session (mode, domain, cassette directory)."""
    return pytestconfig.stash[SETTINGS_KEY]


# --- Fixtures --------------------------------------------------------------------------------

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


@pytest.fixture(scope="session")
def auth0_tenant(request: pytest.FixtureRequest) -> TenantEndpoints:
    """The tenant this session talks to: .domain, .mode, .audience, .management_url, .token_url."""
    settings = request.config.stash[SETTINGS_KEY]
    if settings.mode == "fake":
        fake = request.getfixturevalue("auth0_fake")
        return TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    if settings.mode == "replay":
        return TenantEndpoints(domain=RECORDINGS_DOMAIN, mode="replay")
    try:
        return settings.live_endpoints()
    except settings_mod.SettingsError as exc:
        pytest.fail(str(exc), pytrace=False)


def open_source(config: pytest.Config, endpoints: TenantEndpoints) -> TokenSource:
    """The token source for the session's mode."""
    raise NotImplementedError(
        f"pytest-auth0-m2m: {endpoints.mode} mode has no token source yet (issues 4 and 5)"
    )


@pytest.fixture(scope="session")
def _auth0_m2m_source(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[TokenSource, None, None]:
    """Per-scope-set credentials and tokens for this process (provisioned or placeholders)."""
    source = open_source(request.config, auth0_tenant)
    try:
        yield source
    finally:
        source.close()


@pytest.fixture
def mgmt_token(request: pytest.FixtureRequest, _auth0_m2m_source: TokenSource) -> str:
    """An access token whose scope claim is exactly the test's mgmt_scopes."""
    return _auth0_m2m_source.token(_scopes_for(request, "mgmt_token"))


@pytest.fixture
def m2m_credentials(
    request: pytest.FixtureRequest, _auth0_m2m_source: TokenSource
) -> AppCredentials:
    """The test's scope-set M2M app: .domain, .client_id, .client_secret, .audience, .token_url."""
    return _auth0_m2m_source.credentials(_scopes_for(request, "m2m_credentials"))


@pytest.fixture
def mgmt_client(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints, _auth0_m2m_source: TokenSource
) -> Generator[httpx.Client, None, None]:
    """An httpx.Client on the Management API with the test's bearer token."""
    token = _auth0_m2m_source.token(_scopes_for(request, "mgmt_client"))
    with httpx.Client(
        base_url=auth0_tenant.management_url, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client


@pytest.fixture
def mgmt_async_client(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints, _auth0_m2m_source: TokenSource
) -> httpx.AsyncClient:
    """An httpx.AsyncClient on the Management API with the test's bearer token."""
    token = _auth0_m2m_source.token(_scopes_for(request, "mgmt_async_client"))
    # A plain (sync) fixture works under any async runner (pytest-asyncio, anyio). With no
    # kept-alive connection, nothing is left bound to the test's event loop after the test.
    return httpx.AsyncClient(
        base_url=auth0_tenant.management_url,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_keepalive_connections=0),
    )
