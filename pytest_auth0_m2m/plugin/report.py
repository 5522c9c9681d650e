"""pytest side of the least-privilege report: declared scopes against the scopes used.

Each mgmt_scopes test's traffic (its cassette, else the emulator's journal) is analysed by
``least_privilege`` at teardown; the result rides on the teardown report, so xdist workers hand
it to the controller, which prints the summary and writes the JSON report. Only the compact
result is kept: the cassette (or journal slice) is let go as soon as the test is analysed.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_auth0_m2m.plugin.cassettes import (
    CASSETTE_FIXTURE,
    emulator_secrets,
    is_ours,
    secret_registry,
)
from pytest_auth0_m2m.plugin.per_test import PerTestAnalysis, write_section
from pytest_auth0_m2m.plugin.state import (
    ARRANGE_CLIENTS_KEY,
    LOG_MASKING_KEY,
    SETTINGS_KEY,
    declared_scopes,
    is_xdist_worker,
    private_fixture,
    use_fixture,
)
from pytest_auth0_m2m.provisioning import settings as settings_mod

# The analysis is imported when a test is first analysed, not with the plugin.
if TYPE_CHECKING:
    from pytest_auth0_m2m.cassettes.registry import Secret
    from pytest_auth0_m2m.least_privilege import analysis as lp

TRAFFIC_KEY = pytest.StashKey[tuple["lp.TrafficWatch | None", frozenset[str]]]()
FAKE_KEY = pytest.StashKey[Any]()  # the emulator of a fake session: its secrets are masked
SCOPES_REPORT_KEY = pytest.StashKey["_ScopesReport"]()
REPORT_ATTR = "auth0_m2m_scopes"  # on teardown reports: the test's ScopeUsage as JSON
SECTION = "auth0-m2m least privilege"
TRAFFIC_FIXTURE = "_auth0_m2m_traffic"
# On a replayed test's item, in place of TRAFFIC_FIXTURE: its traffic is its cassette, known
# once setup has loaded it, so the per-test hooks watch it and no fixture is set up for it.
WATCH_AFTER_SETUP_KEY = pytest.StashKey[bool]()
PER_TEST_PLUGIN = "auth0-m2m-report-per-test"
HOSTS_KEY = pytest.StashKey[frozenset[str]]()  # the Management API's hosts, without an emulator


def _api_hosts(config: pytest.Config, settings: settings_mod.Settings, fake: Any) -> frozenset[str]:
    if fake is None:
        # The same for every test of the session (its domain): worked out once.
        hosts = config.stash.get(HOSTS_KEY, None)
        if hosts is None:
            hosts = config.stash[HOSTS_KEY] = _hosts_of(settings, None)
        return hosts
    return _hosts_of(settings, fake)


def _hosts_of(settings: settings_mod.Settings, fake: Any) -> frozenset[str]:
    from pytest_auth0_m2m.least_privilege import analysis as lp

    names = [fake.url] if fake is not None else []
    if settings.mode == "live" and settings.domain.value:
        names.append(settings.domain.value)
    return lp.api_hosts(*names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Only tests that declare scopes are watched: an autouse fixture would cost every test.
    # After the cassette glue (when the test has it), which registers the tenant's names.
    settings = config.stash.get(SETTINGS_KEY, None)
    replay = settings is not None and settings.mode == "replay"
    watched = 0
    for item in items:
        if declared_scopes(item) is None:
            continue
        if not replay:
            watched += use_fixture(item, TRAFFIC_FIXTURE, after=CASSETTE_FIXTURE)
        elif isinstance(getattr(item, "fixturenames", None), list):  # a Function: it has vcr
            item.stash[WATCH_AFTER_SETUP_KEY] = True
            watched += 1
    if watched and not config.pluginmanager.has_plugin(PER_TEST_PLUGIN):
        config.pluginmanager.register(_per_test(), PER_TEST_PLUGIN)
    if watched:
        _feed_reports(config)


FEED_PLUGIN = "auth0-m2m-scopes-report-feed"


class _ReportFeed:
    """Hands each teardown report to the run's report: registered only where there may be
    analysed tests (this process collected some, or it is xdist's controller), so that a run
    without them makes no call per report."""

    def __init__(self, collector: _ScopesReport) -> None:
        self.collector = collector

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add(report)


def _feed_reports(config: pytest.Config) -> None:
    collector = config.stash.get(SCOPES_REPORT_KEY, None)
    if collector is not None and not config.pluginmanager.has_plugin(FEED_PLUGIN):
        config.pluginmanager.register(_ReportFeed(collector), FEED_PLUGIN)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # xdist's controller collects nothing: its workers' reports may carry analysed tests.
    if session.config.pluginmanager.has_plugin("dsession"):
        _feed_reports(session.config)


@pytest.fixture
@private_fixture
def _auth0_m2m_traffic(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Watches a mgmt_scopes test's Management API traffic for the least-privilege report."""
    item = request.node
    declared = declared_scopes(item) if isinstance(item, pytest.Item) else None
    if declared is None:
        yield
        return
    settings = request.config.stash[SETTINGS_KEY]
    fake = request.getfixturevalue("auth0_fake") if settings.mode == "fake" else None
    cassette = request.getfixturevalue("vcr") if is_ours(item) else None
    _watch(item, settings, cassette, fake)
    yield


def _watch(item: pytest.Item, settings: settings_mod.Settings, cassette: Any, fake: Any) -> None:
    """The test's traffic from now on: its cassette, else the emulator's journal."""
    from pytest_auth0_m2m.least_privilege import analysis as lp

    journal = getattr(fake, "journal", None)
    watch: lp.TrafficWatch | None = None
    if cassette is not None:
        watch = lp.TrafficWatch(cassette=cassette)
    elif fake is not None and journal is not None:
        # The plugin's provisioner and any setup identity are not the test's token.
        # A live set: auth0_arrange adds its app when the test first uses it.
        setup = item.config.stash.setdefault(ARRANGE_CLIENTS_KEY, set())
        setup.add(fake.provisioner.client_id)
        watch = lp.TrafficWatch.on_journal(journal, fake.url, setup)
    item.stash[TRAFFIC_KEY] = (watch, _api_hosts(item.config, settings, fake))
    if fake is not None:
        item.stash[FAKE_KEY] = fake


def _usage(item: pytest.Item, outcome: str | None) -> lp.ScopeUsage | None:
    from pytest_auth0_m2m.cassettes.guard import mask_secrets
    from pytest_auth0_m2m.least_privilege import analysis as lp

    watched = item.stash.get(TRAFFIC_KEY, None)
    if watched is None:
        return None
    watch, hosts = watched
    traffic = watch.exchanges() if watch is not None else None
    registry = secret_registry(item.config)
    known: list[Secret] = []

    def mask(text: str) -> str:
        # A token or secret in a request path must not reach the terminal nor the JSON report,
        # even when the guard refused the cassette that held it.
        if not known:
            # Without cassettes nothing fed the registry: the emulator knows the apps' secrets.
            fake = item.stash.get(FAKE_KEY, None)
            known.extend(registry.secrets() + (emulator_secrets(fake) if fake else []))
        text = mask_secrets(text, known, lp.MASK)
        if LOG_MASKING_KEY in item.config.stash:
            # Live: the tenant's name too, as the terminal shows it (an Auth0 message can
            # quote it in a 403's body), and whatever else live output masks.
            from pytest_auth0_m2m.plugin.logs import shown

            text = shown(item.config, text)
        return text

    declared = declared_scopes(item)
    return lp.analyse(item.nodeid, traffic, declared, hosts, mask=mask, outcome=outcome)


def _analysed(item: pytest.Item, outcome: str | None) -> lp.ScopeUsage | None:
    """The test's final usage; its traffic (a whole vcr Cassette) is let go."""
    usage = _usage(item, outcome)
    del item.stash[TRAFFIC_KEY]
    return usage


def _failure_lines(item: pytest.Item, report: pytest.TestReport) -> None:
    # A failed phase shows the test's requests the declared scopes did not allow, so far.
    so_far = _usage(item, None)
    lines = so_far.failure_lines() if so_far is not None else []
    if lines:
        report.sections.append((SECTION, "\n".join(lines)))


def _watch_after_setup(item: pytest.Item) -> None:
    # Replay: as the traffic fixture would have, after the test's fixtures are set up. A
    # cassette of ours that vcr did not get to load (its setup failed) leaves it unwatched.
    if WATCH_AFTER_SETUP_KEY not in item.stash:
        return
    funcargs = getattr(item, "funcargs", {})
    ours = is_ours(item)
    if not ours or "vcr" in funcargs:
        cassette = funcargs.get("vcr") if ours else None
        _watch(item, item.config.stash[SETTINGS_KEY], cassette, None)


def _per_test() -> PerTestAnalysis:
    return PerTestAnalysis(
        lambda item: TRAFFIC_KEY in item.stash,
        _analysed,
        REPORT_ATTR,
        on_failed=_failure_lines,
        after_setup=_watch_after_setup,
    )


class _ScopesReport:
    """The run's least-privilege report, gathered from teardown reports (xdist's included)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # Made (and the analysis imported) with the first analysed test or the report's write:
        # a run without mgmt_scopes tests never loads it.
        self._run: lp.RunReport | None = None
        path = config.getoption("--mgmt-scopes-report")
        self.path = Path(os.path.abspath(os.path.expanduser(str(path)))) if path else None
        self.error: str | None = None

    @property
    def run(self) -> lp.RunReport:
        if self._run is None:
            from pytest_auth0_m2m.least_privilege import analysis as lp

            self._run = lp.RunReport()
        return self._run

    def add(self, report: pytest.TestReport) -> None:
        """A test's usage, from its teardown report (an xdist worker's included)."""
        data = getattr(report, REPORT_ATTR, None)
        if report.when == "teardown" and isinstance(data, dict):
            from pytest_auth0_m2m.least_privilege import analysis as lp

            self.run.add(lp.ScopeUsage.from_json(data))
            # Read once, here in the controller: pytest keeps every report to the end of the
            # session, and the JSON would be kept beside the usage made from it.
            delattr(report, REPORT_ATTR)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.path is None:
            return
        settings = self.config.stash.get(SETTINGS_KEY, None)
        strict = bool(self.config.getoption("--mgmt-scopes-strict"))
        try:
            self.run.write(self.path, settings.mode if settings else None, strict)
        except OSError as exc:
            self.error = (
                f"pytest-auth0-m2m: could not write the least-privilege report to {self.path}: "
                f"{exc}. Pass a writable path to --mgmt-scopes-report."
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.config.get_verbosity() <= -2:
            # -qq: only a report that could not be written is worth a line.
            if self.error is not None:
                terminalreporter.write_line(self.error, red=True)
            return
        if (self._run is None or not self._run.tests) and self.error is None:
            return
        write_section(terminalreporter, SECTION, self.run.summary_lines() if self.run.tests else [])
        if self.error is not None:
            terminalreporter.write_line(self.error, red=True)
        elif self.path is not None:
            terminalreporter.write_line(f"least-privilege report written to {self.path}")


def pytest_configure(config: pytest.Config) -> None:
    if is_xdist_worker(config):
        return  # the controller reports
    collector = _ScopesReport(config)
    config.stash[SCOPES_REPORT_KEY] = collector
    config.pluginmanager.register(collector, "auth0-m2m-scopes-report")
