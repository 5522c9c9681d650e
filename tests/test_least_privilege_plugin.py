"""The least-privilege report as a user sees it: recorded on the emulator, replayed offline."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.least_privilege.analysis import report_schema

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

TESTS = """
import pytest


@pytest.mark.mgmt_scopes("read:users", "update:users")
def test_lists(mgmt_client):
    assert mgmt_client.get("users", params={"per_page": 5}).status_code == 200


@pytest.mark.mgmt_scopes("read:users")
def test_creates(mgmt_client):
    response = mgmt_client.post(
        "users",
        json={"email": "a@example.com", "password": "Passw0rd!x",
              "connection": "Username-Password-Authentication"},
    )
    assert response.status_code == 201


@pytest.mark.mgmt_scopes("read:users")
def test_cannot_delete(mgmt_client):
    assert mgmt_client.get("users").status_code == 200
    assert mgmt_client.delete("users/auth0%7C123").status_code == 403


@pytest.mark.mgmt_scopes("read:users", "update:users", strict=False)
def test_opted_out(mgmt_client):
    assert mgmt_client.get("users").status_code == 200


@pytest.mark.mgmt_scopes("read:users", "read:roles", "read:role_members", "update:users")
def test_user_roles(mgmt_client):
    # An unknown user still passes the scope check: the 404 proves all three were needed.
    assert mgmt_client.get("users/auth0%7Cnobody/roles").status_code == 404


@pytest.mark.mgmt_scopes("read:users")
def test_unknown_path(mgmt_client):
    assert mgmt_client.get("users").status_code == 200
    assert mgmt_client.get("not-an-endpoint").status_code == 404
"""

NARROWER_READ = '(narrower: @pytest.mark.mgmt_scopes("read:users"))'
SUMMARY = [
    "*= auth0-m2m least privilege =*",
    # Sorted by test id (the same under xdist), not in the order the tests ran.
    "test_users.py::test_creates: missing create:users for POST /api/v2/users (post_users)",
    f"test_users.py::test_lists: unused update:users {NARROWER_READ}",
    f"test_users.py::test_opted_out: unused update:users {NARROWER_READ}",
    "test_users.py::test_unknown_path: unknown Management API path GET /api/v2/not-an-endpoint",
    "test_users.py::test_user_roles: unused update:users (narrower: "
    '@pytest.mark.mgmt_scopes("read:role_members", "read:roles", "read:users"))',
    "6 tests observed: 3 with unused scopes, 1 missing scopes, 1 with unknown Management API paths",
]

FAILURE_LINE = (
    "POST /api/v2/users (post_users) was refused 403 insufficient_scope: it needs create:users; "
    '@pytest.mark.mgmt_scopes("create:users", "read:users") would grant it'
)


@pytest.fixture
def recorded(project: pytest.Pytester) -> pytest.Pytester:
    """The project, its cassettes recorded against the emulator (fake mode, record mode once)."""
    project.makepyfile(test_users=TESTS)
    result = project.runpytest_subprocess("--auth0-fake", "--record-mode=once")
    result.assert_outcomes(passed=5, failed=1)
    # On the emulator, while recording: the same report.
    result.stdout.fnmatch_lines(SUMMARY)
    result.stdout.fnmatch_lines(["*- auth0-m2m least privilege -*", FAILURE_LINE])
    return project


def test_replay_report_strict_and_json(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest_subprocess(
        "--block-network", "--mgmt-scopes-strict", "--mgmt-scopes-report=out/report.json", "-rA"
    )
    # test_lists and test_user_roles fail at teardown; test_opted_out and the 403 test do not.
    result.assert_outcomes(passed=5, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_lists _*",
            "unused Management API scopes: update:users (--mgmt-scopes-strict)",
            "test_users.py::test_lists declares scopes its requests did not need. "
            "Declare only the scopes it uses:",
            '    @pytest.mark.mgmt_scopes("read:users")',
            "or, if the extra scopes are deliberate, opt it out: "
            "@pytest.mark.mgmt_scopes(..., strict=False).",
        ]
    )
    # The short summary says why, not a cut-off test id ("Failed: tes...").
    result.stdout.fnmatch_lines(
        ["ERROR test_users.py::test_lists - Failed: unused Management API scopes: *"]
    )
    errors = {line.split(" - ")[0] for line in result.outlines if line.startswith("ERROR ")}
    assert errors == {
        "ERROR test_users.py::test_lists",
        "ERROR test_users.py::test_user_roles",
    }
    result.stdout.fnmatch_lines(["*- auth0-m2m least privilege -*", FAILURE_LINE])
    result.stdout.fnmatch_lines(SUMMARY)
    result.stdout.no_fnmatch_line("*test_cannot_delete: missing*")

    report = json.loads((recorded.path / "out" / "report.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert report["mode"] == "replay"
    assert report["strict"] is True
    tests = {t["nodeid"].split("::")[1]: t for t in report["tests"]}
    assert tests["test_lists"]["used"] == ["read:users"]
    assert tests["test_lists"]["unused"] == ["update:users"]
    assert tests["test_creates"]["missing"][0]["needed"] == [["create:users"]]
    assert tests["test_cannot_delete"]["missing"] == []
    assert tests["test_cannot_delete"]["expected_denials"][0]["operation_id"] == (
        "delete_users_by_id"
    )
    assert tests["test_user_roles"]["used"] == ["read:role_members", "read:roles", "read:users"]
    assert tests["test_unknown_path"]["unknown"] == [
        {"method": "GET", "path": "/api/v2/not-an-endpoint", "status": 404}
    ]


def test_replay_report_under_xdist(recorded: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = recorded.runpytest_subprocess(
        "--block-network", "-n", "2", "--mgmt-scopes-report=report.json"
    )
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["*- auth0-m2m least privilege -*", FAILURE_LINE])
    for line in SUMMARY[1:]:
        # Workers finish in any order: each line, not the sequence.
        result.stdout.fnmatch_lines([line])
    report = json.loads((recorded.path / "report.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert report["totals"]["tests"] == 6


def test_no_report_without_scoped_tests(project: pytest.Pytester) -> None:
    project.makepyfile("def test_plain():\n    assert True\n")
    result = project.runpytest_subprocess("--mgmt-scopes-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*auth0-m2m least privilege*")
    report = json.loads((project.path / "report.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert report["tests"] == []


def _has_journal() -> bool:
    return hasattr(FakeAuth0(), "journal")


@pytest.mark.skipif(not _has_journal(), reason="the emulator's request journal has not landed")
def test_fake_mode_without_recording_uses_the_journal(project: pytest.Pytester) -> None:
    project.makepyfile(test_users=TESTS)
    result = project.runpytest_subprocess("--auth0-fake", "--mgmt-scopes-strict")
    result.assert_outcomes(passed=5, failed=1, errors=2)
    result.stdout.fnmatch_lines(["*- auth0-m2m least privilege -*", FAILURE_LINE])
    result.stdout.fnmatch_lines(SUMMARY)
