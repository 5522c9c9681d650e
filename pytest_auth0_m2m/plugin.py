"""The pytest entry point: options, the ``mgmt_scopes`` marker, the report header, fixtures.

Thin on purpose: every decision is made by the library modules; this file only reads pytest's
configuration, keeps per-session state in ``config.stash`` and hands it to them. Its three
companions (listed in ``pytest_plugins``) do the same for provisioning, cassettes and the
least-privilege report.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING

import httpx
import pytest

# pytest-recording asks pytest to rewrite asserts in vcr.matchers when it is imported; it must be
# imported before this package imports vcr, or pytest warns that it came too late.
import pytest_recording  # noqa: F401

from pytest_auth0_m2m import config as settings_mod
from pytest_auth0_m2m.endpoints import RECORDINGS_DOMAIN, AppCredentials, TenantEndpoints
from pytest_auth0_m2m.scopes import ScopeError, ScopeRequest, parse_marker_args
from pytest_auth0_m2m.source import TokenSource

if TYPE_CHECKING:
    from pytest_auth0_m2m.fake import FakeAuth0

MARKER = "mgmt_scopes"
MARKER_HELP = (
    "mgmt_scopes(*scopes, strict=None): the Auth0 Management API scopes this test's token gets, "
    "exactly; the closest marker (function > class > module) wins."
)

# Loaded by pytest once this module is registered; they import their shared keys from here.
pytest_plugins = (
    "pytest_auth0_m2m.plugin_provisioning",
    "pytest_auth0_m2m.plugin_cassettes",
    "pytest_auth0_m2m.plugin_report",
)

SETTINGS_KEY = pytest.StashKey[settings_mod.Settings]()
SCOPES_KEY = pytest.StashKey[ScopeRequest]()


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


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
    # A string parsed by config.parse_bool rather than pytest's "bool" type, so that a bad
    # value's error names the option.
    parser.addini("auth0_fake", "run against the embedded Auth0 emulator: true or false")
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


def _recording_disabled(config: pytest.Config) -> bool:
    try:
        return bool(config.getoption("--disable-recording"))
    except ValueError:  # pytest-recording disabled with -p no:recording
        return True


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


def _closest_marker(item: pytest.Item) -> pytest.Mark | None:
    # pytest lists a test's decorator marks before its pytest.param(..., marks=...) marks on the
    # same node; the parameter's is the more specific one, so it wins.
    callspec = getattr(item, "callspec", None)
    param_marks = [m for m in getattr(callspec, "marks", ()) if m.name == MARKER]
    return param_marks[-1] if param_marks else item.get_closest_marker(MARKER)


def _check_scopes(item: pytest.Item) -> None:
    marker = _closest_marker(item)
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


# Both are read when a client is made: httpx (and so auth0-python's Management client) reads
# SSL_CERT_FILE, requests (auth0-python's token fetch) reads REQUESTS_CA_BUNDLE.
CA_ENV_VARS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


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

    # TLS on localhost, as Auth0 serves it, so SDKs that build https://{domain}/api/v2
    # themselves run unchanged; the session trusts the emulator's own CA (plus the usual ones).
    with run_fake_auth0(tls=True) as fake, pytest.MonkeyPatch.context() as env:
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
        if _recording_disabled(request.config):
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
        from pytest_auth0_m2m.placeholders import ReplaySource

        return ReplaySource(endpoints)
    from pytest_auth0_m2m.plugin_provisioning import provisioned_source

    config = request.config
    settings = config.stash[SETTINGS_KEY]
    if endpoints.mode == "fake":
        provisioner = request.getfixturevalue("auth0_fake").provisioner
        client_id, client_secret = provisioner.client_id, provisioner.client_secret
    else:
        # Only reached after settings.live_endpoints() (in auth0_tenant) checked the allowlist
        # and the credentials: nothing is ever sent to a tenant that is not allowed.
        client_id, client_secret = settings.client_id or "", settings.client_secret or ""
    return provisioned_source(config, endpoints, client_id, client_secret)


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
    """An access token whose scope claim is exactly the test's mgmt_scopes."""
    return _token(request, "mgmt_token")


@pytest.fixture
def m2m_credentials(request: pytest.FixtureRequest) -> AppCredentials:
    """The test's scope-set M2M app: .domain, .client_id, .client_secret, .audience, .token_url."""
    scopes = _scopes_for(request, "m2m_credentials")
    source: TokenSource = request.getfixturevalue("_auth0_m2m_source")
    return source.credentials(scopes)


@pytest.fixture
def mgmt_client(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[httpx.Client, None, None]:
    """An httpx.Client on the Management API with the test's bearer token."""
    token = _token(request, "mgmt_client")
    with httpx.Client(
        base_url=auth0_tenant.management_url, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client


@pytest.fixture
def mgmt_async_client(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> httpx.AsyncClient:
    """An httpx.AsyncClient on the Management API with the test's bearer token."""
    token = _token(request, "mgmt_async_client")
    # A plain (sync) fixture works under any async runner (pytest-asyncio, anyio). With no
    # kept-alive connection, nothing is left bound to the test's event loop after the test.
    return httpx.AsyncClient(
        base_url=auth0_tenant.management_url,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_keepalive_connections=0),
    )
