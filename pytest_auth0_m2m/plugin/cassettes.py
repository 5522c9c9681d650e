"""pytest side of cassettes: every mgmt_scopes test is recorded or replayed, never a secret.

The redaction, tenant rewrite, secret guard and placeholders are ``recording`` and
``placeholders``; this module adds the vcr marker to mgmt_scopes tests, wraps pytest-recording's
VCR configuration so redaction and the guard apply whatever the user configured, and fails a
replayed test that has no cassette with the command that records it.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints, TokenSource
from pytest_auth0_m2m.plugin.state import (
    SETTINGS_KEY,
    declared_scopes,
    private_fixture,
    recording_disabled,
    use_fixture,
)

# The guard, redaction, enforcement and the secret registry (and vcr under them) are imported
# when a cassette is first configured or a secret first registered: a run, or a test, that never
# uses one does not pay for them.
if TYPE_CHECKING:
    from pytest_auth0_m2m.cassettes.guard import UnreadableCassette
    from pytest_auth0_m2m.cassettes.redaction import Redactor
    from pytest_auth0_m2m.cassettes.registry import Secret, SecretRegistry

REGISTRY_KEY = pytest.StashKey["SecretRegistry"]()
LEAKS_KEY = pytest.StashKey[list[str]]()
MISSING_CASSETTE_KEY = pytest.StashKey[str]()
# Cassettes of ours that exist but could not be loaded: path -> reason (one process's).
UNREADABLE_KEY = pytest.StashKey[dict[str, str]]()
# Our vcr marker carries this flag: the VCR config wrapper knows the cassette is one of ours.
CASSETTE_FLAG = "auth0_m2m"
# vcr_config / vcr marker key: extra header names to keep in cassettes (never credentials).
KEEP_HEADERS_OPTION = "auth0_keep_headers"
# Our vcr marker carries the test's declared scopes: the persister holds replay to them.
SCOPES_OPTION = "auth0_m2m_scopes"
CASSETTE_FIXTURE = "_auth0_m2m_cassette"
# On a replayed test's item, in place of CASSETTE_FIXTURE: replay has nothing to register before
# the test's fixtures run, so its checks are made by the per-test hooks, after setup, and a
# replayed test sets up no fixture of the plugin's beyond the ones it asks for.
REPLAY_CHECKS_KEY = pytest.StashKey[bool]()
PER_TEST_PLUGIN = "auth0-m2m-cassettes-per-test"
# Fixtures that hand the test its app's token; m2m_credentials hands only the app.
OUR_TOKEN_FIXTURES = frozenset({"mgmt_token", "mgmt_client", "mgmt_async_client"})
OUR_APP_FIXTURES = OUR_TOKEN_FIXTURES | {"m2m_credentials"}


def secret_registry(config: pytest.Config) -> SecretRegistry:
    """The session's secrets and tenant names, for redaction and the cassette guard."""
    registry = config.stash.get(REGISTRY_KEY, None)
    if registry is None:
        from pytest_auth0_m2m.cassettes.registry import SecretRegistry

        registry = config.stash[REGISTRY_KEY] = SecretRegistry()
    return registry


def _cassettes_in_use(config: pytest.Config) -> bool:
    """Fake mode without recording talks to the emulator directly; else tests use cassettes."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or (settings.mode == "fake" and settings.record_mode == "none"):
        return False
    return not recording_disabled(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _cassettes_in_use(config):
        return
    settings = config.stash[SETTINGS_KEY]
    replay = settings.mode == "replay"
    directories: dict[Path, Path] = {}  # one per test module, not per test
    # One (immutable) marker per directory and scope set, shared by the tests that have them.
    markers: dict[tuple[Path, frozenset[str]], pytest.MarkDecorator] = {}
    ours = 0
    for item in items:
        declared = declared_scopes(item)
        if declared is None:
            continue
        directory = directories.get(item.path)
        if directory is None:
            from pytest_auth0_m2m.cassettes.paths import cassette_dir_for

            directory = directories[item.path] = cassette_dir_for(
                settings.cassette_dir, config.rootpath, item.path
            )
        # First in the item's own markers, so it is the closest vcr marker: its record mode
        # (the session's, which decided replay vs live) wins over one in vcr_config or a
        # user's marker; the user's other settings still merge in.
        marker = markers.get((directory, declared.scopes))
        if marker is None:
            marker = markers[(directory, declared.scopes)] = pytest.mark.vcr(
                record_mode=settings.record_mode,
                cassette_library_dir=str(directory),
                **{CASSETTE_FLAG: True, SCOPES_OPTION: tuple(sorted(declared.scopes))},
            )
        item.add_marker(marker, append=False)
        # Only our tests get the cassette glue: an autouse fixture would cost every test.
        if not replay:
            ours += use_fixture(item, CASSETTE_FIXTURE)
        elif isinstance(getattr(item, "fixturenames", None), list):  # a Function: it has vcr
            item.stash[REPLAY_CHECKS_KEY] = True
            ours += 1
    if ours and not config.pluginmanager.has_plugin(PER_TEST_PLUGIN):
        config.pluginmanager.register(_PerTest(), PER_TEST_PLUGIN)


def is_ours(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("vcr")
    return marker is not None and bool(marker.kwargs.get(CASSETTE_FLAG))


def _then(first: Callable[[Any], Any] | None, second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def chained(value: Any) -> Any:
        if first is not None:
            value = first(value)
        return None if value is None else second(value)

    return chained


VCR_GLUE_KEY = pytest.StashKey["_VcrGlue"]()


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Every cassette is guarded; ours are also redacted, after the user's own hooks, and
    held to the test's declared scopes."""
    from pytest_auth0_m2m.cassettes import matching

    glue = config.stash.get(VCR_GLUE_KEY, None)
    if glue is None:
        glue = config.stash[VCR_GLUE_KEY] = _VcrGlue(config)
    if not config.pluginmanager.has_plugin(PER_TEST_PLUGIN):
        # A user's own vcr test is guarded too: its refused cassette fails it at teardown.
        config.pluginmanager.register(_PerTest(), PER_TEST_PLUGIN)
    # A recorded REDACTED matches whatever the test sends there (cassettes/matching.py).
    vcr.register_matcher("path", matching.path)
    vcr.register_matcher("query", matching.query)
    vcr.get_merged_config = functools.partial(glue.merged_config, vcr.get_merged_config)


class _VcrGlue:
    """The session's part of every test's VCR configuration (pytest-recording makes a VCR per
    test): made once, so that a test's cassette adds no closures of its own to collect."""

    def __init__(self, config: pytest.Config) -> None:
        # Imported (and kept) here, when the first cassette is configured: a run that uses no
        # cassette never loads the guard, redaction, enforcement or vcr under them.
        from pytest_auth0_m2m.auth0.retry import answered_without_retry, final_answer
        from pytest_auth0_m2m.cassettes.enforcement import ScopedPersister
        from pytest_auth0_m2m.cassettes.guard import GuardedPersister
        from pytest_auth0_m2m.cassettes.redaction import Redactor, request_may_change

        self.config = config
        self.registry = secret_registry(config)
        self.settings = config.stash[SETTINGS_KEY]
        self.removed: set[str] = set()  # cassettes deleted for --record-mode=rewrite
        self._final_answer = final_answer
        self._answered_without_retry = answered_without_retry
        self._scoped = ScopedPersister
        self._guarded = GuardedPersister
        self._redactor = Redactor.for_registry
        self._may_change = request_may_change

    def redactor(self, keep: list[str]) -> Redactor:
        # Made per use: the registry learns tenant names and secrets as the test runs.
        return self._redactor(self.registry, request_headers=keep, response_headers=keep)

    def redact_request(self, keep: list[str], request: Any) -> Any:
        return self.redactor(keep).request(request)

    def redact_response(self, keep: list[str], response: Any) -> Any:
        # A 429 is dropped (another client retries it), unless a client of ours handed it to the
        # test as is (retries off): the cassette then holds the answer the test asserted on.
        keep_429 = self._answered_without_retry()
        return self.redactor(keep).response(response, keep_rate_limited=keep_429)

    def for_matching(self, keep: list[str], request: Any) -> Any:
        # Replay (record mode none) writes nothing, and what it sends is already made of
        # placeholders on the recordings domain: redacting it for matching would be wasted work,
        # except where the recording redacted too: a body (its secret fields are learned, as
        # recording learned them), then a path or query holding a value redacted earlier (a
        # password reused in a search, say) or a query name redaction looks at.
        registry = self.registry
        if request.body or (
            ("?" in request.uri or registry.redacted_values())
            and self._may_change(request, registry)
        ):
            return self.redact_request(keep, request)
        return request

    def unreadable(self, error: UnreadableCassette) -> None:
        self.config.stash.setdefault(UNREADABLE_KEY, {})[os.path.abspath(error.path)] = error.reason

    def leaked(self, error: Exception) -> None:
        self.config.stash.setdefault(LEAKS_KEY, []).append(str(error))

    def merged_config(self, original: Callable[..., dict[str, Any]], **kwargs: Any) -> Any:
        merged: dict[str, Any] = original(**kwargs)
        ours = bool(kwargs.get(CASSETTE_FLAG))
        keep = [str(h) for h in kwargs.get(KEEP_HEADERS_OPTION, ())]
        record_mode = self.settings.record_mode
        if ours and record_mode == "none":
            merged["before_record_request"] = _then(
                merged.get("before_record_request"), functools.partial(self.for_matching, keep)
            )
        elif ours:
            merged["before_record_request"] = _then(
                merged.get("before_record_request"), functools.partial(self.redact_request, keep)
            )
            # A 5xx or 429 that our client retries is not recorded (retry.final_answer):
            # the cassette holds the answer the test got, whatever the tenant's weather.
            merged["before_record_response"] = _then(
                self._final_answer,
                _then(
                    merged.get("before_record_response"),
                    functools.partial(self.redact_response, keep),
                ),
            )
            if record_mode == "rewrite" and "path" in merged:
                # pytest-recording deletes the cassette under its own directory, not ours.
                path = str(merged["path_transformer"](merged["path"]))
                if path not in self.removed:
                    self.removed.add(path)
                    Path(path).unlink(missing_ok=True)
        persister: Any = self._guarded(
            merged["persister"],
            self.registry,
            functools.partial(self.redactor, keep) if ours else _no_redactor,
            on_leak=self.leaked,
            on_unreadable=self.unreadable if ours else None,
        )
        if ours and "path" in merged:
            declared = frozenset(str(s) for s in kwargs.get(SCOPES_OPTION, ()))
            persister = self._scoped(persister, declared)
        merged["persister"] = persister
        return merged


def _no_redactor() -> None:
    return None


def _cassette_path(cassette: Any) -> str | None:
    path = getattr(cassette, "path", None)  # public in vcrpy 9 (pinned to its major)
    return None if path is None else str(path)


def _display(config: pytest.Config, path: str) -> str:
    try:
        return str(Path(path).relative_to(config.rootpath))
    except ValueError:
        return path


def emulator_secrets(fake: Any) -> list[Secret]:
    from pytest_auth0_m2m.cassettes.registry import Secret

    with fake.tenant.lock:
        clients = list(fake.tenant.clients.values())
    return [
        Secret(str(c["client_secret"]), "a client secret held by the emulator")
        for c in clients
        if c.get("client_secret")
    ]


@pytest.fixture
@private_fixture
def _auth0_m2m_cassette(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Cassette glue for mgmt_scopes tests: tenant names for the rewrite, replay checks."""
    item = request.node
    if not isinstance(item, pytest.Item) or not is_ours(item):
        yield
        return
    config = request.config
    settings = config.stash[SETTINGS_KEY]
    cassette = request.getfixturevalue("vcr")
    path = _loaded(item, cassette)
    registry = secret_registry(config)
    if settings.mode != "replay":
        tenant: TenantEndpoints = request.getfixturevalue("auth0_tenant")
        registry.add_tenant(tenant.domain, tenant.base_url)
        if settings.mode == "fake":
            fake = request.getfixturevalue("auth0_fake")
            registry.add_provisioner(fake.provisioner.client_id, fake.provisioner.client_secret)
            registry.add_source(lambda: emulator_secrets(fake), key=("emulator", id(fake)))
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


def _loaded(item: pytest.Item, cassette: Any) -> str | None:
    """In replay, a cassette that is missing or unreadable (the test fails with the command that
    records it); the cassette's path."""
    path = _cassette_path(cassette) if cassette is not None else None
    if path is None:
        return None
    config = item.config
    absolute = os.path.abspath(path)
    reason = config.stash.get(UNREADABLE_KEY, {}).pop(absolute, None)
    if config.stash[SETTINGS_KEY].mode != "replay":
        return path
    from pytest_auth0_m2m.cassettes.paths import (
        missing_cassette_message,
        unreadable_cassette_message,
    )

    if reason is not None:
        # Treated as missing by vcrpy; recording modes simply record it again.
        item.stash[MISSING_CASSETTE_KEY] = unreadable_cassette_message(
            item.nodeid, _display(config, path), reason
        )
    elif len(cassette) == 0 and not os.path.exists(path):
        item.stash[MISSING_CASSETTE_KEY] = missing_cassette_message(
            item.nodeid, _display(config, path)
        )
    return path


def _replay_miss(item: pytest.Item, error: BaseException) -> str:
    """The failure of a replayed test that sent a request its cassette does not hold."""
    from pytest_auth0_m2m.cassettes.paths import replay_miss_message

    cassette = getattr(error, "cassette", None)
    path = _cassette_path(cassette) if cassette is not None else None
    where = [
        f"{_display(item.config, frame.filename)}:{frame.lineno}"
        for frame in traceback.extract_tb(error.__traceback__)
        if Path(frame.filename) == item.path
    ]
    return replay_miss_message(
        item.nodeid,
        _display(item.config, path) if path else "its cassette",
        where[-1] if where else None,
        str(error),
    )


class _PerTest:
    """The hooks a mgmt_scopes test needs; registered only when a run collected one, and each
    returns at once for other tests."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        if REPLAY_CHECKS_KEY not in item.stash:
            return (yield)
        try:
            return (yield)
        finally:
            # After setup, as the cassette fixture would have: vcr has loaded the cassette.
            funcargs = getattr(item, "funcargs", {})
            if "vcr" in funcargs and is_ours(item):
                _loaded(item, funcargs["vcr"])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        if REPLAY_CHECKS_KEY not in item.stash and CASSETTE_FIXTURE not in getattr(
            item, "fixturenames", ()
        ):
            return (yield)
        message = item.stash.get(MISSING_CASSETTE_KEY, None)
        if message is not None:
            pytest.fail(message, pytrace=False)
        try:
            return (yield)
        except Exception as exc:
            from vcr.errors import CannotOverwriteExistingCassetteException

            if not isinstance(exc, CannotOverwriteExistingCassetteException):
                raise
            # vcrpy's own error comes ten frames deep, in the HTTP library: the plugin's
            # message, with the command that records the test again, comes first instead.
            message = _replay_miss(item, exc)
        pytest.fail(message, pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        # A refused cassette is reported once vcrpy has finished (and undone its patches).
        yield
        leaks = item.config.stash.get(LEAKS_KEY, [])
        if leaks:
            messages = list(leaks)
            leaks.clear()
            pytest.fail("\n".join(messages), pytrace=False)
