"""Email templates over real HTTP: named by their "template", as go-auth0's recordings of real
tenants show (TestEmailTemplateManager_Create/Update/Replace.yaml) and the terraform provider's
(TestAccEmailTemplate.yaml)."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

TEMPLATES = "/api/v2/email-templates"
VERIFY = {
    "template": "verify_email",
    "body": "<p>Verify {{ user.email }}</p>",
    "from": "accounts@example.com",
    "subject": "Verify your email",
    "syntax": "liquid",
    "enabled": True,
}


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, "create:email_templates", "read:email_templates", "update:email_templates")


def test_a_created_template_is_found_by_its_name(fake: FakeAuth0, http: httpx.Client) -> None:
    assert http.get(f"{TEMPLATES}/verify_email", headers=_h(fake)).status_code == 404
    made = http.post(TEMPLATES, json=VERIFY, headers=_h(fake))
    assert made.status_code == 200  # the spec's status; no recording shows a successful POST
    assert made.json()["template"] == "verify_email"
    assert "id" not in made.json()
    got = http.get(f"{TEMPLATES}/verify_email", headers=_h(fake))
    assert got.status_code == 200
    assert got.json()["subject"] == "Verify your email"


def test_a_second_create_of_the_same_template_is_a_conflict(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestEmailTemplateManager_Create.yaml: 409 with no errorCode; the template is unchanged.
    assert http.post(TEMPLATES, json=VERIFY, headers=_h(fake)).status_code == 200
    again = http.post(TEMPLATES, json={**VERIFY, "subject": "Other"}, headers=_h(fake))
    assert again.status_code == 409
    assert again.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": "Template verify_email already exists.",
    }
    assert http.get(f"{TEMPLATES}/verify_email", headers=_h(fake)).json()["subject"] == (
        "Verify your email"
    )


def test_patch_merges_and_put_replaces(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestEmailTemplateManager_Update.yaml: PATCH answers the whole template, merged;
    # TestEmailTemplateManager_Replace.yaml: PUT answers what it was sent.
    http.post(TEMPLATES, json=VERIFY, headers=_h(fake))
    item = f"{TEMPLATES}/verify_email"
    patched = http.patch(item, json={"enabled": False}, headers=_h(fake))
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False
    assert patched.json()["body"] == VERIFY["body"]
    replaced = http.put(item, json={**VERIFY, "body": "<p>Hi</p>"}, headers=_h(fake))
    assert replaced.status_code == 200
    assert replaced.json()["body"] == "<p>Hi</p>"
    assert replaced.json()["enabled"] is True
    assert http.get(item, headers=_h(fake)).json()["body"] == "<p>Hi</p>"
    missing = http.patch(f"{TEMPLATES}/reset_email", json={"enabled": False}, headers=_h(fake))
    assert missing.status_code == 404
