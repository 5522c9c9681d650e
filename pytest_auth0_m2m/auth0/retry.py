"""Auth0's rate limits, honoured: when to wait, when to retry, and a pacer shared by processes.

Auth0 answers 429 with ``Retry-After`` (seconds) and ``x-ratelimit-reset`` (a Unix time) and
counts the Management API's requests per tenant, whoever sends them, so the pacer that keeps a
run under its plan's limit is a token bucket in a file that every process of the run (xdist
workers, concurrent local sessions) takes from under a file lock. ``RetryingTransport`` is the
httpx transport of the clients the plugin hands out: it paces Management API requests, waits out
429s and retries 5xx where repeating the request is harmless.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import email.utils
import hashlib
import ipaddress
import json
import os
import random
import re
import ssl
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

# 502/504 and dropped connections may come after Auth0 acted; 500/503 usually before. Only an
# idempotent request is repeated on them (RFC 9110 9.2.2): repeating it changes nothing more.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# The requests Auth0 counts against the Management API's limit (the token endpoint has its own).
MANAGEMENT_PATH = "/api/v2/"


@dataclass
class RetryPolicy:
    """How long to keep trying. ``sleep``/``clock``/``rng`` are injectable for tests."""

    attempts: int = 8
    base_delay: float = 0.1
    max_backoff: float = 2.0
    # A 429's reset can be far off (a daily quota); waiting longer than this gives up.
    max_wait: float = 30.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff: spreads xdist workers that hit a limit together."""
        ceiling = min(self.max_backoff, self.base_delay * (2**attempt))
        return float(self.rng.uniform(self.base_delay / 2, max(ceiling, self.base_delay)))

    def rate_limit_delay(self, response: httpx.Response, attempt: int) -> float:
        """Seconds to wait after a 429: Retry-After, else x-ratelimit-reset, else backoff."""
        delay: float | None = None
        retry_after = response.headers.get("retry-after")
        if retry_after:
            try:
                delay = float(retry_after)
            except ValueError:
                try:
                    parsed = email.utils.parsedate_to_datetime(retry_after)
                except (TypeError, ValueError):  # neither seconds nor an HTTP date
                    parsed = None
                delay = parsed.timestamp() - self.clock() if parsed else None
        if delay is None:
            reset = response.headers.get("x-ratelimit-reset")
            if reset:
                try:
                    delay = float(reset) - self.clock()
                except ValueError:
                    delay = None
        if delay is None:
            return self.backoff(attempt)
        # A little jitter on top so that workers released by one reset do not collide again.
        return max(0.0, delay) + float(self.rng.uniform(0, self.base_delay))


# --- the plan's limit --------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """``rate`` Management API requests a second with bursts of ``burst``."""

    rate: float
    burst: int

    def __str__(self) -> str:
        return f"{self.rate:g}/s, burst {self.burst}"


# Auth0's published Management API limits for the plans whose dev tenants tests run on (the
# emulator's presets of the same names enforce the same numbers; a test keeps them in sync).
PLANS: dict[str, RateLimit] = {
    "free": RateLimit(rate=2.0, burst=2),
    "enterprise-dev": RateLimit(rate=2.0, burst=10),
}
MIN_RATE = 0.1  # requests a second: one every 10 s
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+))?\s*$")


class RateLimitError(ValueError):
    """A rate-limit setting that cannot be read; the message shows the accepted forms."""


def parse_rate_limit(text: str) -> RateLimit | None:
    """``free``, ``enterprise-dev``, ``RATE`` or ``RATE/BURST`` (requests a second), or ``off``."""
    word = text.strip().lower()
    if word in ("", "off", "none", "0"):
        return None
    if word in PLANS:
        return PLANS[word]
    match = _RATE.match(word)
    if match is None or float(match.group(1)) <= 0:
        raise RateLimitError(
            f"rate limit {text!r} is not one of {', '.join(sorted(PLANS))}, off, a rate such as "
            "15 (requests a second) or a rate with its burst such as 15/30"
        )
    rate = float(match.group(1))
    if rate < MIN_RATE:
        # A rate this low would hold the run for minutes per request, with nothing on screen.
        raise RateLimitError(
            f"rate limit {text!r}: the rate must be at least {MIN_RATE} requests a second "
            "(Auth0's plans allow 2 and more); use off for no pacing"
        )
    if match.group(2) is not None and int(match.group(2)) < 1:
        raise RateLimitError(f"rate limit {text!r}: the burst must be at least 1 request")
    burst = int(match.group(2)) if match.group(2) else max(1, int(rate))
    return RateLimit(rate=rate, burst=burst)


# --- pacing ------------------------------------------------------------------------------------


class Pacer(Protocol):
    def reserve(self) -> float:
        """Take one request's share; the seconds to wait before sending it."""
        ...

    def hold(self, seconds: float) -> None:
        """The tenant said 429: nobody sends for ``seconds``."""
        ...


MAX_QUEUE_SECONDS = 300.0
MAX_QUEUED = 256


class SharedBucket:
    """A token bucket in a JSON file, taken from under a file lock by every process that opens
    the same path. Tokens may go negative: each request reserves its turn and sleeps outside
    the lock until then, so the lock is held for a read and a write, never for a wait.

    The bucket holds one token less than the plan's burst: a request's trip to Auth0 takes a
    varying time, and the spare token absorbs two requests that arrive closer than they left.
    """

    def __init__(
        self, path: Path, limit: RateLimit, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.limit = limit
        self.capacity = float(max(1, limit.burst - 1))
        # Deeper than a few minutes of the plan's requests queued: a corrupt (or planted) file,
        # which would hold every later run; it is started afresh instead.
        self._floor = -(limit.rate * MAX_QUEUE_SECONDS) - MAX_QUEUED
        self._clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        # Imported here: only a paced (live) session needs a lock file, not a replay.
        from filelock import FileLock

        self._lock = FileLock(str(path.with_suffix(".lock")), timeout=60, mode=0o600)

    def __repr__(self) -> str:
        return f"SharedBucket({self.limit})"

    def _take(self, spend: float, floor: float | None) -> float:
        with self._lock:
            now = self._clock()
            try:
                state = json.loads(self.path.read_text())
                tokens, stamp = float(state["tokens"]), float(state["stamp"])
            except (OSError, ValueError, KeyError, TypeError):  # new, or cut by a crash
                tokens, stamp = self.capacity, now
            if not tokens >= self._floor:  # NaN too: no run ever queues this deep
                tokens, stamp = self.capacity, now
            tokens = min(self.capacity, tokens + max(0.0, now - stamp) * self.limit.rate)
            if floor is not None:
                tokens = min(tokens, floor)
            tokens -= spend
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(handle, "w") as out:
                out.write(json.dumps({"tokens": tokens, "stamp": now}))
            os.replace(tmp, self.path)
        return max(0.0, -tokens) / self.limit.rate

    def reserve(self) -> float:
        return self._take(1.0, None)

    def hold(self, seconds: float) -> None:
        # The bucket emptied for as long as the tenant asked: requests queue up behind it.
        self._take(0.0, -seconds * self.limit.rate)


def bucket_path(state_dir: Path, domain: str) -> Path:
    """One bucket per tenant under ``state_dir``: every run that talks to it shares the file."""
    tag = hashlib.sha256(domain.lower().encode()).hexdigest()[:16]
    return state_dir / "pacing" / f"{tag}.json"


# --- the transport -----------------------------------------------------------------------------


@dataclass
class RetryStats:
    """What the session's clients waited for and retried."""

    rate_limit_waits: int = 0
    retries: int = 0
    paced_wait: float = 0.0  # seconds spent waiting for the pacer

    def as_dict(self) -> dict[str, int]:
        return {"rate_limit_waits": self.rate_limit_waits, "retries": self.retries}


def _resendable(request: httpx.Request) -> bool:
    # A body given as bytes, str, JSON or a form is kept whole by httpx and can go out again;
    # a generator's cannot.
    return isinstance(request.stream, httpx.ByteStream)


@dataclass
class _Attempts:
    """The decisions shared by the sync and the async transport."""

    policy: RetryPolicy
    pacer: Pacer | None
    retry: bool
    stats: RetryStats

    def pace(self, request: httpx.Request) -> float:
        if self.pacer is None or not request.url.path.startswith(MANAGEMENT_PATH):
            return 0.0
        wait = self.pacer.reserve()
        self.stats.paced_wait += wait
        return wait

    def after_error(self, request: httpx.Request, exc: httpx.TransportError, attempt: int) -> float:
        """Seconds before the next attempt after a transport error, or -1: raise it."""
        if not self.retry or attempt + 1 >= self.policy.attempts or not _resendable(request):
            return -1.0
        # A refused connection never reached Auth0; anything later might have.
        never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        if not never_sent and request.method not in IDEMPOTENT_METHODS:
            return -1.0
        self.stats.retries += 1
        return self.policy.backoff(attempt)

    def decide(self, request: httpx.Request, response: httpx.Response, attempt: int) -> float:
        """Seconds to wait before sending ``request`` again after ``response``, or -1: this
        response is the answer. No side effect: the cassette hook asks it too."""
        if not self.retry or attempt + 1 >= self.policy.attempts or not _resendable(request):
            return -1.0
        status = response.status_code
        if status == 429:  # refused before anything happened: any method may go again
            delay = self.policy.rate_limit_delay(response, attempt)
            # A quota's reset hours away: the test sees the 429.
            return -1.0 if delay > self.policy.max_wait else delay
        if status in RETRY_STATUSES and request.method in IDEMPOTENT_METHODS:
            return self.policy.backoff(attempt)
        return -1.0

    def after_response(
        self,
        request: httpx.Request,
        response: httpx.Response,
        attempt: int,
        decided: float | None = None,
    ) -> float:
        """Seconds before the next attempt, or -1: this response is the answer. ``decided``:
        what :meth:`decide` already said about this response (when it was recorded)."""
        delay = self.decide(request, response, attempt) if decided is None else decided
        if delay < 0:
            return -1.0
        if response.status_code != 429:
            self.stats.retries += 1
            return delay
        self.stats.rate_limit_waits += 1
        if self.pacer is not None and request.url.path.startswith(MANAGEMENT_PATH):
            self.pacer.hold(delay)
            return 0.0  # the pacer's next reservation makes the wait, for every process
        return delay


@dataclass
class _InFlight:
    """The attempt a transport is waiting on, for the cassette hook (see ``final_answer``)."""

    attempts: _Attempts
    request: httpx.Request
    attempt: int
    decided: float | None = None


_IN_FLIGHT: contextvars.ContextVar[_InFlight | None] = contextvars.ContextVar(
    "pytest_auth0_m2m_in_flight", default=None
)


def answered_without_retry() -> bool:
    """Whether the response being recorded is the answer a client of ours hands to the test
    as is (``final_answer`` decided so): a 429 then belongs in the cassette, as the test got it."""
    flight = _IN_FLIGHT.get()
    return flight is not None and flight.decided is not None and flight.decided < 0


def final_answer(response: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A vcrpy ``before_record_response`` hook: None (not recorded) for an answer that the
    client which sent it is about to retry, the response itself otherwise.

    vcrpy records at httpx's ``HTTPTransport``, inside the retry loop, so every attempt would
    be recorded; a cassette should hold what the test got, not the tenant's passing 503s (nor
    429s). The decision is made once, here, and the transport then acts on it.
    """
    flight = _IN_FLIGHT.get()
    if flight is None:  # not sent by a retrying client of ours (or played back)
        return response
    status = response.get("status") or {}
    headers = response.get("headers") or {}
    pairs = [
        (str(name), str(value))
        for name, values in headers.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    probe = httpx.Response(int(status.get("code", 0)), headers=pairs)
    flight.decided = flight.attempts.decide(flight.request, probe, flight.attempt)
    return None if flight.decided >= 0 else response


class RetryingTransport(httpx.BaseTransport):
    """Paces Management API requests, waits out 429s, retries 5xx of idempotent requests.

    With ``retry=False`` it only paces: every answer, a 429 too, goes to the caller as is.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        *,
        retry: bool = True,
        stats: RetryStats | None = None,
    ) -> None:
        self.inner = inner
        self.stats = stats if stats is not None else RetryStats()
        self._attempts = _Attempts(policy or RetryPolicy(), pacer, retry, self.stats)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = self._attempts
        sleep = attempts.policy.sleep
        attempt = 0
        while True:
            wait = attempts.pace(request)
            if wait:
                sleep(wait)
            flight = _InFlight(attempts, request, attempt)
            try:
                response = self._send(request, flight)
            except httpx.TransportError as exc:
                delay = attempts.after_error(request, exc, attempt)
                if delay < 0:
                    raise
            else:
                delay = attempts.after_response(request, response, attempt, flight.decided)
                if delay < 0:
                    return response
                response.read()
                response.close()
            if delay:
                sleep(delay)
            attempt += 1

    def _send(self, request: httpx.Request, flight: _InFlight) -> httpx.Response:
        token = _IN_FLIGHT.set(flight)
        try:
            return self.inner.handle_request(request)
        finally:
            _IN_FLIGHT.reset(token)

    def close(self) -> None:
        self.inner.close()


class AsyncRetryingTransport(httpx.AsyncBaseTransport):
    """``RetryingTransport`` for ``httpx.AsyncClient``: it waits with ``asyncio.sleep``."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        *,
        retry: bool = True,
        stats: RetryStats | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.inner = inner
        self.stats = stats if stats is not None else RetryStats()
        self._attempts = _Attempts(policy or RetryPolicy(), pacer, retry, self.stats)
        # None: asyncio.sleep; a replayed session passes a function that does not wait.
        self._sleep = sleep

    async def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempts = self._attempts
        attempt = 0
        while True:
            wait = attempts.pace(request)
            if wait:
                await self._wait(wait)
            flight = _InFlight(attempts, request, attempt)
            try:
                response = await self._send(request, flight)
            except httpx.TransportError as exc:
                delay = attempts.after_error(request, exc, attempt)
                if delay < 0:
                    raise
            else:
                delay = attempts.after_response(request, response, attempt, flight.decided)
                if delay < 0:
                    return response
                await response.aread()
                await response.aclose()
            if delay:
                await self._wait(delay)
            attempt += 1

    async def _send(self, request: httpx.Request, flight: _InFlight) -> httpx.Response:
        token = _IN_FLIGHT.set(flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            _IN_FLIGHT.reset(token)

    async def aclose(self) -> None:
        await self.inner.aclose()


# --- what a session's clients share ------------------------------------------------------------


# The variables urllib reads, as they are usually spelt: a change to any of them is seen at
# once. urllib.request.getproxies() scans the whole environment (about 0.2 ms, for every
# client a test makes); its answer is kept while these names keep their values.
_PROXY_NAMES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",  # urllib drops HTTP_PROXY under CGI
)
_proxies_seen: tuple[tuple[str | None, ...], dict[str, str]] | None = None


def _environment_proxies() -> dict[str, str]:
    global _proxies_seen
    key = tuple(os.environ.get(name) for name in _PROXY_NAMES)
    seen = _proxies_seen
    if seen is None or seen[0] != key:
        seen = _proxies_seen = (key, urllib.request.getproxies())
    return seen[1]


def env_proxy(url: str | httpx.URL) -> str | None:
    """The proxy the environment names for ``url``, as a plain ``httpx.Client`` would use it.

    httpx reads HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY only for a client without a
    transport of its own; the plugin's clients have one (the retries), so they look the proxy
    up here and give it to their inner transport. NO_PROXY as curl reads it: ``*``, host names
    (``example.com`` and ``.example.com`` both cover ``api.example.com``), optionally with a
    port, IP addresses and CIDR ranges.
    """
    found = _environment_proxies()
    if found.keys() <= {"no"}:
        return None  # no proxy for any scheme (the usual case): the URL needs no parsing
    target = httpx.URL(url)
    proxy = found.get(target.scheme) or found.get("all")
    if not proxy:
        return None
    host = target.host.lower()
    port = target.port or (443 if target.scheme == "https" else 80)
    for raw in found.get("no", "").split(","):
        entry = raw.strip().lower()
        if "://" in entry:
            parsed = httpx.URL(entry)
            entry = parsed.host + (f":{parsed.port}" if parsed.port else "")
        if entry == "*":
            return None
        if not entry:
            continue
        if entry.startswith("[") and "]" in entry:  # [::1] or [::1]:8080
            name, _, rest = entry[1:].partition("]")
            entry_port = rest.lstrip(":")
        elif entry.count(":") == 1:
            name, _, entry_port = entry.partition(":")
        else:
            name, entry_port = entry, ""
        if entry_port and entry_port != str(port):
            continue
        if _no_proxy_match(host, name.lstrip(".")):
            return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _no_proxy_match(host: str, name: str) -> bool:
    if "/" in name:
        try:
            return ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False)
        except ValueError:
            return False
    return host == name or host.endswith("." + name)


def ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """One verifying context for a session's clients: loading a CA bundle costs about 20 ms,
    and httpx would load it again for every client it makes. ``ca_file`` (the emulator's
    bundle) replaces the default trust, which is httpx's own (SSL_CERT_FILE, SSL_CERT_DIR,
    else certifi)."""
    if ca_file is not None:
        return ssl.create_default_context(cafile=str(ca_file))
    return httpx.create_ssl_context()


@dataclass
class ClientKit:
    """Everything the clients of one session share: TLS trust, retries, the pacer, counters.

    ``verify`` is made on first use (a replayed session never opens a connection).
    """

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    pacer: Pacer | None = None
    retry: bool = True
    ca_file: Path | None = None
    stats: RetryStats = field(default_factory=RetryStats)
    wait: bool = True  # False on replay: a recorded 429 is answered at once, so nothing waits
    _verify: ssl.SSLContext | None = None
    # (the policy it was made from, that policy without waits): made once, not per client.
    _quiet: tuple[RetryPolicy, RetryPolicy] | None = field(default=None, repr=False, compare=False)

    @property
    def verify(self) -> ssl.SSLContext:
        if self._verify is None:
            self._verify = ssl_context(self.ca_file)
        return self._verify

    def _policy(self) -> RetryPolicy:
        if self.wait:
            return self.policy
        if self._quiet is None or self._quiet[0] is not self.policy:
            self._quiet = (self.policy, dataclasses.replace(self.policy, sleep=_no_wait))
        return self._quiet[1]

    def client(self, base_url: str, headers: dict[str, str], *, retry: bool = True) -> httpx.Client:
        """``retry=False``: this client hands back 429s and 5xx whatever the kit's setting."""
        transport = RetryingTransport(
            httpx.HTTPTransport(verify=self.verify, proxy=env_proxy(base_url)),
            self._policy(),
            self.pacer,
            retry=self.retry and retry,
            stats=self.stats,
        )
        return httpx.Client(base_url=base_url, headers=headers, transport=transport)

    def async_client(
        self, base_url: str, headers: dict[str, str], *, retry: bool = True
    ) -> httpx.AsyncClient:
        # No kept-alive connection: nothing stays bound to the test's event loop afterwards.
        inner = httpx.AsyncHTTPTransport(
            verify=self.verify,
            limits=httpx.Limits(max_keepalive_connections=0),
            proxy=env_proxy(base_url),
        )
        transport = AsyncRetryingTransport(
            inner,
            self.policy,
            self.pacer,
            retry=self.retry and retry,
            stats=self.stats,
            sleep=None if self.wait else _no_wait,
        )
        return httpx.AsyncClient(base_url=base_url, headers=headers, transport=transport)


def _no_wait(seconds: float) -> None:
    return None


__all__ = [
    "IDEMPOTENT_METHODS",
    "PLANS",
    "RETRY_STATUSES",
    "AsyncRetryingTransport",
    "ClientKit",
    "Pacer",
    "RateLimit",
    "RateLimitError",
    "RetryPolicy",
    "RetryStats",
    "RetryingTransport",
    "SharedBucket",
    "answered_without_retry",
    "bucket_path",
    "env_proxy",
    "final_answer",
    "parse_rate_limit",
    "ssl_context",
]
