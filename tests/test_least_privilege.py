"""The least-privilege library: scope arithmetic, traffic adapters, the report and its schema."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from vcr.cassette import Cassette
from vcr.request import Request

from pytest_auth0_m2m.auth0 import insufficient_scope
from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.auth0.hosts import host_of
from pytest_auth0_m2m.auth0.scopes import ScopeRequest, catalogue
from pytest_auth0_m2m.least_privilege.analysis import (
    Exchange,
    RunReport,
    ScopeUsage,
    TrafficWatch,
    analyse,
    api_hosts,
    cassette_json,
    cassette_traffic,
    journal_exchanges,
    minimal_cover,
    report_schema,
)

TENANT = "https://dev-x.eu.auth0.com"
HOSTS = api_hosts(TENANT)


def ok(method: str, path: str, status: int = 200) -> Exchange:
    return Exchange(method, f"{TENANT}{path}", status, {})


def denied(method: str, path: str, expected: str | None = None) -> Exchange:
    op = catalogue().match(method, path)
    if expected is not None:  # a tenant that flattens a rule into one "any of" list
        body = insufficient_scope.body((tuple(expected.split(",")),), "any")
    else:
        body = (
            insufficient_scope.body(op.groups, op.mode)
            if op
            else insufficient_scope.body((("x:y",),))
        )
    return Exchange(method, f"{TENANT}{path}", 403, body)


def declare(*scopes: str, strict: bool | None = None) -> ScopeRequest:
    return ScopeRequest(frozenset(scopes), strict)


# --- Auth0's 403 message ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "groups"),
    [
        ("Insufficient scope, expected any of: read:users", (("read:users",),)),
        (
            "Insufficient scope, expected any of: read:users,read:user_idp_tokens",
            (("read:users", "read:user_idp_tokens"),),
        ),
        (
            "Insufficient scope, expected all of: read:users,read:roles",
            (("read:users",), ("read:roles",)),
        ),
        (
            "Insufficient scope, expected any of: read:connections and any of: "
            "read:clients or read:client_summary",
            (("read:connections",), ("read:clients", "read:client_summary")),
        ),
        (
            "Insufficient scope, expected all of: read:connections and any of: "
            "read:clients or read:client_summary",
            (("read:connections",), ("read:clients", "read:client_summary")),
        ),
        ("Insufficient scope", None),
        ("Forbidden", None),
    ],
)
def test_parse_insufficient_scope(message: str, groups: Any) -> None:
    assert insufficient_scope.parse(message) == groups


# --- Smallest covering scope set -------------------------------------------------------------


def test_cover_of_any_rule_prefers_the_declared_scope() -> None:
    groups = [("read:users", "read:user_idp_tokens")]
    assert minimal_cover(groups) == {"read:users"}  # the catalogue's main scope
    assert minimal_cover(groups, {"read:user_idp_tokens"}) == {"read:user_idp_tokens"}


def test_cover_of_all_rule_needs_every_scope() -> None:
    roles = catalogue().match("GET", "/api/v2/users/u1/roles")
    assert roles is not None
    assert roles.mode == "all"
    assert minimal_cover(roles.groups) == {"read:users", "read:roles", "read:role_members"}


def test_cover_of_mixed_rule() -> None:
    op = catalogue().match("GET", "/api/v2/clients/c1/connections")
    assert op is not None
    assert op.mode == "mixed"
    assert minimal_cover(op.groups) == {"read:connections", "read:clients"}
    assert minimal_cover(op.groups, {"read:connections", "read:client_summary"}) == {
        "read:connections",
        "read:client_summary",
    }


def test_cover_shares_scopes_between_operations() -> None:
    groups = [("a:x", "b:x"), ("a:x", "c:x"), ("d:x",)]
    assert minimal_cover(groups) == {"a:x", "d:x"}


def test_cover_stays_inside_the_declared_scopes_when_they_suffice() -> None:
    # Globally {a:x} is smaller, but the token had b:x and c:x: both were really used.
    groups = [("a:x", "b:x"), ("a:x", "c:x")]
    assert minimal_cover(groups, {"b:x", "c:x"}) == {"b:x", "c:x"}


def test_cover_is_the_smallest_even_where_the_greedy_choice_is_not() -> None:
    # c:x meets four groups, so a greedy pick takes it first and then needs a:x and b:x too;
    # {a:x, b:x} meets all six.
    groups = [
        ("a:x", "c:x", "f:x"),
        ("a:x", "c:x", "g:x"),
        ("a:x", "d:x"),
        ("b:x", "c:x", "h:x"),
        ("b:x", "c:x", "i:x"),
        ("b:x", "e:x"),
    ]
    assert minimal_cover(groups) == {"a:x", "b:x"}


def test_cover_of_many_operations_is_exact() -> None:
    # 12 operations, each satisfied by its own scope or by one shared scope: 1 scope suffices.
    groups = [(f"s{i}:x", "shared:x") for i in range(12)]
    assert minimal_cover(groups) == {"shared:x"}
    assert minimal_cover([]) == frozenset()


# --- One test's analysis ---------------------------------------------------------------------


def test_lists_users_with_an_extra_update_scope() -> None:
    usage = analyse(
        "t.py::test_list",
        [
            Exchange("POST", f"{TENANT}/oauth/token", 200, {"access_token": "x"}),
            ok("GET", "/api/v2/users?per_page=5"),
            Exchange("GET", "https://example.com/api/v2/users", 200, {}),
        ],
        declare("read:users", "update:users"),
        HOSTS,
    ).with_outcome("passed")
    assert usage.used == {"read:users"}
    assert usage.unused == {"update:users"}
    assert usage.requests == 1
    assert usage.ignored == 2
    assert usage.narrower_marker == '@pytest.mark.mgmt_scopes("read:users")'
    assert usage.summary_line() == (
        't.py::test_list: unused update:users (narrower: @pytest.mark.mgmt_scopes("read:users"))'
    )
    failure = usage.strict_failure(run_strict=True)
    assert failure is not None
    assert failure.splitlines()[:3] == [
        # The first line is pytest's short summary: the scopes, not the test id, come first.
        "unused Management API scopes: update:users (--mgmt-scopes-strict)",
        "t.py::test_list declares scopes its requests did not need. "
        "Declare only the scopes it uses:",
        '    @pytest.mark.mgmt_scopes("read:users")',
    ]
    assert usage.strict_failure(run_strict=False) is None


def test_strict_marker_overrides_the_option() -> None:
    traffic = [ok("GET", "/api/v2/users")]
    opted_out = analyse("t", traffic, declare("read:users", "update:users", strict=False), HOSTS)
    opted_in = analyse("t", traffic, declare("read:users", "update:users", strict=True), HOSTS)
    assert opted_out.with_outcome("passed").strict_failure(run_strict=True) is None
    assert opted_in.with_outcome("passed").strict_failure(run_strict=False) is not None
    # A failed test is reported, never failed a second time at teardown.
    assert opted_in.with_outcome("failed").strict_failure(run_strict=True) is None


def test_exact_scopes_say_nothing() -> None:
    usage = analyse("t", [ok("GET", "/api/v2/users")], declare("read:users"), HOSTS)
    usage = usage.with_outcome("passed")
    assert usage.unused == frozenset()
    assert usage.summary_line() is None
    assert usage.strict_failure(run_strict=True) is None


def test_create_user_without_create_scope_is_missing() -> None:
    usage = analyse(
        "t.py::test_create", [denied("POST", "/api/v2/users")], declare("read:users"), HOSTS
    ).with_outcome("failed")
    assert [d.needed for d in usage.missing] == [(("create:users",),)]
    assert usage.failure_lines() == [
        "POST /api/v2/users (post_users) was refused 403 insufficient_scope: it needs "
        'create:users; @pytest.mark.mgmt_scopes("create:users", "read:users") would grant it'
    ]
    # It stopped at the 403: the scopes it did not reach are not called unused.
    assert usage.unused == frozenset()
    assert usage.summary_line() == (
        "t.py::test_create: missing create:users for POST /api/v2/users (post_users)"
    )


def test_expected_403_in_a_passing_test_is_not_missing() -> None:
    usage = analyse(
        "t",
        [ok("GET", "/api/v2/users"), denied("DELETE", "/api/v2/users/auth0%7C1")],
        declare("read:users"),
        HOSTS,
    ).with_outcome("passed")
    assert usage.missing == ()
    assert [d.operation_id for d in usage.expected_denials] == ["delete_users_by_id"]
    assert usage.summary_line() is None


def test_all_rule_403_names_only_the_unmet_scopes() -> None:
    # The emulator (and some tenants) word an "all of" rule as "any of": the catalogue decides.
    usage = analyse(
        "t",
        [denied("GET", "/api/v2/users/u1/roles", "read:role_members,read:roles,read:users")],
        declare("read:users"),
        HOSTS,
    ).with_outcome("failed")
    (denial,) = usage.missing
    assert denial.needed == (("read:roles",), ("read:role_members",))
    assert denial.needed_text() == "read:roles and read:role_members"
    assert usage.granting_marker(denial) == (
        '@pytest.mark.mgmt_scopes("read:role_members", "read:roles", "read:users")'
    )


def test_all_and_mixed_rules_in_used_scopes() -> None:
    usage = analyse(
        "t",
        [ok("GET", "/api/v2/users/u1/roles"), ok("GET", "/api/v2/clients/c1/connections")],
        declare(
            "read:users",
            "read:roles",
            "read:role_members",
            "read:connections",
            "read:clients",
            "read:client_summary",
            "update:users",
        ),
        HOSTS,
    )
    assert usage.used == {
        "read:users",
        "read:roles",
        "read:role_members",
        "read:connections",
        "read:clients",
    }
    assert usage.unused == {"read:client_summary", "update:users"}
    modes = {o.operation_id: o.mode for o in usage.operations}
    assert modes == {"get_user_roles": "all", "get_client_connections": "mixed"}


def test_mixed_rule_missing_the_required_scope() -> None:
    usage = analyse(
        "t", [denied("GET", "/api/v2/clients/c1/connections")], declare("read:clients"), HOSTS
    ).with_outcome("failed")
    (denial,) = usage.missing
    assert denial.needed == (("read:connections",),)


@pytest.mark.parametrize(
    ("status", "counts"),
    [(404, True), (400, True), (409, True), (401, False), (429, False), (503, False)],
)
def test_which_statuses_prove_a_scope_was_needed(status: int, counts: bool) -> None:
    usage = analyse("t", [ok("GET", "/api/v2/users/u1", status)], declare("read:users"), HOSTS)
    assert (usage.used == {"read:users"}) is counts


def test_unknown_management_path_is_listed_not_guessed() -> None:
    usage = analyse(
        "t",
        [ok("GET", "/api/v2/not-an-endpoint/x", 404), ok("GET", "/api/v2/users")],
        declare("read:users"),
        HOSTS,
    )
    assert [(u.method, u.path, u.status) for u in usage.unknown] == [
        ("GET", "/api/v2/not-an-endpoint/x", 404)
    ]
    assert usage.used == {"read:users"}
    assert usage.summary_line() == "t: unknown Management API path GET /api/v2/not-an-endpoint/x"


def test_unobserved_test_claims_nothing() -> None:
    usage = analyse("t", None, declare("read:users"), HOSTS).with_outcome("passed")
    assert not usage.observed
    assert usage.unused == frozenset()
    assert usage.strict_failure(run_strict=True) is None


def test_hosts() -> None:
    assert host_of("https://Dev-X.eu.auth0.com:443/api/v2/") == "dev-x.eu.auth0.com"
    assert host_of("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    hosts = api_hosts("https://localhost:4430")
    assert {"localhost:4430", "127.0.0.1:4430", RECORDINGS_DOMAIN} <= hosts
    replayed = Exchange("GET", f"https://{RECORDINGS_DOMAIN}/api/v2/users", 200, {})
    assert analyse("t", [replayed], declare("read:users"), HOSTS).used == {"read:users"}


# --- Traffic adapters ------------------------------------------------------------------------


def test_json_body_forms() -> None:
    assert cassette_json({"string": b'{"a": 1}'}) == {"a": 1}
    assert cassette_json('{"a": 1}') == {"a": 1}
    assert cassette_json(b"not json") is None
    assert cassette_json({"string": b""}) is None


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": {"code": status, "message": "x"},
        "headers": {"content-type": ["application/json"]},
        "body": {"string": json.dumps(body).encode()},
    }


def test_cassette_traffic_on_a_real_vcrpy_cassette(tmp_path: Path) -> None:
    path = tmp_path / "cassette.yaml"
    listed = Request("GET", f"https://{RECORDINGS_DOMAIN}/api/v2/users", None, {})
    unused = Request("GET", f"https://{RECORDINGS_DOMAIN}/api/v2/roles", None, {})
    recorder = Cassette.load(path=str(path), record_mode="all")
    recorder.append(listed, _response(200, {"users": []}))
    recorder.append(unused, _response(200, []))
    recorder._save(force=True)

    player = Cassette.load(path=str(path), record_mode="new_episodes", allow_playback_repeats=True)
    player.play_response(listed)
    player.play_response(listed)
    created = Request("POST", f"https://{RECORDINGS_DOMAIN}/api/v2/users", b"{}", {})
    player.append(created, _response(403, {"errorCode": "insufficient_scope", "message": "x"}))
    traffic = cassette_traffic(player)
    assert [(e.method, e.url.rsplit("/", 1)[1], e.status) for e in traffic.replayed] == [
        ("GET", "users", 200),
        ("GET", "users", 200),
    ]
    assert [(e.method, e.status, e.body["errorCode"]) for e in traffic.recorded] == [
        ("POST", 403, "insufficient_scope")
    ]
    assert len(traffic.all) == 3


def test_cassette_traffic_of_a_duck_typed_cassette() -> None:
    request = SimpleNamespace(method="GET", uri=f"{TENANT}/api/v2/users")
    cassette = SimpleNamespace(
        data=[(request, _response(200, {}))], _loaded_count=1, play_counts=Counter()
    )
    assert cassette_traffic(cassette).all == ()


def test_journal_entries_without_the_provisioner() -> None:
    entries = [
        SimpleNamespace(
            method="post", path="/api/v2/clients", status=201, body={}, client_id="provisioner"
        ),
        SimpleNamespace(method="get", path="/api/v2/users", status=200, body=[], client_id="app"),
    ]
    exchanges = journal_exchanges(entries, "http://127.0.0.1:9/", {"provisioner"})
    assert exchanges == [Exchange("GET", "http://127.0.0.1:9/api/v2/users", 200, [])]


# --- The run report --------------------------------------------------------------------------


def _run() -> RunReport:
    report = RunReport()
    report.add(
        analyse(
            "a", [ok("GET", "/api/v2/users")], declare("read:users", "update:users"), HOSTS
        ).with_outcome("passed")
    )
    report.add(
        analyse("b", [denied("POST", "/api/v2/users")], declare("read:users"), HOSTS).with_outcome(
            "failed"
        )
    )
    report.add(analyse("c", [ok("GET", "/api/v2/nope")], declare(), HOSTS).with_outcome("passed"))
    report.add(analyse("d", None, declare("read:users")).with_outcome("passed"))
    report.add(analyse("e", [], None, HOSTS).with_outcome("passed"))  # no marker, no traffic
    return report


def test_run_summary_lines_and_totals() -> None:
    lines = _run().summary_lines()
    assert lines[0].startswith("a: unused update:users")
    assert lines[1] == "b: missing create:users for POST /api/v2/users (post_users)"
    assert lines[2] == "c: unknown Management API path GET /api/v2/nope"
    assert lines[3] == (
        "3 tests observed: 1 with unused scopes, 1 missing scopes, 1 with unknown Management "
        "API paths; 1 not observed (no cassette and no emulator saw their requests)"
    )
    assert len(lines) == 4


def test_report_json_validates_against_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    _run().write(path, mode="fake", strict=True)
    data = json.loads(path.read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    assert data["totals"]["with_missing"] == 1
    (b,) = [t for t in data["tests"] if t["nodeid"] == "b"]
    assert b["missing"][0]["marker"] == '@pytest.mark.mgmt_scopes("create:users", "read:users")'


def test_schema_rejects_a_broken_report() -> None:
    data = _run().to_json()
    data["tests"][0]["used"] = "read:users"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(report_schema()).validate(data)


def test_usage_survives_json_round_trip() -> None:
    for usage in _run().tests:
        assert ScopeUsage.from_json(json.loads(json.dumps(usage.to_json()))) == usage


def test_strict_failure_of_a_test_that_expects_403s_suggests_opting_out() -> None:
    usage = analyse(
        "t", [denied("DELETE", "/api/v2/users/u1")], declare("read:users"), HOSTS
    ).with_outcome("passed")
    failure = usage.strict_failure(run_strict=True)
    assert failure is not None
    assert failure.splitlines()[1:] == [
        "t declares scopes its requests did not need. Declare only the scopes it uses:",
        "    @pytest.mark.mgmt_scopes()",
        "It also expects 403 insufficient_scope answers: if the extra scopes are part of what it "
        "checks, keep them and opt it out with strict=False.",
    ]


class _Journal:
    """The emulator journal's interface: mark() and since(mark)."""

    def __init__(self) -> None:
        self.entries: list[Any] = []

    def mark(self) -> int:
        return len(self.entries)

    def since(self, mark: int) -> list[Any]:
        return self.entries[mark:]

    def add(self, method: str, path: str, status: int, **extra: Any) -> None:
        self.entries.append(
            SimpleNamespace(method=method, path=path, status=status, body={}, **extra)
        )


def test_traffic_watch_on_a_journal_with_client_ids() -> None:
    journal = _Journal()
    journal.add("GET", "/api/v2/users", 200, client_id="app")  # an earlier test
    watch = TrafficWatch.on_journal(journal, "https://localhost:1", {"prov"})
    journal.add("POST", "/api/v2/clients", 201, client_id="prov")  # provisioning, in setup
    journal.add("GET", "/api/v2/roles", 200, client_id="app")  # a fixture of the test
    journal.add("GET", "/api/v2/users", 200, client_id="app")
    exchanges = watch.exchanges()
    assert exchanges is not None
    assert [(e.method, e.url) for e in exchanges] == [
        ("GET", "https://localhost:1/api/v2/roles"),
        ("GET", "https://localhost:1/api/v2/users"),
    ]


def test_traffic_watch_without_a_source_observes_nothing() -> None:
    assert TrafficWatch().exchanges() is None
