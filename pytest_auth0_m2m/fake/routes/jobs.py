"""/jobs: Auth0's asynchronous user imports, exports and verification emails.

A job is created ``pending`` and moves one step (``processing``, then ``completed``) each time
it is read with GET /jobs/{id}, so a client's polling loop runs as against Auth0, where a small
job completes within seconds. Its work is done when it completes: an import inserts (or, with
``upsert``, updates) its users in the connection then, with a ``summary`` and per-user errors at
GET /jobs/{id}/errors; an export takes the connection's users then and gets a ``location``, a
URL on this emulator serving the gzipped file (newline-delimited JSON, or CSV); a verification
email sends nothing (the emulator sends no mail).

Answers as go-auth0's recordings of real tenants show them: exports 200, imports 202 (multipart
upload), verification emails 201; ``{type, status, connection_id, connection, created_at, id}``
and the export's ``format``, ``limit`` and ``fields``; an import's error
``{"code": "DUPLICATED_USER", "message": "The user already exist and upsert parameter is
false"}``. Unconfirmed, chosen here: the default export fields, the 404 wording of an unknown
job, the 400 of a verification email for an unknown user (the spec lists no 404 for it).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

from ..common import Reply, bad_body, mgmt_error, not_found_error, random_id
from ..tenant import Tenant
from . import Call, HandlerTable

HANDLERS = HandlerTable()
IMPORT_LIMIT = 512000  # bytes of a users file (the spec's 413)
STEPS = ("pending", "processing", "completed")
DEFAULT_EXPORT_FIELDS = (
    "user_id",
    "name",
    "email",
    "identities[0].connection",
    "created_at",
    "updated_at",
)
# What an import stores of a user: never a password hash (GET /users does not show one) nor MFA
# enrollments, which the emulator has no place for.
_NOT_STORED = ("password_hash", "custom_password_hash", "mfa_factors")
_UPSERTABLE = (
    "app_metadata",
    "user_metadata",
    "blocked",
    "email_verified",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
)


def _new_job(tenant: Tenant, kind: str, fields: dict[str, Any], work: dict[str, Any]) -> Any:
    job: dict[str, Any] = {"type": kind, "status": "pending", **fields}
    job["created_at"] = tenant.now_iso()
    job["id"] = "job_" + random_id(16)
    tenant.jobs[job["id"]] = {"job": job, "work": work}
    return dict(job)


def _connection(tenant: Tenant, connection_id: Any) -> dict[str, Any]:
    connection = tenant.connections.get(str(connection_id))
    if connection is None:
        raise mgmt_error(400, "The connection does not exist.", "inexistent_connection")
    return connection


def _stored(call: Call) -> dict[str, Any]:
    stored = call.tenant.jobs.get(call.params["id"])
    if stored is None:
        raise not_found_error("The job does not exist.", "inexistent_job")
    return stored


@HANDLERS.route("get_jobs_by_id")
def get_job(call: Call) -> Reply:
    with call.tenant.lock:
        stored = _stored(call)
        job = stored["job"]
        step = STEPS.index(job["status"]) if job["status"] in STEPS else len(STEPS) - 1
        if step < len(STEPS) - 1:
            job["status"] = STEPS[step + 1]
            if job["status"] == "completed":
                _complete(call.tenant, stored)
        return 200, dict(job)


@HANDLERS.route("get_errors")
def job_errors(call: Call) -> Reply:
    with call.tenant.lock:
        errors = _stored(call)["work"].get("errors") or []
        if not errors:
            return 204, None  # the spec: "The job was retrieved, but no errors were found"
        return 200, [dict(e) for e in errors]


def _complete(tenant: Tenant, stored: dict[str, Any]) -> None:
    job, work = stored["job"], stored["work"]
    if job["type"] == "users_import":
        job["summary"] = _import(tenant, work)
    elif job["type"] == "users_export":
        work["file"] = _export(tenant, job)
        job["location"] = f"{tenant.public_url}/__fake__/exports/{job['id']}/{work['token']}"


# --- users-exports -------------------------------------------------------------------------------


@HANDLERS.route("post_users-exports")
def create_export(call: Call) -> Reply:
    body = call.body()
    tenant = call.tenant
    with tenant.lock:
        fields: dict[str, Any] = {}
        if "connection_id" in body:
            fields["connection_id"] = _connection(tenant, body["connection_id"])["id"]
        fields["format"] = body.get("format", "csv")
        for key in ("limit", "fields"):
            if key in body:
                fields[key] = body[key]
        if "connection_id" in fields:
            fields["connection"] = tenant.connections[fields["connection_id"]]["name"]
        return 200, _new_job(tenant, "users_export", fields, {"token": random_id(32)})


def _value(user: dict[str, Any], path: str) -> Any:
    """A user's value at an export field name: dotted, with list indexes (identities[0].x)."""
    value: Any = user
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _export(tenant: Tenant, job: dict[str, Any]) -> str:
    users = list(tenant.users.values())
    if "connection" in job:
        users = [
            u
            for u in users
            if any(i.get("connection") == job["connection"] for i in u.get("identities", ()))
        ]
    if isinstance(job.get("limit"), int):
        users = users[: job["limit"]]
    wanted = job.get("fields") or [{"name": name} for name in DEFAULT_EXPORT_FIELDS]
    columns = [(str(f["name"]), str(f.get("export_as") or f["name"])) for f in wanted]
    if job["format"] == "json":
        lines = []
        for user in users:
            row = {label: _value(user, name) for name, label in columns}
            lines.append(json.dumps({k: v for k, v in row.items() if v is not None}))
        return "".join(line + "\n" for line in lines)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for _, label in columns])
    for user in users:
        cells = [_value(user, name) for name, _ in columns]
        writer.writerow(
            ["" if c is None else c if isinstance(c, str) else json.dumps(c) for c in cells]
        )
    return out.getvalue()


def export_file(tenant: Tenant, job_id: str, token: str) -> str | None:
    """The text of a completed export, for its location URL (None: no such export)."""
    with tenant.lock:
        stored = tenant.jobs.get(job_id)
        if stored is None or stored["job"].get("type") != "users_export":
            return None
        work = stored["work"]
        if work.get("token") != token or "file" not in work:
            return None
        return str(work["file"])


# --- users-imports -------------------------------------------------------------------------------


def _multipart(call: Call) -> tuple[dict[str, str], bytes | None]:
    media, options = parse_options_header(call.content_type)
    if media != "multipart/form-data" or "boundary" not in options:
        raise mgmt_error(
            415,
            f"Unsupported Media Type: expected multipart/form-data, got {media or 'none'}",
            "unsupported_media_type",
        )
    parser = FormDataParser()
    _, form, files = parser.parse(
        io.BytesIO(call.raw_body), media, len(call.raw_body), {"boundary": options["boundary"]}
    )
    upload = files.get("users")
    return {k: str(v) for k, v in form.items()}, None if upload is None else upload.read()


@HANDLERS.route("post_users-imports")
def create_import(call: Call) -> Reply:
    form, users_file = _multipart(call)
    if users_file is None:
        raise bad_body("'Missing required property: users'.")
    if len(users_file) > IMPORT_LIMIT:
        raise mgmt_error(
            413, f"Payload content length greater than maximum allowed: {IMPORT_LIMIT}"
        )
    if not form.get("connection_id"):
        raise bad_body("'Missing required property: connection_id'.")
    try:
        users = json.loads(users_file.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_body("'Users file must be a JSON array of users' on property users.") from None
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        raise bad_body("'Users file must be a JSON array of users' on property users.")
    tenant = call.tenant
    with tenant.lock:
        connection = _connection(tenant, form["connection_id"])
        fields: dict[str, Any] = {
            "connection_id": connection["id"],
            "connection": connection["name"],
        }
        if form.get("external_id"):
            fields["external_id"] = form["external_id"]
        work = {
            "users": users,
            "connection": connection["name"],
            "upsert": form.get("upsert", "false").lower() == "true",
        }
        return 202, _new_job(tenant, "users_import", fields, work)


def _same_user(user: dict[str, Any], given: dict[str, Any], connection: str) -> bool:
    if not any(i.get("connection") == connection for i in user.get("identities", ())):
        return False
    email = given.get("email")
    if email and str(user.get("email", "")).lower() == str(email).lower():
        return True
    if given.get("username") and user.get("username") == given["username"]:
        return True
    return bool(given.get("user_id")) and str(user["user_id"]).endswith(f"|{given['user_id']}")


def _import(tenant: Tenant, work: dict[str, Any]) -> dict[str, int]:
    job_connection = str(work["connection"])  # by name: a user's identities name it
    summary = {"failed": 0, "updated": 0, "inserted": 0, "total": 0}
    errors: list[dict[str, Any]] = []
    for given in work["users"]:
        summary["total"] += 1
        shown = {k: v for k, v in given.items() if k not in _NOT_STORED}
        if not given.get("email"):
            summary["failed"] += 1
            errors.append(
                {
                    "user": shown,
                    "errors": [
                        {
                            "code": "OBJECT_MISSING_REQUIRED_PROPERTY",
                            "message": "Missing required property: email",
                        }
                    ],
                }
            )
            continue
        existing = next(
            (u for u in tenant.users.values() if _same_user(u, given, job_connection)),
            None,
        )
        if existing is None:
            tenant.add_user({**shown, "connection": job_connection})
            summary["inserted"] += 1
        elif work["upsert"]:
            existing.update({k: v for k, v in shown.items() if k in _UPSERTABLE})
            existing["updated_at"] = tenant.now_iso()
            summary["updated"] += 1
        else:
            summary["failed"] += 1
            errors.append(
                {
                    "user": shown,
                    "errors": [
                        {
                            "code": "DUPLICATED_USER",
                            "message": "The user already exist and upsert parameter is false",
                        }
                    ],
                }
            )
    work["errors"] = errors
    return summary


# --- verification-email --------------------------------------------------------------------------


@HANDLERS.route("post_verification-email")
def verification_email(call: Call) -> Reply:
    body = call.body()
    tenant = call.tenant
    with tenant.lock:
        if str(body.get("user_id")) not in tenant.users:
            raise mgmt_error(400, "The user does not exist.", "inexistent_user")
        return 201, _new_job(tenant, "verification_email", {}, {})
