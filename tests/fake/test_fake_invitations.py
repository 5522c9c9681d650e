"""Organization invitations over HTTP: the spec's shape, the app's login route in the URL."""

from __future__ import annotations

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0


def test_invitation_lifecycle(fake: FakeAuth0, http: httpx.Client) -> None:
    auth = bearer(
        fake,
        "create:organizations",
        "create:clients",
        "read:connections",
        "create:organization_invitations",
        "read:organization_invitations",
        "delete:organization_invitations",
        "delete:organizations",
    )
    org = http.post("/api/v2/organizations", json={"name": "acme"}, headers=auth).json()
    app = http.post(
        "/api/v2/clients",
        json={
            "name": "portal",
            "app_type": "regular_web",
            "initiate_login_uri": "https://a.example/in",
        },
        headers=auth,
    ).json()
    no_route = http.post(
        "/api/v2/clients", json={"name": "no route", "app_type": "spa"}, headers=auth
    ).json()
    db = http.get("/api/v2/connections", headers=auth).json()[0]["id"]
    url = f"/api/v2/organizations/{org['id']}/invitations"
    body = {"inviter": {"name": "Wile"}, "invitee": {"email": "rr@example.com"}}

    made = http.post(
        url,
        json={**body, "client_id": app["client_id"], "connection_id": db, "ttl_sec": 60},
        headers=auth,
    )
    assert made.status_code == 200  # the spec's status for a created invitation
    invitation = made.json()
    assert invitation["id"].startswith("uinv_")
    assert invitation["organization_id"] == org["id"]
    assert invitation["connection_id"] == db
    assert invitation["invitation_url"] == (
        f"https://a.example/in?invitation={invitation['ticket_id']}"
        f"&organization={org['id']}&organization_name=acme"
    )
    assert invitation["roles"] == []
    assert invitation["created_at"] < invitation["expires_at"]

    one = http.get(f"{url}/{invitation['id']}", headers=auth)
    assert one.json() == invitation
    assert [i["id"] for i in http.get(url, headers=auth).json()] == [invitation["id"]]
    paged = http.get(url, params={"include_totals": "true"}, headers=auth).json()
    assert [i["id"] for i in paged["invitations"]] == [invitation["id"]]

    refused = http.post(url, json={**body, "client_id": no_route["client_id"]}, headers=auth)
    assert refused.status_code == 400
    assert "default login route" in refused.json()["message"]
    assert http.post(url, json={"inviter": {"name": "W"}}, headers=auth).status_code == 400

    gone = http.delete(f"{url}/{invitation['id']}", headers=auth)
    assert gone.status_code == 204
    assert http.get(f"{url}/{invitation['id']}", headers=auth).status_code == 404
    assert http.get(url, headers=auth).json() == []
    http.delete(f"/api/v2/organizations/{org['id']}", headers=auth)
    assert http.get(url, headers=auth).status_code == 404
