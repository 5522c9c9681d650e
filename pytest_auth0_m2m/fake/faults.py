"""Rate limits (token buckets per API) and injected faults, both off until asked for."""

from __future__ import annotations

import math
import random as _random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

MANAGEMENT = "management"
TOKEN = "token"
TOKEN_OPERATION = "oauth_token"
# Headers still go out when limits are off, so clients that read them always find them.
UNLIMITED = 1000
# The scope label of faults meant for the whole session: a restore (clear_since) keeps them.
SESSION_SCOPE = "session"


@dataclass(frozen=True)
class Bucket:
    """A token bucket: ``burst`` requests at once, refilled at ``rate`` per second."""

    rate: float
    burst: int


@dataclass(frozen=True)
class RateLimits:
    """Buckets per API; ``None`` leaves that API unlimited."""

    management: Bucket | None = None
    token: Bucket | None = None


PRESETS: dict[str, RateLimits] = {
    "free": RateLimits(management=Bucket(rate=2, burst=2), token=Bucket(rate=30, burst=30)),
    "enterprise-dev": RateLimits(
        management=Bucket(rate=2, burst=10), token=Bucket(rate=30, burst=30)
    ),
}

RateLimitSpec = Union[str, RateLimits, Mapping[str, Any], None]  # noqa: UP007 (runtime alias on 3.10)


def parse_rate_limits(spec: RateLimitSpec) -> RateLimits | None:
    """A preset name, a RateLimits, or ``{"management": {"rate", "burst"}, "token": {...}}``."""
    if spec is None:
        return None
    if isinstance(spec, RateLimits):
        return spec
    if not isinstance(spec, (str, Mapping)):
        raise ValueError(
            f"rate limits must be a preset name, a RateLimits, a dict or None, got {spec!r}"
        )
    if isinstance(spec, str):
        try:
            return PRESETS[spec]
        except KeyError:
            raise ValueError(
                f"unknown rate-limit preset {spec!r}; expected one of {sorted(PRESETS)}"
            ) from None
    buckets: dict[str, Bucket | None] = {}
    for api in (MANAGEMENT, TOKEN):
        raw = spec.get(api)
        if raw is None:
            buckets[api] = None
        elif isinstance(raw, Bucket):
            buckets[api] = raw
        else:
            buckets[api] = _bucket(api, raw)
    unknown = set(spec) - {MANAGEMENT, TOKEN}
    if unknown:
        raise ValueError(f"unknown rate-limit APIs {sorted(unknown)}; use management, token")
    return RateLimits(management=buckets[MANAGEMENT], token=buckets[TOKEN])


def _bucket(api: str, raw: Any) -> Bucket:
    """``{"rate": requests a second, "burst": requests}``, both above zero."""
    shape = f"rate limit for {api} must be {{'rate': requests a second, 'burst': requests}}"
    if not isinstance(raw, Mapping) or set(raw) != {"rate", "burst"}:
        raise ValueError(f"{shape}, got {raw!r}")
    rate, burst = raw["rate"], raw["burst"]
    numbers = (int, float)
    if isinstance(rate, bool) or isinstance(burst, bool) or not isinstance(rate, numbers):
        raise ValueError(f"{shape}, got {raw!r}")
    if not isinstance(burst, int):
        raise ValueError(f"{shape} (a whole number), got {raw!r}")
    rate = float(rate)
    if not (rate > 0 and math.isfinite(rate)) or burst < 1:
        raise ValueError(f"rate limit for {api}: rate must be above 0 and burst at least 1")
    return Bucket(rate=rate, burst=burst)


class _State:
    def __init__(self, bucket: Bucket, now: float) -> None:
        self.bucket = bucket
        self.tokens = float(bucket.burst)
        self.stamp = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(float(self.bucket.burst), self.tokens + elapsed * self.bucket.rate)
        self.stamp = now


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Takes one token per request from the API's bucket, on the emulator's clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self.limits: RateLimits | None = None

    def configure(self, limits: RateLimits | None) -> None:
        with self._lock:
            self.limits = limits
            self._states.clear()

    def take(self, api: str) -> Verdict:
        """Spend one request from ``api``'s bucket."""
        return self._visit(api, spend=True)

    def peek(self, api: str) -> dict[str, str]:
        """The rate-limit headers of ``api`` now, spending nothing (for injected answers)."""
        return self._visit(api, spend=False).headers

    def _visit(self, api: str, *, spend: bool) -> Verdict:
        now = self._clock()
        limits = self.limits
        bucket = getattr(limits, api) if limits is not None else None
        if bucket is None:
            return Verdict(
                True,
                {
                    "x-ratelimit-limit": str(UNLIMITED),
                    "x-ratelimit-remaining": str(UNLIMITED - 1 if spend else UNLIMITED),
                    "x-ratelimit-reset": str(int(now)),
                },
            )
        with self._lock:
            state = self._states.get(api)
            if state is None or state.bucket != bucket:
                state = self._states[api] = _State(bucket, now)
            state.refill(now)
            allowed = state.tokens >= 1.0
            if allowed and spend:
                state.tokens -= 1.0
            full_in = (bucket.burst - state.tokens) / bucket.rate if bucket.rate > 0 else 0.0
            headers = {
                "x-ratelimit-limit": str(bucket.burst),
                "x-ratelimit-remaining": str(int(state.tokens)),
                "x-ratelimit-reset": str(math.ceil(now + full_in)),
            }
            if not allowed:
                wait = (1.0 - state.tokens) / bucket.rate if bucket.rate > 0 else 1.0
                headers["retry-after"] = str(max(1, math.ceil(wait)))
        return Verdict(allowed, headers)


# --- injected faults -----------------------------------------------------------------------------


def _norm(operation: str) -> str:
    # Catalogue ids mix "-" and "_" (post_client-grants); accept either spelling.
    return operation.replace("-", "_")


def _targets(selector: str | None, operation_id: str, api: str) -> bool:
    if selector is None:
        return True
    if selector in (MANAGEMENT, TOKEN):
        return selector == api
    return _norm(selector) == _norm(operation_id)


@dataclass
class Fault:
    """Make the next ``count`` matching responses ``status`` (None: unchanged), after ``latency``.

    ``count=None`` means every matching request until removed. ``body`` may be a dict (sent as
    JSON), text or bytes (sent with ``content_type``); None gives Auth0's body for ``status``.
    """

    status: int | None = 503
    count: int | None = 1
    operation: str | None = None
    body: Any = None
    content_type: str | None = None
    latency: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    served: int = 0
    # A label to clear it by (Faults.clear(scope=...)), e.g. the test that set it.
    scope: str | None = None
    # Order of addition, so faults set after a checkpoint can be told apart (Faults.mark).
    seq: int = 0

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.served >= self.count


@dataclass
class RandomFault:
    """A share ``rate`` of matching requests get one of ``statuses``, picked by a seeded RNG."""

    rate: float
    statuses: tuple[int, ...]
    operation: str | None
    rng: _random.Random
    served: int = 0
    scope: str | None = None
    seq: int = 0


@dataclass(frozen=True)
class Injection:
    """What a request should suffer: a delay and maybe a replacement response."""

    status: int | None
    body: Any
    content_type: str | None
    latency: float
    headers: dict[str, str]


def _check_operation(operation: str | None) -> None:
    """A fault's ``operation``: None, an API or a Management operation id; a typo would never
    fire, so it is refused with the nearest names."""
    if operation is None or operation in (MANAGEMENT, TOKEN, TOKEN_OPERATION):
        return
    import difflib

    from pytest_auth0_m2m.auth0.scopes import catalogue

    known = {op.operation_id for op in catalogue().operations}
    if _norm(operation) in {_norm(k) for k in known}:  # either spelling, as _targets matches
        return
    near = difflib.get_close_matches(operation, sorted(known), n=3)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise ValueError(
        f"fault operation {operation!r} is not a Management API operation id (get_users, "
        f"post_clients...), {TOKEN_OPERATION!r}, {MANAGEMENT!r}, {TOKEN!r} or None{hint}"
    )


class Faults:
    """Fault injection for one emulator: ``add`` deterministic faults, ``random`` noisy ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._random: list[RandomFault] = []
        self._seq = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def mark(self) -> int:
        """A position in the order faults were added: :meth:`clear_since` removes later ones."""
        with self._lock:
            return self._seq

    def add(
        self,
        status: int | None = 503,
        count: int | None = 1,
        operation: str | None = None,
        body: Any = None,
        content_type: str | None = None,
        latency: float = 0.0,
        headers: Mapping[str, str] | None = None,
        scope: str | None = None,
    ) -> Fault:
        """Queue a fault; ``operation`` is an operation_id, ``"oauth_token"``, ``"management"``,
        ``"token"`` or None (every tenant call); ``scope`` labels it for ``clear(scope=...)``."""
        if status is not None and (
            not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599
        ):
            raise ValueError(f"fault status must be an HTTP status (an int), got {status!r}")
        _check_operation(operation)
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 1
        ):
            raise ValueError(
                f"fault count must be None (every request) or an int of at least 1, got {count!r}"
            )
        if not (isinstance(latency, (int, float)) and math.isfinite(latency)):
            raise ValueError(f"fault latency must be a number of seconds, got {latency!r}")
        if latency < 0:
            raise ValueError("fault latency must be >= 0")
        fault = Fault(
            status=status,
            count=count,
            operation=operation,
            body=body,
            content_type=content_type,
            latency=latency,
            headers=dict(headers or {}),
            scope=scope,
        )
        with self._lock:
            fault.seq = self._next()
            self._faults.append(fault)
        return fault

    def random(
        self,
        rate: float,
        statuses: tuple[int, ...] = (429, 503),
        seed: int | None = None,
        operation: str | None = None,
        scope: str | None = None,
    ) -> RandomFault:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("random fault rate must be between 0 and 1")
        if not statuses:
            raise ValueError("random fault needs at least one status")
        _check_operation(operation)
        if any(not 400 <= int(status) <= 599 for status in statuses):
            raise ValueError(f"random fault statuses must be 4xx or 5xx, got {statuses}")
        fault = RandomFault(rate, tuple(statuses), operation, _random.Random(seed), scope=scope)
        with self._lock:
            fault.seq = self._next()
            self._random.append(fault)
        return fault

    def clear(self, scope: str | None = None) -> None:
        """Remove every fault, or only those added with ``scope``."""
        with self._lock:
            if scope is None:
                self._faults.clear()
                self._random.clear()
                return
            self._faults = [f for f in self._faults if f.scope != scope]
            self._random = [f for f in self._random if f.scope != scope]

    def clear_since(self, mark: int) -> None:
        """Remove the faults added after :meth:`mark` returned ``mark``, except those added
        with ``scope=SESSION_SCOPE`` ("session"), which only ``clear()`` removes."""
        with self._lock:
            self._faults = [f for f in self._faults if f.seq <= mark or f.scope == SESSION_SCOPE]
            self._random = [f for f in self._random if f.seq <= mark or f.scope == SESSION_SCOPE]

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def pick(self, operation_id: str, api: str) -> Injection | None:
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not _targets(fault.operation, operation_id, api):
                    continue
                fault.served += 1
                self._faults = [f for f in self._faults if not f.exhausted]
                return Injection(
                    fault.status, fault.body, fault.content_type, fault.latency, fault.headers
                )
            for noisy in self._random:
                if not _targets(noisy.operation, operation_id, api):
                    continue
                if noisy.rng.random() < noisy.rate:
                    noisy.served += 1
                    status = noisy.rng.choice(noisy.statuses)
                    return Injection(status, None, None, 0.0, {})
        return None


class Counters:
    """Tokens issued per client, responses per (operation_id, status), 429s served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tokens_issued: dict[str, int] = {}
        self.requests: dict[tuple[str, int], int] = {}
        self.rate_limited = 0

    def record(self, operation_id: str, status: int) -> None:
        key = (operation_id, status)
        with self._lock:
            self.requests[key] = self.requests.get(key, 0) + 1
            if status == 429:
                self.rate_limited += 1

    def token_issued(self, client_id: str) -> None:
        with self._lock:
            self.tokens_issued[client_id] = self.tokens_issued.get(client_id, 0) + 1

    def count(self, operation_id: str, status: int | None = None) -> int:
        """Responses of ``operation_id`` (either id spelling), optionally only with ``status``."""
        want = _norm(operation_id)
        with self._lock:
            return sum(
                n
                for (op, st), n in self.requests.items()
                if _norm(op) == want and (status is None or st == status)
            )

    def reset(self) -> None:
        with self._lock:
            self.tokens_issued.clear()
            self.requests.clear()
            self.rate_limited = 0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "tokens_issued": dict(self.tokens_issued),
                "requests": [
                    {"operation": op, "status": st, "count": n}
                    for (op, st), n in sorted(self.requests.items())
                ],
                "rate_limited": self.rate_limited,
            }
