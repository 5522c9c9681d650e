"""pytest side of cassettes: every mgmt_scopes test is recorded or replayed, never a secret.

The redaction, tenant rewrite, secret guard and placeholders are ``recording`` and
``placeholders``; this module adds the vcr marker to mgmt_scopes tests, wraps pytest-recording's
VCR configuration so redaction and the guard apply whatever the user configured, and fails a
replayed test that has no cassette with the command that records it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints, TokenSource
from pytest_auth0_m2m.cassettes.guard import GuardedPersister, UnreadableCassette
from pytest_auth0_m2m.cassettes.paths import (
    cassette_dir_for,
    missing_cassette_message,
    unreadable_cassette_message,
)
from pytest_auth0_m2m.cassettes.redaction import Redactor
from pytest_auth0_m2m.cassettes.registry import Secret, SecretRegistry
from pytest_auth0_m2m.plugin.state import SETTINGS_KEY, declared_scopes

REGISTRY_KEY = pytest.StashKey[SecretRegistry]()
LEAKS_KEY = pytest.StashKey[list[str]]()
MISSING_CASSETTE_KEY = pytest.StashKey[str]()
# Cassettes of ours that exist but could not be loaded: path -> reason (one process's).
UNREADABLE_KEY = pytest.StashKey[dict[str, str]]()
# Our vcr marker carries this flag: the VCR config wrapper knows the cassette is one of ours.
CASSETTE_FLAG = "auth0_m2m"
# vcr_config / vcr marker key: extra header names to keep in cassettes (never credentials).
KEEP_HEADERS_OPTION = "auth0_keep_headers"
# Fixtures that hand the test its app's token; m2m_credentials hands only the app.
OUR_TOKEN_FIXTURES = frozenset({"mgmt_token", "mgmt_client", "mgmt_async_client"})
OUR_APP_FIXTURES = OUR_TOKEN_FIXTURES | {"m2m_credentials"}


def secret_registry(config: pytest.Config) -> SecretRegistry:
    """The session's secrets and tenant names, for redaction and the cassette guard."""
    registry = config.stash.get(REGISTRY_KEY, None)
    if registry is None:
        registry = config.stash[REGISTRY_KEY] = SecretRegistry()
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
    directories: dict[Path, Path] = {}  # one per test module, not per test
    for item in items:
        if declared_scopes(item) is None:
            continue
        directory = directories.get(item.path)
        if directory is None:
            directory = directories[item.path] = cassette_dir_for(
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


def is_ours(item: pytest.Item) -> bool:
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

    def unreadable(error: UnreadableCassette) -> None:
        config.stash.setdefault(UNREADABLE_KEY, {})[os.path.abspath(error.path)] = error.reason

    def get_merged_config(**kwargs: Any) -> dict[str, Any]:
        merged: dict[str, Any] = original(**kwargs)
        ours = bool(kwargs.get(CASSETTE_FLAG))
        keep = [str(h) for h in kwargs.get(KEEP_HEADERS_OPTION, ())]

        def redactor() -> Redactor:
            # Made per use: the registry learns tenant names and secrets as the test runs.
            return Redactor.for_registry(registry, request_headers=keep, response_headers=keep)

        # Replay (record mode none) writes nothing, and what it sends is already made of
        # placeholders on the recordings domain: redacting it for matching would be wasted work,
        # except a query string, which is matched and may hold a value recorded as REDACTED.
        if ours and settings.record_mode == "none":
            merged["before_record_request"] = _then(
                merged.get("before_record_request"),
                lambda r: redactor().request(r) if "?" in r.uri else r,
            )
        elif ours:
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
        merged["persister"] = GuardedPersister(
            merged["persister"],
            registry,
            redactor if ours else lambda: None,
            on_leak=lambda error: config.stash.setdefault(LEAKS_KEY, []).append(str(error)),
            on_unreadable=unreadable if ours else None,
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


def emulator_secrets(fake: Any) -> list[Secret]:
    with fake.tenant.lock:
        clients = list(fake.tenant.clients.values())
    return [
        Secret(str(c["client_secret"]), "a client secret held by the emulator")
        for c in clients
        if c.get("client_secret")
    ]


@pytest.fixture(autouse=True)
def _auth0_m2m_cassette(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Cassette glue for mgmt_scopes tests: tenant names for the rewrite, replay checks."""
    item = request.node
    if not isinstance(item, pytest.Item) or not is_ours(item):
        yield
        return
    config = request.config
    settings = config.stash[SETTINGS_KEY]
    cassette = request.getfixturevalue("vcr")
    path = _cassette_path(cassette) if cassette is not None else None
    registry = secret_registry(config)
    unreadable = config.stash.get(UNREADABLE_KEY, {})
    reason = unreadable.pop(os.path.abspath(path), None) if path is not None else None
    if settings.mode == "replay":
        if path is not None and reason is not None:
            # Treated as missing by vcrpy; recording modes simply record it again.
            item.stash[MISSING_CASSETTE_KEY] = unreadable_cassette_message(
                item.nodeid, _display(config, path), reason
            )
        elif path is not None and not os.path.exists(path) and len(cassette) == 0:
            item.stash[MISSING_CASSETTE_KEY] = missing_cassette_message(
                item.nodeid, _display(config, path)
            )
    else:
        tenant: TenantEndpoints = request.getfixturevalue("auth0_tenant")
        registry.add_tenant(tenant.domain, tenant.base_url)
        if settings.mode == "fake":
            fake = request.getfixturevalue("auth0_fake")
            registry.add_provisioner(fake.provisioner.client_id, fake.provisioner.client_secret)
            registry.add_source(lambda: emulator_secrets(fake))
        else:
            registry.add_provisioner(settings.client_id, settings.client_secret)
        declared = declared_scopes(item)
        if declared is not None and not OUR_APP_FIXTURES.isdisjoint(request.fixturenames):
            # The test's app, known before its first request: its secret and token are guarded
            # and its client id is recorded as the placeholder id replay uses. The provisioning
            # traffic this may cause identifies itself and is never recorded.
            source: TokenSource = request.getfixturevalue("_auth0_m2m_source")
            credentials = source.credentials(declared.scopes)
            registry.add_app(declared.scopes, credentials.client_id, credentials.client_secret)
            if not OUR_TOKEN_FIXTURES.isdisjoint(request.fixturenames):
                # Its fixture would fetch (and cache) the same token a moment later; a test
                # with only m2m_credentials fetches its own, which redaction replaces.
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
