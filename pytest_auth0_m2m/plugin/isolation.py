"""Fake mode's isolation: the emulator's tenant put back after each test (or module).

The emulator keeps one tenant for the whole session. Without isolation a user one test
creates is seen by the next and a fault one test injects hits the next. The tenant is
checkpointed before a test (or a module) and restored after it with
``FakeAuth0.restore(keep_provisioned=True)``: the plugin's apps, their grants and tokens
survive (its token cache stays valid), everything else is as it was. Whatever the level,
faults and rate limits a test sets are undone at its end, except faults added with
``scope="session"``; a session or module fixture's seed, faults and limits, set up before the
test's checkpoint, stay.

Chosen with the ini value ``auth0_fake_isolation = test | module | session`` (default
``test``) or the marker ``@pytest.mark.auth0_fake_isolation("module")`` (closest wins).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from pytest_auth0_m2m.plugin.per_test import Declaration
from pytest_auth0_m2m.plugin.state import (
    SETTINGS_KEY,
    declared_scopes,
    private_fixture,
    use_fixture,
)

if TYPE_CHECKING:
    from pytest_auth0_m2m.fake import FakeAuth0

INI = "auth0_fake_isolation"
MARKER = "auth0_fake_isolation"
LEVELS = ("test", "module", "session")
DEFAULT_LEVEL = "test"
MARKER_HELP = (
    f"{MARKER}(level): fake mode only: put the emulator's tenant back after each 'test' "
    "(the default), after the 'module', or never ('session'); faults and rate limits a test "
    "sets are undone at its end in every level."
)
TEST_FIXTURE = "_auth0_m2m_isolate_test"
MODULE_FIXTURE = "_auth0_m2m_isolate_module"
# A test that uses one of these talks to the emulator (directly or through the plugin).
EMULATOR_FIXTURES = frozenset(
    {
        "auth0_fake",
        "auth0_tenant",
        "auth0_arrange",
        "mgmt_token",
        "mgmt_client",
        "mgmt_async_client",
        "m2m_credentials",
        "_auth0_m2m_source",
    }
)
LEVEL_KEY = pytest.StashKey[str]()
MARKER_LEVEL_KEY = pytest.StashKey[str]()  # on an item: its marker's level, parsed at collection


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI,
        "fake mode: restore the emulator's tenant after each test, module, or never "
        f"(session); default {DEFAULT_LEVEL}",
        default=DEFAULT_LEVEL,
    )


def _level(value: object, where: str) -> str:
    level = str(value).strip().lower()
    if level not in LEVELS:
        raise ValueError(
            f"{where}: {value!r} is not an isolation level; use one of "
            f"{', '.join(repr(name) for name in LEVELS)} (e.g. {INI} = module)"
        )
    return level


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    try:
        config.stash[LEVEL_KEY] = _level(config.getini(INI) or DEFAULT_LEVEL, f"ini {INI}")
    except ValueError as exc:
        raise pytest.UsageError(f"pytest-auth0-m2m: {exc}") from None
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is not None and settings.mode == "fake":
        from pytest_auth0_m2m.plugin.network import trust_emulator_early

        trust_emulator_early(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or settings.mode != "fake":
        return  # only fake mode trusts the emulator early: nothing to undo, nothing to import
    from pytest_auth0_m2m.plugin.network import untrust_emulator

    untrust_emulator(config)


def _marker_level(marker: pytest.Mark) -> str:
    if len(marker.args) != 1 or marker.kwargs:
        raise ValueError(
            f"{MARKER} takes one level, e.g. "
            f'@pytest.mark.{MARKER}("module"); got args={marker.args!r} kwargs={marker.kwargs!r}'
        )
    return _level(marker.args[0], MARKER)


# Parsed at collection with the scope markers (plugin/__init__.py): a bad level is a collection
# error of the test's module, in every mode and under xdist too.
ISOLATION = Declaration(MARKER, _marker_level, MARKER_LEVEL_KEY)


# pytest's scopes, widest first.
SCOPE_ORDER = ("session", "package", "module", "class", "function")


def _last_wider(config: pytest.Config, item: pytest.Item, scope: str) -> str | None:
    """The last of the item's fixtures whose scope is wider than ``scope``, or None.

    pytest sets an item's fixtures up in the order of its ``fixturenames``; asked through the
    fixture manager's lookup (pytest has no other public way to a fixture's scope).
    """
    manager = config.pluginmanager.get_plugin("funcmanage")
    lookup = getattr(manager, "getfixturedefs", None)
    if lookup is None:
        return None
    rank = SCOPE_ORDER.index(scope)
    last = None
    for name in getattr(item, "fixturenames", ()):
        defs = lookup(name, item)
        fixture_scope = getattr(defs[-1], "scope", "function") if defs else "function"
        if fixture_scope in SCOPE_ORDER and SCOPE_ORDER.index(fixture_scope) < rank:
            last = name
    return last


def _uses_emulator(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return declared_scopes(item) is not None or not EMULATOR_FIXTURES.isdisjoint(names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None or settings.mode != "fake":
        return
    default = config.stash[LEVEL_KEY]
    for item in items:
        if not _uses_emulator(item):
            continue
        level = item.stash.get(MARKER_LEVEL_KEY, default)
        # Before the test's own fixtures of its scope (set up after the checkpoint, torn down
        # before the restore: auth0_arrange deletes its data first) and after the wider ones
        # (a session fixture's seed is part of what every test starts from).
        if level == "module":
            use_fixture(item, MODULE_FIXTURE, after=_last_wider(config, item, "module"))
        use_fixture(item, TEST_FIXTURE, after=_last_wider(config, item, "function"))
        item.stash[LEVEL_KEY] = level


def _restore(fake: FakeAuth0, checkpoint: str) -> None:
    from pytest_auth0_m2m.fake.server import UnknownCheckpoint

    try:
        fake.restore(checkpoint)
    except UnknownCheckpoint:
        return  # the test called auth0_fake.reset(), which forgets checkpoints: nothing to undo
    fake.forget(checkpoint)


@pytest.fixture(scope="module")
@private_fixture
def _auth0_m2m_isolate_module(auth0_fake: FakeAuth0) -> Generator[None, None, None]:
    """Fake mode: the emulator's tenant as it was before this module, after it."""
    checkpoint = auth0_fake.checkpoint()
    yield
    _restore(auth0_fake, checkpoint)


@pytest.fixture
@private_fixture
def _auth0_m2m_isolate_test(
    request: pytest.FixtureRequest, auth0_fake: FakeAuth0
) -> Generator[None, None, None]:
    """Fake mode: the tenant (level test) or the faults and rate limits put back after the test,
    and the search lag it may have set."""
    level = request.node.stash.get(LEVEL_KEY, DEFAULT_LEVEL)
    lag = auth0_fake.search_lag
    if level == "test":
        checkpoint = auth0_fake.checkpoint()
        yield
        _restore(auth0_fake, checkpoint)
    else:
        mark = auth0_fake.faults.mark()
        limits = auth0_fake.rate_limits
        yield
        auth0_fake.faults.clear_since(mark)
        if auth0_fake.rate_limits is not limits:
            auth0_fake.set_rate_limits(limits)
    if auth0_fake.search_lag != lag:
        auth0_fake.search_lag = lag
