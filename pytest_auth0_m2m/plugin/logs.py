"""Live mode: log records name no tenant and hold no secret, whoever logs them.

httpx logs every request's URL at INFO (``HTTP Request: GET https://dev-x.eu.auth0.com/...``),
vcrpy and httpcore more at DEBUG, and pytest shows captured logs of a failing test in CI output,
which is often public. While a session talks to a real tenant, every record made in the process
has the tenant's host masked as the rest of the output shows it (``de***.eu.auth0.com``), the
provisioner's secret, every secret the session's registry was told (its apps' client secrets)
and any JWT replaced by ``***``, in the message, a logged exception's traceback and a stack
trace alike. The record factory is the one hook every
logger goes through; it is put back at the end of the session.

The same masking applies to what pytest shows of each test and collector (a failure's text,
captured output), to the plugin's usage errors and to its warnings: Auth0's error messages can
quote what a request sent (an audience holds the tenant's name), and a test's assertion or
traceback can show a token.

Whenever a session records (live or fake), vcrpy's own INFO line for each recorded exchange is
kept from showing the response: vcrpy logs it before ``before_record_response`` redacts it, so
it would print a created app's client secret, a ticket or a token as Auth0 sent them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from pytest_auth0_m2m.auth0.hosts import masked
from pytest_auth0_m2m.cassettes.placeholders import JWT_PATTERN

MARK = "***"
# A tenant's name shorter than this is also a common word: only its host is masked then.
MIN_TENANT_NAME = 4


class MaskedLogRecords:
    """Installs a log record factory that masks ``hosts`` and ``secrets`` in each message."""

    def __init__(
        self,
        hosts: Sequence[str],
        secrets: Sequence[str],
        learned: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self._hosts = [(re.compile(re.escape(h), re.IGNORECASE), masked(h)) for h in hosts if h]
        # The tenant's name alone, as an Auth0 message may quote it ('tenant "dev-x"'): its
        # first label, as a word, masked like the host's.
        for host in hosts:
            name = host.split(".", 1)[0]
            if "." in host and len(name) >= MIN_TENANT_NAME and masked(host) != host:
                word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
                self._hosts.append((word, f"{name[:2]}***"))
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        # The secrets the session learns as it runs (its apps' secrets, tokens): asked per record.
        self._learned = learned
        self._previous: Callable[..., logging.LogRecord] | None = None
        # The forms to mask, for the learned secrets they were made from (asked per record).
        self._masked: tuple[tuple[str, ...], list[str]] = ((), self._forms_of(()))

    def _forms_of(self, learned: tuple[str, ...]) -> list[str]:
        from pytest_auth0_m2m.cassettes.guard import secret_forms

        # Every form the cassette guard looks for: URL-encoded (httpx logs each request's URL,
        # a secret in its query encoded), JSON-escaped, base64 and hex (an Authorization header
        # or a message quoting one), longest first.
        forms = {form for secret in (*learned, *self._secrets) for _, form in secret_forms(secret)}
        return sorted(forms, key=len, reverse=True)

    def _forms(self) -> list[str]:
        learned = tuple(self._learned()) if self._learned is not None else ()
        if learned != self._masked[0]:
            self._masked = (learned, self._forms_of(learned))
        return self._masked[1]

    def install(self) -> None:
        if self._previous is None:
            self._previous = logging.getLogRecordFactory()
            logging.setLogRecordFactory(self._record)

    def uninstall(self) -> None:
        if self._previous is not None and logging.getLogRecordFactory() == self._record:
            logging.setLogRecordFactory(self._previous)
        self._previous = None

    def mask(self, text: str) -> str:
        for form in self._forms():
            if form in text:
                text = text.replace(form, MARK)
        text = JWT_PATTERN.sub(MARK, text)
        for pattern, shown in self._hosts:
            text = pattern.sub(shown, text)
        return text

    def _record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        assert self._previous is not None
        record = self._previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it later, as it would
            return record
        shown = self.mask(message)
        if shown != message:
            record.msg, record.args = shown, None
        # A logged exception's traceback (logger.exception, exc_info=True) holds the exception's
        # message and source lines, often a URL: formatted now, masked, and kept as the text
        # every Formatter then uses instead of formatting it again.
        if record.exc_info and not record.exc_text:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return record


class MaskedReports:
    """A live session's plugin: every test and collect report leaves its process masked, so the
    terminal, JUnit XML, xdist's controller and any report plugin get the masked text."""

    def __init__(self, masking: MaskedLogRecords) -> None:
        self.masking = masking

    def mask(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        longrepr = report.longrepr
        if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
            path, line, reason = longrepr
            report.longrepr = (path, line, self.masking.mask(str(reason)))
        elif longrepr is not None:
            text = str(longrepr)
            shown = self.masking.mask(text)
            if shown != text:
                report.longrepr = shown
        report.sections = [(title, self.masking.mask(text)) for title, text in report.sections]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Any:
        report = yield
        self.mask(report)
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        report = yield
        self.mask(report)
        return report


def shown(config: pytest.Config, text: str) -> str:
    """``text`` as the plugin may show it: masked like the logs in a live session."""
    from pytest_auth0_m2m.plugin.state import LOG_MASKING_KEY

    masking = config.stash.get(LOG_MASKING_KEY, None)
    return masking.mask(text) if masking is not None else text


class UnredactedResponses(logging.Filter):
    """On vcrpy's ``vcr.cassette`` logger: a recorded response is named, never shown."""

    LOGGER = "vcr.cassette"
    SHOWN = "(not shown: logged before it is redacted)"

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_is_response(a) for a in args):
            record.args = tuple(self.SHOWN if _is_response(a) else a for a in args)
        elif isinstance(args, Mapping) and _is_response(args):  # a lone dict argument
            record.args = (self.SHOWN,)
        return True

    def install(self) -> None:
        logging.getLogger(self.LOGGER).addFilter(self)

    def uninstall(self) -> None:
        logging.getLogger(self.LOGGER).removeFilter(self)


def _is_response(value: object) -> bool:
    # vcrpy's response: a dict with its status, headers and body.
    return isinstance(value, Mapping) and "body" in value and "status" in value
