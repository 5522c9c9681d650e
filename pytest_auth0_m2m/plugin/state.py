"""Per-session state shared by the plugin's modules: stash keys and what a test declared.

Imports no other plugin module, so the plugin's modules import it without a cycle.
"""

from __future__ import annotations

import pytest

from pytest_auth0_m2m.auth0.scopes import ScopeRequest
from pytest_auth0_m2m.provisioning import settings as settings_mod

SETTINGS_KEY = pytest.StashKey[settings_mod.Settings]()
SCOPES_KEY = pytest.StashKey[ScopeRequest]()


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
