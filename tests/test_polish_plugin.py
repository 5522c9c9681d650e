"""What a new user notices, each tried as they would: fake mode's clients (aiohttp, requests)
trust the emulator, --block-network with the user's own allowed_hosts, -qq, --fixtures, the
token counts run to run, the report of a widened marker."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


CLIENTS = """
import asyncio

import aiohttp  # imported at collection, before any fixture: its default SSL context is made now
import pytest
import requests


@pytest.mark.mgmt_scopes("read:users")
def test_aiohttp_default_session(auth0_tenant, mgmt_token):
    async def get():
        async with aiohttp.ClientSession() as session:
            async with session.get(
                auth0_tenant.management_url + "users",
                headers={"Authorization": f"Bearer {mgmt_token}"},
            ) as answer:
                return answer.status

    assert asyncio.run(get()) == 200


@pytest.mark.mgmt_scopes("read:users")
def test_requests(auth0_tenant, mgmt_token):
    answer = requests.get(
        auth0_tenant.management_url + "users",
        headers={"Authorization": f"Bearer {mgmt_token}"},
        timeout=10,
    )
    assert answer.status_code == 200
"""


def test_aiohttp_and_requests_trust_the_emulator(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.makepyfile(test_clients=CLIENTS)
    _run(project, "--auth0-fake").assert_outcomes(passed=2)


OWN_HOSTS = """
import socket

import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {"allowed_hosts": ["example.invalid"]}


@pytest.mark.mgmt_scopes("read:users")
def test_emulator_reachable(mgmt_client):
    assert mgmt_client.get("users").status_code == 200


@pytest.mark.mgmt_scopes("read:users")
def test_other_hosts_still_blocked(mgmt_client):
    with pytest.raises(RuntimeError, match="Network is disabled"):
        socket.create_connection(("192.0.2.1", 9), timeout=1)
"""


@pytest.mark.parametrize("where", ["vcr_config", "--allowed-hosts"])
def test_block_network_with_own_allowed_hosts(project: pytest.Pytester, where: str) -> None:
    source = OWN_HOSTS
    extra: tuple[str, ...] = ()
    if where == "--allowed-hosts":
        source = source.replace('{"allowed_hosts": ["example.invalid"]}', "{}")
        extra = ("--allowed-hosts=example.invalid,10.0.0.1",)
    project.makepyfile(test_hosts=source)
    _run(project, "--auth0-fake", "--block-network", *extra).assert_outcomes(passed=2)


TWO_SETS = """
import pytest


@pytest.mark.mgmt_scopes("read:users", "read:roles")
def test_widened(mgmt_client):
    assert mgmt_client.get("users").status_code == 200


@pytest.mark.mgmt_scopes("read:users")
def test_one(mgmt_client, mgmt_token):
    assert mgmt_client.get("users").status_code == 200
"""


def test_qq_silences_the_section_and_counters(project: pytest.Pytester) -> None:
    project.makepyfile(test_q=TWO_SETS)
    loud = _run(project, "--auth0-fake")
    loud.stdout.fnmatch_lines(["*auth0-m2m least privilege*", "auth0-m2m: apps 2 created*"])
    quiet = _run(project, "--auth0-fake", "-qq")
    assert quiet.ret == 0  # -qq prints no summary line to parse outcomes from
    assert "least privilege" not in quiet.stdout.str()
    assert "auth0-m2m: apps" not in quiet.stdout.str()


def test_fake_token_counts_are_the_same_run_to_run(project: pytest.Pytester) -> None:
    project.makepyfile(test_q=TWO_SETS)
    lines = set()
    for _ in range(3):
        result = _run(project, "--auth0-fake", "-p", "no:xdist")
        summary = [line for line in result.outlines if line.startswith("auth0-m2m: apps")]
        assert len(summary) == 1, result.outlines
        lines.add(summary[0])
    assert len(lines) == 1, lines
    assert re.search(r"tokens 2 fetched, \d+ cached", lines.pop())


def test_widened_marker_is_reported_unused_not_a_re_record_reason(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_q=TWO_SETS.replace('"read:users", "read:roles"', '"read:users"'))
    _run(project, "--auth0-fake", "--record-mode=once").assert_outcomes(passed=2)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.makepyfile(test_q=TWO_SETS)  # test_widened now declares read:roles as well
    replayed = _run(project, "--block-network")
    replayed.assert_outcomes(passed=2)
    replayed.stdout.fnmatch_lines(
        ['*test_widened: unused read:roles (narrower: @pytest.mark.mgmt_scopes("read:users"))']
    )
    assert "re-record" not in replayed.stdout.str()
    assert "--record-mode" not in replayed.stdout.str()


def test_fixtures_listing_has_no_empty_section(project: pytest.Pytester) -> None:
    project.makepyfile(test_f="def test_nothing():\n    pass\n")
    result = _run(project, "--fixtures")
    assert result.ret == 0
    lines = result.outlines
    headers = [
        i for i, line in enumerate(lines) if re.match(r"^-+ fixtures defined from .* -+$", line)
    ]
    assert headers, lines
    for start, end in zip(headers, [*headers[1:], len(lines)], strict=True):
        body = [
            line for line in lines[start + 1 : end] if line.strip() and not line.startswith("=")
        ]
        assert body, f"empty section: {lines[start]}"
    result.stdout.fnmatch_lines(["*fixtures defined from pytest_auth0_m2m.plugin.fixtures*"])
    # The plugin's private fixtures (leading underscore) are listed only with -v.
    assert "_auth0_m2m_isolate_test" not in result.stdout.str()


def test_replay_miss_names_the_re_record_command_first(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_lists(mgmt_client):
    assert mgmt_client.get("users").status_code == 200
"""
    project.makepyfile(test_m=source)
    _run(project, "--auth0-fake", "--record-mode=once").assert_outcomes(passed=1)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.makepyfile(test_m=source.replace('get("users")', 'get("users", params={"q": "x"})'))
    result = _run(project, "--block-network")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_lists _*",
            "pytest-auth0-m2m: test_m.py::test_lists sent a request (at test_m.py:*) that "
            "cassettes/test_m/test_lists.yaml does not hold*",
            "Record it again with:",
            "    pytest test_m.py::test_lists --record-mode=rewrite --auth0-fake",
        ]
    )
    # One error, told once: no chained traceback, no frames of vcrpy or httpx.
    assert "During handling of the above exception" not in result.stdout.str()
    assert "site-packages" not in result.stdout.str()


def test_every_scope_typo_of_the_run_at_once(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_one="""
import pytest


@pytest.mark.mgmt_scopes("read:user")
def test_a(mgmt_client):
    pass


@pytest.mark.mgmt_scopes("craete:users")
def test_b(mgmt_client):
    pass
""",
        test_two="""
import pytest

pytestmark = pytest.mark.mgmt_scopes("read:rols")


def test_c(mgmt_client):
    pass
""",
    )
    result = _run(project, "--auth0-fake")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines_random(
        [
            "*test_one.py::test_a: mgmt_scopes: 'read:user' is not a Management API scope*",
            "*test_one.py::test_b: mgmt_scopes: 'craete:users' is not a Management API scope*",
            "*test_two.py::test_c: mgmt_scopes: 'read:rols' is not a Management API scope*",
        ]
    )
    assert "During handling of the above exception" not in result.stdout.str()


def test_swapped_marker_fails_replay_with_the_tenants_403(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_lists(mgmt_client):
    answer = mgmt_client.get("users")
    assert answer.status_code == 200, answer.text
"""
    project.makepyfile(test_s=source)
    _run(project, "--auth0-fake", "--record-mode=once").assert_outcomes(passed=1)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    project.makepyfile(test_s=source.replace('"read:users"', '"read:clients"'))
    result = _run(project, "--block-network", "--mgmt-scopes-strict")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '*"statusCode":403*"message":"Insufficient scope, expected any of: read:users,*',
            "test_s.py::test_lists: missing any of read:users, * for GET /api/v2/users (get_users)",
        ]
    )
    # Only ever narrower: the report never suggests a scope the test did not declare.
    assert "narrower" not in result.stdout.str()


def test_the_report_section_has_no_blank_line_under_its_header(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_r=(
            "import pytest\n\n"
            '@pytest.mark.mgmt_scopes("read:users", "read:roles")\n'
            "def test_lists(mgmt_client):\n"
            '    assert mgmt_client.get("users").status_code == 200\n'
        )
    )
    result = _run(project, "--auth0-fake")
    result.assert_outcomes(passed=1)
    lines = result.outlines
    header = next(i for i, line in enumerate(lines) if "auth0-m2m least privilege" in line)
    assert lines[header + 1].startswith("test_r.py::test_lists: unused read:roles"), lines
