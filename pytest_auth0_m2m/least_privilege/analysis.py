"""Least privilege: the scopes each test declared against the scopes its requests needed.

Pure library (no pytest): the plugin hands it each test's Management API traffic, as
``Exchange`` records read from a vcrpy cassette or from the emulator's request journal, and
gets back a ``ScopeUsage``:

- ``used``: the smallest scope set that covers every request that passed Auth0's scope check,
  honouring the catalogue's any/all/mixed rules; when the declared scopes cover the traffic it is
  the smallest subset of them (so ``unused`` scopes can really be dropped from the marker);
- ``unused``: declared scopes no request needed;
- ``denials``: requests answered 403 ``insufficient_scope``, with the scopes they wanted. They
  are ``missing`` scopes unless the test passed (a test that expects a 403 passes);
- ``unknown``: Management API paths the catalogue does not know, listed, never guessed.

``RunReport`` gathers the tests of a run for the terminal summary and the JSON report, whose
schema is ``data/least_privilege_report.schema.json``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pytest_auth0_m2m.auth0 import hosts as hosts_mod
from pytest_auth0_m2m.auth0 import insufficient_scope
from pytest_auth0_m2m.auth0.arrange import is_arrange
from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.auth0.insufficient_scope import Groups
from pytest_auth0_m2m.auth0.scopes import (
    MANAGEMENT_PREFIX,
    Catalogue,
    Operation,
    ScopeRequest,
    catalogue,
)
from pytest_auth0_m2m.cassettes.placeholders import JWT_PATTERN
from pytest_auth0_m2m.cassettes.redaction import gunzipped
from pytest_auth0_m2m.least_privilege import wording

REPORT_VERSION = 1
SCHEMA_RESOURCE = "data/least_privilege_report.schema.json"


# --- Traffic ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request a test made and the answer it got (from a cassette or the emulator)."""

    method: str
    url: str
    status: int
    body: Any = None  # the response's parsed JSON, or None
    arrange: bool = False  # a setup call (X-Auth0-M2M-Arrange), made with the setup identity


def cassette_json(raw: Any) -> Any:
    """A response body (str, bytes, gzip bytes or vcrpy's ``{"string": ...}``) as JSON, or None."""
    if isinstance(raw, Mapping):
        raw = raw.get("string")
    if isinstance(raw, (bytes, bytearray)):
        data = bytes(raw)
        if data[:2] == b"\x1f\x8b":
            inflated = gunzipped(data)
            if inflated is None:
                return None
            data = inflated
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _vcr_exchange(request: Any, response: Any) -> Exchange:
    status = 0
    body: Any = None
    if isinstance(response, Mapping):
        code = response.get("status", {})
        status = int(code.get("code", 0) if isinstance(code, Mapping) else code or 0)
        # Only a 403's body is ever read (is it insufficient_scope?): a replayed test's other
        # answers are not parsed again at its teardown.
        body = cassette_json(response.get("body")) if status == 403 else None
    headers = getattr(request, "headers", None)
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    return Exchange(
        str(getattr(request, "method", "")),
        str(getattr(request, "uri", "")),
        status,
        body,
        arrange=is_arrange(pairs),
    )


@dataclass(frozen=True)
class CassetteTraffic:
    """A cassette's interactions of one test: sent to the network now, or replayed from disk."""

    recorded: tuple[Exchange, ...]
    replayed: tuple[Exchange, ...]

    @property
    def all(self) -> tuple[Exchange, ...]:
        return self.recorded + self.replayed


def cassette_traffic(cassette: Any) -> CassetteTraffic:
    """Read a vcrpy ``Cassette`` (duck-typed: ``data``, ``play_counts``, ``_loaded_count``).

    Interactions loaded from the file count once per replay; ones loaded but never replayed were
    not made by this test and are left out.
    """
    data = list(getattr(cassette, "data", None) or [])
    loaded = int(getattr(cassette, "_loaded_count", 0) or 0)
    play_counts: Mapping[int, int] = getattr(cassette, "play_counts", None) or {}
    recorded: list[Exchange] = []
    replayed: list[Exchange] = []
    for index, (request, response) in enumerate(data):
        exchange = _vcr_exchange(request, response)
        if index >= loaded:
            recorded.append(exchange)
        else:
            replayed.extend([exchange] * int(play_counts.get(index, 0)))
    return CassetteTraffic(tuple(recorded), tuple(replayed))


def journal_exchanges(
    entries: Iterable[Any], base_url: str, exclude_clients: Iterable[str] = ()
) -> list[Exchange]:
    """The emulator's journal entries (``method``, ``path``, ``status``, ``body``) as exchanges.

    Entries made with an excluded client's token (the plugin's own provisioner) are left out.
    """
    excluded = frozenset(exclude_clients)
    base = base_url.rstrip("/")
    result = []
    for entry in entries:
        if getattr(entry, "internal", False):
            continue
        client_id = getattr(entry, "client_id", None)
        if client_id is not None and client_id in excluded:
            continue
        path = str(entry.path)
        body = entry.body if not isinstance(entry.body, (str, bytes)) else cassette_json(entry.body)
        result.append(Exchange(str(entry.method).upper(), base + path, int(entry.status), body))
    return result


@dataclass
class TrafficWatch:
    """Where one test's traffic is read from: its cassette, else the emulator's journal.

    A cassette holds everything the test sent or replayed (the plugin's own provisioning is
    never recorded). The journal holds everything the emulator answered; provisioning is left
    out by the client id every entry carries.
    """

    cassette: Any = None
    journal: Any = None
    base_url: str = ""
    # Read when the traffic is read, not copied: a setup identity joins it during the test.
    exclude_clients: Collection[str] = frozenset()
    start: int | None = None

    @classmethod
    def on_journal(
        cls, journal: Any, base_url: str, exclude_clients: Collection[str] = frozenset()
    ) -> TrafficWatch:
        return cls(
            journal=journal,
            base_url=base_url,
            exclude_clients=exclude_clients,
            start=journal.mark(),
        )

    def exchanges(self) -> list[Exchange] | None:
        """The test's traffic so far, or None when nothing could observe it."""
        if self.cassette is not None:
            return list(cassette_traffic(self.cassette).all)
        if self.journal is None or self.start is None:
            return None
        entries = list(self.journal.since(self.start))
        return journal_exchanges(entries, self.base_url, self.exclude_clients)


def api_hosts(*urls_or_domains: str) -> frozenset[str]:
    """The hosts a run's Management API answers on; the recordings domain is always one."""
    return hosts_mod.aliases(*urls_or_domains) | {RECORDINGS_DOMAIN}


def management_path(url: str, hosts: frozenset[str] | None) -> str | None:
    """The path of a Management API request (``/api/v2/...``, no query), or None for others.

    The path stays percent-encoded: an id such as ``auth0%7C123`` or ``a%2Fb`` is one segment.
    """
    parts = urlsplit(url)
    if hosts is not None and hosts_mod.host_of(url) not in hosts:
        return None
    path = parts.path
    if path == MANAGEMENT_PREFIX or path.startswith(MANAGEMENT_PREFIX + "/"):
        return path
    return None


# --- Scope arithmetic ------------------------------------------------------------------------


def _essential(groups: Iterable[frozenset[str]]) -> list[frozenset[str]]:
    """Drop empty groups and groups implied by a smaller one (a superset is met whenever it is)."""
    unique = {g for g in groups if g}
    return sorted(
        (g for g in unique if not any(h < g for h in unique)), key=lambda g: (len(g), sorted(g))
    )


_SEARCH_BUDGET = 200_000


def _smallest_hitting_set(
    groups: list[frozenset[str]], prefer: frozenset[str], order: Mapping[str, int]
) -> frozenset[str]:
    forced = frozenset(next(iter(g)) for g in groups if len(g) == 1)
    rest = [g for g in groups if not g & forced]
    if not rest:
        return forced  # the usual test: every group is one scope; nothing to search

    def rank(chosen: frozenset[str]) -> tuple[int, int, int, list[str]]:
        # Fewest scopes, then most declared ones, then the catalogue's main scope of a group.
        return (
            len(chosen),
            -len(chosen & prefer),
            sum(order.get(s, 0) for s in chosen),
            sorted(chosen),
        )

    # A greedy answer first, so that the exact search can prune from the start.
    greedy = set(forced)
    pending = list(rest)
    while pending:
        counts = Counter(s for g in pending for s in g)
        pick = min(counts, key=lambda s: (-counts[s], s not in prefer, order.get(s, 0), s))
        greedy.add(pick)
        pending = [g for g in pending if pick not in g]
    best = frozenset(greedy)
    budget = _SEARCH_BUDGET

    def search(chosen: frozenset[str], remaining: list[frozenset[str]]) -> None:
        nonlocal best, budget
        budget -= 1
        if budget < 0:
            return
        if not remaining:
            if rank(chosen) < rank(best):
                best = chosen
            return
        if len(chosen) + 1 > len(best):
            return
        group = min(remaining, key=lambda g: (len(g), sorted(g)))
        for scope in sorted(group, key=lambda s: (s not in prefer, order.get(s, 0), s)):
            search(chosen | {scope}, [g for g in remaining if scope not in g])

    search(forced, rest)
    return best


def minimal_cover(groups: Iterable[Sequence[str]], prefer: Iterable[str] = ()) -> frozenset[str]:
    """The smallest scope set with at least one scope of every group.

    When the preferred (declared) scopes cover every group, the answer is the smallest subset of
    them: those are the scopes the token really used. Among equally small sets, the one with the
    most preferred scopes wins, then the one of scopes listed first in their groups (the
    catalogue lists an operation's main scope first: read:users before read:user_idp_tokens).
    """
    preferred = frozenset(prefer)
    group_list = [tuple(g) for g in groups]
    order: dict[str, int] = {}
    for group in group_list:
        for position, scope in enumerate(group):
            order[scope] = min(order.get(scope, position), position)
    all_groups = [frozenset(g) for g in group_list]
    if preferred and all(g & preferred for g in all_groups if g):
        essential = _essential(g & preferred for g in all_groups)
    else:
        essential = _essential(all_groups)
    return _smallest_hitting_set(essential, preferred, order)


def marker_text(scopes: Iterable[str]) -> str:
    return ScopeRequest(frozenset(scopes)).marker_text()


def groups_text(groups: Groups) -> str:
    """``create:users``, ``any of read:users, read:user_idp_tokens``, ``a and b``."""
    parts = [g[0] if len(g) == 1 else f"any of {', '.join(g)}" for g in groups]
    return " and ".join(parts)


# --- One test --------------------------------------------------------------------------------


def _passed_scope_check(status: int, body: Any) -> bool:
    """Whether Auth0 checked the token's scopes and let the request through.

    Auth0 checks scopes before it looks at the resource or the payload, so a 404, 409 or 400
    still proves the scope was needed. 401 and 429 come before the check; a 5xx proves nothing.
    """
    if status in (401, 429) or status >= 500 or status < 100:
        return False
    return not (status == 403 and _is_insufficient_scope(body, None, frozenset()))


def _is_insufficient_scope(body: Any, operation: Operation | None, granted: frozenset[str]) -> bool:
    if isinstance(body, Mapping):
        if insufficient_scope.is_insufficient_scope(body):
            return True
        message = body.get("message")
        if isinstance(message, str) and message.lower().startswith("insufficient scope"):
            return True
        if body.get("errorCode") or message:
            return False
    # No readable body: a 403 on an operation the declared scopes do not allow is a scope 403.
    return operation is not None and bool(granted) and not operation.allows(granted)


@dataclass(frozen=True)
class Denial:
    """A request answered 403 insufficient_scope, and the scopes it needed."""

    method: str
    path: str  # the concrete path, e.g. /api/v2/users
    operation_id: str | None
    needed: Groups  # the rule's groups the declared scopes leave unmet
    message: str | None = None  # Auth0's message, when the response had one

    @property
    def grant(self) -> tuple[str, ...]:
        """The scopes to add: the first (the catalogue's main) scope of each unmet group."""
        return tuple(g[0] for g in self.needed if g)

    def needed_text(self) -> str:
        return groups_text(self.needed) if self.needed else "a scope Auth0 did not name"

    def where(self) -> str:
        op = f" ({self.operation_id})" if self.operation_id else ""
        return f"{self.method} {self.path}{op}"

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "operation_id": self.operation_id,
            "needed": [list(g) for g in self.needed],
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Denial:
        return cls(
            method=data["method"],
            path=data["path"],
            operation_id=data.get("operation_id"),
            needed=tuple(tuple(g) for g in data.get("needed", ())),
            message=data.get("message"),
        )


@dataclass(frozen=True)
class OperationUse:
    """A catalogue operation a test called, and the statuses it got."""

    method: str
    path: str  # the template, e.g. /api/v2/users/{id}
    operation_id: str
    mode: str
    groups: Groups
    statuses: tuple[tuple[int, int], ...]  # (status, count), by status

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "operation_id": self.operation_id,
            "mode": self.mode,
            "groups": [list(g) for g in self.groups],
            "statuses": {str(s): n for s, n in self.statuses},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OperationUse:
        return cls(
            method=data["method"],
            path=data["path"],
            operation_id=data["operation_id"],
            mode=data["mode"],
            groups=tuple(tuple(g) for g in data["groups"]),
            statuses=tuple(sorted((int(s), int(n)) for s, n in data["statuses"].items())),
        )


@dataclass(frozen=True)
class UnknownCall:
    """A request under /api/v2 that matches no operation of the catalogue."""

    method: str
    path: str
    status: int

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "status": self.status}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UnknownCall:
        return cls(data["method"], data["path"], int(data["status"]))


OUTCOMES = ("passed", "failed", "skipped")


@dataclass(frozen=True)
class ScopeUsage:
    """One test's declared scopes against its Management API traffic."""

    nodeid: str
    declared: frozenset[str] | None  # None: the test has no mgmt_scopes marker
    strict: bool | None = None  # the marker's strict=
    observed: bool = True  # False: no cassette nor emulator journal saw its traffic
    operations: tuple[OperationUse, ...] = ()
    used: frozenset[str] = frozenset()
    denials: tuple[Denial, ...] = ()
    unknown: tuple[UnknownCall, ...] = ()
    requests: int = 0  # Management API requests
    ignored: int = 0  # other requests: the token endpoint, other hosts
    outcome: str | None = None  # "passed", "failed" or "skipped", once known

    @property
    def unused(self) -> frozenset[str]:
        # A test that failed or was skipped stopped early: what it did not reach is not unused.
        if self.declared is None or not self.observed or self.outcome not in (None, "passed"):
            return frozenset()
        return self.declared - self.used

    @property
    def missing(self) -> tuple[Denial, ...]:
        """Denials that count as missing scopes: a test that expects its 403s passes."""
        return () if self.outcome == "passed" else self.denials

    @property
    def expected_denials(self) -> tuple[Denial, ...]:
        return self.denials if self.outcome == "passed" else ()

    @property
    def narrower_marker(self) -> str | None:
        """The marker with only the used scopes, when that is narrower than the declared one.

        Only ever a subset of the declared scopes: a scope the test did not declare is never
        suggested here (a missing one is named by its denial instead).
        """
        if not self.unused or self.declared is None:
            return None
        return marker_text(self.used & self.declared)

    def granting_marker(self, denial: Denial) -> str:
        """The marker that would grant the scopes a denial wanted, keeping the declared ones."""
        return marker_text((self.declared or frozenset()) | set(denial.grant))

    def with_outcome(self, outcome: str) -> ScopeUsage:
        return dataclasses.replace(self, outcome=outcome)

    def is_strict(self, run_strict: bool) -> bool:
        return self.strict if self.strict is not None else run_strict

    # -- what a user reads --

    def failure_lines(self) -> list[str]:
        """For a failing test's report: each refused operation, its scope and the fixing marker."""
        lines = []
        seen: set[tuple[str, str, Groups]] = set()
        for denial in self.denials:
            key = (denial.method, denial.operation_id or denial.path, denial.needed)
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                f"{denial.where()} was refused 403 insufficient_scope: it needs "
                f"{denial.needed_text()}; {self.granting_marker(denial)} would grant it"
            )
        return lines

    def strict_failure(self, run_strict: bool) -> str | None:
        """The teardown failure of ``--mgmt-scopes-strict``, or None when the test is fine."""
        if not self.is_strict(run_strict) or self.outcome != "passed" or not self.unused:
            return None
        narrower = self.narrower_marker or ""
        lines = wording.strict_lines("Management API scopes", self.unused, self.nodeid, narrower)
        if self.denials:
            lines.append(
                "It also expects 403 insufficient_scope answers: if the extra scopes are part of "
                "what it checks, keep them and opt it out with strict=False."
            )
        else:
            lines.append(
                "or, if the extra scopes are deliberate, opt it out: "
                "@pytest.mark.mgmt_scopes(..., strict=False)."
            )
        return "\n".join(lines)

    def summary_line(self) -> str | None:
        """One line for the terminal summary, or None when there is nothing to say."""
        parts = [wording.unused(self.unused, self.narrower_marker)] if self.unused else []
        parts += [wording.missing(d.needed_text(), d.where()) for d in self.missing]
        api = "Management API"
        parts += [wording.unknown(api, f"{call.method} {call.path}") for call in self.unknown]
        return wording.test_line(self.nodeid, parts)

    # -- JSON --

    def to_json(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "observed": self.observed,
            "declared": sorted(self.declared) if self.declared is not None else None,
            "strict": self.strict,
            "used": sorted(self.used),
            "unused": sorted(self.unused),
            "narrower_marker": self.narrower_marker,
            "missing": [{**d.to_json(), "marker": self.granting_marker(d)} for d in self.missing],
            "expected_denials": [d.to_json() for d in self.expected_denials],
            "denials": [d.to_json() for d in self.denials],
            "unknown": [u.to_json() for u in self.unknown],
            "operations": [o.to_json() for o in self.operations],
            "requests": self.requests,
            "ignored": self.ignored,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScopeUsage:
        declared = data.get("declared")
        return cls(
            nodeid=data["nodeid"],
            declared=frozenset(declared) if declared is not None else None,
            strict=data.get("strict"),
            observed=bool(data.get("observed", True)),
            operations=tuple(OperationUse.from_json(o) for o in data.get("operations", ())),
            used=frozenset(data.get("used", ())),
            denials=tuple(Denial.from_json(d) for d in data.get("denials", ())),
            unknown=tuple(UnknownCall.from_json(u) for u in data.get("unknown", ())),
            requests=int(data.get("requests", 0)),
            ignored=int(data.get("ignored", 0)),
            outcome=data.get("outcome"),
        )


MASK = "***"


def masked(text: str, mask: Callable[[str], str] | None = None) -> str:
    """``text`` as the report shows it: JWTs and, through ``mask``, known secrets replaced."""
    if mask is not None:
        text = mask(text)
    return JWT_PATTERN.sub(MASK, text)


def analyse(
    nodeid: str,
    exchanges: Iterable[Exchange] | None,
    declared: ScopeRequest | None,
    hosts: frozenset[str] | None = None,
    cat: Catalogue | None = None,
    mask: Callable[[str], str] | None = None,
    outcome: str | None = None,
) -> ScopeUsage:
    """One test's scope usage from its traffic (None: its traffic could not be observed).

    ``hosts``: the tenant's ``host[:port]`` names (see ``api_hosts``); requests to any other
    host are ignored. None accepts any host. ``mask`` replaces the secrets it knows in what the
    report shows of a request (its path, Auth0's message); JWTs are always masked. Paths are
    matched to operations unmasked. ``outcome``: the test's, when known (``with_outcome``).
    """
    declared_scopes = declared.scopes if declared is not None else None
    strict = declared.strict if declared is not None else None
    if exchanges is None:
        return ScopeUsage(nodeid, declared_scopes, strict, observed=False, outcome=outcome)
    cat = cat or catalogue()
    granted = declared_scopes or frozenset()
    statuses: dict[Operation, Counter[int]] = {}
    requirements: list[tuple[str, ...]] = []
    denials: list[Denial] = []
    unknown: dict[tuple[str, str, int], UnknownCall] = {}
    requests = ignored = 0
    for exchange in exchanges:
        # A setup call is made with the setup identity, not the test's token: not the test's.
        path = None if exchange.arrange else management_path(exchange.url, hosts)
        if path is None:
            ignored += 1
            continue
        requests += 1
        method = exchange.method.upper()
        operation = cat.match(method, path)
        shown = masked(path, mask)
        if operation is None:
            key = (method, shown, exchange.status)
            unknown.setdefault(key, UnknownCall(method, shown, exchange.status))
            if exchange.status == 403 and _is_insufficient_scope(exchange.body, None, granted):
                denials.append(_denial(method, shown, None, exchange.body, granted, mask))
            continue
        statuses.setdefault(operation, Counter())[exchange.status] += 1
        if exchange.status == 403 and _is_insufficient_scope(exchange.body, operation, granted):
            denials.append(_denial(method, shown, operation, exchange.body, granted, mask))
        elif _passed_scope_check(exchange.status, exchange.body):
            requirements.extend(operation.groups)
    used = minimal_cover(requirements, granted)
    operations = tuple(
        OperationUse(
            method=op.method,
            path=MANAGEMENT_PREFIX + op.path,
            operation_id=op.operation_id,
            mode=op.mode,
            groups=op.groups,
            statuses=tuple(sorted(counts.items())),
        )
        for op, counts in sorted(statuses.items(), key=lambda kv: (kv[0].path, kv[0].method))
    )
    return ScopeUsage(
        nodeid=nodeid,
        declared=declared_scopes,
        strict=strict,
        observed=True,
        operations=operations,
        used=used,
        denials=tuple(denials),
        unknown=tuple(unknown.values()),
        requests=requests,
        ignored=ignored,
        outcome=outcome,
    )


def _denial(
    method: str,
    path: str,
    operation: Operation | None,
    body: Any,
    granted: frozenset[str],
    mask: Callable[[str], str] | None = None,
) -> Denial:
    message = body.get("message") if isinstance(body, Mapping) else None
    message = message if isinstance(message, str) else None
    parsed = insufficient_scope.parse(message) if message else None
    message = masked(message, mask) if message is not None else None
    if operation is not None:
        # The catalogue's rule is exact; the message flattens "all of" rules on some tenants.
        needed = tuple(operation.unmet_groups(granted)) or operation.groups
    else:
        needed = tuple(g for g in parsed or () if not set(g) & granted) or (parsed or ())
    return Denial(
        method=method,
        path=path,
        operation_id=operation.operation_id if operation is not None else None,
        needed=needed,
        message=message,
    )


# --- The run ---------------------------------------------------------------------------------


@dataclass
class RunReport:
    """Every test of a run that declared scopes or made Management API requests."""

    tests: list[ScopeUsage] = field(default_factory=list)

    def add(self, usage: ScopeUsage) -> None:
        if usage.declared is None and usage.requests == 0:
            return
        self.tests.append(usage)

    def totals(self) -> dict[str, int]:
        observed = [t for t in self.tests if t.observed]
        return {
            "tests": len(self.tests),
            "observed": len(observed),
            "not_observed": len(self.tests) - len(observed),
            "with_unused": sum(1 for t in observed if t.unused),
            "with_missing": sum(1 for t in observed if t.missing),
            "with_unknown": sum(1 for t in observed if t.unknown),
            "with_expected_denials": sum(1 for t in observed if t.expected_denials),
            "requests": sum(t.requests for t in observed),
            "unknown_requests": sum(len(t.unknown) for t in observed),
        }

    def summary_lines(self) -> list[str]:
        """One line per test with something to say, then the totals."""
        # By test id: xdist workers hand their tests over in no fixed order.
        ordered = sorted(self.tests, key=lambda t: t.nodeid)
        lines = [line for t in ordered if (line := t.summary_line()) is not None]
        totals = self.totals()
        observed = totals["observed"]
        text = (
            wording.observed(observed, "", totals["with_unused"], totals["with_missing"])
            + f", {totals['with_unknown']} with unknown Management API paths"
        )
        if totals["not_observed"]:
            text += (
                f"; {totals['not_observed']} not observed (no cassette and no emulator "
                "saw their requests)"
            )
        lines.append(text)
        return lines

    def to_json(self, mode: str | None = None, strict: bool = False) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "tool": "pytest-auth0-m2m",
            "mode": mode,
            "strict": strict,
            "totals": self.totals(),
            "tests": [t.to_json() for t in sorted(self.tests, key=lambda t: t.nodeid)],
        }

    def write(self, path: Path, mode: str | None = None, strict: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(mode, strict), indent=2, sort_keys=False)
        path.write_text(text + "\n", encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the ``--mgmt-scopes-report`` file."""
    text = resources.files("pytest_auth0_m2m").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
