"""The own-API library: auth0_apis lines, OpenAPI security scopes, the m2m_scopes check, replay
tokens verified against the replay JWKS over a real loopback socket, per-API app keys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jwt
import pytest

from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN, TenantEndpoints
from pytest_auth0_m2m.auth0.scopes import ScopeError
from pytest_auth0_m2m.own_apis.config import ApiConfigError, parse_apis
from pytest_auth0_m2m.own_apis.marker import parse_marker_args
from pytest_auth0_m2m.own_apis.openapi import OpenApiError, load, parse
from pytest_auth0_m2m.own_apis.replay import ReplayApiSource, ReplayJwks
from pytest_auth0_m2m.provisioning.provisioner import app_key, app_name, scope_hash

ORDERS = "https://orders.example.com"

DOCUMENT = {
    "openapi": "3.0.3",
    "security": [{"auth0": ["read:orders"]}],
    "components": {
        "securitySchemes": {
            "auth0": {
                "type": "oauth2",
                "flows": {"clientCredentials": {"scopes": {"admin:orders": "everything"}}},
            }
        }
    },
    "paths": {
        "/orders": {"get": {}, "post": {"security": [{"auth0": ["write:orders"]}]}},
        "/orders/mine": {"get": {"security": []}},
        "/orders/{id}": {
            "delete": {"security": [{"auth0": ["delete:orders"]}, {"auth0": ["admin:orders"]}]}
        },
    },
}


def test_openapi_operations_and_scopes() -> None:
    doc = parse(DOCUMENT)
    assert doc.scopes == {"read:orders", "write:orders", "delete:orders", "admin:orders"}
    get = doc.match("GET", "/orders")
    assert get is not None
    assert get.allows({"read:orders"})
    assert not get.allows({"write:orders"})
    mine = doc.match("GET", "/orders/mine")
    assert mine is not None
    assert mine.path == "/orders/mine"
    assert mine.allows(())
    delete = doc.match("DELETE", "/api/orders/7?x=1", base_path="/api")
    assert delete is not None
    assert delete.path == "/orders/{id}"
    assert delete.allows({"admin:orders"})
    assert delete.allows({"delete:orders"})
    assert not delete.allows({"read:orders"})
    assert doc.match("PUT", "/orders") is None


def test_openapi_errors(tmp_path: Path) -> None:
    with pytest.raises(OpenApiError, match="has no paths"):
        parse({"openapi": "3.0.3"})
    with pytest.raises(OpenApiError, match="needs a list of scopes"):
        parse({"paths": {"/a": {"get": {"security": [{"auth0": "read:a"}]}}}})
    bad = tmp_path / "api.json"
    bad.write_text("{nope")
    with pytest.raises(OpenApiError, match="not valid JSON"):
        load(bad)
    with pytest.raises(OpenApiError, match="cannot read"):
        load(tmp_path / "missing.json")
    yaml_doc = tmp_path / "api.yaml"
    yaml_doc.write_text("paths:\n  /a:\n    get:\n      security:\n        - auth0: [read:a]\n")
    assert load(yaml_doc).scopes == {"read:a"}


def test_auth0_apis_lines(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text(json.dumps(DOCUMENT))
    apis = parse_apis(
        [
            f"orders = {ORDERS} openapi=orders.json url=http://127.0.0.1:8000",
            "",
            "# a comment",
            "billing = https://billing.example.com scopes=read:invoices,pay:invoices rbac=true",
            "bare = https://bare.example.com",
        ],
        tmp_path,
    )
    assert apis["orders"].scopes == {"read:orders", "write:orders", "delete:orders", "admin:orders"}
    assert apis["orders"].url == "http://127.0.0.1:8000"
    assert apis["billing"].scopes == {"read:invoices", "pay:invoices"}
    assert apis["billing"].rbac is True
    assert not apis["bare"].scopes_known


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("orders", "cannot read 'orders'"),
        ("orders = ", "cannot read"),
        ("orders = scopes=a", "cannot read"),
        (f"orders = {ORDERS} scope=a", "unknown setting 'scope=a'"),
        (f"orders = {ORDERS} rbac=maybe", "rbac= must be true or false"),
        (f"orders = {ORDERS} openapi=nowhere.json", "cannot read the OpenAPI document"),
    ],
)
def test_auth0_apis_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ApiConfigError, match=message):
        parse_apis([line], tmp_path)


def test_auth0_apis_twice(tmp_path: Path) -> None:
    with pytest.raises(ApiConfigError, match="alias 'a' is declared twice"):
        parse_apis([f"a = {ORDERS}", "a = https://x.example"], tmp_path)
    with pytest.raises(ApiConfigError, match="declared twice"):
        parse_apis([f"a = {ORDERS}", f"b = {ORDERS}"], tmp_path)


def test_marker_resolves_alias_or_identifier_and_checks_scopes(tmp_path: Path) -> None:
    apis = parse_apis(
        [f"orders = {ORDERS} scopes=read:orders,write:orders", "bare = https://bare.example"],
        tmp_path,
    )
    by_alias = parse_marker_args(("read:orders",), {"audience": "orders"}, apis, require_known=True)
    by_id = parse_marker_args(
        ("read:orders write:orders",), {"audience": ORDERS}, apis, require_known=True
    )
    assert by_alias.api.alias == by_id.api.alias == "orders"
    assert by_id.scopes == {"read:orders", "write:orders"}
    with pytest.raises(
        ScopeError, match=r"'read:order' is not a scope of API 'orders'; did you mean 'read:orders'"
    ):
        parse_marker_args(("read:order",), {"audience": "orders"}, apis, require_known=True)
    with pytest.raises(
        ScopeError, match=r"audience 'order' is not an alias .* did you mean 'orders'"
    ):
        parse_marker_args((), {"audience": "order"}, apis, require_known=True)
    with pytest.raises(ScopeError, match="needs audience="):
        parse_marker_args(("read:orders",), {}, apis, require_known=True)
    with pytest.raises(ScopeError, match="unknown keyword argument"):
        parse_marker_args((), {"audience": "orders", "scopes": 1}, apis, require_known=True)
    with pytest.raises(ScopeError, match="scopes of API 'bare' are not declared"):
        parse_marker_args(("x",), {"audience": "bare"}, apis, require_known=True)
    # Live: the tenant decides (Auth0 refuses a grant with a scope the API lacks).
    live = parse_marker_args(("x",), {"audience": "bare"}, apis, require_known=False)
    assert live.scopes == {"x"}
    with pytest.raises(ScopeError, match="no API is declared"):
        parse_marker_args((), {}, {}, require_known=True)


def test_replay_tokens_verify_against_the_served_jwks() -> None:
    endpoints = TenantEndpoints(RECORDINGS_DOMAIN, mode="replay")
    source = ReplayApiSource(endpoints, {ORDERS: True})
    token = source.api_token(ORDERS, frozenset({"write:orders", "read:orders"}))
    assert token == source.api_token(ORDERS, frozenset({"read:orders", "write:orders"}))
    with ReplayJwks(endpoints.issuer) as server:
        key = jwt.PyJWKClient(server.jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token, key.key, algorithms=["RS256"], audience=ORDERS, issuer=endpoints.issuer
        )
        assert claims["scope"] == "read:orders write:orders"
        assert claims["permissions"] == ["read:orders", "write:orders"]
        assert claims["sub"] == f"{claims['azp']}@clients"
        assert claims["gty"] == "client-credentials"
        credentials = source.api_credentials(ORDERS, frozenset({"read:orders", "write:orders"}))
        assert credentials.client_id == claims["azp"]
        assert credentials.audience == ORDERS
        expired = source.mint(ORDERS, ["read:orders"], {"exp": 1_000})
        with pytest.raises(jwt.ExpiredSignatureError):
            jwt.decode(expired, key.key, algorithms=["RS256"], audience=ORDERS)


def test_app_keys_per_api() -> None:
    scopes = frozenset({"read:orders"})
    assert app_key(scopes) == scope_hash(scopes)  # Management API apps keep their key
    assert app_key(scopes, ORDERS) != app_key(scopes)
    assert app_key(scopes, ORDERS) != app_key(scopes, "https://billing.example.com")
    assert app_name(scopes, ORDERS) == (
        f"pytest-auth0-m2m {app_key(scopes, ORDERS)} {ORDERS} read:orders"
    )


def test_usage_unused_missing_unknown() -> None:
    from pytest_auth0_m2m.own_apis.usage import Call, analyse

    doc = parse(DOCUMENT)
    declared = frozenset({"read:orders", "admin:orders"})
    calls = [
        Call("GET", "/api/orders", 200),
        Call("POST", "/api/orders", 403),
        Call("GET", "/api/nowhere", 404),
    ]
    usage = analyse("t::a", "orders", declared, doc, calls, base_path="/api")
    assert usage.used == {"read:orders"}
    assert usage.unused == {"admin:orders"}
    assert usage.missing == (("POST /orders", ("write:orders",)),)
    assert usage.summary_line() == (
        "t::a [orders]: unused admin:orders (narrower: "
        '@pytest.mark.m2m_scopes("read:orders", audience="orders")); '
        "missing write:orders for POST /orders; unknown orders path GET /api/nowhere"
    )
    passed = dataclasses.replace(usage, outcome="passed")
    assert passed.counted_missing == ()  # a negative test expects its 403
    failure = passed.strict_failure(run_strict=True)
    assert failure is not None
    assert failure.startswith("unused scopes of API 'orders': admin:orders")
    assert dataclasses.replace(passed, strict=False).strict_failure(run_strict=True) is None
    assert type(usage).from_json(usage.to_json()) == usage
    assert analyse("t::b", "orders", declared, doc, None).observed is False
