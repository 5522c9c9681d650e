"""/jobs over HTTP: imports, exports and verification emails, completed by polling."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DB = "Username-Password-Authentication"
SCOPES = ("create:users", "read:users", "update:users", "read:connections")


def _db(fake: FakeAuth0) -> str:
    return next(c["id"] for c in fake.tenant.connections.values() if c["name"] == DB)


def _poll(http: httpx.Client, auth: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    return [http.get(f"/api/v2/jobs/{job_id}", headers=auth).json() for _ in range(3)]


def _import(
    http: httpx.Client, auth: dict[str, str], connection_id: str, users: Any, upsert: bool
) -> httpx.Response:
    return http.post(
        "/api/v2/jobs/users-imports",
        data={"connection_id": connection_id, "upsert": str(upsert).lower()},
        files={"users": ("users.json", json.dumps(users).encode(), "application/json")},
        headers=auth,
    )


def test_an_import_completes_on_later_reads_and_imports(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    auth = bearer(fake, *SCOPES)
    users = [
        {"email": "new@example.com", "user_metadata": {"plan": "free"}, "password_hash": "$2b$x"},
        {"email_verified": True},
    ]
    made = _import(http, auth, _db(fake), users, upsert=False)
    assert made.status_code == 202
    job = made.json()
    assert job["type"] == "users_import"
    assert job["status"] == "pending"
    assert job["connection"] == DB
    assert job["id"].startswith("job_")
    assert http.get("/api/v2/users-by-email?email=new@example.com", headers=auth).json() == []

    reads = _poll(http, auth, job["id"])
    assert [r["status"] for r in reads] == ["processing", "completed", "completed"]
    assert reads[1]["summary"] == {"failed": 1, "updated": 0, "inserted": 1, "total": 2}
    (imported,) = http.get("/api/v2/users-by-email?email=new@example.com", headers=auth).json()
    assert imported["user_metadata"] == {"plan": "free"}
    assert imported["identities"][0]["connection"] == DB
    assert "password_hash" not in imported
    errors = http.get(f"/api/v2/jobs/{job['id']}/errors", headers=auth)
    assert errors.status_code == 200
    assert errors.json() == [
        {
            "user": {"email_verified": True},
            "errors": [
                {
                    "code": "OBJECT_MISSING_REQUIRED_PROPERTY",
                    "message": "Missing required property: email",
                }
            ],
        }
    ]

    again = _import(http, auth, _db(fake), [{"email": "new@example.com"}], upsert=False).json()
    assert _poll(http, auth, again["id"])[1]["summary"]["failed"] == 1
    codes = http.get(f"/api/v2/jobs/{again['id']}/errors", headers=auth).json()[0]["errors"]
    assert codes == [
        {
            "code": "DUPLICATED_USER",
            "message": "The user already exist and upsert parameter is false",
        }
    ]
    upserted = _import(
        http, auth, _db(fake), [{"email": "new@example.com", "name": "New"}], upsert=True
    ).json()
    assert _poll(http, auth, upserted["id"])[1]["summary"]["updated"] == 1
    assert http.get(f"/api/v2/jobs/{upserted['id']}/errors", headers=auth).status_code == 204
    (updated,) = http.get("/api/v2/users-by-email?email=new@example.com", headers=auth).json()
    assert updated["name"] == "New"


def test_import_refusals(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, *SCOPES)
    not_multipart = http.post(
        "/api/v2/jobs/users-imports", json={"connection_id": _db(fake)}, headers=auth
    )
    assert not_multipart.status_code == 415
    not_json = http.post(
        "/api/v2/jobs/users-imports",
        data={"connection_id": _db(fake)},
        files={"users": ("users.json", b"not json", "application/json")},
        headers=auth,
    )
    assert not_json.status_code == 400
    assert not_json.json()["errorCode"] == "invalid_body"
    unknown = _import(http, auth, "con_0000000000000000", [], upsert=False)
    assert unknown.status_code == 400
    assert unknown.json()["errorCode"] == "inexistent_connection"
    missing = http.get("/api/v2/jobs/job_0000000000000000", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "inexistent_job"


def test_an_export_serves_its_file_once_completed(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, *SCOPES)
    user = http.post(
        "/api/v2/users",
        json={"connection": DB, "email": "out@example.com", "password": "Correct-Horse-9!"},
        headers=auth,
    ).json()
    made = http.post(
        "/api/v2/jobs/users-exports",
        json={
            "connection_id": _db(fake),
            "format": "json",
            "fields": [{"name": "email"}, {"name": "identities[0].connection", "export_as": "c"}],
        },
        headers=auth,
    )
    assert made.status_code == 200  # not 201 (go-auth0 recording TestJobManager_ExportUsers)
    job = made.json()
    assert (job["status"], job["format"], job["connection"]) == ("pending", "json", DB)
    reads = _poll(http, auth, job["id"])
    assert "location" not in reads[0]
    location = reads[1]["location"]
    assert location.startswith(fake.url + "/")
    served = httpx.get(location)
    assert served.headers["content-type"] == "application/gzip"
    lines = gzip.decompress(served.content).decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"email": "out@example.com", "c": DB}]
    assert httpx.get(location + "x").status_code == 404

    csv_job = http.post("/api/v2/jobs/users-exports", json={}, headers=auth).json()
    assert csv_job["format"] == "csv"
    csv_text = gzip.decompress(httpx.get(_poll(http, auth, csv_job["id"])[1]["location"]).content)
    header, row = csv_text.decode().splitlines()
    assert header == "user_id,name,email,identities[0].connection,created_at,updated_at"
    assert row.startswith(f"{user['user_id']},out@example.com,out@example.com,{DB},")


def test_verification_email_jobs(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(fake, *SCOPES)
    user = http.post(
        "/api/v2/users",
        json={"connection": DB, "email": "v@example.com", "password": "Correct-Horse-9!"},
        headers=auth,
    ).json()
    made = http.post(
        "/api/v2/jobs/verification-email", json={"user_id": user["user_id"]}, headers=auth
    )
    assert made.status_code == 201
    assert set(made.json()) == {"type", "status", "created_at", "id"}
    point = fake.checkpoint()
    assert _poll(http, auth, made.json()["id"])[-1]["status"] == "completed"
    fake.restore(point)  # a job's progress is tenant state, rewound like the rest
    assert _poll(http, auth, made.json()["id"])[0]["status"] == "processing"
    unknown = http.post(
        "/api/v2/jobs/verification-email", json={"user_id": "auth0|nobody"}, headers=auth
    )
    assert unknown.status_code == 400
