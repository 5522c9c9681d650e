"""The emulator's HTTP side: cheroot serving in a daemon thread, werkzeug routing, dispatch."""

from __future__ import annotations

import functools
import gzip
import secrets
import socket
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from cheroot.ssl.builtin import BuiltinSSLAdapter
from cheroot.wsgi import Server as WSGIServer
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.routing.exceptions import RoutingException

from ..auth0.endpoints import TenantEndpoints, refuse_management_audience
from ..auth0.hosts import is_loopback, netloc, split_netloc
from ..auth0.scopes import MANAGEMENT_PREFIX, Operation, catalogue
from . import events
from .apis import ApiSpec, carries_permissions, declarations
from .auth import Signer, enforce_scopes, issue_token, oauth_error, scopes_of
from .common import (
    NOT_EMULATED_STATUS,
    ApiError,
    dumps,
    mgmt_body,
    not_emulated_body,
    parse_json,
    validate_path,
)
from .faults import (
    MANAGEMENT,
    TOKEN,
    TOKEN_OPERATION,
    Counters,
    Faults,
    Injection,
    RateLimiter,
    RateLimits,
    RateLimitSpec,
    parse_rate_limits,
)
from .journal import Journal, JournalEntry
from .routes import Call, handlers, jobs
from .routes.engine import facts
from .seeding import load_seed_file
from .signing_keys import Keyring
from .tenant import Credentials, Snapshot, Tenant, new_client_id, new_client_secret
from .tls import TlsMaterial, make_tls_material

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

MAX_BODY_BYTES = 1 << 20
# Worker threads: each keeps one request busy, idle keep-alive connections wait in cheroot's
# selector and cost no thread.
SERVER_THREADS = 4
# Seconds a connection may sit idle (and a TLS handshake may take) before cheroot drops it.
CONNECTION_TIMEOUT = 10
ROUTE_CACHE_SIZE = 4096
NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
JSON_TYPE = "application/json; charset=utf-8"
TOKEN_429_DESCRIPTION = (
    "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and "
    "X-RateLimit-Reset headers."
)
# Set on a request's WSGI environ by dispatch, read back when its answer is journaled.
_JOURNAL_PATH = "fake_auth0.journal_path"
_JOURNAL_CLIENT = "fake_auth0.client_id"
_ADMIN_FAULT_KEYS = {
    "status",
    "count",
    "operation",
    "body",
    "content_type",
    "latency",
    "headers",
    "scope",
}
_ADMIN_KEEP_KEYS = {"keep_clients", "keep_provisioned"}
# Checkpoints an emulator holds at once; the oldest is forgotten first.
MAX_CHECKPOINTS = 256

Result = tuple[int, Any, dict[str, str]]


@functools.cache
def _url_map() -> Map:
    """Every catalogue operation plus the Authentication API and the emulator's own routes.

    Built once per process: a Map is read-only after its first match, so sharing it shares
    no tenant state.
    """
    rules = [
        Rule(
            MANAGEMENT_PREFIX + op.path.replace("{", "<").replace("}", ">"),
            endpoint=op,
            methods=[op.method],
        )
        for op in catalogue().operations
    ]
    rules += [
        Rule("/oauth/token", endpoint="token", methods=["POST"]),
        Rule("/.well-known/jwks.json", endpoint="jwks", methods=["GET"]),
        Rule("/.well-known/openid-configuration", endpoint="openid", methods=["GET"]),
        Rule("/__fake__/ping", endpoint="ping", methods=["GET"]),
        Rule("/__fake__/counters", endpoint="admin_counters", methods=["GET"]),
        Rule("/__fake__/reset", endpoint="admin_reset", methods=["POST"]),
        Rule("/__fake__/checkpoint", endpoint="admin_checkpoint", methods=["POST"]),
        Rule("/__fake__/restore", endpoint="admin_restore", methods=["POST"]),
        Rule("/__fake__/seed", endpoint="admin_seed", methods=["POST"]),
        Rule("/__fake__/faults", endpoint="admin_faults", methods=["POST", "DELETE"]),
        Rule("/__fake__/rate-limits", endpoint="admin_rate_limits", methods=["POST"]),
        # a completed users export's file (its job's location: routes/jobs.py)
        Rule("/__fake__/exports/<job_id>/<token>", endpoint="export_file", methods=["GET"]),
    ]
    url_map = Map(rules, strict_slashes=False, merge_slashes=False)
    url_map.bind("localhost").match("/__fake__/ping", method="GET")  # compile now
    return url_map


class _WorkerHandshakeAdapter(BuiltinSSLAdapter):
    """TLS whose handshake runs in the connection's worker thread, on its first read.

    cheroot's own adapter shakes hands in the accepting thread: a client that connects and
    stays silent would stall every other accept (and stop()) for the connection timeout.
    """

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        tls_socket = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return tls_socket, {"HTTPS": "on", "wsgi.url_scheme": "https"}


class _QuietServer(WSGIServer):
    # cheroot's documented knob (default 0.5 s): its connection loop notices a stop, with a
    # client's keep-alive connection still open, within this interval. Every test module's
    # emulator stops so; the loop's idle wake-ups cost nothing measurable.
    expiration_interval = 0.05

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # Failed handshakes and dropped sockets are the client's problem; the app's own
        # crashes are kept in FakeAuth0.server_errors.
        return


def _ssl_adapter(tls: TlsMaterial) -> BuiltinSSLAdapter:
    adapter = _WorkerHandshakeAdapter(str(tls.cert_path), str(tls.key_path))
    adapter.context = tls.server_context
    return adapter


class FakeAuth0:
    """An Auth0 tenant emulator served on 127.0.0.1 (or https://localhost with ``tls=True``)."""

    def __init__(
        self,
        *,
        tls: bool = False,
        port: int = 0,
        rate_limits: RateLimitSpec = None,
        clock: Callable[[], float] | None = None,
        token_lifetime: int = 86400,
        host: str = "127.0.0.1",
        max_body_bytes: int = MAX_BODY_BYTES,
        tls_material: TlsMaterial | None = None,
        apis: Iterable[ApiSpec] | None = None,
        search_lag: float = 0.0,
    ) -> None:
        if not is_loopback(host):
            # Admin routes are unauthenticated and the CLI prints a secret: local use only.
            raise ValueError(
                f"FakeAuth0 serves on a loopback address only, got host={host!r}; "
                "use 127.0.0.1 (the default)"
            )
        self.tls = tls
        self._port = port
        self._host = host.strip("[]")
        self._clock: Callable[[], float] = clock or time.time
        self.token_lifetime = token_lifetime
        self.max_body_bytes = max_body_bytes
        # The user's own APIs (resource servers): present from the start, kept by reset.
        self.apis = declarations(apis)
        self._search_lag = _lag(search_lag)
        self.counters = Counters()
        self.faults = Faults()
        self.journal = Journal()
        self._limiter = RateLimiter(self._clock)
        self._limiter.configure(parse_rate_limits(rate_limits))
        self.provisioner = Credentials(new_client_id(), new_client_secret())
        self._handlers = handlers()
        self._adapter: MapAdapter = _url_map().bind("localhost")
        # werkzeug's matcher costs more than the rest of a request; clients repeat paths.
        self._routes: dict[tuple[str, str], tuple[Any, dict[str, str]]] = {}
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._tenant: Tenant | None = None
        self._signer: Signer | None = None
        self._tls: TlsMaterial | None = None
        # A CA made before the server (fake.tls.make_tls_material), for clients that read
        # SSL_CERT_FILE once, at import (aiohttp): removed on stop like one made here.
        self._given_tls = tls_material
        self._domain: str | None = None
        # Tracebacks of handler crashes, for debugging the emulator; never sent to clients.
        self.server_errors: list[str] = []
        self._checkpoints: dict[str, _Checkpoint] = {}
        self._checkpoint_lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeAuth0:
        if self._server is not None:
            raise RuntimeError("FakeAuth0 is already started")
        self._tls = (self._given_tls or make_tls_material()) if self.tls else None
        server = _QuietServer(
            (self._host, self._port),
            self._wsgi,
            numthreads=SERVER_THREADS,
            server_name="fake-auth0",
            timeout=CONNECTION_TIMEOUT,
            shutdown_timeout=1,
        )
        if self._tls is not None:
            server.ssl_adapter = _ssl_adapter(self._tls)
        try:
            server.prepare()  # binds now: a busy port raises OSError here
        except BaseException:
            if self._tls is not None:
                self._tls.cleanup()
            raise
        port = int(server.bind_addr[1])
        self._domain = netloc("localhost" if self.tls else self._host, port)
        self._tenant = Tenant(
            self._domain,
            self._clock,
            self.token_lifetime,
            self.provisioner,
            self.apis,
            keyring=Keyring(self._domain),
        )
        self._signer = Signer(f"https://{self._domain}/", self._clock, self._tenant)
        self._tenant.search_index.lag = self._search_lag
        self._tenant.public_url = f"{'https' if self.tls else 'http'}://{self._domain}"
        self._server = server
        self._thread = threading.Thread(target=server.serve, name=f"fake-auth0-{port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._tls is not None:
            self._tls.cleanup()

    def __enter__(self) -> FakeAuth0:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses ---------------------------------------------------------------------------

    def _started(self) -> tuple[str, Tenant, Signer]:
        if self._domain is None or self._tenant is None or self._signer is None:
            raise RuntimeError(
                "FakeAuth0 is not started: call .start() or use `with run_fake_auth0() as fake:`"
            )
        return self._domain, self._tenant, self._signer

    @property
    def domain(self) -> str:
        return self._started()[0]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.domain}"

    @property
    def endpoints(self) -> TenantEndpoints:
        """The tenant's URLs as the rest of the package derives them: identifiers name
        ``https://DOMAIN``, requests go to this emulator's own URL."""
        return TenantEndpoints(self.domain, mode="fake", base_url=self.url)

    @property
    def audience(self) -> str:
        return self.endpoints.audience

    @property
    def issuer(self) -> str:
        return self.endpoints.issuer

    @property
    def token_url(self) -> str:
        return self.endpoints.token_url

    @property
    def management_url(self) -> str:
        return self.endpoints.management_url

    @property
    def port(self) -> int:
        return int(self.domain.rsplit(":", 1)[1])

    @property
    def ca_cert_path(self) -> Path | None:
        return self._tls.ca_bundle_path if self._tls else None

    @property
    def tenant(self) -> Tenant:
        return self._started()[1]

    @property
    def jwks_url(self) -> str:
        """Where the tenant's signing keys are published (what an API verifies tokens with)."""
        return f"{self.url}/.well-known/jwks.json"

    def mint_token(
        self,
        audience: str | None = None,
        scopes: Iterable[str] = (),
        *,
        client_id: str = "minted0000000000000000000000000",
        expires_in: int | None = None,
        issued_at: int | None = None,
        permissions: bool | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """An access token for one of your own APIs signed with the tenant's key, with chosen
        claims, for negative tests: ``expires_in=-60`` (expired), another ``audience``,
        ``claims={"iss": ...}`` (another issuer). No client or grant is needed. ``permissions``
        (default: as the API's RBAC setting says) adds the ``permissions`` claim. Never for the
        Management API (a ValueError): its tokens come from a client's grant, so a test holds
        no scope it did not declare (``issue_token`` is the emulator tests' own way)."""
        _, tenant, signer = self._started()
        if not audience:
            raise ValueError("mint_token needs the audience (identifier) of one of your APIs")
        refuse_management_audience(audience, claims, tenant.audience)
        if isinstance(scopes, str):
            scopes = scopes.split()
        with tenant.lock:
            server = tenant.resource_server_by_identifier(audience)
        if permissions is None:
            permissions = server is not None and carries_permissions(server)
        lifetime = expires_in
        if lifetime is None:
            lifetime = int((server or {}).get("token_lifetime") or self.token_lifetime)
        return signer.mint(
            client_id,
            audience,
            list(scopes),
            lifetime,
            permissions=permissions,
            issued_at=issued_at,
            claims=claims,
        )

    # --- helpers for tests -------------------------------------------------------------------

    @property
    def search_lag(self) -> float:
        """Seconds by which user lists, user search and organization member lists trail writes,
        as Auth0's search index does (0, the default: at once). Settable while running; what is
        already written counts as indexed from then on."""
        return self._search_lag

    @search_lag.setter
    def search_lag(self, seconds: float) -> None:
        self._search_lag = _lag(seconds)
        if self._tenant is not None:
            with self._tenant.lock:
                self._tenant.search_index.lag = self._search_lag
                self._tenant.search_index.rebase(self._tenant.users, self._tenant.org_members)

    def set_rate_limits(self, limits: RateLimitSpec) -> None:
        """``"free"``, ``"enterprise-dev"``, a RateLimits / dict config, or None (off)."""
        self._limiter.configure(parse_rate_limits(limits))

    @property
    def rate_limits(self) -> RateLimits | None:
        """The rate limits in force (None: off), as :meth:`set_rate_limits` takes them."""
        return self._limiter.limits

    def seed(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        """Load resources through the HTTP API's own handlers and checks (``fake.seeding``);
        returns the ids made per kind. A refused item raises SeedError (a ValueError) with
        Auth0's message, and nothing of the seed is loaded."""
        return self._started()[1].seed(data)

    def seed_from_file(self, path: str | Path) -> dict[str, list[str]]:
        """:meth:`seed` with the JSON file at ``path`` (``fake.seeding.load_seed_file``)."""
        return self.seed(load_seed_file(path))

    def _keep(self, keep_clients: Iterable[str], keep_provisioned: bool) -> set[str]:
        tenant = self._started()[1]
        if isinstance(keep_clients, str):
            raise TypeError("keep_clients is a list of client ids, not one string")
        kept = set(keep_clients)
        if keep_provisioned:
            kept |= tenant.provisioned
        return kept

    def reset(self, keep_clients: Iterable[str] = (), *, keep_provisioned: bool = False) -> None:
        """Fresh tenant state (the provisioner stays), no faults, counters at zero.

        ``keep_clients`` (client ids) and, with ``keep_provisioned``, every app the provisioner
        created over HTTP (the plugin's apps) survive with their grants, so their tokens stay
        valid. For per-test isolation prefer :meth:`checkpoint` / :meth:`restore`.
        """
        tenant = self._started()[1]
        tenant.reset(self._keep(keep_clients, keep_provisioned))
        self.faults.clear()
        self.counters.reset()
        self.journal.clear()
        self._limiter.configure(self._limiter.limits)
        with self._checkpoint_lock:
            self._checkpoints.clear()

    def checkpoint(self) -> str:
        """Remember the tenant's resources, the faults and the rate limits now; returns a
        token for :meth:`restore` (reusable: restore to it as often as wanted)."""
        tenant = self._started()[1]
        point = _Checkpoint(tenant.snapshot(), self.faults.mark(), self._limiter.limits)
        token = f"ckpt_{secrets.token_hex(8)}"
        with self._checkpoint_lock:
            if len(self._checkpoints) >= MAX_CHECKPOINTS:
                del self._checkpoints[next(iter(self._checkpoints))]
            self._checkpoints[token] = point
        return token

    def restore(
        self, checkpoint: str, keep_clients: Iterable[str] = (), *, keep_provisioned: bool = True
    ) -> None:
        """Back to ``checkpoint``: users, roles, organizations, connections, resource servers,
        clients and grants as they were; faults added since removed; the rate limits as they
        were, with full buckets. Signing keys rotated or revoked since are as they were too,
        and a token signed by any key the emulator made verifies unless the restored state has
        its key revoked, so issued tokens of kept clients stay valid. Kept, in their current
        state: the provisioner, the clients in ``keep_clients`` and (``keep_provisioned``, the
        default) every app the provisioner created over HTTP, with their grants. Counters and
        the journal are not rewound.
        """
        tenant = self._started()[1]
        with self._checkpoint_lock:
            point = self._checkpoints.get(checkpoint)
        if point is None:
            raise UnknownCheckpoint(
                f"unknown checkpoint {checkpoint!r}: use a token FakeAuth0.checkpoint() returned "
                "(a reset forgets them all)"
            )
        tenant.restore(point.snapshot, self._keep(keep_clients, keep_provisioned))
        self.faults.clear_since(point.faults_mark)
        self._limiter.configure(point.rate_limits)

    def forget(self, checkpoint: str) -> None:
        """Drop a checkpoint that will not be restored again (frees its copy of the tenant)."""
        with self._checkpoint_lock:
            self._checkpoints.pop(checkpoint, None)

    def issue_token(
        self,
        client_id: str,
        scopes: Iterable[str],
        *,
        audience: str | None = None,
        lifetime: int | None = None,
    ) -> str:
        """A signed access token, minted without a grant (not counted as issued)."""
        _, tenant, signer = self._started()
        return signer.mint(
            client_id,
            audience or tenant.audience,
            list(scopes),
            self.token_lifetime if lifetime is None else lifetime,
        )

    # --- WSGI --------------------------------------------------------------------------------

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        arrived = time.time()
        try:
            status, body, headers = self._dispatch(environ)
            payload = _encode(body)
        except Exception:
            # Kept for whoever debugs the emulator; the client only learns that it failed.
            self.server_errors.append(traceback.format_exc())
            status, headers = 500, {}
            body = mgmt_body(500, "Internal Server Error")
            payload = _encode(body)
        if body is None:
            headers.pop("Content-Type", None)
        else:
            headers.setdefault("Content-Type", JSON_TYPE)
        headers["Content-Length"] = str(len(payload))
        journal_path = environ.get(_JOURNAL_PATH)
        if journal_path is not None:
            self.journal.append(
                JournalEntry(
                    method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
                    path=journal_path,
                    status=status,
                    body=payload if body is not None else None,
                    client_id=environ.get(_JOURNAL_CLIENT),
                    at=arrived,
                )
            )
        reason = HTTP_STATUS_CODES.get(status, "Unknown")
        start_response(f"{status} {reason}", list(headers.items()))
        return [payload]

    def _read_body(self, environ: WSGIEnvironment) -> bytes | None:
        """The request body, or None when it exceeds the limit (the rest is left unread)."""
        stream = environ["wsgi.input"]
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if raw_length:
            try:
                length = int(raw_length)
            except ValueError:
                return None
            if length < 0 or length > self.max_body_bytes:
                return None
            return bytes(stream.read(length)) if length else b""
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if chunked or environ.get("wsgi.input_terminated"):
            data = bytes(stream.read(self.max_body_bytes + 1))
            return None if len(data) > self.max_body_bytes else data
        return b""

    def _dispatch(self, environ: WSGIEnvironment) -> Result:
        _, tenant, signer = self._started()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        host = str(environ.get("HTTP_HOST") or "")
        if host and not is_loopback(split_netloc(host)[0]):
            # A page the developer has open can point a name of its own at 127.0.0.1 (DNS
            # rebinding): only requests addressed to a loopback name are served.
            return 421, mgmt_body(421, _NOT_LOOPBACK, "misdirected_request"), {}
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw_uri:
            target = urlsplit(raw_uri) if "://" in raw_uri else None
            path = target.path if target else raw_uri.split("?", 1)[0]
        else:
            path = quote(environ.get("PATH_INFO", "/"))
        body = self._read_body(environ)
        if body is None:
            # The unread body would be parsed as the next request: close the connection.
            return (
                413,
                mgmt_body(
                    413,
                    f"Payload too large: the request body exceeds {self.max_body_bytes} bytes",
                    "payload_too_large",
                ),
                {"Connection": "close"},
            )
        route = self._routes.get((method, path))
        if route is None:
            try:
                endpoint, values = self._adapter.match(path, method=method)
            except (HTTPException, RoutingException):
                if path.startswith(MANAGEMENT_PREFIX + "/") or path == MANAGEMENT_PREFIX:
                    environ[_JOURNAL_PATH] = path
                    self.counters.record("<unknown>", 404)
                    return 404, dict(NOT_FOUND), self._limiter.peek(MANAGEMENT)
                return 404, dict(NOT_FOUND), {}
            route = (endpoint, {k: unquote(str(v)) for k, v in values.items()})
            if len(self._routes) >= ROUTE_CACHE_SIZE:
                self._routes.clear()
            self._routes[(method, path)] = route
        endpoint, params = route
        args: MultiDict[str, str] = MultiDict(
            parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        )
        if isinstance(endpoint, Operation):
            environ[_JOURNAL_PATH] = path
            result = self._management(environ, tenant, signer, endpoint, dict(params), args, body)
            self.counters.record(endpoint.operation_id, result[0])
            return result
        if endpoint == "token":
            environ[_JOURNAL_PATH] = path
            result = self._token(environ, tenant, signer, body)
            self.counters.record(TOKEN_OPERATION, result[0])
            return result
        if endpoint == "export_file":
            text = jobs.export_file(tenant, params["job_id"], params["token"])
            if text is None:
                return 404, dict(NOT_FOUND), {}
            return 200, gzip.compress(text.encode("utf-8")), {"Content-Type": "application/gzip"}
        if str(endpoint).startswith("admin_") and _from_a_browser(environ):
            return 403, mgmt_body(403, _ADMIN_FROM_A_BROWSER, "forbidden"), {}
        return self._local(str(endpoint), method, signer, body, args)

    # --- Management API ----------------------------------------------------------------------

    def _management(
        self,
        environ: WSGIEnvironment,
        tenant: Tenant,
        signer: Signer,
        operation: Operation,
        params: dict[str, str],
        args: MultiDict[str, str],
        body: bytes,
    ) -> Result:
        injection = self.faults.pick(operation.operation_id, MANAGEMENT)
        if injection is not None:
            injected = self._inject(injection, MANAGEMENT)
            if injected is not None:
                return injected
        verdict = self._limiter.take(MANAGEMENT)
        headers = dict(verdict.headers)
        if not verdict.allowed:
            return (
                429,
                mgmt_body(429, "Global limit has been reached", "too_many_requests"),
                headers,
            )
        caller: str | None = None  # the token's client, once verified: its writes are logged
        try:
            claims = signer.verify(environ.get("HTTP_AUTHORIZATION"), tenant.audience)
            caller = str(claims.get("azp") or "")
            environ[_JOURNAL_CLIENT] = caller or None
            scopes = scopes_of(claims)
            enforce_scopes(operation, scopes)
            validate_path(operation.operation_id, params)
            handler = self._handlers.get(operation.operation_id)
            if handler is None:
                answer = not_emulated_body(
                    operation.operation_id, operation.method, MANAGEMENT_PREFIX + operation.path
                )
                # RFC 9110 15.5.6: a 405 lists the methods the resource does support here
                headers["Allow"] = ", ".join(self._emulated_methods(operation.path))
                return NOT_EMULATED_STATUS, answer, headers
            call = Call(
                tenant=tenant,
                operation=operation,
                params=params,
                args=args,
                raw_body=body,
                content_type=str(environ.get("CONTENT_TYPE") or ""),
                scopes=scopes,
                client_id=str(claims.get("azp") or ""),
            )
            status, payload = handler(call)
            if operation.method != "GET" and tenant.search_index.lag > 0:
                tenant.note_write()
        except ApiError as error:
            headers.update(error.headers)
            if caller is not None:
                self._log_write(environ, tenant, operation, error.status, error.body, caller)
            return error.status, error.body, headers
        self._log_write(environ, tenant, operation, status, payload, caller or "")
        return status, payload, headers

    def _log_write(
        self,
        environ: WSGIEnvironment,
        tenant: Tenant,
        operation: Operation,
        status: int,
        answer: Any,
        client_id: str,
    ) -> None:
        """A Management API write's tenant log events (fake/events.py); reads log nothing."""
        if operation.method == "GET":
            return
        description = facts()["log_descriptions"].get(operation.operation_id, "")
        events.management_write(
            tenant,
            operation_id=operation.operation_id,
            description=description,
            method=operation.method,
            path=str(environ.get(_JOURNAL_PATH) or ""),
            status=status,
            answer=answer,
            client_id=client_id,
            ip=str(environ.get("REMOTE_ADDR") or ""),
            user_agent=str(environ.get("HTTP_USER_AGENT") or ""),
        )

    def _emulated_methods(self, path: str) -> list[str]:
        """The methods the emulator answers on a Management API path template."""
        return sorted(
            op.method
            for op in catalogue().operations
            if op.path == path and op.operation_id in self._handlers
        )

    # --- Authentication API ------------------------------------------------------------------

    def _token(
        self, environ: WSGIEnvironment, tenant: Tenant, signer: Signer, body: bytes
    ) -> Result:
        injection = self.faults.pick(TOKEN_OPERATION, TOKEN)
        if injection is not None:
            injected = self._inject(injection, TOKEN)
            if injected is not None:
                return injected
        verdict = self._limiter.take(TOKEN)
        headers = {**verdict.headers, "Cache-Control": "no-store", "Pragma": "no-cache"}
        if not verdict.allowed:
            return (
                429,
                {"error": "too_many_requests", "error_description": TOKEN_429_DESCRIPTION},
                headers,
            )
        params: dict[str, Any] = {}
        try:
            params = _token_params(str(environ.get("CONTENT_TYPE") or ""), body)
            client_id, answer = issue_token(
                tenant, signer, params, environ.get("HTTP_AUTHORIZATION")
            )
        except ApiError as error:
            headers.update(error.headers)
            if params.get("grant_type") == "client_credentials":
                named = params.get("client_id")
                description = (
                    error.body.get("error_description", "") if isinstance(error.body, dict) else ""
                )
                self._log_exchange(environ, tenant, params, str(description), named, None)
            return error.status, error.body, headers
        self.counters.token_issued(client_id)
        self._log_exchange(environ, tenant, params, "", client_id, answer.get("scope"))
        return 200, answer, headers

    def _log_exchange(
        self,
        environ: WSGIEnvironment,
        tenant: Tenant,
        params: Mapping[str, Any],
        description: str,
        client_id: object,
        scope: object,
    ) -> None:
        """The ``seccft`` (a scope granted) or ``feccft`` event of a token request."""
        audience = params.get("audience")
        events.token_exchange(
            tenant,
            succeeded=scope is not None,
            client_id=client_id if isinstance(client_id, str) else "",
            audience=audience if isinstance(audience, str) else None,
            scope=str(scope) if scope is not None else None,
            description=description,
            ip=str(environ.get("REMOTE_ADDR") or ""),
            user_agent=str(environ.get("HTTP_USER_AGENT") or ""),
        )

    def _inject(self, injection: Injection, api: str) -> Result | None:
        if injection.latency > 0:
            # Real time, not the injected clock: the point is a slow socket.
            time.sleep(injection.latency)
        status = injection.status
        if status is None:
            return None
        # Rate-limit headers as on every answer; an injected 429 looks like an empty bucket,
        # unless the fault says when to come back (either header: then only what it says).
        headers = self._limiter.peek(api)
        given = {name.lower() for name in injection.headers}
        if status == 429:
            headers["x-ratelimit-remaining"] = "0"
            if not given & {"retry-after", "x-ratelimit-reset"}:
                headers["x-ratelimit-reset"] = str(int(self._clock()) + 1)
                headers["retry-after"] = "1"
        # The fault's headers replace the emulator's whatever their case.
        headers = {k: v for k, v in headers.items() if k.lower() not in given}
        headers.update(injection.headers)
        # One Content-Type, under the name the response writer knows: content_type=, else the
        # fault's own header, else (for a text body) HTML.
        given_type = [v for k, v in injection.headers.items() if k.lower() == "content-type"]
        content_type = injection.content_type or (given_type[-1] if given_type else None)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        body = injection.body
        if body is None:
            body = _default_fault_body(status, api)
        elif isinstance(body, str) and not content_type:
            content_type = "text/html; charset=utf-8"
        if content_type:
            headers["Content-Type"] = content_type
        return status, body, headers

    # --- well-known and emulator-only routes -------------------------------------------------

    def _local(
        self,
        endpoint: str,
        method: str,
        signer: Signer,
        body: bytes,
        query: MultiDict[str, str],
    ) -> Result:
        if endpoint == "ping":
            return 200, {"ok": True}, {}
        if endpoint == "jwks":
            return 200, signer.jwks(), {}
        if endpoint == "openid":
            return 200, signer.openid_configuration(self.url), {}
        if endpoint == "admin_counters":
            return 200, self.counters.snapshot(), {}
        if endpoint == "admin_checkpoint":
            return 201, {"checkpoint": self.checkpoint()}, {}
        try:
            data = parse_json(body) if body.strip() else {}
        except ApiError:
            return 400, mgmt_body(400, "Invalid JSON body", "invalid_body"), {}
        if not isinstance(data, dict):
            return 400, mgmt_body(400, "Expected a JSON object", "invalid_body"), {}
        try:
            if endpoint == "admin_reset":
                _no_unknown(data, _ADMIN_KEEP_KEYS, "reset")
                self.reset(
                    _string_list(data.get("keep_clients", []), "keep_clients"),
                    keep_provisioned=bool(data.get("keep_provisioned", False)),
                )
                return 204, None, {}
            if endpoint == "admin_restore":
                _no_unknown(data, _ADMIN_KEEP_KEYS | {"checkpoint"}, "restore")
                token = data.get("checkpoint")
                if not isinstance(token, str):
                    raise ValueError('restore needs {"checkpoint": "<token from checkpoint>"}')
                self.restore(
                    token,
                    _string_list(data.get("keep_clients", []), "keep_clients"),
                    keep_provisioned=bool(data.get("keep_provisioned", True)),
                )
                return 204, None, {}
            if endpoint == "admin_seed":
                return 201, self.seed(data), {}
            if endpoint == "admin_rate_limits":
                self.set_rate_limits(data.get("preset", data) or None)
                return 204, None, {}
            if endpoint == "admin_faults":
                if method == "DELETE":
                    # ?scope=NAME clears only the faults set with that scope.
                    self.faults.clear(scope=query.get("scope") or None)
                    return 204, None, {}
                unknown = set(data) - _ADMIN_FAULT_KEYS
                if unknown:
                    raise ValueError(f"unknown fault keys {sorted(unknown)}")
                self.faults.add(**data)
                return 201, {"queued": True}, {}
        except UnknownCheckpoint as error:
            return 404, mgmt_body(404, str(error), "not_found"), {}
        except (ValueError, TypeError, KeyError) as error:
            return 400, mgmt_body(400, f"Bad emulator request: {error}", "invalid_body"), {}
        return 404, dict(NOT_FOUND), {}


class UnknownCheckpoint(LookupError):
    """restore() was given a token this emulator did not hand out (or has forgotten)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown checkpoint"


@dataclass(frozen=True)
class _Checkpoint:
    snapshot: Snapshot
    faults_mark: int
    rate_limits: RateLimits | None


_NOT_LOOPBACK = "This emulator answers requests addressed to a loopback host only"
_ADMIN_FROM_A_BROWSER = (
    "The emulator's admin routes take a program's requests (a body as application/json, no "
    "Origin header), never one a web page made"
)


def _from_a_browser(environ: WSGIEnvironment) -> bool:
    """A request a browser may make for any page: it has an Origin, or a body that is not
    declared JSON (a cross-site form or text/plain post needs no preflight)."""
    if environ.get("HTTP_ORIGIN") is not None:
        return True
    has_body = str(environ.get("CONTENT_LENGTH") or "0") not in ("", "0")
    media = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    return has_body and media != "application/json"


def _lag(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"search_lag is a number of seconds >= 0, got {seconds!r}")
    return float(seconds)


def _no_unknown(data: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(
            f"unknown {what} keys {sorted(unknown)}; expected some of {sorted(allowed)}"
        )


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of client id strings")
    return list(value)


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return dumps(body)


def _token_params(content_type: str, body: bytes) -> dict[str, Any]:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or (not media and body.lstrip()[:1] == b"{"):
        try:
            data = parse_json(body) if body.strip() else {}
        except ApiError:
            raise oauth_error(400, "invalid_request", "Invalid JSON body") from None
        if not isinstance(data, dict):
            raise oauth_error(400, "invalid_request", "Invalid JSON body")
        return data
    if media in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise oauth_error(400, "invalid_request", "Invalid form body") from None
        return dict(parse_qsl(text, keep_blank_values=True))
    raise oauth_error(
        400,
        "invalid_request",
        "Unsupported content type: use application/json or application/x-www-form-urlencoded",
    )


def _default_fault_body(status: int, api: str) -> Any:
    if api == TOKEN:
        if status == 429:
            return {"error": "too_many_requests", "error_description": TOKEN_429_DESCRIPTION}
        return {
            "error": "temporarily_unavailable" if status == 503 else "server_error",
            "error_description": HTTP_STATUS_CODES.get(status, "Error"),
        }
    if status == 429:
        return mgmt_body(429, "Global limit has been reached", "too_many_requests")
    return mgmt_body(status, HTTP_STATUS_CODES.get(status, "Error"))


@contextmanager
def run_fake_auth0(
    tls: bool = False,
    port: int = 0,
    rate_limits: RateLimitSpec = None,
    clock: Callable[[], float] | None = None,
    token_lifetime: int = 86400,
    tls_material: TlsMaterial | None = None,
    apis: Iterable[ApiSpec] | None = None,
) -> Iterator[FakeAuth0]:
    """A started emulator, stopped on exit."""
    fake = FakeAuth0(
        tls=tls,
        port=port,
        rate_limits=rate_limits,
        clock=clock,
        token_lifetime=token_lifetime,
        tls_material=tls_material,
        apis=apis,
    )
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
