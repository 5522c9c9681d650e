"""pytest side of provisioning (live and fake modes): the run, its xdist workers, teardown.

The per-scope-set apps, grants and tokens are made by ``provisioning``; this module gives each
process its source, hands the run to xdist workers, tears the run down exactly once and prints
the session's one summary line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from pytest_auth0_m2m.auth0 import hosts
from pytest_auth0_m2m.auth0.endpoints import AppCredentials, TenantEndpoints, TokenSource
from pytest_auth0_m2m.plugin.state import SETTINGS_KEY, declared_scopes, is_xdist_worker
from pytest_auth0_m2m.provisioning import settings as settings_mod

# httpx, the retry machinery, the provisioner and the run's coordination are imported when a
# session first needs them: a run whose tests never use the plugin does not load them.
if TYPE_CHECKING:
    from pytest_auth0_m2m.auth0 import retry
    from pytest_auth0_m2m.auth0.management import ManagementClient
    from pytest_auth0_m2m.cassettes.registry import SecretRegistry
    from pytest_auth0_m2m.provisioning.coordination import RunInfo
    from pytest_auth0_m2m.provisioning.provisioner import (
        ProvisionedSource,
        Provisioner,
    )

RUN_KEY: pytest.StashKey[RunInfo] = pytest.StashKey()
FAKE_STATE_KEY = pytest.StashKey[Path]()
HTTP_KEY = pytest.StashKey["HttpSettings"]()
# The provisioner's client that checked the tenant before the first test: the session's
# provisioning goes on with it (its token is fetched once).
PREFLIGHT_KEY: pytest.StashKey[ManagementClient] = pytest.StashKey()
_T = TypeVar("_T")
ENV_RATE_LIMIT = "AUTH0_RATE_LIMIT"
# Fixtures that talk to the tenant: a test that uses one makes a live session check the tenant
# before the first test. (``mgmt_token`` and friends ask for the source at run time, so it is
# not in their closure.)
TENANT_FIXTURES = frozenset(
    {
        "mgmt_token",
        "mgmt_client",
        "mgmt_async_client",
        "m2m_credentials",
        "auth0_arrange",
        "_auth0_m2m_source",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("auth0-m2m", "Auth0 Management API (pytest-auth0-m2m)")
    group.addoption(
        "--auth0-no-retry",
        action="store_true",
        default=None,
        help="the clients handed to tests return a 429 or 5xx as is, for tests that assert on "
        "one (ini: auth0_retry = false). The plugin's own calls always retry.",
    )
    group.addoption(
        "--auth0-rate-limit",
        metavar="PLAN",
        default=None,
        help="pace Management API requests of the whole run (xdist workers and concurrent "
        "sessions on this machine together) under a plan's limit: free, enterprise-dev, "
        "RATE or RATE/BURST requests a second, or off (env AUTH0_RATE_LIMIT, "
        "ini auth0_rate_limit; default off: 429s are waited out).",
    )
    parser.addini("auth0_retry", "clients handed to tests wait out 429s, retry 5xx: true or false")
    parser.addini("auth0_rate_limit", "pace the run under this Management API limit, e.g. free")


class HttpSettings:
    """How the clients of this session behave: retries on or off, the plan's limit."""

    def __init__(
        self,
        retry: bool,
        retry_source: str,
        limit: retry.RateLimit | None,
        limit_source: str = "default",
    ) -> None:
        self.retry = retry
        self.retry_source = retry_source
        self.limit = limit
        self.limit_source = limit_source

    def header_line(self) -> str | None:
        """The report header's line for what is not the default (a paced run is slower)."""
        parts = []
        if self.limit is not None:
            parts.append(f"paced at {self.limit} ({self.limit_source})")
        if not self.retry:
            parts.append(f"retries off ({self.retry_source})")
        return "auth0-m2m: " + ", ".join(parts) if parts else None


def _http_settings(config: pytest.Config) -> HttpSettings:
    ini_retry = config.getini("auth0_retry") or None
    retry_on = settings_mod.layered(
        True,
        ("--auth0-no-retry", False if config.getoption("--auth0-no-retry") else None),
        ("ini auth0_retry", settings_mod.parse_bool(ini_retry, "auth0_retry")),
    )
    rate = settings_mod.layered(
        "off",
        ("--auth0-rate-limit", config.getoption("--auth0-rate-limit")),
        (f"env {ENV_RATE_LIMIT}", os.environ.get(ENV_RATE_LIMIT) or None),
        ("ini auth0_rate_limit", config.getini("auth0_rate_limit") or None),
    )
    limit = None
    if str(rate.value).strip().lower() != "off":  # the default: nothing to parse, nor import
        from pytest_auth0_m2m.auth0 import retry

        try:
            limit = retry.parse_rate_limit(str(rate.value))
        except retry.RateLimitError as exc:
            raise pytest.UsageError(f"pytest-auth0-m2m: {rate.source}: {exc}") from None
    return HttpSettings(bool(retry_on.value), retry_on.source, limit, rate.source)


def http_header_line(config: pytest.Config) -> str | None:
    """The report header's second line (plugin/__init__.py writes both, in order)."""
    http = config.stash.get(HTTP_KEY, None)
    return http.header_line() if http is not None else None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[HTTP_KEY] = _http_settings(config)
    except settings_mod.SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is not None and settings.mode == "fake":
        from pytest_auth0_m2m.plugin.network import EmulatorHosts

        # pytest-recording's --block-network must let tests reach the emulator (127.0.0.1).
        config.pluginmanager.register(EmulatorHosts(), EmulatorHosts.NAME)


def client_kit(
    config: pytest.Config, endpoints: TenantEndpoints, ca_file: Path | None
) -> retry.ClientKit:
    """What this process's clients share: one SSL context, the retry policy, the pacer."""
    from pytest_auth0_m2m.auth0 import retry

    http = config.stash[HTTP_KEY]
    if endpoints.mode == "replay":
        # Cassettes answer: a recorded 429 is played back and retried at once, nothing paced.
        return retry.ClientKit(retry=http.retry, wait=False)
    pacer = None
    if http.limit is not None:
        from pytest_auth0_m2m.provisioning.tokens import (
            TokenCacheError,
            private_dir,
            private_root,
            user_cache_dir,
        )

        # In the user's own cache directory, not the project's pytest cache: sessions of other
        # checkouts (other CI workspaces on one runner) against the same tenant share the limit.
        try:
            root = private_root(user_cache_dir())
        except (OSError, TokenCacheError) as exc:
            warnings.warn(
                f"pytest-auth0-m2m: {exc}; pacing is shared by this run's processes only",
                stacklevel=1,
            )
            root = _run(config).state_dir
        bucket = retry.bucket_path(root, endpoints.domain)
        private_dir(bucket.parent, tighten=True)  # pacing/: 0700, never a symbolic link
        pacer = retry.SharedBucket(bucket, http.limit)
    return retry.ClientKit(pacer=pacer, retry=http.retry, ca_file=ca_file)


def _state_dir(config: pytest.Config) -> Path:
    """Run state, locks and tokens live under the pytest cache, shared by runs in this rootdir."""
    from pytest_auth0_m2m.provisioning.tokens import private_dir, private_root, user_cache_dir

    if config.stash[SETTINGS_KEY].mode == "fake":
        # An emulator's apps, grants and tokens die with the session: its run state goes in a
        # directory of its own, removed at the end, rather than piling up in the cache.
        path = config.stash[FAKE_STATE_KEY] = Path(tempfile.mkdtemp(prefix="pytest-auth0-m2m-"))
        return path
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    if cache is not None:
        # Made by pytest with the user's umask: this run's own subdirectory, tightened to 0700.
        return private_dir(Path(cache.mkdir("auth0-m2m")), tighten=True)
    # Never a predictable shared directory under the system temp dir: the user's own cache.
    return private_root(user_cache_dir())


def _run(config: pytest.Config) -> RunInfo:
    """This run, made on first need. Workers join the run their controller started."""
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        from pytest_auth0_m2m.provisioning.coordination import RunInfo

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

    def __init__(
        self, inner: ProvisionedSource, registry: SecretRegistry, config: pytest.Config
    ) -> None:
        self.inner = inner
        self._config = config
        self.endpoints = inner.endpoints
        self._fatal: str | None = None
        # Every secret and token handed out is told to the session's registry as it is made,
        # recorded or not: live mode's log masking asks the registry for what to mask. (The
        # labels are the ones the cassette glue gives them: the guard's messages name them.)
        self._registry = registry

    def __repr__(self) -> str:
        return repr(self.inner)

    def _guard(self, call: Callable[[frozenset[str]], _T], scopes: frozenset[str]) -> _T:
        from pytest_auth0_m2m.auth0.management import ManagementError
        from pytest_auth0_m2m.plugin.logs import shown
        from pytest_auth0_m2m.provisioning.provisioner import ProvisioningError

        if self._fatal is not None:
            pytest.fail(self._fatal, pytrace=False)
        try:
            return call(scopes)
        except (ManagementError, ProvisioningError) as exc:
            # Auth0's message may quote the request (the tenant's name, a credential).
            message = shown(self._config, f"pytest-auth0-m2m: {exc}")
            # Bad credentials or a provisioner without a scope: every later call would fail too.
            if isinstance(exc, ProvisioningError) or exc.status in (401, 403):
                self._fatal = message
            pytest.fail(message, pytrace=False)

    def credentials(self, scopes: frozenset[str]) -> AppCredentials:
        credentials = self._guard(self.inner.credentials, scopes)
        self._registry.add_app(scopes, credentials.client_id, credentials.client_secret)
        return credentials

    def token(self, scopes: frozenset[str]) -> str:
        token = self._guard(self.inner.token, scopes)
        self._registry.add_token(token, "the test's access token")
        return token

    def api_credentials(self, api: str, scopes: frozenset[str]) -> AppCredentials:
        """The app for one of the user's APIs (m2m_scopes)."""
        credentials = self._guard(lambda s: self.inner.api_credentials(api, s), scopes)
        self._registry.add_secret(credentials.client_secret, "an own API app's client secret")
        return credentials

    def api_token(self, api: str, scopes: frozenset[str]) -> str:
        token = self._guard(lambda s: self.inner.api_token(api, s), scopes)
        self._registry.add_token(token, "an own API access token")
        return token

    def close(self) -> None:
        self.inner.close()


def provisioned_source(
    config: pytest.Config,
    endpoints: TenantEndpoints,
    client_id: str,
    client_secret: str,
    kit: retry.ClientKit,
) -> TokenSource:
    settings = config.stash[SETTINGS_KEY]
    from pytest_auth0_m2m.auth0.management import ManagementClient
    from pytest_auth0_m2m.provisioning.provisioner import (
        ProvisionedSource,
        Provisioner,
        ProvisionStats,
    )
    from pytest_auth0_m2m.provisioning.tokens import TokenCache

    run = _run(config)
    run.state.start(run, endpoints.domain)
    stats = ProvisionStats()
    checked = config.stash.get(PREFLIGHT_KEY, None)
    if checked is not None and checked.endpoints == endpoints:
        mgmt = checked
    else:
        mgmt = ManagementClient(
            endpoints,
            client_id,
            client_secret,
            pacer=kit.pacer,
            verify=kit.verify,
            on_token=provisioner_token_told(config),
        )
    provisioner = Provisioner(mgmt, run, stats)
    # An emulator's tokens die with it (each session, each xdist worker has its own): only a
    # live tenant's tokens are worth keeping on disk for later sessions.
    on_disk = settings.token_cache.value and endpoints.mode == "live"
    cache = TokenCache(run.state_dir / "tokens" if on_disk else None)

    def on_close(source: ProvisionedSource) -> None:
        if endpoints.mode == "fake":
            # Every process (each xdist worker too) has its own emulator, still running here:
            # each tears its own tenant down. Apps of other workers' emulators read as gone.
            _teardown(provisioner, config)
        elif not is_xdist_worker(config) and run.state.claim_teardown():
            # Not distributed: tear down here; under xdist the controller does it once.
            _teardown(provisioner, config)
        run.state.record_stats(_process_key(), {**stats.as_dict(), **mgmt.stats.as_dict()})

    from pytest_auth0_m2m.plugin.cassettes import secret_registry

    return _PluginSource(
        ProvisionedSource(
            endpoints,
            provisioner,
            cache,
            stats,
            on_close,
            delete_apps=settings.delete_apps.value,
        ),
        secret_registry(config),
        config,
    )


def provisioner_token_told(config: pytest.Config) -> Callable[[str], None]:
    """The session's registry learns each provisioner token as it is fetched: an Auth0 message
    quoting the request's Authorization header (plain or base64) is then masked in what a live
    run shows, and the token is guarded like the apps' tokens."""
    from pytest_auth0_m2m.plugin.cassettes import secret_registry

    registry = secret_registry(config)

    def told(token: str) -> None:
        registry.add_token(token, "the provisioner's access token")

    return told


def _state_dir_or_usage_error(config: pytest.Config) -> Path:
    from pytest_auth0_m2m.provisioning.tokens import TokenCacheError

    try:
        return _run(config).state_dir
    except TokenCacheError as exc:
        # A misconfigured machine, not a failing test: one message, before any test runs.
        raise pytest.UsageError(str(exc)) from None


def _ini_hint(config: pytest.Config, domain: str) -> str:
    """How to allow ``domain`` (a host, or the placeholder for a tenant's) in the configuration
    file this run read, in its own syntax."""
    inipath = config.inipath
    name = inipath.name if inipath is not None else ""
    if name == "pyproject.toml":
        return (
            f"add to {name}, under [tool.pytest.ini_options]:\n"
            f'    auth0_allowed_domains = ["{domain}"]'
        )
    section = {"setup.cfg": "[tool:pytest]"}.get(name, "[pytest]")
    where = name or "pytest.ini (or your pytest configuration file)"
    return f"add to {where}, under {section}:\n    auth0_allowed_domains = {domain}"


def preflight(config: pytest.Config) -> None:
    """A live session's configuration, checked once before the first test: the tenant is
    configured and allowed, the token cache's directory is private, the tenant answers over
    verified TLS, and the provisioner's grant has what the run needs. Any failure is a
    ``pytest.UsageError`` naming the cause and the fix."""
    from pytest_auth0_m2m.auth0.management import ManagementClient, ManagementError
    from pytest_auth0_m2m.plugin.logs import shown
    from pytest_auth0_m2m.provisioning.provisioner import ProvisioningError, check_provisioner

    settings = config.stash[SETTINGS_KEY]
    domain = settings.domain.value
    if domain and not settings.domain_allowed(domain):
        raise pytest.UsageError(
            f"pytest-auth0-m2m: tenant {hosts.masked(domain)!r} (from {settings.domain.source}) "
            "is not in auth0_allowed_domains, so nothing was sent to it. If it is a dev tenant "
            f"made for tests, {_ini_hint(config, settings_mod.allowlist_entry(domain))}"
        )
    try:
        endpoints = settings.live_endpoints()
    except settings_mod.SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    _state_dir_or_usage_error(config)
    kit = client_kit(config, endpoints, None)
    mgmt = ManagementClient(
        endpoints,
        settings.client_id or "",
        settings.client_secret or "",
        pacer=kit.pacer,
        verify=kit.verify,
        on_token=provisioner_token_told(config),
    )
    try:
        check_provisioner(mgmt, delete_apps=settings.delete_apps.value)
    except (ManagementError, ProvisioningError) as exc:
        mgmt.close()
        text = shown(config, str(exc))
        prefix = "" if text.startswith("pytest-auth0-m2m") else "pytest-auth0-m2m: "
        raise pytest.UsageError(
            f"{prefix}{text}\n(checked before the first test; no test ran)"
        ) from None
    config.stash[PREFLIGHT_KEY] = mgmt


def _uses_tenant(item: pytest.Item) -> bool:
    """A test that will ask the tenant for something: a token fixture and a marker (without
    one it fails on its own, having provisioned nothing), or arranged data."""
    names = getattr(item, "fixturenames", ())
    if "auth0_arrange" in names:
        return True
    return declared_scopes(item) is not None and not TENANT_FIXTURES.isdisjoint(names)


def _xdist_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.has_plugin("dsession")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist the controller collects nothing, and a worker that stops collection crashes
    (INTERNALERROR): the controller checks a live tenant before the workers start, once the
    project shows it means to run live (a domain, credentials or an allowlist is set)."""
    config = session.config
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or settings.mode != "live" or not _xdist_controller(config):
        return
    if settings.domain.value or settings.client_id or settings.allowed_domains:
        preflight(config)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or settings.mode != "live" or is_xdist_worker(config):
        return
    if PREFLIGHT_KEY in config.stash or not any(_uses_tenant(item) for item in items):
        return
    preflight(config)


def record_client_stats(config: pytest.Config, kit: retry.ClientKit) -> None:
    """The tests' clients' 429 waits and retries, into the run's summary line."""
    run = config.stash.get(RUN_KEY, None)
    if run is None or not any(kit.stats.as_dict().values()):
        return
    run.state.record_stats(f"{_process_key()}-clients", kit.stats.as_dict())


def _process_key() -> str:
    return str(os.getpid())


def _teardown(provisioner: Provisioner, config: pytest.Config) -> None:
    from pytest_auth0_m2m.auth0.management import ManagementError
    from pytest_auth0_m2m.plugin.logs import shown
    from pytest_auth0_m2m.provisioning.provisioner import ProvisioningError

    settings = config.stash[SETTINGS_KEY]
    try:
        provisioner.teardown(keep=settings.keep.value, delete_apps=settings.delete_apps.value)
    except (ManagementError, ProvisioningError) as exc:
        # Teardown trouble must not hide test results; the next run (or the sweeper) repairs it.
        warnings.warn(
            shown(
                config,
                f"pytest-auth0-m2m: teardown incomplete ({exc}); the next run repairs it, or "
                "run `python -m pytest_auth0_m2m sweep`.",
            ),
            stacklevel=1,
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Once per run, in the xdist controller: the workers' grants are released here."""
    config = session.config
    run = config.stash.get(RUN_KEY, None)
    settings = config.stash.get(SETTINGS_KEY, None)
    if run is None or settings is None or is_xdist_worker(config) or not run.state.path.exists():
        return
    if not run.state.load().get("apps") or settings.mode != "live":
        # In fake mode every process tore its own emulator's tenant down as its source closed.
        return
    if not run.state.claim_teardown():
        return
    endpoints = settings.live_endpoints()
    from pytest_auth0_m2m.auth0.management import ManagementClient
    from pytest_auth0_m2m.provisioning.provisioner import Provisioner, ProvisionStats

    stats = ProvisionStats()
    # Paced like the workers were: the run's last requests share the plan's limit too.
    kit = client_kit(config, endpoints, None)
    with ManagementClient(
        endpoints,
        settings.client_id or "",
        settings.client_secret or "",
        pacer=kit.pacer,
        verify=kit.verify,
        on_token=provisioner_token_told(config),
    ) as mgmt:
        _teardown(Provisioner(mgmt, run, stats), config)
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
        + (
            f"; {get('apps_ignored', 0)} app(s) ignored: tagged as this plugin's but the tag "
            "does not verify (`python -m pytest_auth0_m2m sweep` lists them)"
            if get("apps_ignored", 0)
            else ""
        )
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is None or is_xdist_worker(config) or not run.state.path.exists():
        return
    if config.get_verbosity() <= -2:  # -qq: like the least-privilege section, not printed
        return
    totals = run.state.totals()
    if any(totals.values()):
        terminalreporter.write_line(summary_line(totals))


def pytest_unconfigure(config: pytest.Config) -> None:
    checked = config.stash.get(PREFLIGHT_KEY, None)
    if checked is not None:
        checked.close()
    run = config.stash.get(RUN_KEY, None)
    if run is None or is_xdist_worker(config):
        return
    fake_state = config.stash.get(FAKE_STATE_KEY, None)
    if fake_state is not None:
        shutil.rmtree(fake_state, ignore_errors=True)
        return
    state = run.state
    if state.path.exists() and state.load().get("torn_down"):
        state.remove()
