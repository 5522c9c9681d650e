"""The orders API's authorization, with tokens Auth0 (or the emulator, or replay) signs."""

from __future__ import annotations

import httpx
import jwt
import pytest


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_reads_orders(api_client):
    response = api_client.get("/orders")
    assert response.status_code == 200
    assert response.json() == [{"id": "1", "item": "book"}]


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_too_few_scopes_is_the_services_403(api_client):
    assert api_client.get("/orders").status_code == 200
    response = api_client.post("/orders", json={"item": "pen"})
    assert response.status_code == 403
    assert response.json() == {"error": "insufficient_scope", "scope": "write:orders"}


@pytest.mark.m2m_scopes("write:orders", audience="orders")
def test_right_scopes_create_an_order(api_client, api_token):
    assert api_client.post("/orders", json={"item": "pen"}).status_code == 201
    claims = jwt.decode(api_token, options={"verify_signature": False})
    assert claims["scope"] == "write:orders"
    assert claims["gty"] == "client-credentials"


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_expired_token_is_rejected(api_app, api_mint_token):
    expired = api_mint_token(expires_in=-60)
    client = api_app.test_client()
    response = client.get("/orders", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json["error_description"] == "ExpiredSignatureError"


@pytest.mark.m2m_scopes("read:invoices", audience="billing")
def test_another_apis_token_is_rejected(api_app, api_token):
    # A real token, for billing: the orders service refuses its audience.
    client = api_app.test_client()
    response = client.get("/orders", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 401
    assert response.json["error_description"] == "InvalidAudienceError"
    assert jwt.decode(api_token, options={"verify_signature": False})["permissions"] == [
        "read:invoices"
    ]


@pytest.mark.m2m_scopes("read:orders", "delete:orders", audience="orders")
def test_separate_service(orders_url, api_token):
    headers = {"Authorization": f"Bearer {api_token}"}
    assert httpx.get(f"{orders_url}/orders", headers=headers).status_code == 200
    assert httpx.delete(f"{orders_url}/orders/1", headers=headers).status_code == 204
    assert httpx.get(f"{orders_url}/orders", headers=headers).json() == []
