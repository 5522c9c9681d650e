"""Guardian (MFA) over real HTTP: factors, policies and enrollment tickets as go-auth0's recordings
of real tenants show them (TestGuardian/MultiFactor/List.yaml, OTP_Enable.yaml, Policy.yaml,
TestGuardian/Enrollment/CreateTicket.yaml) and the terraform provider's (TestAccGuardian.yaml)."""

from __future__ import annotations

import re

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

FACTORS = "/api/v2/guardian/factors"
POLICIES = "/api/v2/guardian/policies"
TICKET = "/api/v2/guardian/enrollments/ticket"
RECORDED_ORDER = [
    "sms",
    "push-notification",
    "otp",
    "email",
    "duo",
    "webauthn-roaming",
    "webauthn-platform",
    "recovery-code",
]


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(
        fake,
        "read:guardian_factors",
        "update:guardian_factors",
        "create:guardian_enrollment_tickets",
        "read:mfa_policies",
        "update:mfa_policies",
        "create:users",
    )


def test_a_fresh_tenant_lists_every_factor_off(fake: FakeAuth0, http: httpx.Client) -> None:
    listed = http.get(FACTORS, headers=_h(fake))
    assert listed.status_code == 200
    assert listed.json() == [
        {"name": name, "enabled": False, "trial_expired": False} for name in RECORDED_ORDER
    ]


def test_put_sets_a_factor_and_the_list_shows_it(fake: FakeAuth0, http: httpx.Client) -> None:
    # OTP_Enable.yaml: PUT answers {"enabled": ...} only; the list keeps its order.
    on = http.put(f"{FACTORS}/otp", json={"enabled": True}, headers=_h(fake))
    assert on.status_code == 200
    assert on.json() == {"enabled": True}
    listed = http.get(FACTORS, headers=_h(fake)).json()
    assert [f["name"] for f in listed] == RECORDED_ORDER
    assert {f["name"]: f["enabled"] for f in listed} == {n: n == "otp" for n in RECORDED_ORDER}
    assert all(f["trial_expired"] is False for f in listed)
    off = http.put(f"{FACTORS}/otp", json={"enabled": False}, headers=_h(fake))
    assert off.json() == {"enabled": False}
    assert not any(f["enabled"] for f in http.get(FACTORS, headers=_h(fake)).json())


def test_put_makes_no_factor_auth0_lacks(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec's path enum of factor names: another name is its 400 (it lists no 404).
    r = http.put(f"{FACTORS}/carrier-pigeon", json={"enabled": True}, headers=_h(fake))
    assert r.status_code == 400
    assert len(http.get(FACTORS, headers=_h(fake)).json()) == len(RECORDED_ORDER)


def test_policies_are_empty_until_set(fake: FakeAuth0, http: httpx.Client) -> None:
    # Policy.yaml: a fresh tenant answers []; PUT answers the list it set; [] clears it.
    assert http.get(POLICIES, headers=_h(fake)).json() == []
    put = http.put(POLICIES, json=["all-applications"], headers=_h(fake))
    assert put.status_code == 200
    assert put.json() == ["all-applications"]
    assert http.get(POLICIES, headers=_h(fake)).json() == ["all-applications"]
    assert http.put(POLICIES, json=[], headers=_h(fake)).json() == []
    assert http.get(POLICIES, headers=_h(fake)).json() == []


def test_enrollment_ticket_for_an_existing_user(fake: FakeAuth0, http: httpx.Client) -> None:
    user = http.post(
        "/api/v2/users",
        json={
            "connection": "Username-Password-Authentication",
            "email": "mfa@example.com",
            "password": "Correct-Horse-9!",
        },
        headers=_h(fake),
    ).json()
    made = http.post(
        TICKET, json={"user_id": user["user_id"], "send_mail": False}, headers=_h(fake)
    )
    assert made.status_code == 200
    ticket = made.json()
    assert set(ticket) == {"ticket_id", "ticket_url"}
    assert re.fullmatch(r"[A-Za-z0-9]{32}", ticket["ticket_id"])
    assert ticket["ticket_url"] == (
        f"https://{fake.domain}/mfa/enrollment?ticket={ticket['ticket_id']}"
    )
    again = http.post(TICKET, json={"user_id": user["user_id"]}, headers=_h(fake)).json()
    assert again["ticket_id"] != ticket["ticket_id"]


def test_enrollment_ticket_needs_a_user_that_exists(fake: FakeAuth0, http: httpx.Client) -> None:
    missing = http.post(TICKET, json={"user_id": "auth0|nobody"}, headers=_h(fake))
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "inexistent_user"
    assert http.post(TICKET, json={"send_mail": False}, headers=_h(fake)).status_code == 400


def test_no_enrollment_exists(fake: FakeAuth0, http: httpx.Client) -> None:
    # Enrolling is a login flow the emulator has not: every enrollment id is unknown, 404.
    headers = bearer(fake, "read:guardian_enrollments", "delete:guardian_enrollments")
    for method in ("GET", "DELETE"):
        r = http.request(method, "/api/v2/guardian/enrollments/dev_nope", headers=headers)
        assert r.status_code == 404
