"""The project's own integration suite: tests of ``helpdesk`` written as a plugin user writes them.

The default test command (``scripts/run-tests.sh``, or plain ``pytest``) replays them offline
from the committed cassettes in the top-level ``cassettes/`` directory (the plugin's default
``auth0_cassette_dir``), with the network blocked and no ``AUTH0_*`` variable needed.
``bash scripts/record-integration.sh`` records them again: on the CLI emulator, in live mode, or
on a dev tenant when ``AUTH0_DOMAIN``/``AUTH0_CLIENT_ID``/``AUTH0_CLIENT_SECRET`` are set.
``pytest tests/integration --auth0-fake`` runs them on the embedded emulator while writing them.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RERECORD = (
    "The integration suite's cassettes are recorded with one command (on the emulator, or on "
    "your dev tenant when AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are set):\n"
    "    bash scripts/record-integration.sh\n"
    "then commit cassettes/ (see README, 'One suite, three modes')."
)


def _ours(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mine = [item for item in items if _ours(item)]
    if not mine:
        return
    if config.getoption("--auth0-fake") is None and str(config.getini("auth0_fake")).lower() in (
        "true",
        "1",
        "yes",
        "on",
    ):
        # The default command must replay the cassettes: on the emulator these tests would pass
        # whatever the cassettes hold. Fake mode is for writing them, asked for by name.
        raise pytest.UsageError(
            "tests/integration replays its cassettes unless --auth0-fake is on the command "
            "line; auth0_fake is set in the configuration (ini or -o). Remove it, or pass "
            "--auth0-fake to run these tests on the emulator on purpose."
        )
    for item in mine:
        # pytest-recording blocks the network of a vcr test only when it replays (record mode
        # none); in fake mode the plugin keeps its emulator reachable; recording is not blocked.
        item.add_marker(pytest.mark.block_network)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and _ours(item):
        text = report.longreprtext
        if "pytest-auth0-m2m: no cassette for" in text or "does not hold" in text:
            report.sections.append(("re-record the integration suite", RERECORD))
    return report
