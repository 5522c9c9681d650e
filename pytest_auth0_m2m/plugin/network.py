"""pytest-recording's ``--block-network`` in fake mode: the emulator stays reachable.

pytest-recording blocks every connection whose host its ``allowed_hosts`` fixture does not
match, 127.0.0.1 included, and the emulator is a real server there. This plugin object is
registered in fake sessions only (after pytest-recording's plugin, so that its fixture of the
same name overrides pytest-recording's and receives that one's value): the user's hosts, from
``--allowed-hosts``, the ``block_network`` marker or ``vcr_config``, plus the emulator's.
"""

from __future__ import annotations

import re

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
