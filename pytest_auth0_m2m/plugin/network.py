"""pytest-recording's ``--block-network`` in fake mode: the emulator stays reachable.

pytest-recording blocks every connection whose host its ``allowed_hosts`` fixture does not
match, 127.0.0.1 included, and the emulator is a real server there. This plugin object is
registered in fake sessions only (after pytest-recording's plugin, so that its fixture of the
same name overrides pytest-recording's and receives that one's value): the user's hosts, from
``--allowed-hosts``, the ``block_network`` marker or ``vcr_config``, plus the emulator's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from pytest_auth0_m2m.auth0.hosts import LOOPBACK_NAMES

# The emulator listens on 127.0.0.1 (and answers as localhost with TLS); pytest-recording
# matches the host a socket connects to (an address once resolved) with re.match.
EMULATOR_HOST_PATTERNS = tuple(
    dict.fromkeys(rf"^{re.escape(name.strip('[]'))}$" for name in LOOPBACK_NAMES)
)


class EmulatorHosts:
    """Adds the emulator's hosts to pytest-recording's ``allowed_hosts``."""

    NAME = "auth0-m2m-emulator-hosts"

    @pytest.fixture
    def allowed_hosts(self, allowed_hosts: list[str] | None) -> list[str]:
        """pytest-recording's hosts allowed under --block-network, plus the Auth0 emulator's."""
        hosts = list(allowed_hosts or [])
        return hosts + [p for p in EMULATOR_HOST_PATTERNS if p not in hosts]


EARLY_TLS_KEY = pytest.StashKey["TlsMaterial"]()
_EARLY_ENV_KEY = pytest.StashKey[pytest.MonkeyPatch]()

if TYPE_CHECKING:
    from pytest_auth0_m2m.fake.tls import TlsMaterial


def trust_emulator_early(config: pytest.Config) -> None:
    """Fake mode: make the emulator's CA now and point the CA variables at it for the run.

    aiohttp builds its default SSL context when it is imported, which a test module does at
    collection, before any fixture: a CA set by the session fixture would come too late for it.
    The emulator, started on first use, serves with this CA.
    """
    from pytest_auth0_m2m.fake.tls import make_tls_material
    from pytest_auth0_m2m.plugin.fixtures import CA_ENV_VARS

    material = config.stash[EARLY_TLS_KEY] = make_tls_material()
    env = config.stash[_EARLY_ENV_KEY] = pytest.MonkeyPatch()
    for name in CA_ENV_VARS:
        env.setenv(name, str(material.ca_bundle_path))


def early_tls(config: pytest.Config) -> TlsMaterial | None:
    """The CA made at configure time (fake mode), for the emulator to serve with."""
    return config.stash.get(EARLY_TLS_KEY, None)


def untrust_emulator(config: pytest.Config) -> None:
    """The CA variables as they were before the run; the early CA's files removed."""
    env = config.stash.get(_EARLY_ENV_KEY, None)
    if env is not None:
        env.undo()
    material = config.stash.get(EARLY_TLS_KEY, None)
    if material is not None:
        material.cleanup()
