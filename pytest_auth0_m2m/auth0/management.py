"""A small typed client for the Auth0 Authentication (``/oauth/token``) and Management APIs.

Only what provisioning needs: clients and client grants. Every call waits out 429s (per
``x-ratelimit-reset`` / ``Retry-After``, bounded, jittered) and retries 5xx only where a repeat
is harmless; a POST that may have gone through is looked up before it is sent again. Errors
carry Auth0's status, ``errorCode`` and message, and never a secret or a token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from pytest_auth0_m2m.auth0 import hosts, insufficient_scope
from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints, token_usable
from pytest_auth0_m2m.auth0.retry import (
    RETRY_STATUSES,
    Pacer,
    RetryingTransport,
    RetryPolicy,
    env_proxy,
)

JSONDict = dict[str, Any]

# Where a provisioner is given its permissions, for the "add this scope" hint.
GRANT_HINT = (
    "Auth0 Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine "
    "Applications > your provisioner app > Permissions"
)
_TITLE = re.compile(rb"<title[^>]*>\s*([^<]{1,80}?)\s*</title>", re.IGNORECASE)
# For answers that are not Auth0's JSON: they come from something between us and Auth0.
NOT_AUTH0_HINT = (
    "Auth0 always answers JSON; this answer came from something else or was cut short. Check "
    "that AUTH0_DOMAIN (or --auth0-domain) is your tenant's domain and that no proxy rewrites "
    "the answers, then run again."
)


TLS_HINT = (
    "This machine does not trust the certificate {host} presented. If a proxy re-signs HTTPS "
    "here, point SSL_CERT_FILE (or SSL_CERT_DIR) at a bundle holding its CA; for an emulator "
    "started with `python -m pytest_auth0_m2m.fake --tls`, export the SSL_CERT_FILE it prints."
)


def certificate_problem(exc: BaseException) -> str | None:
    """The verification failure behind a connection error (httpx wraps ssl's), else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return str(current.verify_message or current.reason or "certificate verify failed")
        current = current.__cause__ or current.__context__
    return None


class ManagementError(Exception):
    """An Auth0 API call that failed: what was called, Auth0's status, errorCode and message."""

    def __init__(
        self,
        operation: str,
        status: int,
        message: str,
        error_code: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.message = message
        self.error_code = error_code
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        code = f" ({self.error_code})" if self.error_code else ""
        # Status 0: no answer came (refused connection, TLS failure): no HTTP status to show.
        status = f"HTTP {self.status}{code}: " if self.status else ""
        text = f"Auth0 {self.operation} failed: {status}{self.message}"
        return f"{text}\n{self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return (
            f"ManagementError(operation={self.operation!r}, status={self.status}, "
            f"error_code={self.error_code!r}, message={self.message!r})"
        )

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        """The scopes named by an ``insufficient_scope`` 403, else ()."""
        if self.status != 403:
            return ()
        return insufficient_scope.scopes_named(self.message)


@dataclass
class CallStats:
    """What this process asked of Auth0; summed into the session's summary line."""

    management_calls: int = 0
    token_requests: int = 0
    rate_limit_waits: int = 0
    retries: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "management_calls": self.management_calls,
            "token_requests": self.token_requests,
            "rate_limit_waits": self.rate_limit_waits,
            "retries": self.retries,
        }


def derive_key(client_secret: str, label: bytes) -> bytes:
    """HMAC-SHA256 of ``label`` keyed by ``client_secret``: one key per purpose (``label``)."""
    return hmac.new(client_secret.encode(), label, hashlib.sha256).digest()


def describe_body(response: httpx.Response) -> str:
    """What an answer's body was, never what it said (it may hold a secret): content type,
    size, and an HTML page's title (proxies' error pages say who answered)."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    content = response.content
    kind = content_type or "untyped"
    text = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} body of {len(content)} bytes"
    title = _TITLE.search(content[:4096]) if "html" in content_type.lower() else None
    if title:
        text += f' titled "{title.group(1).decode("utf-8", "replace")}"'
    return text


def json_body(operation: str, response: httpx.Response, expected: str, key: str = "") -> Any:
    """The answer's JSON object (holding ``key`` if given), else a ManagementError saying what
    came instead. A JSON object under another Content-Type is accepted: only its shape counts."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):  # json.JSONDecodeError is a ValueError
        got = f"{describe_body(response)} that is not valid JSON"
    else:
        if isinstance(body, dict) and (not key or key in body):
            return body
        got = f"JSON without {key!r}" if isinstance(body, dict) else f"a JSON {type(body).__name__}"
    raise ManagementError(
        operation, response.status_code, f"expected {expected}, got {got}", hint=NOT_AUTH0_HINT
    )


# 502/504 and dropped connections may come after Auth0 acted; 500/503 usually before, but a
# POST is never repeated blindly either way.
_RETRY_STATUSES = RETRY_STATUSES


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    expires_in: int
    scope: frozenset[str]

    def __repr__(self) -> str:
        return f"TokenResponse(access_token='***', expires_in={self.expires_in}, scope=...)"


class _Transport:
    """One httpx.Client plus the retry loop shared by both APIs.

    The client's transport only paces (``retry=False``): the loop here decides about retries,
    because a POST that may have gone through is looked up, not repeated.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        stats: CallStats,
        pacer: Pacer | None = None,
        verify: ssl.SSLContext | bool = True,
        proxy: str | None = None,
    ) -> None:
        self.policy = policy
        self.stats = stats
        self.pacer = pacer
        self._lock = threading.Lock()
        self.http = httpx.Client(
            timeout=policy.timeout,
            headers={"User-Agent": "pytest-auth0-m2m"},
            transport=RetryingTransport(
                httpx.HTTPTransport(verify=verify, proxy=proxy), policy, pacer, retry=False
            ),
        )

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        repeatable: bool = True,
        lookup: Callable[[], Any] | None = None,
        counter: str = "management_calls",
    ) -> tuple[httpx.Response | None, Any]:
        """Send with retries. Returns (response, None), or (None, found) when ``lookup`` found
        that a non-repeatable request had gone through after all."""
        policy = self.policy
        last_error: str = ""
        for attempt in range(policy.attempts):
            with self._lock:
                setattr(self.stats, counter, getattr(self.stats, counter) + 1)
            try:
                response = self.http.request(
                    method, url, headers=headers, params=params, json=json_body, data=form
                )
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                host = httpx.URL(url).host
                problem = certificate_problem(exc)
                if problem is not None:
                    # Asking again cannot help: the same certificate comes back.
                    raise ManagementError(
                        operation,
                        0,
                        f"TLS certificate verification failed for {host} ({problem})",
                        hint=TLS_HINT.format(host=host),
                    ) from None
                last_error = f"{type(exc).__name__} talking to {host}"
                # Connect errors never reached Auth0; anything later might have.
                reached = not isinstance(exc, httpx.ConnectError)
                if reached and not repeatable:
                    found = lookup() if lookup else None
                    if found is not None:
                        return None, found
                    if lookup is None:
                        raise ManagementError(operation, 0, last_error) from None
                self._count_retry()
                policy.sleep(policy.backoff(attempt))
                continue
            if response.status_code == 429:
                with self._lock:
                    self.stats.rate_limit_waits += 1
                delay = policy.rate_limit_delay(response, attempt)
                if delay > policy.max_wait:
                    raise self.error(operation, response, extra=f" (reset in {delay:.0f}s)")
                if self.pacer is not None and "/api/v2/" in url:
                    # Every process of the run waits, not only this one: the pacer's next
                    # reservation makes the wait.
                    self.pacer.hold(delay)
                else:
                    policy.sleep(delay)
                continue
            if response.status_code in _RETRY_STATUSES and attempt + 1 < policy.attempts:
                if not repeatable:
                    if lookup is None:
                        raise self.error(operation, response)
                    found = lookup()
                    if found is not None:
                        return None, found
                self._count_retry()
                policy.sleep(policy.backoff(attempt))
                continue
            return response, None
        if last_error:
            raise ManagementError(operation, 0, f"{last_error}; gave up after retries")
        raise ManagementError(
            operation, 429, f"still rate limited after {policy.attempts} attempts"
        )

    def _count_retry(self) -> None:
        with self._lock:
            self.stats.retries += 1

    @staticmethod
    def error(operation: str, response: httpx.Response, extra: str = "") -> ManagementError:
        """Auth0's error body as a ManagementError; both APIs' shapes; never echoes the request."""
        status = response.status_code
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        code: str | None = None
        message = response.reason_phrase or "error"
        hint: str | None = None
        if not isinstance(body, dict):
            message += f" ({describe_body(response)}, not Auth0's JSON error)"
            hint = NOT_AUTH0_HINT
        else:
            if "message" in body:  # Management API: {statusCode, error, message, errorCode}
                message = str(body["message"])
                code = str(body["errorCode"]) if body.get("errorCode") else None
            elif "error" in body:  # Authentication API: {error, error_description}
                code = str(body["error"])
                message = str(body.get("error_description") or body["error"])
        error = ManagementError(operation, status, message + extra, code, hint)
        missing = error.missing_scopes
        if missing:
            error.hint = (
                f"The provisioner app (AUTH0_CLIENT_ID) lacks the scope {' or '.join(missing)} "
                f"on the Management API. Add it: {GRANT_HINT}."
            )
        return error


class AuthenticationClient:
    """``POST /oauth/token`` with client credentials."""

    def __init__(self, transport: _Transport, endpoints: TenantEndpoints) -> None:
        self._transport = transport
        self.endpoints = endpoints

    def client_credentials(
        self, client_id: str, client_secret: str, audience: str | None = None
    ) -> TokenResponse:
        """A token for ``audience`` (default: the tenant's Management API)."""
        # Issuing a second token is harmless, so token requests are always repeatable.
        response, _ = self._transport.send(
            "POST /oauth/token",
            "POST",
            self.endpoints.token_url,
            json_body={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "audience": audience or self.endpoints.audience,
            },
            counter="token_requests",
        )
        assert response is not None
        if response.status_code != 200:
            error = self._transport.error("POST /oauth/token", response)
            if response.status_code == 401:
                error.hint = (
                    f"Check the client id and secret of app {client_id} "
                    "(for the provisioner: env AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET)."
                )
            raise error
        body = json_body(
            "POST /oauth/token", response, "a token response (JSON)", key="access_token"
        )
        scope = frozenset(str(body.get("scope") or "").split())
        return TokenResponse(str(body["access_token"]), int(body.get("expires_in", 86400)), scope)


class ManagementClient:
    """Clients and client grants on the Management API, authenticated as the provisioner."""

    def __init__(
        self,
        endpoints: TenantEndpoints,
        client_id: str,
        client_secret: str,
        *,
        policy: RetryPolicy | None = None,
        stats: CallStats | None = None,
        pacer: Pacer | None = None,
        verify: ssl.SSLContext | bool = True,
        on_token: Callable[[str], object] | None = None,
    ) -> None:
        self.endpoints = endpoints
        # Told each new provisioner token (the plugin masks it in what a live run shows).
        self._on_token = on_token
        self.stats = stats if stats is not None else CallStats()
        # Both APIs are on the tenant's host: the environment's proxy for it, if any.
        proxy = env_proxy(endpoints.management_url)
        self._transport = _Transport(policy or RetryPolicy(), self.stats, pacer, verify, proxy)
        self.auth = AuthenticationClient(self._transport, endpoints)
        self._client_id = client_id
        self._client_secret = client_secret
        # The provisioner's token lives in this object only: never cached, never handed out.
        self._token: str | None = None
        self._token_scopes: frozenset[str] = frozenset()
        self._token_life = (0.0, 0.0)  # issued at, expires at
        self._token_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"ManagementClient(domain={hosts.masked(self.endpoints.domain)!r}, "
            f"client_id={self._client_id!r})"
        )

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> ManagementClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing --------------------------------------------------------------------------

    def _bearer(self, refresh: bool = False) -> dict[str, str]:
        with self._token_lock:
            clock = self._transport.policy.clock
            now = clock()
            if refresh or self._token is None or not token_usable(*self._token_life, now):
                try:
                    response = self.auth.client_credentials(self._client_id, self._client_secret)
                except ManagementError as exc:
                    exc.operation = "provisioner token (POST /oauth/token)"
                    raise
                self._token = response.access_token
                self._token_scopes = response.scope
                self._token_life = (now, now + response.expires_in)
                if self._on_token is not None:
                    self._on_token(self._token)
            return {"Authorization": f"Bearer {self._token}"}

    def derive_key(self, label: bytes) -> bytes:
        """A key only the holder of the provisioner's client secret can compute (see
        ``derive_key``), while the secret itself stays in this object."""
        return derive_key(self._client_secret, label)

    def provisioner_scopes(self) -> frozenset[str]:
        """The scopes on the provisioner's grant (from its token response), fetching if needed."""
        self._bearer()
        return self._token_scopes

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        repeatable: bool = True,
        lookup: Callable[[], Any] | None = None,
        ok: Sequence[int] = (200, 201, 204),
    ) -> tuple[httpx.Response | None, Any]:
        url = self.endpoints.management_url + path
        for refreshed in (False, True):
            response, found = self._transport.send(
                operation,
                method,
                url,
                headers=self._bearer(refresh=refreshed),
                params=params,
                json_body=json_body,
                repeatable=repeatable,
                lookup=lookup,
            )
            if response is None:
                return None, found
            if response.status_code == 401 and not refreshed:
                continue  # the provisioner's token expired under us: one fresh token, once
            if response.status_code not in ok:
                raise self._transport.error(operation, response)
            return response, None
        raise AssertionError("unreachable")

    def _pages(
        self, operation: str, path: str, key: str, params: Mapping[str, Any]
    ) -> Iterator[JSONDict]:
        page = 0
        while True:
            query = {**params, "page": page, "per_page": 100, "include_totals": "true"}
            response, _ = self._call(operation, "GET", path, params=query)
            assert response is not None
            body = json_body(operation, response, f"a JSON page of {key}", key=key)
            items = body[key]
            yield from items
            total = body.get("total", 0)
            page += 1
            if not items or page * 100 >= int(total):
                return

    # --- resource servers (the user's own APIs) --------------------------------------------

    def resource_server_scopes(self, identifier: str) -> frozenset[str] | None:
        """The scopes an API (by identifier) defines on the tenant; None if the provisioner may
        not read resource servers (read:resource_servers is optional). A 404 is raised."""
        operation = "GET /api/v2/resource-servers/{id}"
        try:
            response, _ = self._call(
                operation, "GET", "resource-servers/" + quote(identifier, safe="")
            )
        except ManagementError as exc:
            if exc.status == 403:
                return None
            raise
        assert response is not None
        body = json_body(operation, response, "a resource server (JSON)")
        scopes = body.get("scopes") or []
        return frozenset(str(s["value"]) for s in scopes if isinstance(s, dict) and "value" in s)

    # --- clients ---------------------------------------------------------------------------

    def list_clients(self, fields: Sequence[str] | None = None) -> list[JSONDict]:
        """Every M2M (non_interactive) client; ``client_secret`` needs read:client_keys."""
        params: dict[str, Any] = {"app_type": "non_interactive"}
        if fields:
            params.update(fields=",".join(fields), include_fields="true")
        return list(self._pages("GET /api/v2/clients", "clients", "clients", params))

    def get_client(self, client_id: str) -> JSONDict | None:
        try:
            response, _ = self._call("GET /api/v2/clients/{id}", "GET", f"clients/{client_id}")
        except ManagementError as exc:
            if exc.status == 404:
                return None
            raise
        assert response is not None
        result: JSONDict = json_body("GET /api/v2/clients/{id}", response, "a client (JSON)")
        return result

    def create_client(self, body: JSONDict, lookup: Callable[[], JSONDict | None]) -> JSONDict:
        """POST /clients. ``lookup`` finds the client if an ambiguous failure hid its creation."""
        response, found = self._call(
            "POST /api/v2/clients",
            "POST",
            "clients",
            json_body=body,
            repeatable=False,
            lookup=lookup,
        )
        if response is None:
            return dict(found)
        result: JSONDict = json_body(
            "POST /api/v2/clients", response, "the new client (JSON)", key="client_id"
        )
        return result

    def update_client(self, client_id: str, body: JSONDict) -> JSONDict:
        response, _ = self._call(
            "PATCH /api/v2/clients/{id}", "PATCH", f"clients/{client_id}", json_body=body
        )
        assert response is not None
        result: JSONDict = json_body("PATCH /api/v2/clients/{id}", response, "a client (JSON)")
        return result

    def delete_client(self, client_id: str) -> bool:
        """True if deleted now, False if it was already gone (a retried DELETE may see 404)."""
        response, _ = self._call(
            "DELETE /api/v2/clients/{id}", "DELETE", f"clients/{client_id}", ok=(200, 204, 404)
        )
        return response is not None and response.status_code != 404

    # --- client grants ---------------------------------------------------------------------

    def list_grants(
        self, *, client_id: str | None = None, audience: str | None = None
    ) -> list[JSONDict]:
        params: dict[str, Any] = {}
        if client_id:
            params["client_id"] = client_id
        if audience:
            params["audience"] = audience
        return list(
            self._pages("GET /api/v2/client-grants", "client-grants", "client_grants", params)
        )

    def find_grant(self, client_id: str, audience: str) -> JSONDict | None:
        for grant in self.list_grants(client_id=client_id, audience=audience):
            if grant.get("client_id") == client_id and grant.get("audience") == audience:
                return grant
        return None

    def create_grant(self, client_id: str, audience: str, scope: Sequence[str]) -> JSONDict:
        """POST /client-grants; if one already exists (409, or a hidden success), that one."""
        body = {"client_id": client_id, "audience": audience, "scope": list(scope)}
        try:
            response, found = self._call(
                "POST /api/v2/client-grants",
                "POST",
                "client-grants",
                json_body=body,
                repeatable=False,
                lookup=lambda: self.find_grant(client_id, audience),
            )
        except ManagementError as exc:
            if exc.status != 409:
                raise
            existing = self.find_grant(client_id, audience)
            if existing is None:
                raise
            return existing
        if response is None:
            return dict(found)
        result: JSONDict = json_body(
            "POST /api/v2/client-grants", response, "the new grant (JSON)", key="id"
        )
        return result

    def update_grant(self, grant_id: str, scope: Sequence[str]) -> JSONDict:
        response, _ = self._call(
            "PATCH /api/v2/client-grants/{id}",
            "PATCH",
            f"client-grants/{grant_id}",
            json_body={"scope": list(scope)},
        )
        assert response is not None
        result: JSONDict = json_body(
            "PATCH /api/v2/client-grants/{id}", response, "the grant (JSON)"
        )
        return result

    def delete_grant(self, grant_id: str) -> bool:
        """True if deleted now, False if it was already gone."""
        response, _ = self._call(
            "DELETE /api/v2/client-grants/{id}",
            "DELETE",
            f"client-grants/{grant_id}",
            ok=(200, 204, 404),
        )
        return response is not None and response.status_code != 404
