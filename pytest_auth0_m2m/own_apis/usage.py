"""Least privilege for the user's own APIs: a test's declared scopes against the operations its
requests reached, from the API's OpenAPI ``security`` (``openapi.py``).

The same verdicts as the Management API report: scopes declared but needed by no request
(unused, with the narrower marker), and requests the API refused 403 for want of a scope
(missing). Only requests made with the ``api_client`` fixtures are seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_auth0_m2m.cassettes.guard import mask_secrets
from pytest_auth0_m2m.cassettes.registry import Secret
from pytest_auth0_m2m.least_privilege import wording
from pytest_auth0_m2m.own_apis.openapi import ApiDocument, ApiOperation


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # without the query
    status: int


def _cheapest(operation: ApiOperation, granted: frozenset[str]) -> frozenset[str] | None:
    """The smallest alternative of ``operation`` that ``granted`` satisfies, or None."""
    met = [alt for alt in operation.alternatives if alt <= granted]
    return min(met, key=lambda alt: (len(alt), sorted(alt))) if met else None


def marker_text(scopes: Iterable[str], alias: str) -> str:
    args = "".join(f'"{s}", ' for s in sorted(set(scopes)))
    return f'@pytest.mark.m2m_scopes({args}audience="{alias}")'


@dataclass(frozen=True)
class ApiUsage:
    """One test's declared scopes for one of the user's APIs against its observed calls."""

    nodeid: str
    alias: str
    declared: frozenset[str]
    strict: bool | None = None
    observed: bool = True
    used: frozenset[str] = frozenset()
    missing: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ("GET /orders", scopes to add)
    unknown: tuple[str, ...] = ()  # "GET /nowhere": no operation of the document
    outcome: str | None = None

    @property
    def unused(self) -> frozenset[str]:
        if not self.observed or self.outcome not in (None, "passed"):
            return frozenset()
        return self.declared - self.used

    @property
    def counted_missing(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        # A passing test that expects its 403s (a negative test) is not missing anything.
        return () if self.outcome == "passed" else self.missing

    def summary_line(self) -> str | None:
        narrower = marker_text(self.used & self.declared, self.alias)
        parts = [wording.unused(self.unused, narrower)] if self.unused else []
        parts += [
            wording.missing(" and ".join(scopes) or "a scope", where)
            for where, scopes in self.counted_missing
        ]
        parts += [wording.unknown(self.alias, call) for call in self.unknown]
        return wording.test_line(f"{self.nodeid} [{self.alias}]", parts)

    def strict_failure(self, run_strict: bool) -> str | None:
        strict = self.strict if self.strict is not None else run_strict
        if not strict or self.outcome != "passed" or not self.unused:
            return None
        narrower = marker_text(self.used & self.declared, self.alias)
        lines = wording.strict_lines(
            f"scopes of API {self.alias!r}", self.unused, self.nodeid, narrower
        )
        opt_out = f'@pytest.mark.m2m_scopes(..., audience="{self.alias}", strict=False)'
        return "\n".join([*lines, f"or opt it out: {opt_out}."])

    def to_json(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "alias": self.alias,
            "declared": sorted(self.declared),
            "strict": self.strict,
            "observed": self.observed,
            "used": sorted(self.used),
            "missing": [[where, list(scopes)] for where, scopes in self.missing],
            "unknown": list(self.unknown),
            "outcome": self.outcome,
        }

    def report_json(self) -> dict[str, Any]:
        """This test's entry under ``own_apis`` in the --mgmt-scopes-report file."""
        return {
            "nodeid": self.nodeid,
            "alias": self.alias,
            "declared": sorted(self.declared),
            "strict": self.strict,
            "observed": self.observed,
            "used": sorted(self.used),
            "unused": sorted(self.unused),
            "missing": [
                {"operation": where, "scopes": list(scopes)}
                for where, scopes in self.counted_missing
            ],
            "unknown": list(self.unknown),
            "outcome": self.outcome,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApiUsage:
        return cls(
            nodeid=data["nodeid"],
            alias=data["alias"],
            declared=frozenset(data["declared"]),
            strict=data.get("strict"),
            observed=bool(data.get("observed", True)),
            used=frozenset(data.get("used", ())),
            missing=tuple((str(w), tuple(s)) for w, s in data.get("missing", ())),
            unknown=tuple(data.get("unknown", ())),
            outcome=data.get("outcome"),
        )


def analyse(
    nodeid: str,
    alias: str,
    declared: frozenset[str],
    document: ApiDocument,
    calls: Iterable[Call] | None,
    strict: bool | None = None,
    base_path: str = "",
    secrets: Sequence[Secret] = (),
) -> ApiUsage:
    """``calls`` None: the test's requests were not seen (it used no api_client). A path the
    report shows has JWTs and, ``secrets`` (the session's known ones) masked: a token
    or secret in a URL reaches neither the terminal nor the JSON report."""
    if calls is None:
        return ApiUsage(nodeid, alias, declared, strict, observed=False)
    used: set[str] = set()
    missing: dict[str, tuple[str, ...]] = {}
    unknown: list[str] = []
    for call in calls:
        operation = document.match(call.method, call.path, base_path)
        if operation is None:
            where = f"{call.method} {mask_secrets(call.path, secrets)}"
            if where not in unknown:
                unknown.append(where)
            continue
        cheapest = _cheapest(operation, declared)
        if call.status == 403 and cheapest is None:
            smallest = min(operation.alternatives, key=lambda a: (len(a), sorted(a)))
            missing.setdefault(operation.label(), tuple(sorted(smallest - declared)))
        elif call.status not in (401, 403) and cheapest is not None:
            used |= cheapest
    return ApiUsage(
        nodeid,
        alias,
        declared,
        strict,
        observed=True,
        used=frozenset(used),
        missing=tuple(missing.items()),
        unknown=tuple(unknown),
    )


@dataclass
class ApiRunReport:
    tests: list[ApiUsage] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        ordered = sorted(self.tests, key=lambda t: (t.nodeid, t.alias))
        lines = [line for t in ordered if (line := t.summary_line()) is not None]
        observed = [t for t in self.tests if t.observed]
        text = wording.observed(
            len(observed),
            " of your APIs",
            sum(1 for t in observed if t.unused),
            sum(1 for t in observed if t.counted_missing),
        )
        not_observed = len(self.tests) - len(observed)
        if not_observed:
            text += (
                f"; {not_observed} not observed (their requests did not go through "
                "api_client or api_async_client)"
            )
        lines.append(text)
        return lines
