"""Custom domains over real HTTP, as the terraform provider's recordings show Auth0 answering
them (TestAccCustomDomain, TestAccDataSourceCustomDomain,
TestAccCustomDomainVerificationWithAuth0ManagedCerts) and the spec says where none does."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0

DOMAINS = "/api/v2/custom-domains"


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(
        fake,
        "create:custom_domains",
        "read:custom_domains",
        "update:custom_domains",
        "delete:custom_domains",
    )


def test_a_new_domain_asks_for_its_record_and_only_the_first_is_primary(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    first = http.post(
        DOMAINS,
        json={"domain": "login.example.com", "type": "auth0_managed_certs"},
        headers=_h(fake),
    )
    assert first.status_code == 201
    made = first.json()
    assert made["custom_domain_id"].startswith("cd_")
    assert made["primary"] is True
    assert made["status"] == "pending_verification"
    (method,) = made["verification"]["methods"]
    assert method["name"] == "CNAME"
    assert method["domain"] == "login.example.com"
    assert method["record"].endswith(".auth0.com")
    assert ".edge.tenants." in method["record"]
    second = http.post(
        DOMAINS, json={"domain": "id.example.com", "type": "self_managed_certs"}, headers=_h(fake)
    ).json()
    assert second["primary"] is False
    (txt,) = second["verification"]["methods"]
    assert (txt["name"], txt["domain"]) == ("TXT", "_cf-custom-hostname.id.example.com")
    got = http.get(f"{DOMAINS}/{second['custom_domain_id']}", headers=_h(fake)).json()
    assert got["verification"] == second["verification"]
    # The spec: the same domain again is 409 "Custom domain already exists."
    again = http.post(
        DOMAINS,
        json={"domain": "LOGIN.example.com", "type": "auth0_managed_certs"},
        headers=_h(fake),
    )
    assert again.status_code == 409
    assert again.json()["message"] == "Custom domain already exists."


def test_verify_makes_a_domain_ready_and_its_test_passes(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    made = http.post(
        DOMAINS,
        json={"domain": "auth.example.org", "type": "auth0_managed_certs"},
        headers=_h(fake),
    ).json()
    path = f"{DOMAINS}/{made['custom_domain_id']}"
    early = http.post(f"{path}/test", headers=_h(fake))
    assert early.status_code == 409
    verified = http.post(f"{path}/verify", headers=_h(fake))
    assert verified.status_code == 201
    body = verified.json()
    assert body["status"] == "ready"
    assert body["origin_domain_name"] == made["verification"]["methods"][0]["record"]
    assert http.get(path, headers=_h(fake)).json()["status"] == "ready"
    tested = http.post(f"{path}/test", headers=_h(fake))
    assert tested.status_code == 200
    assert tested.json()["success"] is True
    assert isinstance(tested.json()["message"], str)
    assert http.post(f"{DOMAINS}/cd_nope/verify", headers=_h(fake)).status_code == 404
