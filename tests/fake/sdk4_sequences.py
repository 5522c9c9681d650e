"""Realistic call sequences per Management API family for auth0-python 4.x (requests, dicts).

Run by tests/fake/test_sdk_majors.py in a subprocess whose PYTHONPATH starts with a directory
holding auth0-python 4.13.0 (it cannot share a venv with 6.x):

    python sdk4_sequences.py FAMILY    (env SDK4_DOMAIN, SDK4_TOKEN, SDK4_AUDIENCE,
                                        REQUESTS_CA_BUNDLE = the emulator's CA)
    python sdk4_sequences.py --list    the families, in the order of sdk6_sequences.py

The same sequences as sdk6_sequences.py, through 4.x's dict API. 4.x has no method for a few
endpoints (signing keys, a user's sessions and refresh tokens): those calls go through the SDK's
own RestClient (``sdk.users.client``), as a 4.x program does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

DB = "Username-Password-Authentication"
PASSWORD = "Correct-Horse-9!"

# A branding theme: every block is required by Auth0 (both sequence modules build this one).
THEME: dict[str, Any] = {
    "borders": {
        "button_border_radius": 3,
        "button_border_weight": 1,
        "buttons_style": "rounded",
        "input_border_radius": 3,
        "input_border_weight": 1,
        "inputs_style": "rounded",
        "show_widget_shadow": True,
        "widget_border_weight": 0,
        "widget_corner_radius": 5,
    },
    "colors": {
        "body_text": "#1e212a",
        "error": "#d03c38",
        "header": "#1e212a",
        "icons": "#65676e",
        "input_background": "#ffffff",
        "input_border": "#c9cace",
        "input_filled_text": "#000000",
        "input_labels_placeholders": "#65676e",
        "links_focused_components": "#635dff",
        "primary_button": "#635dff",
        "primary_button_label": "#ffffff",
        "secondary_button_border": "#c9cace",
        "secondary_button_label": "#1e212a",
        "success": "#13a688",
        "widget_background": "#ffffff",
        "widget_border": "#c9cace",
    },
    "fonts": {
        "body_text": {"bold": False, "size": 87.5},
        "buttons_text": {"bold": False, "size": 100},
        "font_url": "",
        "input_labels": {"bold": False, "size": 100},
        "links": {"bold": True, "size": 87.5},
        "links_style": "normal",
        "reference_text_size": 16,
        "subtitle": {"bold": False, "size": 87.5},
        "title": {"bold": False, "size": 150},
    },
    "page_background": {
        "background_color": "#000000",
        "background_image_url": "",
        "page_layout": "center",
    },
    "widget": {
        "header_text_alignment": "center",
        "logo_height": 52,
        "logo_position": "center",
        "logo_url": "",
        "social_buttons_layout": "bottom",
    },
    "displayName": "House theme",
}


Sequence = Callable[[Any, str], None]
SEQUENCES: dict[str, Sequence] = {}


def family(name: str) -> Callable[[Sequence], Sequence]:
    def register(sequence: Sequence) -> Sequence:
        SEQUENCES[name] = sequence
        return sequence

    return register


def status_of(call: Callable[[], Any]) -> int:
    """The HTTP status of an Auth0Error the call raises (4.x raises one class for all)."""
    from auth0.exceptions import Auth0Error

    try:
        call()
    except Auth0Error as error:
        return int(error.status_code)
    raise AssertionError("the call did not fail")


def _db_connection_id(sdk: Any) -> str:
    found = [c["id"] for c in sdk.connections.all(name=DB)]
    assert len(found) == 1, found
    return str(found[0])


def _user(sdk: Any, email: str, **extra: Any) -> dict[str, Any]:
    made: dict[str, Any] = sdk.users.create(
        {"connection": DB, "email": email, "password": PASSWORD, **extra}
    )
    return made


def _api(sdk: Any, path: str) -> str:
    """A Management API URL, for endpoints 4.x has no method for."""
    return f"https://{os.environ['SDK4_DOMAIN']}/api/v2/{path}"


@family("roles")
def roles(sdk: Any, audience: str) -> None:
    role = sdk.roles.create({"name": "support", "description": "answers tickets"})
    assert role["id"].startswith("rol_")
    assert sdk.roles.get(role["id"])["description"] == "answers tickets"
    updated = sdk.roles.update(role["id"], {"description": "answers and closes tickets"})
    assert updated["description"] == "answers and closes tickets"
    assert [r["name"] for r in sdk.roles.list(name_filter="supp")["roles"]] == ["support"]
    permission = {"resource_server_identifier": audience, "permission_name": "read:users"}
    sdk.roles.add_permissions(role["id"], [permission])
    listed = sdk.roles.list_permissions(role["id"])["permissions"]
    assert [p["permission_name"] for p in listed] == ["read:users"]
    members = [_user(sdk, f"agent{i}@example.com")["user_id"] for i in range(3)]
    sdk.roles.add_users(role["id"], members)
    assert [u["user_id"] for u in sdk.roles.list_users(role["id"])["users"]] == members
    assert [r["id"] for r in sdk.users.list_roles(members[0])["roles"]] == [role["id"]]
    sdk.users.remove_roles(members[0], [role["id"]])
    assert sdk.users.list_roles(members[0])["roles"] == []
    sdk.roles.remove_permissions(role["id"], [permission])
    assert sdk.roles.list_permissions(role["id"])["permissions"] == []
    sdk.roles.delete(role["id"])
    assert status_of(lambda: sdk.roles.get(role["id"])) == 404


@family("log_streams")
def log_streams(sdk: Any, audience: str) -> None:
    stream = sdk.log_streams.create(
        {
            "name": "siem",
            "type": "http",
            "sink": {
                "httpEndpoint": "https://siem.example/ingest",
                "httpContentType": "application/json",
                "httpContentFormat": "JSONLINES",
                "httpAuthorization": "Bearer not-a-secret",
            },
        }
    )
    assert stream["name"] == "siem"
    assert stream["type"] == "http"
    assert stream["status"] == "active"
    assert sdk.log_streams.get(stream["id"])["id"] == stream["id"]
    assert sdk.log_streams.update(stream["id"], {"status": "paused"})["status"] == "paused"
    assert [s["id"] for s in sdk.log_streams.list()] == [stream["id"]]
    sdk.log_streams.delete(stream["id"])
    assert sdk.log_streams.list() == []


@family("custom_domains")
def custom_domains(sdk: Any, audience: str) -> None:
    domain = sdk.custom_domains.create_new(
        {"domain": "login.example.com", "type": "auth0_managed_certs"}
    )
    did = domain["custom_domain_id"]
    assert domain["domain"] == "login.example.com"
    assert domain["status"] == "pending_verification"
    assert did.startswith("cd_")
    assert sdk.custom_domains.get(did)["domain"] == "login.example.com"
    assert [d["custom_domain_id"] for d in sdk.custom_domains.all()] == [did]
    assert sdk.custom_domains.verify(did)["custom_domain_id"] == did
    sdk.custom_domains.delete(did)
    assert sdk.custom_domains.all() == []


@family("tenant_settings")
def tenant_settings(sdk: Any, audience: str) -> None:
    sdk.tenants.update(
        {
            "friendly_name": "Acme Dev",
            "support_email": "support@acme.example",
            "session_lifetime": 72,
            "flags": {"enable_client_connections": False},
        }
    )
    got = sdk.tenants.get()
    assert got["friendly_name"] == "Acme Dev"
    assert got["support_email"] == "support@acme.example"
    assert got["session_lifetime"] == 72
    assert got["flags"]["enable_client_connections"] is False
    assert sdk.tenants.get(fields=["friendly_name"])["friendly_name"] == "Acme Dev"


@family("prompts")
def prompts(sdk: Any, audience: str) -> None:
    updated = sdk.prompts.update({"universal_login_experience": "new", "identifier_first": True})
    assert updated["identifier_first"] is True
    assert sdk.prompts.get()["universal_login_experience"] == "new"
    sdk.prompts.update_custom_text("login", "en", {"login": {"title": "Welcome back"}})
    assert sdk.prompts.get_custom_text("login", "en") == {"login": {"title": "Welcome back"}}


@family("hooks")
def hooks(sdk: Any, audience: str) -> None:
    hook = sdk.hooks.create(
        {
            "name": "pre-register",
            "script": "module.exports = function(user, context, cb) { cb(null, {user}); };",
            "triggerId": "pre-user-registration",
        }
    )
    hid = hook["id"]
    assert hook["name"] == "pre-register"
    assert hook["enabled"] is False
    assert sdk.hooks.get(hid)["triggerId"] == "pre-user-registration"
    assert sdk.hooks.update(hid, {"enabled": True})["enabled"] is True
    assert [h["id"] for h in sdk.hooks.all(enabled=True)] == [hid]
    sdk.hooks.add_secrets(hid, {"API_KEY": "not-a-secret"})
    assert sdk.hooks.get_secrets(hid) == {"API_KEY": "_VALUE_NOT_SHOWN_"}
    sdk.hooks.delete_secrets(hid, ["API_KEY"])
    sdk.hooks.delete(hid)
    assert status_of(lambda: sdk.hooks.get(hid)) == 404


@family("connections")
def connections(sdk: Any, audience: str) -> None:
    app = sdk.clients.create(
        {"name": "shop", "app_type": "spa", "callbacks": ["https://shop.example/cb"]}
    )
    connection = sdk.connections.create(
        {
            "name": "shop-db",
            "strategy": "auth0",
            "options": {"requires_username": False, "brute_force_protection": True},
        }
    )
    cid = connection["id"]
    assert cid.startswith("con_")
    assert connection["strategy"] == "auth0"
    assert sdk.connections.get(cid)["name"] == "shop-db"
    updated = sdk.connections.update(
        cid, {"options": {"brute_force_protection": True, "disable_signup": True}}
    )
    assert updated["options"]["disable_signup"] is True
    assert "shop-db" in [c["name"] for c in sdk.connections.all(strategy="auth0")]
    rest = sdk.connections.client
    rest.patch(
        _api(sdk, f"connections/{cid}/clients"), [{"client_id": app["client_id"], "status": True}]
    )
    enabled = rest.get(_api(sdk, f"connections/{cid}/clients"))["clients"]
    assert [c["client_id"] for c in enabled] == [app["client_id"]]
    rest.get(_api(sdk, f"connections/{cid}/status"))
    user = sdk.users.create(
        {"connection": "shop-db", "email": "buyer@example.com", "password": PASSWORD}
    )
    sdk.connections.delete_user_by_email(cid, "buyer@example.com")
    assert status_of(lambda: sdk.users.get(user["user_id"])) == 404
    sdk.connections.delete(cid)
    assert status_of(lambda: sdk.connections.get(cid)) == 404


@family("user_blocks")
def user_blocks(sdk: Any, audience: str) -> None:
    uid = _user(sdk, "grace@example.com")["user_id"]
    assert sdk.user_blocks.get(uid) == {"blocked_for": []}
    assert sdk.user_blocks.get_by_identifier("grace@example.com") == {"blocked_for": []}
    sdk.user_blocks.unblock(uid)
    sdk.user_blocks.unblock_by_identifier("grace@example.com")
    assert sdk.users.update(uid, {"blocked": True})["blocked"] is True
    assert sdk.users.get(uid)["blocked"] is True


@family("organizations")
def organizations(sdk: Any, audience: str) -> None:
    orgs = sdk.organizations
    org = orgs.create_organization(
        {"name": "acme", "display_name": "Acme Inc.", "metadata": {"tier": "gold"}}
    )
    oid = org["id"]
    assert oid.startswith("org_")
    assert orgs.get_organization(oid)["display_name"] == "Acme Inc."
    assert orgs.get_organization_by_name("acme")["id"] == oid
    updated = orgs.update_organization(oid, {"display_name": "Acme Corporation"})
    assert updated["display_name"] == "Acme Corporation"
    assert [o["id"] for o in orgs.all_organizations()["organizations"]] == [oid]

    cid = _db_connection_id(sdk)
    enabled = orgs.create_organization_connection(
        oid, {"connection_id": cid, "assign_membership_on_login": False}
    )
    assert enabled["connection_id"] == cid
    changed = orgs.update_organization_connection(oid, cid, {"assign_membership_on_login": True})
    assert changed["assign_membership_on_login"] is True
    assert orgs.get_organization_connection(oid, cid)["connection"]["name"] == DB
    # 4.x asks for no totals here: Auth0 answers a plain array
    listed = orgs.all_organization_connections(oid)
    assert [c["connection_id"] for c in listed] == [cid]

    member = _user(sdk, "wile@example.com")["user_id"]
    orgs.create_organization_members(oid, {"members": [member]})
    assert [m["user_id"] for m in orgs.all_organization_members(oid)["members"]] == [member]
    role = sdk.roles.create({"name": "org-admin"})
    orgs.create_organization_member_roles(oid, member, {"roles": [role["id"]]})
    member_roles = orgs.all_organization_member_roles(oid, member)
    assert [r["id"] for r in member_roles] == [role["id"]]
    orgs.delete_organization_member_roles(oid, member, {"roles": [role["id"]]})
    assert orgs.all_organization_member_roles(oid, member) == []

    app = sdk.clients.create(
        {
            "name": "acme portal",
            "app_type": "regular_web",
            "initiate_login_uri": "https://acme.example/login",
        }
    )
    invitation = orgs.create_organization_invitation(
        oid,
        {
            "inviter": {"name": "Wile"},
            "invitee": {"email": "road.runner@example.com"},
            "client_id": app["client_id"],
            "connection_id": cid,
        },
    )
    assert invitation["invitee"]["email"] == "road.runner@example.com"
    assert invitation["organization_id"] == oid
    assert invitation["invitation_url"]
    assert orgs.get_organization_invitation(oid, invitation["id"])["id"] == invitation["id"]
    invitations = orgs.all_organization_invitations(oid)
    assert [i["id"] for i in invitations] == [invitation["id"]]
    orgs.delete_organization_invitation(oid, invitation["id"])
    assert orgs.all_organization_invitations(oid) == []

    api = sdk.resource_servers.create(
        {
            "name": "acme api",
            "identifier": "https://api.acme.example/",
            "scopes": [{"value": "read:anvils"}],
        }
    )
    m2m = sdk.clients.create(
        {
            "name": "acme worker",
            "app_type": "non_interactive",
            "grant_types": ["client_credentials"],
        }
    )
    grant = sdk.client_grants.create(
        {
            "client_id": m2m["client_id"],
            "audience": api["identifier"],
            "scope": ["read:anvils"],
            "organization_usage": "allow",
        }
    )
    # Auth0 names the id grant_id here (TestAccDataSourceClientGrantOrganizations.yaml)
    assert orgs.add_client_grant(oid, grant["id"])["grant_id"] == grant["id"]
    assert [g["id"] for g in orgs.get_client_grants(oid)] == [grant["id"]]
    orgs.delete_client_grant(oid, grant["id"])
    assert orgs.get_client_grants(oid) == []

    orgs.delete_organization_members(oid, {"members": [member]})
    assert orgs.all_organization_members(oid)["members"] == []
    orgs.delete_organization_connection(oid, cid)
    orgs.delete_organization(oid)
    assert status_of(lambda: orgs.get_organization(oid)) == 404


@family("logs")
def logs(sdk: Any, audience: str) -> None:
    uid = _user(sdk, "logged@example.com")["user_id"]
    newest = sdk.logs.search(per_page=10, sort="date:-1")
    dates = [log["date"] for log in newest["logs"]]
    assert dates
    assert dates == sorted(dates, reverse=True)
    signups = sdk.logs.search(q=f'type:"ss" AND user_id:"{uid}"')["logs"]
    assert [log["user_id"] for log in signups] == [uid]
    assert sdk.logs.get(signups[0]["log_id"])["type"] == "ss"
    writes = sdk.logs.search(q='type:"sapi"')["logs"]
    assert "Create a User" in [log["description"] for log in writes]
    assert [log["type"] for log in sdk.users.get_log_events(uid)] == ["ss"]
    missing = "90020250101000000000000000000000000000000000000000000000"
    assert status_of(lambda: sdk.logs.get(missing)) == 404


def _completed(sdk: Any, job_id: str) -> dict[str, Any]:
    """Polls a job as a program would (Auth0 finishes small jobs within seconds)."""
    for _ in range(10):
        job: dict[str, Any] = sdk.jobs.get(job_id)
        if job["status"] == "completed":
            return job
        assert job["status"] in ("pending", "processing")
    raise AssertionError(f"job {job_id} did not complete")


@family("jobs")
def jobs(sdk: Any, audience: str) -> None:
    import gzip
    import json

    import requests

    cid = _db_connection_id(sdk)
    uid = _user(sdk, "export.me@example.com")["user_id"]
    export = sdk.jobs.export_users(
        {
            "connection_id": cid,
            "format": "json",
            "fields": [{"name": "email"}, {"name": "user_id"}],
        }
    )
    assert export["type"] == "users_export"
    assert export["status"] == "pending"
    exported = requests.get(_completed(sdk, export["id"])["location"], timeout=30)
    assert exported.status_code == 200
    rows = [json.loads(line) for line in gzip.decompress(exported.content).splitlines()]
    assert {"email": "export.me@example.com", "user_id": uid} in rows
    users_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"sdk4-users-{os.getpid()}.json")
    with open(users_file, "w", encoding="utf-8") as out:
        out.write('[{"email": "export.me@example.com", "email_verified": true}]')
    try:
        with open(users_file, "rb") as upload:
            imported = sdk.jobs.import_users(cid, upload, upsert=False)
    finally:
        os.remove(users_file)
    assert imported["type"] == "users_import"
    assert imported["connection_id"] == cid
    assert _completed(sdk, imported["id"])["summary"]["failed"] == 1
    (error,) = sdk.jobs.get_failed_job(imported["id"])
    assert error["user"]["email"] == "export.me@example.com"
    assert [e["code"] for e in error["errors"]] == ["DUPLICATED_USER"]
    verify = sdk.jobs.send_verification_email({"user_id": uid})
    assert verify["type"] == "verification_email"
    assert _completed(sdk, verify["id"])["type"] == "verification_email"
    assert status_of(lambda: sdk.jobs.get("job_0000000000000000")) == 404


@family("tickets")
def tickets(sdk: Any, audience: str) -> None:
    uid = _user(sdk, "forgetful@example.com")["user_id"]
    change = sdk.tickets.create_pswd_change(
        {"user_id": uid, "result_url": "https://app.example/done", "ttl_sec": 3600}
    )
    assert change["ticket"].startswith("https://")
    assert "/u/reset-password?ticket=" in change["ticket"]
    verify = sdk.tickets.create_email_verification(
        {"user_id": uid, "result_url": "https://app.example/ok"}
    )
    assert "/u/email-verification?ticket=" in verify["ticket"]
    assert status_of(lambda: sdk.tickets.create_pswd_change({"user_id": "auth0|nobody"})) == 404


@family("grants")
def grants(sdk: Any, audience: str) -> None:
    uid = _user(sdk, "consenting@example.com")["user_id"]
    assert sdk.grants.all(extra_params={"user_id": uid}) == []
    listed = sdk.grants.all(include_totals=True, extra_params={"user_id": uid})
    assert (listed["total"], listed["grants"]) == (0, [])
    # Auth0's grant ids are 24 hex digits; another id is refused (auth0/ruby-auth0#303)
    assert status_of(lambda: sdk.grants.delete("nonexistent-grant")) == 400
    assert status_of(lambda: sdk.grants.delete("63cff5bc7209008e35c888c1")) == 404


@family("stats")
def stats(sdk: Any, audience: str) -> None:
    _user(sdk, "counted@example.com")
    assert sdk.stats.active_users() == 0  # nobody logged in
    assert sdk.stats.daily_stats(from_date="20000101", to_date="20000107") == []
    daily = sdk.stats.daily_stats()
    assert [day["signups"] for day in daily] == [1]
    for day in daily:
        assert day["date"]
        assert day["logins"] == 0


@family("users")
def users(sdk: Any, audience: str) -> None:
    made = _user(sdk, "ada@example.com", name="Ada", user_metadata={"plan": "free"})
    uid = made["user_id"]
    assert uid.startswith("auth0|")
    assert made["email"] == "ada@example.com"
    assert made["user_metadata"] == {"plan": "free"}
    assert sdk.users.get(uid)["name"] == "Ada"
    updated = sdk.users.update(uid, {"user_metadata": {"plan": "pro"}, "nickname": "ada"})
    assert updated["user_metadata"] == {"plan": "pro"}
    assert updated["nickname"] == "ada"
    found = sdk.users.list(q='email:"ada@example.com"', search_engine="v3")
    assert [u["user_id"] for u in found["users"]] == [uid]
    assert [u["user_id"] for u in sdk.users_by_email.search_users_by_email("ada@example.com")] == [
        uid
    ]

    permission = {"resource_server_identifier": audience, "permission_name": "read:users"}
    sdk.users.add_permissions(uid, [permission])
    listed = sdk.users.list_permissions(uid)["permissions"]
    assert [(p["resource_server_identifier"], p["permission_name"]) for p in listed] == [
        (audience, "read:users")
    ]
    sdk.users.remove_permissions(uid, [permission])
    assert sdk.users.list_permissions(uid)["permissions"] == []

    other = _user(sdk, "ada.work@example.com")
    other_id = other["user_id"].split("|", 1)[1]
    linked = sdk.users.link_user_account(uid, {"provider": "auth0", "user_id": other_id})
    assert sorted(i["user_id"] for i in linked) == sorted([uid.split("|", 1)[1], other_id])
    unlinked = sdk.users.unlink_user_account(uid, "auth0", other_id)
    assert [i["user_id"] for i in unlinked] == [uid.split("|", 1)[1]]

    method = sdk.users.create_authentication_method(
        uid, {"type": "phone", "name": "work phone", "phone_number": "+15555550123"}
    )
    assert method["type"] == "phone"
    methods = sdk.users.get_authentication_methods(uid)
    assert method["id"] in [m["id"] for m in methods]
    assert sdk.users.get_authentication_method_by_id(uid, method["id"])["id"] == method["id"]
    renamed = sdk.users.update_authentication_method_by_id(uid, method["id"], {"name": "cell"})
    assert renamed["name"] == "cell"
    sdk.users.delete_authentication_method_by_id(uid, method["id"])
    assert method["id"] not in [m["id"] for m in sdk.users.get_authentication_methods(uid)]

    # no totals asked: a plain array; the API's signup is the one event of their own
    assert [log["type"] for log in sdk.users.get_log_events(uid)] == ["ss"]
    assert sdk.user_blocks.get(uid) == {"blocked_for": []}
    rest = sdk.users.client
    assert rest.get(_api(sdk, f"users/{uid}/sessions"))["sessions"] == []
    assert rest.get(_api(sdk, f"users/{uid}/refresh-tokens"))["tokens"] == []
    rest.delete(_api(sdk, f"users/{uid}/sessions"))
    rest.delete(_api(sdk, f"users/{uid}/refresh-tokens"))

    sdk.users.delete(uid)
    assert status_of(lambda: sdk.users.get(uid)) == 404


@family("branding")
def branding(sdk: Any, audience: str) -> None:
    sdk.branding.update(
        {"colors": {"primary": "#ff0000"}, "logo_url": "https://brand.example/logo.png"}
    )
    got = sdk.branding.get()
    assert got["colors"]["primary"] == "#ff0000"
    assert got["logo_url"] == "https://brand.example/logo.png"
    template = "<html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
    sdk.branding.update_template_universal_login(template)  # 4.x sends {"template": template}
    assert sdk.branding.get_template_universal_login()["body"] == template
    sdk.branding.delete_template_universal_login()
    theme = sdk.branding.create_branding_theme(THEME)
    assert sdk.branding.get_branding_theme(theme["themeId"])["displayName"] == "House theme"
    assert sdk.branding.get_default_branding_theme()["themeId"] == theme["themeId"]
    sdk.branding.delete_branding_theme(theme["themeId"])


@family("email_templates")
def email_templates(sdk: Any, audience: str) -> None:
    made = sdk.email_templates.create(
        {
            "template": "verify_email",
            "body": "<p>Verify {{ user.email }}</p>",
            "from": "accounts@example.com",
            "subject": "Verify your email",
            "syntax": "liquid",
            "enabled": True,
        }
    )
    assert made["template"] == "verify_email"
    assert sdk.email_templates.get("verify_email")["subject"] == "Verify your email"
    updated = sdk.email_templates.update("verify_email", {"subject": "Please verify"})
    assert updated["subject"] == "Please verify"


@family("guardian")
def guardian(sdk: Any, audience: str) -> None:
    factors = {f["name"]: f for f in sdk.guardian.all_factors()}
    assert "otp" in factors
    assert "sms" in factors
    assert sdk.guardian.update_factor("otp", {"enabled": True})["enabled"] is True
    assert {f["name"]: f["enabled"] for f in sdk.guardian.all_factors()}["otp"] is True
    sdk.guardian.update_factor("otp", {"enabled": False})
    rest = sdk.guardian.client
    assert rest.put(_api(sdk, "guardian/policies"), ["all-applications"]) == ["all-applications"]
    assert rest.get(_api(sdk, "guardian/policies")) == ["all-applications"]
    uid = _user(sdk, "mfa@example.com")["user_id"]
    ticket = sdk.guardian.create_enrollment_ticket({"user_id": uid, "send_mail": False})
    assert ticket["ticket_url"].startswith("https://")


@family("rules")
def rules(sdk: Any, audience: str) -> None:
    rule = sdk.rules.create(
        {
            "name": "add-country",
            "script": "function (user, context, callback) { callback(null, user, context); }",
            "enabled": True,
        }
    )
    rid = rule["id"]
    assert rid.startswith("rul_")
    assert rule["stage"] == "login_success"
    assert sdk.rules.get(rid)["name"] == "add-country"
    disabled = sdk.rules.update(rid, {"enabled": False, "order": 2})
    assert disabled["enabled"] is False
    assert disabled["order"] == 2
    # 4.x's all() sends enabled=true unless told otherwise: the disabled rule is filtered out.
    assert sdk.rules.all() == []
    assert [r["id"] for r in sdk.rules.all(enabled=False)] == [rid]
    sdk.rules.delete(rid)
    assert status_of(lambda: sdk.rules.get(rid)) == 404


@family("keys")
def keys(sdk: Any, audience: str) -> None:
    rest = sdk.users.client  # 4.x has no keys methods: its RestClient, as a 4.x program does
    signing = rest.get(_api(sdk, "keys/signing"))
    current = [k for k in signing if k["current"]]
    assert len(current) == 1
    assert rest.get(_api(sdk, f"keys/signing/{current[0]['kid']}"))["kid"] == current[0]["kid"]
    rotated = rest.post(_api(sdk, "keys/signing/rotate"))
    assert rotated["kid"] != current[0]["kid"]
    after = rest.get(_api(sdk, "keys/signing"))
    assert [k["kid"] for k in after if k["current"]] == [rotated["kid"]]
    revoked = rest.put(_api(sdk, f"keys/signing/{current[0]['kid']}/revoke"))
    assert revoked["kid"] == current[0]["kid"]


@family("actions")
def actions(sdk: Any, audience: str) -> None:
    triggers = [t["id"] for t in sdk.actions.get_triggers()["triggers"]]
    assert "post-login" in triggers
    action = sdk.actions.create_action(
        {
            "name": "add-claims",
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "code": "exports.onExecutePostLogin = async (event, api) => {};",
            "runtime": "node18",
            "secrets": [{"name": "KEY", "value": "not-a-secret"}],
        }
    )
    aid = action["id"]
    assert action["name"] == "add-claims"
    assert sdk.actions.get_action(aid)["code"].startswith("exports.onExecutePostLogin")
    updated = sdk.actions.update_action(
        aid, {"code": "exports.onExecutePostLogin = async (event, api) => { api; };"}
    )
    assert updated["code"].endswith("{ api; };")
    assert sdk.actions.deploy_action(aid)["action"]["id"] == aid
    versions = sdk.actions.get_action_versions(aid)["versions"]
    assert len(versions) == 1
    assert sdk.actions.get_action_version(aid, versions[0]["id"])["code"].endswith("{ api; };")
    assert [a["id"] for a in sdk.actions.get_actions(action_name="add-claims")["actions"]] == [aid]
    sdk.actions.update_trigger_bindings(
        "post-login", {"bindings": [{"ref": {"type": "action_id", "value": aid}}]}
    )
    bindings = sdk.actions.get_trigger_bindings("post-login")["bindings"]
    assert [b["action"]["id"] for b in bindings] == [aid]
    sdk.actions.update_trigger_bindings("post-login", {"bindings": []})
    assert sdk.actions.get_trigger_bindings("post-login")["bindings"] == []
    sdk.actions.delete_action(aid)
    assert status_of(lambda: sdk.actions.get_action(aid)) == 404


def main(argv: list[str], sequences: dict[str, Sequence] = SEQUENCES) -> int:
    if argv == ["--list"]:
        print("\n".join(sequences))
        return 0
    import auth0
    from auth0.management import Auth0

    assert auth0.__version__.startswith("4."), f"auth0-python {auth0.__version__} is not 4.x"
    (name,) = argv
    sdk = Auth0(os.environ["SDK4_DOMAIN"], os.environ["SDK4_TOKEN"])
    sequences[name](sdk, os.environ["SDK4_AUDIENCE"])
    print(f"auth0-python {auth0.__version__} {name}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
