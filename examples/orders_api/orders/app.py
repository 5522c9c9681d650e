"""The orders service: Flask, with tokens verified as in production (PyJWT + the tenant's JWKS).

Nothing here knows about tests: the service is configured with the issuer, audience and JWKS
URL it trusts, as it would be in production (there: https://YOUR_TENANT/ and its JWKS).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jwt
from flask import Flask, g, jsonify, request


def create_app(
    *, issuer: str, audience: str, jwks_url: str, algorithms: tuple[str, ...] = ("RS256",)
) -> Flask:
    app = Flask("orders")
    keys = jwt.PyJWKClient(jwks_url)
    orders: dict[str, dict[str, Any]] = {"1": {"id": "1", "item": "book"}}

    def unauthorized(description: str) -> Any:
        response = jsonify(error="invalid_token", error_description=description)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    def requires(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def checked(*args: Any, **kwargs: Any) -> Any:
                header = request.headers.get("Authorization", "")
                if not header.lower().startswith("bearer "):
                    return unauthorized("missing bearer token")
                token = header[7:].strip()
                try:
                    key = keys.get_signing_key_from_jwt(token)
                    claims = jwt.decode(
                        token,
                        key.key,
                        algorithms=list(algorithms),
                        audience=audience,
                        issuer=issuer,
                        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                    )
                except jwt.PyJWTError as exc:
                    return unauthorized(type(exc).__name__)
                if scope not in str(claims.get("scope", "")).split():
                    response = jsonify(error="insufficient_scope", scope=scope)
                    response.status_code = 403
                    return response
                g.claims = claims
                return view(*args, **kwargs)

            return checked

        return decorate

    @app.get("/orders")
    @requires("read:orders")
    def list_orders() -> Any:
        return jsonify(sorted(orders.values(), key=lambda o: o["id"]))

    @app.post("/orders")
    @requires("write:orders")
    def create_order() -> Any:
        order_id = str(len(orders) + 1)
        orders[order_id] = {"id": order_id, **(request.get_json(silent=True) or {})}
        return jsonify(orders[order_id]), 201

    @app.delete("/orders/<order_id>")
    @requires("delete:orders")
    def delete_order(order_id: str) -> Any:
        if orders.pop(order_id, None) is None:
            return jsonify(error="not_found"), 404
        return "", 204

    @app.get("/whoami")
    @requires("read:orders")
    def whoami() -> Any:
        return jsonify(sub=g.claims["sub"], client=g.claims.get("azp"))

    return app
