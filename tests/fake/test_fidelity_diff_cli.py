"""``python -m pytest_auth0_m2m diff CASSETTES`` (issue 15 item 4) on hand-written cassettes.

Both formats: vcrpy (what this plugin records) and go-vcr v2 (Auth0's terraform provider). The
recorded ids differ from the ones a fresh emulator makes, so agreement on the GET after the POST
shows the ids were mapped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

# Runs the diff command in a subprocess: the slow tier.
pytestmark = pytest.mark.e2e

RECORDED_ROLE = "rol_RecordedRole0001"


def _vcrpy(path: Path) -> Path:
    role = {"id": RECORDED_ROLE, "name": "support", "description": "Support"}
    path.write_text(
        yaml.safe_dump(
            {
                "interactions": [
                    {
                        "request": {
                            "method": "POST",
                            "uri": "https://tenant.auth0.invalid/api/v2/roles",
                            "body": json.dumps({"name": "support", "description": "Support"}),
                            "headers": {"content-type": ["application/json"]},
                        },
                        "response": {"status": {"code": 200}, "body": {"string": json.dumps(role)}},
                    },
                    {
                        "request": {
                            "method": "GET",
                            "uri": f"https://tenant.auth0.invalid/api/v2/roles/{RECORDED_ROLE}",
                            "body": None,
                            "headers": {},
                        },
                        # a key the emulator does not send, so one difference is reported
                        "response": {
                            "status": {"code": 200},
                            "body": {"string": json.dumps({**role, "recorded_only": 1})},
                        },
                    },
                ],
                "version": 1,
            }
        )
    )
    return path


def _go_vcr(path: Path) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "interactions": [
                    {
                        "id": 0,
                        "request": {
                            "method": "POST",
                            "url": "https://tenant.auth0.invalid/api/v2/connections",
                            "body": json.dumps({"name": "corp-db", "strategy": "auth0"}),
                            "headers": {"Content-Type": ["application/json"]},
                        },
                        "response": {
                            "code": 201,
                            "body": json.dumps({"id": "con_RecordedConn01", "name": "corp-db"}),
                        },
                    },
                    {
                        "id": 1,
                        "request": {
                            "method": "DELETE",
                            "url": "https://tenant.auth0.invalid/api/v2/connections/con_RecordedConn01",
                            "body": "",
                            "headers": {},
                        },
                        "response": {"code": 202, "body": json.dumps({"deleted_at": "x"})},
                    },
                ],
            }
        )
    )
    return path


def _diff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m", "diff", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_diff_maps_ids_and_reports_differences(tmp_path: Path) -> None:
    done = _diff(str(_vcrpy(tmp_path / "a.yaml")), str(_go_vcr(tmp_path / "b.yaml")))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "cassettes 2, interactions replayed 4" in out
    assert "status agreement: 4/4 = 100.0%" in out  # the GET and DELETE found the mapped ids
    assert "GET /roles/{id} 200: keys missing ['recorded_only'], extra []" in out
    assert "top-level key agreement: 2/4" in out  # the GET differs; POST role misses nothing


def test_diff_json_lines_and_missing_file(tmp_path: Path) -> None:
    done = _diff("--json", str(_vcrpy(tmp_path / "a.yaml")))
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["operation"], r["status"], r["fake_status"]) for r in rows] == [
        ("POST /roles", 200, 200),
        ("GET /roles/{id}", 200, 200),
    ]
    missing = _diff(str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2
    assert "no such cassette" in missing.stderr


def test_a_recorded_denial_is_replayed_without_its_scopes_and_a_directory_is_read(
    tmp_path: Path,
) -> None:
    # Red-team finding: a least-privilege test's expected 403 showed up as a difference, since
    # every request was replayed with a token holding every scope.
    denied = {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Insufficient scope, expected any of: delete:users,delete:current_user",
        "errorCode": "insufficient_scope",
    }
    cassettes = tmp_path / "cassettes" / "test_app"
    cassettes.mkdir(parents=True)
    (cassettes / "test_cannot_delete.yaml").write_text(
        yaml.safe_dump(
            {
                "interactions": [
                    {
                        "request": {
                            "method": "DELETE",
                            "uri": "https://tenant.auth0.invalid/api/v2/users/auth0%7C123",
                            "body": None,
                            "headers": {},
                        },
                        "response": {
                            "status": {"code": 403},
                            "body": {"string": json.dumps(denied)},
                        },
                    }
                ],
                "version": 1,
            }
        )
    )
    _vcrpy(cassettes / "roles.yml")
    done = _diff("--json", str(tmp_path / "cassettes"))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert ("DELETE /users/{id}", 403, 403) in [
        (r["operation"], r["status"], r["fake_status"]) for r in rows
    ]
    assert len(rows) == 3  # the directory's two cassettes, .yaml and .yml
