"""auth0-python 4.x sequences of the families the emulator does not yet answer right (uncommitted,
like sdk6_pending.py). Run as ``python sdk4_pending.py FAMILY``, like sdk4_sequences.py."""

from __future__ import annotations

import os
import sys
from typing import Any

from sdk4_sequences import (
    THEME,
    Sequence,
    _api,
    _db_connection_id,
    _user,
    main,
    status_of,
)

PENDING: dict[str, Sequence] = {}


def family(name: str) -> Any:
    def register(sequence: Sequence) -> Sequence:
        PENDING[name] = sequence
        return sequence

    return register


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

    assert sdk.users.get_log_events(uid) == []  # no totals asked: a plain array
    assert sdk.user_blocks.get(uid) == {"blocked_for": []}
    rest = sdk.users.client
    assert rest.get(_api(sdk, f"users/{uid}/sessions"))["sessions"] == []
    assert rest.get(_api(sdk, f"users/{uid}/refresh-tokens"))["tokens"] == []
    rest.delete(_api(sdk, f"users/{uid}/sessions"))
    rest.delete(_api(sdk, f"users/{uid}/refresh-tokens"))

    sdk.users.delete(uid)
    assert status_of(lambda: sdk.users.get(uid)) == 404


@family("logs")
def logs(sdk: Any, audience: str) -> None:
    page = sdk.logs.search(per_page=10, sort="date:-1")
    assert isinstance(page["logs"], list)
    found = sdk.logs.search(q='type:"s"')
    assert all(log["type"] == "s" for log in found["logs"])
    missing = "90020250101000000000000000000000000000000000000000000000"
    assert status_of(lambda: sdk.logs.get(missing)) == 404


@family("jobs")
def jobs(sdk: Any, audience: str) -> None:
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
    assert export["status"] in ("pending", "processing", "completed")
    assert sdk.jobs.get(export["id"])["id"] == export["id"]
    users_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"sdk4-users-{os.getpid()}.json")
    with open(users_file, "w", encoding="utf-8") as out:
        out.write('[{"email": "imported@example.com", "email_verified": true}]')
    try:
        imported = sdk.jobs.import_users(cid, users_file, upsert=True)
    finally:
        os.remove(users_file)
    assert imported["type"] == "users_import"
    assert imported["connection_id"] == cid
    assert sdk.jobs.get(imported["id"])["id"] == imported["id"]
    verify = sdk.jobs.send_verification_email({"user_id": uid})
    assert verify["type"] == "verification_email"
    assert sdk.jobs.get(verify["id"])["type"] == "verification_email"


@family("tickets")
def tickets(sdk: Any, audience: str) -> None:
    uid = _user(sdk, "forgetful@example.com")["user_id"]
    change = sdk.tickets.create_pswd_change(
        {"user_id": uid, "result_url": "https://app.example/done", "ttl_sec": 3600}
    )
    assert change["ticket"].startswith("https://")
    verify = sdk.tickets.create_email_verification(
        {"user_id": uid, "result_url": "https://app.example/ok"}
    )
    assert verify["ticket"].startswith("https://")


@family("grants")
def grants(sdk: Any, audience: str) -> None:
    uid = _user(sdk, "consenting@example.com")["user_id"]
    assert sdk.grants.all(extra_params={"user_id": uid})["grants"] == []
    assert status_of(lambda: sdk.grants.delete("nonexistent-grant")) == 404


@family("branding")
def branding(sdk: Any, audience: str) -> None:
    sdk.branding.update(
        {"colors": {"primary": "#ff0000"}, "logo_url": "https://brand.example/logo.png"}
    )
    got = sdk.branding.get()
    assert got["colors"]["primary"] == "#ff0000"
    assert got["logo_url"] == "https://brand.example/logo.png"
    template = "<html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
    sdk.branding.update_template_universal_login({"template": template})
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


@family("stats")
def stats(sdk: Any, audience: str) -> None:
    assert isinstance(sdk.stats.active_users(), (int, float))
    daily = sdk.stats.daily_stats(from_date="20250101", to_date="20250107")
    assert isinstance(daily, list)
    for day in daily:
        assert day["date"]
        assert day["logins"] >= 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], PENDING))
