"""Issue 11's secret kinds, sent and received in a recording on the emulator: none of the
planted values is in any file the run writes, in any encoding a cassette can hold, and
``audit`` calls the cassettes clean."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from pytest_auth0_m2m.cassettes.audit import main as audit_main

pytestmark = pytest.mark.e2e

# kind -> planted value; each is distinct so a hit names the kind that leaked.
PLANTED = {
    kind: f"Plant-{kind}-9fQ2xZ7wL3"
    for kind in (
        "password",
        "patched-password",
        "form-password",
        "echoed-password",
        "ticket-id",
        "ticket-url",
        "verify-ticket",
        "guardian-ticket",
        "invitation",
        "recovery-code",
        "totp-secret",
        "signing-secret",
        "connection-config",
        "email-api-key",
        "sink-authorization",
        "scim-token",
        "device-credential",
        "hook-secret",
        "password-hash",
    )
}

TESTS = (
    "PLANTED = "
    + json.dumps(PLANTED)
    + """

import json
import pytest

SCOPES = (
    "create:users", "update:users", "create:user_tickets", "create:guardian_enrollment_tickets",
    "create:organization_invitations", "create:authentication_methods",
    "create:resource_servers", "create:connections", "create:email_provider",
    "create:log_streams", "update:hooks", "create:current_user_device_credentials",
    "create:scim_token",
)


def answer(fake, operation, body, status=201):
    fake.faults.add(status=status, operation=operation, body=body)


@pytest.mark.mgmt_scopes(*SCOPES)
def test_every_kind(mgmt_client, auth0_fake):
    p = PLANTED
    user = mgmt_client.post("users", json={
        "email": "a@example.com", "connection": "Username-Password-Authentication",
        "password": p["password"]}).json()
    uid = user.get("user_id", "auth0|x")
    mgmt_client.patch(f"users/{uid}", json={"password": p["patched-password"]})
    mgmt_client.post("users", data={"email": "b@example.com", "password": p["form-password"]})
    answer(auth0_fake, "post_users", {"statusCode": 400, "error": "Bad Request",
        "message": f"PasswordStrengthError: {p['echoed-password']} is too weak"}, 400)
    mgmt_client.post("users", json={"email": "c@example.com",
        "connection": "Username-Password-Authentication", "password": p["echoed-password"]})
    answer(auth0_fake, "post_password-change",
           {"ticket": f"https://dev.example/lo/reset?ticket={p['ticket-id']}#"})
    mgmt_client.post("tickets/password-change", json={"user_id": uid})
    answer(auth0_fake, "post_email-verification",
           {"ticket": f"https://dev.example/u/email-verification?ticket={p['verify-ticket']}#"})
    mgmt_client.post("tickets/email-verification", json={"user_id": uid})
    answer(auth0_fake, "post_ticket",
           {"ticket_id": p["guardian-ticket"], "ticket_url": f"https://x/{p['ticket-url']}"})
    mgmt_client.post("guardian/enrollments/ticket", json={"user_id": uid})
    answer(auth0_fake, "post_invitations",
           {"id": "uinv_1", "invitation_url": f"https://x/login?invitation={p['invitation']}"})
    mgmt_client.post("organizations/org_1/invitations", json={})
    answer(auth0_fake, "post_recovery-code-regeneration", {"recovery_code": p["recovery-code"]},
           200)
    mgmt_client.post(f"users/{uid}/recovery-code-regeneration")
    mgmt_client.post(f"users/{uid}/authentication-methods",
                     json={"type": "totp", "totp_secret": p["totp-secret"]})
    mgmt_client.post("resource-servers", json={"identifier": "https://api.example",
        "signing_alg": "HS256", "signing_secret": p["signing-secret"]})
    mgmt_client.post("connections", json={"name": "c1", "strategy": "auth0",
        "options": {"configuration": {"API_KEY": p["connection-config"]}}})
    mgmt_client.post("emails/provider", json={"name": "sendgrid",
        "credentials": {"api_key": p["email-api-key"]}})
    mgmt_client.post("log-streams", json={"type": "http", "sink": {
        "httpEndpoint": "https://logs.example", "httpAuthorization": p["sink-authorization"]}})
    answer(auth0_fake, "post_scim_token", {"token_id": "t1", "token": p["scim-token"]})
    mgmt_client.post("connections/con_1/scim-configuration/tokens", json={})
    mgmt_client.post("device-credentials", json={"device_name": "d", "type": "public_key",
        "value": p["device-credential"], "device_id": "d1"})
    mgmt_client.post("hooks/h1/secrets", json={"MY_KEY": p["hook-secret"]})
    users_file = json.dumps([{"email": "d@example.com", "password_hash": p["password-hash"]}])
    mgmt_client.post("jobs/users-imports", data={"connection_id": "con_1"},
                     files={"users": ("users.json", users_file, "application/json")})
"""
)


def forms(value: str) -> set[bytes]:
    raw = value.encode()
    out = {
        value,
        quote(value, safe=""),
        quote_plus(value),
        json.dumps(value)[1:-1],
        raw.hex(),
        raw.hex().upper(),
    }
    for pad in (b"", b"x", b"xy"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(pad + raw).decode()
            out.add(core[4 if pad else 0 : -4])  # the part no neighbour byte changes
    found = {f.encode() for f in out}
    for wide in ("utf-16-le", "utf-16-be", "utf-32-le"):
        found.add(value.encode(wide))
    return found


def written_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"
    }


def test_no_planted_secret_reaches_any_written_file(project: pytest.Pytester) -> None:
    project.makepyfile(test_kinds=TESTS)
    result = project.runpytest_subprocess(
        "--auth0-fake", "--record-mode=once", "--mgmt-scopes-report=report.json", "-vv", "-rA"
    )
    result.assert_outcomes(passed=1)
    files = written_files(project.path)
    assert any(name.startswith("cassettes") for name in files), sorted(files)
    assert "report.json" in files
    cassettes = b"".join(data for name, data in files.items() if name.startswith("cassettes"))
    assert cassettes.count(b"uri: ") == 18  # every request was recorded, answers included
    assert cassettes.count(b"REDACTED") >= len(PLANTED)
    files["<terminal>"] = (result.stdout.str() + result.stderr.str()).encode()
    leaks = [
        (kind, name)
        for kind, value in PLANTED.items()
        for name, data in files.items()
        if any(form in data for form in forms(value))
    ]
    assert leaks == []
    assert audit_main([str(project.path / "cassettes")]) == 0
