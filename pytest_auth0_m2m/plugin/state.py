"""Per-session state shared by the plugin's modules: stash keys and what a test declared.

Imports no other plugin module, so the plugin's modules import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from pytest_auth0_m2m.provisioning import settings as settings_mod

# Types only: importing them costs what runs that never use the plugin must not pay (the scope
# catalogue's module is imported when a first mgmt_scopes marker is checked).
if TYPE_CHECKING:
    from pytest_auth0_m2m.auth0.scopes import ScopeRequest
    from pytest_auth0_m2m.plugin.logs import MaskedLogRecords, UnredactedResponses

SETTINGS_KEY = pytest.StashKey[settings_mod.Settings]()
SCOPES_KEY: pytest.StashKey[ScopeRequest] = pytest.StashKey()
# Client ids of setup ("arrange") identities: their calls, seen in the emulator's journal, are
# not the test's own and are left out of its least-privilege analysis. Whoever makes a setup
# identity adds its client id here (config.stash.setdefault(ARRANGE_CLIENTS_KEY, set())).
ARRANGE_CLIENTS_KEY = pytest.StashKey[set[str]]()
# Live mode's log record masking (plugin/logs.py), undone at unconfigure.
LOG_MASKING_KEY: pytest.StashKey[MaskedLogRecords] = pytest.StashKey()
# A recording session's filter on vcrpy's logger (plugin/logs.py), removed at unconfigure.
RESPONSE_LOG_KEY: pytest.StashKey[UnredactedResponses] = pytest.StashKey()


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def declared_scopes(item: pytest.Item) -> ScopeRequest | None:
    """The validated ``mgmt_scopes`` declaration of a collected test, or None without a marker."""
    return item.stash.get(SCOPES_KEY, None)


def recording_disabled(config: pytest.Config) -> bool:
    try:
        return bool(config.getoption("--disable-recording"))
    except ValueError:  # pytest-recording disabled with -p no:recording
        return True


def use_fixture(item: pytest.Item, name: str, after: str | None = None) -> bool:
    """Make ``item`` use fixture ``name`` (first, or right after ``after``); False if it cannot.

    Set at collection on the plugin's own tests only, instead of an autouse fixture that every
    test of the session would set up. A new list: parametrized items share the original.
    """
    names = getattr(item, "fixturenames", None)
    if not isinstance(names, list):
        return False  # not a Function (a doctest, a plugin's own item): no fixtures
    if name in names:
        return True
    position = names.index(after) + 1 if after is not None and after in names else 0
    item.fixturenames = [*names[:position], name, *names[position:]]  # type: ignore[attr-defined]
    return True


_F = TypeVar("_F", bound=Callable[..., Any])
PUBLIC_FIXTURES_MODULE = "pytest_auth0_m2m.plugin.fixtures"


def private_fixture(func: _F) -> _F:
    """Lists a private (underscore) fixture with the public ones in ``pytest --fixtures``.

    pytest prints a "fixtures defined from MODULE" header for each module that defines a
    fixture, then hides the underscore ones without ``-v``: a module of private fixtures only
    would show an empty section. Apply under ``@pytest.fixture``.
    """
    func.__module__ = PUBLIC_FIXTURES_MODULE
    return func
