"""Hook bodies both scope markers share: ``mgmt_scopes`` (plugin/__init__.py, plugin/report.py)
and ``m2m_scopes`` (plugin/own_apis.py).

One implementation each of: the closest marker of a test, its declaration parsed at collection (a
collect report failed with every bad marker of a module), the per-test hooks that analyse a
test's traffic at teardown and apply strict mode, and the report's terminal section. Imports no
other plugin module.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pytest

STRICT_OPTION = "--mgmt-scopes-strict"


T = TypeVar("T")


class Usage(Protocol):
    """A test's analysed traffic (least_privilege's ScopeUsage, own_apis' ApiUsage)."""

    def strict_failure(self, strict: bool) -> str | None: ...

    def to_json(self) -> dict[str, Any]: ...


def closest_marker(item: pytest.Item, name: str) -> pytest.Mark | None:
    """The marker ``name`` that applies to ``item``: function > class > module, and a
    ``pytest.param(..., marks=...)`` mark over the test's decorator."""
    # pytest lists a test's decorator marks before its parameter's marks on the same node; the
    # parameter's is the more specific one, so it wins.
    callspec = getattr(item, "callspec", None)
    param_marks = [m for m in getattr(callspec, "marks", ()) if m.name == name]
    return param_marks[-1] if param_marks else item.get_closest_marker(name)


@dataclass(frozen=True)
class Declaration(Generic[T]):
    """A scope marker: its name, how its arguments are parsed (ScopeError on a bad one) and
    where the parsed declaration is kept on the item."""

    marker: str
    parse: Callable[[pytest.Mark], T]
    key: pytest.StashKey[T]


def declare_or_fail(
    report: pytest.CollectReport, declarations: Sequence[Declaration[Any]]
) -> pytest.CollectReport:
    """Each collected item's markers parsed into its stash; ``report`` failed with the error
    line of every marker a parser refuses (a ValueError: ScopeError for the scope markers).

    Validating as each module (or class) is collected makes a typo a collection error that stops
    the run before any test (or any tenant call) happens. Every bad marker of the module is listed
    in its one error, of both markers, its classes' included, so a run shows all of them at once.
    """
    if not report.passed:
        return report
    errors = _errors(report.result, declarations)
    if errors:
        # pytest collects nothing below a failed report: the bad markers of the module's
        # classes are looked for now, so that they are listed in this one error too.
        below = [n for n in report.result if isinstance(n, pytest.Collector)]
        errors += _errors(_items_below(below), declarations)
        report.outcome = "failed"
        report.longrepr = "\n".join(errors)
        report.result = []
    return report


# The marker each declaration was parsed from, per item: a marker added later is told apart.
_PARSED_FROM = pytest.StashKey[dict[str, pytest.Mark]]()


def _errors(
    nodes: Iterable[pytest.Item | pytest.Collector], declarations: Sequence[Declaration[Any]]
) -> list[str]:
    errors = []
    wanted = frozenset(d.marker for d in declarations)
    # The marker names of each item's parents (its module, class...), found once per parent:
    # the items of a module share them, and most tests carry none of these markers.
    above: dict[int, frozenset[str]] = {}
    for node in nodes:
        if not isinstance(node, pytest.Item):
            continue
        inherited = _inherited_names(node, above)
        callspec = getattr(node, "callspec", None)
        names = (
            {m.name for m in node.own_markers}
            | {m.name for m in getattr(callspec, "marks", ())}
            | inherited
        )
        if names.isdisjoint(wanted):
            continue
        for declaration in declarations:
            if declaration.marker not in names:
                continue
            marker = closest_marker(node, declaration.marker)
            if marker is None:
                continue
            node.stash.setdefault(_PARSED_FROM, {})[declaration.marker] = marker
            try:
                node.stash[declaration.key] = declaration.parse(marker)
            except ValueError as exc:  # ScopeError, or any parser's refusal
                errors.append(f"{node.nodeid}: {exc}")
    return errors


def _inherited_names(item: pytest.Item, above: dict[int, frozenset[str]]) -> frozenset[str]:
    """The marker names of ``item``'s parents (``above`` keeps them per parent)."""
    parent = item.parent
    if parent is None:
        return frozenset()
    names = above.get(id(parent))
    if names is None:
        names = above[id(parent)] = frozenset(m.name for m in parent.iter_markers())
    return names


def declare_late(items: Sequence[pytest.Item], declarations: Sequence[Declaration[Any]]) -> None:
    """The markers a ``pytest_collection_modifyitems`` hook added (``item.add_marker``, a
    conftest marking a directory's tests), parsed as collection parsed the others; a bad one
    stops the run before any test, as a bad decorator's collection error does."""
    names = {d.marker for d in declarations}
    errors: list[str] = []
    for item in items:
        # An added marker is one of the item's own (the closest); most items have none of ours.
        added = [m for m in item.own_markers if m.name in names]
        if not added:
            continue
        parsed_from = item.stash.get(_PARSED_FROM, {})
        if any(parsed_from.get(m.name) is not closest_marker(item, m.name) for m in added):
            errors += _errors([item], declarations)
    if errors:
        raise pytest.UsageError(
            "pytest-auth0-m2m: markers added at collection are not valid:\n" + "\n".join(errors)
        )


def _items_below(collectors: Iterable[pytest.Collector]) -> Iterator[pytest.Item]:
    for collector in collectors:
        try:
            nodes = collector.collect()
        except Exception:  # its own collection error is pytest's to report, if it is ever run
            continue
        for node in nodes:
            if isinstance(node, pytest.Item):
                yield node
            else:
                yield from _items_below([node])


class PerTestAnalysis:
    """The per-test hooks of one marker's least-privilege report, registered as a plugin only
    when a run has such tests; each returns at once for the others.

    ``watched(item)``: the test's traffic is being watched. ``analyse(item, outcome)``: its
    usage, the traffic let go. The usage rides on the teardown report as ``report_attr`` (so
    xdist workers hand it to the controller); ``on_failed(item, report)`` may add to a failed
    phase's report; ``after_setup(item)`` runs once the test's fixtures are set up (or failed
    to be), where a fixture of the plugin would have run before them.
    """

    def __init__(
        self,
        watched: Callable[[pytest.Item], bool],
        analyse: Callable[[pytest.Item, str | None], Usage | None],
        report_attr: str,
        on_failed: Callable[[pytest.Item, pytest.TestReport], None] | None = None,
        after_setup: Callable[[pytest.Item], None] | None = None,
    ) -> None:
        self.watched = watched
        self.analyse = analyse
        self.report_attr = report_attr
        self.on_failed = on_failed
        self.after_setup = after_setup
        self.outcome_key = pytest.StashKey[str]()
        self.usage_key = pytest.StashKey[Usage]()

    def _analysed(self, item: pytest.Item, outcome: str | None) -> Usage | None:
        usage = self.analyse(item, outcome)
        if usage is not None:
            item.stash[self.usage_key] = usage
        return usage

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        if self.after_setup is None:
            return (yield)
        try:
            return (yield)
        finally:
            self.after_setup(item)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        # After the fixtures' own teardown, so requests made while cleaning up count too.
        if not self.watched(item):
            return (yield)
        try:
            yield
        except BaseException:
            self._analysed(item, "failed")
            raise
        usage = self._analysed(item, item.stash.get(self.outcome_key, None))
        strict = bool(item.config.getoption(STRICT_OPTION))
        failure = usage.strict_failure(strict) if usage is not None else None
        if failure is not None:
            pytest.fail(failure, pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "teardown":
            usage = item.stash.get(self.usage_key, None)
            if usage is not None:
                setattr(report, self.report_attr, usage.to_json())
                del item.stash[self.usage_key]
            return report
        if not self.watched(item):
            return report
        # The outcome so far, for the analysis at teardown: a failed phase sticks.
        if report.failed:
            item.stash[self.outcome_key] = "failed"
            if self.on_failed is not None:
                self.on_failed(item, report)
        elif report.skipped or report.when == "call":
            item.stash[self.outcome_key] = report.outcome
        return report


def write_section(terminalreporter: Any, title: str, lines: Iterable[str]) -> None:
    """A report section of the terminal summary."""
    # The progress line may still be open: closed before the header, not after it (pytest's
    # write_line would close it below the header, leaving a blank line there).
    terminalreporter.ensure_newline()
    terminalreporter.section(title)
    for line in lines:
        terminalreporter.write_line(line)
