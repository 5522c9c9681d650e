"""The pytest entry point: options, the ``mgmt_scopes`` marker, the report header, fixtures.

Thin on purpose: every decision is made by the library modules; this file only reads pytest's
configuration, keeps per-session state in ``config.stash`` and hands it to them. Its companions
(``COMPANIONS``, registered by ``pytest_addhooks``) do the same for provisioning, cassettes, the
least-privilege report and the rest.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

# No module of the plugin imports vcr at start-up (pytest-recording, which asks pytest to rewrite
# asserts in vcr.matchers, imports it only when a cassette is used): a run that uses no cassette
# never loads it.
from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.plugin.per_test import Declaration, declare_late, declare_or_fail
from pytest_auth0_m2m.plugin.state import (
    LOG_MASKING_KEY,
    RESPONSE_LOG_KEY,
    SCOPES_KEY,
    SETTINGS_KEY,
)
from pytest_auth0_m2m.provisioning import settings as settings_mod

if TYPE_CHECKING:
    from pytest_auth0_m2m.auth0.scopes import ScopeRequest

MARKER = "mgmt_scopes"
MARKER_HELP = (
    "mgmt_scopes(*scopes, strict=None): the Auth0 Management API scopes this test's token gets, "
    "exactly; the closest marker (function > class > module) wins."
)

# Registered, in this order and under these names, as soon as pytest registers this module. Not
# listed in ``pytest_plugins``: for each name there pytest first searches the entry points of
# every installed distribution (about 1 ms a name, in every run, plugin used or not).
COMPANIONS = (
    "pytest_auth0_m2m.plugin.fixtures",
    "pytest_auth0_m2m.plugin.session",
    "pytest_auth0_m2m.plugin.cassettes",
    "pytest_auth0_m2m.plugin.report",
    "pytest_auth0_m2m.plugin.arrange",
    "pytest_auth0_m2m.plugin.isolation",
    "pytest_auth0_m2m.plugin.own_apis",
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    # Called when this module is registered (a historic hook), before any option is added.
    for name in COMPANIONS:
        pluginmanager.import_plugin(name)
    # Registered after the companions, before any conftest: pluggy calls it after the user's
    # pytest_collection_modifyitems and before the companions' own.
    pluginmanager.register(_LateMarkers(), "auth0-m2m-late-markers")


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
    from pytest_auth0_m2m.plugin.fixtures import NO_RETRY_HELP

    config.addinivalue_line("markers", MARKER_HELP)
    config.addinivalue_line("markers", NO_RETRY_HELP)
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
    if settings.mode == "live" and settings.domain.value:
        from pytest_auth0_m2m.auth0.hosts import host_of
        from pytest_auth0_m2m.plugin.logs import MaskedLogRecords, MaskedReports

        # httpx logs each request's URL: the tenant's name must not reach CI output that way.
        masking = MaskedLogRecords(
            [host_of(settings.domain.value)],
            [settings.client_secret or ""],
            learned=lambda: _told_secrets(config),
        )
        masking.install()
        config.stash[LOG_MASKING_KEY] = masking
        config.pluginmanager.register(MaskedReports(masking), "auth0-m2m-masked-reports")
    if settings.record_mode != "none":
        from pytest_auth0_m2m.plugin.logs import UnredactedResponses

        responses = config.stash[RESPONSE_LOG_KEY] = UnredactedResponses()
        responses.install()


def _told_secrets(config: pytest.Config) -> tuple[str, ...]:
    from pytest_auth0_m2m.plugin.cassettes import REGISTRY_KEY

    registry = config.stash.get(REGISTRY_KEY, None)
    return registry.told_values() if registry is not None else ()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    for installed in (
        config.stash.get(LOG_MASKING_KEY, None),
        config.stash.get(RESPONSE_LOG_KEY, None),
    ):
        if installed is not None:
            installed.uninstall()


def _header_domain(settings: settings_mod.Settings) -> str:
    if settings.mode == "fake":
        return "emulator on 127.0.0.1"
    if settings.mode == "replay":
        return RECORDINGS_DOMAIN
    return settings.domain.value or "(none: set AUTH0_DOMAIN or --auth0-domain)"


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    from pytest_auth0_m2m.plugin.session import http_header_line

    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        return None
    lines = [settings.header_line(_header_domain(settings), config.rootpath)]
    http = http_header_line(config)
    return [*lines, http] if http else lines


# A suite repeats a few markers over many tests: each distinct one is parsed once (the
# declaration is frozen, so its tests share it). Keyed by the marker's arguments with their
# types, so that strict=1 (refused) is never taken for strict=True.
_PARSED: dict[tuple[object, ...], ScopeRequest] = {}


def _parse_mgmt_scopes(marker: pytest.Mark) -> ScopeRequest:
    # Imported at the first marker: a run without one never loads the catalogue's module.
    from pytest_auth0_m2m.auth0.scopes import parse_marker_args

    args = tuple(marker.args)
    key = (
        tuple((type(a), a) for a in args),
        tuple((k, type(v), v) for k, v in sorted(marker.kwargs.items())),
    )
    try:
        parsed = _PARSED.get(key)
    except TypeError:  # an unhashable argument: never a valid one, the parser says why
        return parse_marker_args(args, marker.kwargs)
    if parsed is None:
        parsed = _PARSED[key] = parse_marker_args(args, marker.kwargs)
    return parsed


MGMT_SCOPES = Declaration(MARKER, _parse_mgmt_scopes, SCOPES_KEY)


_DECLARATIONS_KEY = pytest.StashKey[list[Declaration[Any]]]()


def _declarations(config: pytest.Config) -> list[Declaration[Any]]:
    """The markers collection parses, made once the session is configured (m2m_scopes needs
    the ini's APIs), then asked by every collector."""
    found = config.stash.get(_DECLARATIONS_KEY, None)
    if found is None:
        from pytest_auth0_m2m.plugin.isolation import ISOLATION
        from pytest_auth0_m2m.plugin.own_apis import m2m_scopes_declaration

        found = [MGMT_SCOPES, m2m_scopes_declaration(config), ISOLATION]
        config.stash[_DECLARATIONS_KEY] = found
    return found


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    # A bad marker (of the scope markers or the isolation level) is a collection error listing
    # every one, before any test.
    return declare_or_fail((yield), _declarations(collector.config))


class _LateMarkers:
    """Markers a ``pytest_collection_modifyitems`` hook adds, parsed before the plugin's own
    hooks read the declarations."""

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        declare_late(items, _declarations(config))
