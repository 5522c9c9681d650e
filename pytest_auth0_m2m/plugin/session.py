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
from typing import Any, TypeVar

import pytest

from pytest_auth0_m2m.auth0.endpoints import AppCredentials, TenantEndpoints, TokenSource
from pytest_auth0_m2m.auth0.management import ManagementClient, ManagementError
from pytest_auth0_m2m.plugin.state import SETTINGS_KEY, is_xdist_worker
from pytest_auth0_m2m.provisioning import settings as settings_mod
from pytest_auth0_m2m.provisioning.coordination import RunInfo
from pytest_auth0_m2m.provisioning.provisioner import (
    ProvisionedSource,
    Provisioner,
    ProvisioningError,
    ProvisionStats,
)
from pytest_auth0_m2m.provisioning.tokens import TokenCache, private_dir, user_cache_dir

RUN_KEY = pytest.StashKey[RunInfo]()
FAKE_STATE_KEY = pytest.StashKey[Path]()
_T = TypeVar("_T")


def _state_dir(config: pytest.Config) -> Path:
    """Run state, locks and tokens live under the pytest cache, shared by runs in this rootdir."""
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
    return private_dir(user_cache_dir())


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


def provisioned_source(
    config: pytest.Config, endpoints: TenantEndpoints, client_id: str, client_secret: str
) -> TokenSource:
    settings = config.stash[SETTINGS_KEY]
    run = _run(config)
    run.state.start(run, endpoints.domain)
    stats = ProvisionStats()
    mgmt = ManagementClient(endpoints, client_id, client_secret)
    provisioner = Provisioner(mgmt, run, stats)
    # An emulator's tokens die with it (each session, each xdist worker has its own): only a
    # live tenant's tokens are worth keeping on disk for later sessions.
    on_disk = settings.token_cache.value and endpoints.mode == "live"
    cache = TokenCache(run.state_dir / "tokens" if on_disk else None)

    def on_close(source: ProvisionedSource) -> None:
        if endpoints.mode == "fake":
            # Every process (each xdist worker too) has its own emulator, still running here:
            # each tears its own tenant down. Apps of other workers' emulators read as gone.
            _teardown(provisioner, settings)
        elif not is_xdist_worker(config) and run.state.claim_teardown():
            # Not distributed: tear down here; under xdist the controller does it once.
            _teardown(provisioner, settings)
        run.state.record_stats(_process_key(), {**stats.as_dict(), **mgmt.stats.as_dict()})

    return _PluginSource(
        ProvisionedSource(
            endpoints,
            provisioner,
            cache,
            stats,
            on_close,
            delete_apps=settings.delete_apps.value,
        )
    )


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
    if run is None or settings is None or is_xdist_worker(config) or not run.state.path.exists():
        return
    if not run.state.load().get("apps") or settings.mode != "live":
        # In fake mode every process tore its own emulator's tenant down as its source closed.
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
    totals = run.state.totals()
    if any(totals.values()):
        terminalreporter.write_line(summary_line(totals))


def pytest_unconfigure(config: pytest.Config) -> None:
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
