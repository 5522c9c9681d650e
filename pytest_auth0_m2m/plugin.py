"""The pytest entry point: options, the ``mgmt_scopes`` marker, the report header, fixtures.

Thin on purpose: every decision is made by the library modules; this file only reads pytest's
configuration, keeps per-session state in ``config.stash`` and hands it to them.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest

# pytest-recording asks pytest to rewrite asserts in vcr.matchers when it is imported; it must be
# imported before this package imports vcr, or pytest warns that it came too late.
import pytest_recording  # noqa: F401

from pytest_auth0_m2m import config as settings_mod
from pytest_auth0_m2m.coordination import RunInfo
from pytest_auth0_m2m.endpoints import RECORDINGS_DOMAIN, AppCredentials, TenantEndpoints
from pytest_auth0_m2m.management import ManagementClient, ManagementError
from pytest_auth0_m2m.provisioning import (
    ProvisionedSource,
    Provisioner,
    ProvisioningError,
    ProvisionStats,
)
from pytest_auth0_m2m.scopes import ScopeError, ScopeRequest, parse_marker_args
from pytest_auth0_m2m.source import TokenSource
from pytest_auth0_m2m.tokens import TokenCache

if TYPE_CHECKING:
    from pytest_auth0_m2m.fake import FakeAuth0

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
        fake = request.getfixturevalue("auth0_fake")
        return TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    if settings.mode == "replay":
        return TenantEndpoints(domain=RECORDINGS_DOMAIN, mode="replay")
    try:
        return settings.live_endpoints()
    except settings_mod.SettingsError as exc:
        pytest.fail(str(exc), pytrace=False)


def open_source(
    config: pytest.Config,
    endpoints: TenantEndpoints,
    request: pytest.FixtureRequest | None = None,
) -> TokenSource:
    """The token source for the session's mode."""
    if endpoints.mode == "replay":
        from pytest_auth0_m2m.placeholders import ReplaySource

        return ReplaySource(endpoints)
    settings = config.stash[SETTINGS_KEY]
    if endpoints.mode == "fake":
        if request is None:
            raise RuntimeError("pytest-auth0-m2m: fake mode needs the fixture request")
        provisioner = request.getfixturevalue("auth0_fake").provisioner
        client_id, client_secret = provisioner.client_id, provisioner.client_secret
    else:
        # Only reached after settings.live_endpoints() (in auth0_tenant) checked the allowlist
        # and the credentials: nothing is ever sent to a tenant that is not allowed.
        client_id, client_secret = settings.client_id or "", settings.client_secret or ""
    return _provisioned_source(config, endpoints, client_id, client_secret)


@pytest.fixture(scope="session")
def _auth0_m2m_source(
    request: pytest.FixtureRequest, auth0_tenant: TenantEndpoints
) -> Generator[TokenSource, None, None]:
    """Per-scope-set credentials and tokens for this process (provisioned or placeholders)."""
    source = open_source(request.config, auth0_tenant, request)
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


# --- Provisioning lifecycle (live and fake modes) ------------------------------------------------

RUN_KEY = pytest.StashKey["RunInfo"]()


def _state_dir(config: pytest.Config) -> Path:
    """Run state, locks and tokens live under the pytest cache, shared by runs in this rootdir."""
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    if cache is not None:
        return Path(cache.mkdir("auth0-m2m"))
    return Path(tempfile.gettempdir()) / "pytest-auth0-m2m"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _run(config: pytest.Config) -> RunInfo:
    """This run, made on first need. Workers join the run their controller started."""
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        workerinput = getattr(config, "workerinput", None)
        joined = RunInfo.from_workerinput(workerinput) if workerinput is not None else None
        run = joined if joined is not None else RunInfo.new(_state_dir(config))
        config.stash[RUN_KEY] = run
    return run


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand the run's id, owner and state directory to each worker."""
    node.workerinput.update(_run(node.config).as_workerinput())


class _PluginSource:
    """Turns provisioning failures into one clear test failure, and stops after a fatal one:
    a wrong secret or a provisioner without a scope is not retried by every test."""

    def __init__(self, inner: ProvisionedSource) -> None:
        self.inner = inner
        self.endpoints = inner.endpoints
        self._fatal: str | None = None

    def __repr__(self) -> str:
        return repr(self.inner)

    def _guard(self, call: Callable[[frozenset[str]], _T], scopes: frozenset[str]) -> _T:
        if self._fatal is not None:
            pytest.fail(self._fatal, pytrace=False)
        try:
            return call(scopes)
        except (ManagementError, ProvisioningError) as exc:
            message = f"pytest-auth0-m2m: {exc}"
            # Bad credentials or a provisioner without a scope: every later call would fail too.
            if isinstance(exc, ProvisioningError) or exc.status in (401, 403):
                self._fatal = message
            pytest.fail(message, pytrace=False)

    def credentials(self, scopes: frozenset[str]) -> AppCredentials:
        return self._guard(self.inner.credentials, scopes)

    def token(self, scopes: frozenset[str]) -> str:
        return self._guard(self.inner.token, scopes)

    def close(self) -> None:
        self.inner.close()


_T = TypeVar("_T")


def _provisioned_source(
    config: pytest.Config, endpoints: TenantEndpoints, client_id: str, client_secret: str
) -> TokenSource:
    settings = config.stash[SETTINGS_KEY]
    run = _run(config)
    run.state.start(run, endpoints.domain)
    stats = ProvisionStats()
    mgmt = ManagementClient(endpoints, client_id, client_secret)
    provisioner = Provisioner(mgmt, run, stats)
    cache = TokenCache(run.state_dir / "tokens" if settings.token_cache.value else None)

    def on_close(source: ProvisionedSource) -> None:
        owner = not _is_worker(config)
        if owner and run.state.claim_teardown():
            # Not distributed: tear down here, while a fake-mode emulator is still running.
            _teardown(provisioner, settings)
        run.state.record_stats(_process_key(), {**stats.as_dict(), **mgmt.stats.as_dict()})

    return _PluginSource(ProvisionedSource(endpoints, provisioner, cache, stats, on_close))


def _process_key() -> str:
    return str(os.getpid())


def _teardown(provisioner: Provisioner, settings: settings_mod.Settings) -> None:
    try:
        provisioner.teardown(keep=settings.keep.value, delete_apps=settings.delete_apps.value)
    except (ManagementError, ProvisioningError) as exc:
        # Teardown trouble must not hide test results; the next run (or the sweeper) repairs it.
        warnings.warn(
            f"pytest-auth0-m2m: teardown incomplete ({exc}); the next run repairs it, or run "
            "`python -m pytest_auth0_m2m sweep`.",
            stacklevel=1,
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Once per run, in the xdist controller: the workers' grants are released here."""
    config = session.config
    run = config.stash.get(RUN_KEY, None)
    settings = config.stash.get(SETTINGS_KEY, None)
    if run is None or settings is None or _is_worker(config) or not run.state.path.exists():
        return
    if not run.state.load().get("apps") or settings.mode != "live":
        # Fake-mode workers each own their emulator; nothing outlives them to clean up.
        return
    if not run.state.claim_teardown():
        return
    endpoints = settings.live_endpoints()
    stats = ProvisionStats()
    with ManagementClient(
        endpoints, settings.client_id or "", settings.client_secret or ""
    ) as mgmt:
        _teardown(Provisioner(mgmt, run, stats), settings)
        run.state.record_stats(
            f"{_process_key()}-teardown", {**stats.as_dict(), **mgmt.stats.as_dict()}
        )


def summary_line(totals: dict[str, int]) -> str:
    get = totals.get
    return (
        f"auth0-m2m: apps {get('apps_created', 0)} created, {get('apps_reused', 0)} reused; "
        f"grants {get('grants_created', 0)} created, {get('grants_deleted', 0)} deleted; "
        f"tokens {get('tokens_fetched', 0)} fetched, {get('tokens_cached', 0)} cached; "
        f"{get('rate_limit_waits', 0)} rate-limit waits (429)"
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is None or _is_worker(config) or not run.state.path.exists():
        return
    totals = run.state.totals()
    if any(totals.values()):
        terminalreporter.write_line(summary_line(totals))


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is None or _is_worker(config):
        return
    state = run.state
    if state.path.exists() and state.load().get("torn_down"):
        state.remove()


# --- Cassettes (recording and replay) ------------------------------------------------------------

from pytest_auth0_m2m import recording as recording_mod  # noqa: E402

REGISTRY_KEY = pytest.StashKey[recording_mod.SecretRegistry]()
LEAKS_KEY = pytest.StashKey[list[str]]()
MISSING_CASSETTE_KEY = pytest.StashKey[str]()
# Our vcr marker carries this flag: the VCR config wrapper knows the cassette is one of ours.
CASSETTE_FLAG = "auth0_m2m"
# vcr_config / vcr marker key: extra header names to keep in cassettes (never credentials).
KEEP_HEADERS_OPTION = "auth0_keep_headers"
OUR_TOKEN_FIXTURES = frozenset(
    {"mgmt_token", "mgmt_client", "mgmt_async_client", "m2m_credentials"}
)


def secret_registry(config: pytest.Config) -> recording_mod.SecretRegistry:
    """The session's secrets and tenant names, for redaction and the cassette guard."""
    registry = config.stash.get(REGISTRY_KEY, None)
    if registry is None:
        registry = config.stash[REGISTRY_KEY] = recording_mod.SecretRegistry()
    return registry


def _cassettes_in_use(config: pytest.Config) -> bool:
    """Fake mode without recording talks to the emulator directly; else tests use cassettes."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or (settings.mode == "fake" and settings.record_mode == "none"):
        return False
    try:
        return not config.getoption("--disable-recording")
    except ValueError:  # pytest-recording disabled with -p no:recording
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _cassettes_in_use(config):
        return
    settings = config.stash[SETTINGS_KEY]
    for item in items:
        if declared_scopes(item) is None:
            continue
        directory = recording_mod.cassette_dir_for(
            settings.cassette_dir, config.rootpath, item.path
        )
        # First in the item's own markers, so it is the closest vcr marker: its record mode
        # (the session's, which decided replay vs live) wins over one in vcr_config or a
        # user's marker; the user's other settings still merge in.
        item.add_marker(
            pytest.mark.vcr(
                record_mode=settings.record_mode,
                cassette_library_dir=str(directory),
                **{CASSETTE_FLAG: True},
            ),
            append=False,
        )


def _is_ours(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("vcr")
    return marker is not None and bool(marker.kwargs.get(CASSETTE_FLAG))


def _then(first: Callable[[Any], Any] | None, second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def chained(value: Any) -> Any:
        if first is not None:
            value = first(value)
        return None if value is None else second(value)

    return chained


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Every cassette is guarded; ours are also redacted, after the user's own hooks."""
    original = vcr.get_merged_config
    registry = secret_registry(config)
    settings = config.stash[SETTINGS_KEY]
    removed: set[str] = set()

    def get_merged_config(**kwargs: Any) -> dict[str, Any]:
        merged: dict[str, Any] = original(**kwargs)
        ours = bool(kwargs.get(CASSETTE_FLAG))
        keep = [str(h) for h in kwargs.get(KEEP_HEADERS_OPTION, ())]

        def redactor() -> recording_mod.Redactor:
            # Made per use: the registry learns tenant names and secrets as the test runs.
            return recording_mod.Redactor.for_registry(
                registry, request_headers=keep, response_headers=keep
            )

        if ours:
            merged["before_record_request"] = _then(
                merged.get("before_record_request"), lambda r: redactor().request(r)
            )
            merged["before_record_response"] = _then(
                merged.get("before_record_response"), lambda r: redactor().response(r)
            )
            if settings.record_mode == "rewrite" and "path" in merged:
                # pytest-recording deletes the cassette under its own directory, not ours.
                path = str(merged["path_transformer"](merged["path"]))
                if path not in removed:
                    removed.add(path)
                    Path(path).unlink(missing_ok=True)
        merged["persister"] = recording_mod.GuardedPersister(
            merged["persister"],
            registry,
            redactor if ours else lambda: None,
            on_leak=lambda error: config.stash.setdefault(LEAKS_KEY, []).append(str(error)),
        )
        return merged

    vcr.get_merged_config = get_merged_config


def _cassette_path(cassette: Any) -> str | None:
    path = getattr(cassette, "path", None) or getattr(cassette, "_path", None)
    return None if path is None else str(path)


def _display(config: pytest.Config, path: str) -> str:
    try:
        return str(Path(path).relative_to(config.rootpath))
    except ValueError:
        return path


def _emulator_secrets(fake: Any) -> list[recording_mod.Secret]:
    with fake.tenant.lock:
        clients = list(fake.tenant.clients.values())
    return [
        recording_mod.Secret(str(c["client_secret"]), "a client secret held by the emulator")
        for c in clients
        if c.get("client_secret")
    ]


@pytest.fixture(autouse=True)
def _auth0_m2m_cassette(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Cassette glue for mgmt_scopes tests: tenant names for the rewrite, replay checks."""
    item = request.node
    if not isinstance(item, pytest.Item) or not _is_ours(item):
        yield
        return
    config = request.config
    settings = config.stash[SETTINGS_KEY]
    cassette = request.getfixturevalue("vcr")
    path = _cassette_path(cassette) if cassette is not None else None
    registry = secret_registry(config)
    if settings.mode == "replay":
        if path is not None and not os.path.exists(path) and len(cassette) == 0:
            item.stash[MISSING_CASSETTE_KEY] = recording_mod.missing_cassette_message(
                item.nodeid, _display(config, path)
            )
    else:
        tenant: TenantEndpoints = request.getfixturevalue("auth0_tenant")
        registry.add_tenant(tenant.domain, tenant.base_url)
        if settings.mode == "fake":
            fake = request.getfixturevalue("auth0_fake")
            registry.add_provisioner(fake.provisioner.client_id, fake.provisioner.client_secret)
            registry.add_source(lambda: _emulator_secrets(fake))
        else:
            registry.add_provisioner(settings.client_id, settings.client_secret)
        declared = declared_scopes(item)
        if declared is not None and not OUR_TOKEN_FIXTURES.isdisjoint(request.fixturenames):
            # The test's app, known before its first request: its secret and token are guarded
            # and its client id is recorded as the placeholder id replay uses. The provisioning
            # traffic this may cause identifies itself and is never recorded.
            source: TokenSource = request.getfixturevalue("_auth0_m2m_source")
            credentials = source.credentials(declared.scopes)
            registry.add_app(declared.scopes, credentials.client_id, credentials.client_secret)
            registry.add_token(source.token(declared.scopes), "the test's access token")
    yield
    if settings.record_mode != "none" and path is not None and not os.path.exists(path):
        # A test that made no request still gets a (empty) cassette: replay then knows it
        # was recorded, instead of failing for a missing cassette.
        cassette.dirty = True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    message = item.stash.get(MISSING_CASSETTE_KEY, None)
    if message is not None:
        pytest.fail(message, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    # A refused cassette is reported once vcrpy has finished (and undone its patches).
    yield
    leaks = item.config.stash.get(LEAKS_KEY, [])
    if leaks:
        messages = list(leaks)
        leaks.clear()
        pytest.fail("\n".join(messages), pytrace=False)


# --- Least-privilege report ----------------------------------------------------------------------
# Each mgmt_scopes test's traffic (its cassette, else the emulator's journal) is analysed by
# least_privilege.py at teardown; the result rides on the teardown report, so xdist workers hand
# it to the controller, which prints the summary and writes the JSON report.

from pytest_auth0_m2m import least_privilege as lp  # noqa: E402

# The hooks below are named pytest_<hook>_least_privilege with specname=: pytest only reads
# attributes starting with "pytest_", and this module already has hooks of the same names.

TRAFFIC_KEY = pytest.StashKey[tuple["lp.TrafficWatch | None", frozenset[str]]]()
OUTCOME_KEY = pytest.StashKey[str]()
USAGE_KEY = pytest.StashKey[lp.ScopeUsage]()
SCOPES_REPORT_KEY = pytest.StashKey["_ScopesReport"]()
REPORT_ATTR = "auth0_m2m_scopes"  # on teardown reports: the test's ScopeUsage as JSON
SECTION = "auth0-m2m least privilege"


def _tenant_hosts(settings: settings_mod.Settings, fake: Any) -> frozenset[str]:
    names = [fake.url] if fake is not None else []
    if settings.mode == "live" and settings.domain.value:
        names.append(settings.domain.value)
    return lp.tenant_hosts(*names)


@pytest.fixture(autouse=True)
def _auth0_m2m_traffic(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Watches a mgmt_scopes test's Management API traffic for the least-privilege report."""
    item = request.node
    declared = declared_scopes(item) if isinstance(item, pytest.Item) else None
    if declared is None:
        yield
        return
    settings = request.config.stash[SETTINGS_KEY]
    fake = request.getfixturevalue("auth0_fake") if settings.mode == "fake" else None
    cassette = request.getfixturevalue("vcr") if _is_ours(item) else None
    journal = getattr(fake, "journal", None)
    watch: lp.TrafficWatch | None = None
    if cassette is not None:
        watch = lp.TrafficWatch(cassette=cassette)
    elif fake is not None and journal is not None:
        watch = lp.TrafficWatch.on_journal(journal, fake.url, {fake.provisioner.client_id})
    item.stash[TRAFFIC_KEY] = (watch, _tenant_hosts(settings, fake))
    yield


def _usage(item: pytest.Item, outcome: str | None) -> lp.ScopeUsage | None:
    watched = item.stash.get(TRAFFIC_KEY, None)
    if watched is None:
        return None
    watch, hosts = watched
    traffic = watch.exchanges() if watch is not None else None
    usage = lp.analyse(item.nodeid, traffic, declared_scopes(item), hosts)
    return usage.with_outcome(outcome) if outcome is not None else usage


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_call")
def pytest_runtest_call_least_privilege(item: pytest.Item) -> Generator[None, None, None]:
    watched = item.stash.get(TRAFFIC_KEY, None)
    if watched is not None and watched[0] is not None:
        watched[0].mark_call()
    return (yield)


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_teardown")
def pytest_runtest_teardown_least_privilege(item: pytest.Item) -> Generator[None, None, None]:
    # After the fixtures' own teardown, so requests made while cleaning up count too.
    try:
        yield
    except BaseException:
        usage = _usage(item, "failed")
        if usage is not None:
            item.stash[USAGE_KEY] = usage
        raise
    usage = _usage(item, item.stash.get(OUTCOME_KEY, None))
    if usage is None:
        return
    item.stash[USAGE_KEY] = usage
    failure = usage.strict_failure(bool(item.config.getoption("--mgmt-scopes-strict")))
    if failure is not None:
        pytest.fail(failure, pytrace=False)


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_least_privilege(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if TRAFFIC_KEY not in item.stash:
        return report
    if report.when == "teardown":
        usage = item.stash.get(USAGE_KEY, None)
        if usage is not None:
            setattr(report, REPORT_ATTR, usage.to_json())
        return report
    if report.failed:
        item.stash[OUTCOME_KEY] = "failed"
        so_far = _usage(item, None)
        lines = so_far.failure_lines() if so_far is not None else []
        if lines:
            report.sections.append((SECTION, "\n".join(lines)))
    elif report.skipped or report.when == "call":
        item.stash[OUTCOME_KEY] = report.outcome
    return report


class _ScopesReport:
    """The run's least-privilege report, gathered from teardown reports (xdist's included)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run = lp.RunReport()
        path = config.getoption("--mgmt-scopes-report")
        self.path = Path(os.path.abspath(os.path.expanduser(str(path)))) if path else None
        self.error: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTR, None)
        if report.when == "teardown" and isinstance(data, dict):
            self.run.add(lp.ScopeUsage.from_json(data))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.path is None:
            return
        settings = self.config.stash.get(SETTINGS_KEY, None)
        strict = bool(self.config.getoption("--mgmt-scopes-strict"))
        try:
            self.run.write(self.path, settings.mode if settings else None, strict)
        except OSError as exc:
            self.error = (
                f"pytest-auth0-m2m: could not write the least-privilege report to {self.path}: "
                f"{exc}. Pass a writable path to --mgmt-scopes-report."
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.run.tests and self.error is None:
            return
        terminalreporter.section(SECTION)
        for line in self.run.summary_lines() if self.run.tests else []:
            terminalreporter.write_line(line)
        if self.error is not None:
            terminalreporter.write_line(self.error, red=True)
        elif self.path is not None:
            terminalreporter.write_line(f"least-privilege report written to {self.path}")


@pytest.hookimpl(specname="pytest_configure")
def pytest_configure_least_privilege(config: pytest.Config) -> None:
    if _is_worker(config):
        return  # the controller reports
    collector = _ScopesReport(config)
    config.stash[SCOPES_REPORT_KEY] = collector
    config.pluginmanager.register(collector, "auth0-m2m-scopes-report")
