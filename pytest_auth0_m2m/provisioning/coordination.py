"""One run shared by its xdist workers, and many runs sharing one tenant.

Within one run (a pytest session and its xdist workers): a JSON run-state file guarded by a
FileLock records which apps the run leased and what each process counted, so that the teardown
runs once, in the process that owns the run. Across runs (concurrent sessions, CI jobs on other
machines): a lease per run in the app's ``client_metadata`` that expires by itself; a lease whose
owner is a dead process on this host is recognised as dead at once.

Auth0 has no compare-and-swap on a client (no ETag, no If-Match), but it merges a PATCH of
``client_metadata`` one level deep and removes a key only when it is sent as null
(docs/auth0-wire.md). So each run's lease is a key of its own (``lease_<run id>``): taking or
dropping one is a one-key write that cannot erase another run's. What remains is ordering: a
run that takes a lease waits (``Settle``) before it looks for the grant, so that a teardown which
decided a moment earlier that nobody holds the app has deleted the grant by then, and the grant
is made again (see provisioner.py). Auth0 allows 10 keys: MAX_LEASES bounds the leases.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from pytest_auth0_m2m.provisioning.tokens import (
    TokenCacheError,
    private_dir,
    private_root,
    user_cache_dir,
)

# A lease outlives any sane session; a crashed run's lease on another machine frees itself then.
LEASE_TTL = 3 * 3600.0
# One client_metadata key per run's lease; Auth0 allows 10 keys in all, and the plugin's own
# keys (marker, scope hash, created_at, last_used, tag: provisioner.PLUGIN_KEYS) take 5.
LEASE_PREFIX = "lease_"
METADATA_KEYS_MAX = 10
# The key of the leases of versions before per-run keys: read (its leases still hold), removed
# once none of them is alive.
LEGACY_LEASES = "leases"
# client_metadata values are at most 255 characters (docs/auth0-wire.md).
METADATA_VALUE_MAX = 255

# How long a lease write waits before reading the app back: SETTLE_FACTOR times the slowest
# read-then-write this process has seen (a peer's read-to-write gap is about one round trip,
# ours measures two), never under SETTLE_MIN (a peer stalled by its scheduler) nor over
# SETTLE_MAX; then up to SETTLE_JITTER more, so that contenders do not retry in lockstep.
SETTLE_MIN = 0.1
SETTLE_MAX = 3.0
SETTLE_FACTOR = 3.0
SETTLE_JITTER = 0.5
# A read older than this (since its answer came) is read again before it is written back: a
# stall between read and write (scheduler, GC) must not stretch the window past a peer's wait.
STALE_READ = SETTLE_MIN / 2
# Writes of one app's lease before giving up on a change that keeps being undone.
LEASE_ATTEMPTS = 5
# Cold starts: how long a run that has just created (or found a young) app waits before it
# lists the apps of its scope set again to pick the one every run agrees on. It must outlast a
# peer's list-create-tag, so it is CONVERGE_FACTOR times the slowest this process saw of its
# own, never under CONVERGE_MIN (a peer stalled by its scheduler) nor over SETTLE_MAX.
CONVERGE_MIN = 0.3
CONVERGE_FACTOR = 3.0
# An app whose created_at is at most this old may still have a twin being made by a peer: a run
# that finds one waits and lists again before it uses it. It covers a peer's list-create-tag
# (well under a second) plus the clock difference between machines.
YOUNG_APP = 30.0


def host_id() -> str:
    """A short, stable, non-identifying tag for this machine."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


@dataclass(frozen=True)
class Lease:
    """One run's claim on an app's grant: ``run:host:pid:expires`` in ``client_metadata``."""

    run_id: str
    host: str
    pid: int
    expires: int

    def encode(self) -> str:
        return f"{self.run_id}:{self.host}:{self.pid}:{self.expires}"

    @property
    def key(self) -> str:
        """This lease's client_metadata key: one per run."""
        return lease_key(self.run_id)

    @property
    def value(self) -> str:
        return f"{self.host}:{self.pid}:{self.expires}"

    @classmethod
    def from_item(cls, key: str, value: object) -> Lease | None:
        """The lease stored as ``lease_<run id>: host:pid:expires``, or None."""
        if not key.startswith(LEASE_PREFIX) or not isinstance(value, str):
            return None
        return cls.decode(f"{key[len(LEASE_PREFIX) :]}:{value}")

    @classmethod
    def decode(cls, text: str) -> Lease | None:
        parts = text.split(":")
        if len(parts) != 4:
            return None
        try:
            return cls(parts[0], parts[1], int(parts[2]), int(parts[3]))
        except ValueError:
            return None

    def alive(self, now: float, this_host: str | None = None) -> bool:
        """Not expired, and (on this host) its owning process still runs."""
        if self.expires <= now:
            return False
        if self.host == (this_host or host_id()):
            return pid_alive(self.pid)
        return True


def lease_key(run_id: str) -> str:
    return f"{LEASE_PREFIX}{run_id}"


def parse_leases(text: object) -> list[Lease]:
    """The legacy ``leases`` value: ``run:host:pid:expires`` joined by ``;``."""
    if not isinstance(text, str):
        return []
    leases = (Lease.decode(part) for part in text.split(";") if part)
    return [lease for lease in leases if lease is not None]


def leases_in(metadata: Mapping[str, object]) -> list[Lease]:
    """Every lease an app's client_metadata holds: the per-run keys and the legacy value."""
    found = [Lease.from_item(str(key), value) for key, value in metadata.items()]
    return [lease for lease in found if lease is not None] + parse_leases(
        metadata.get(LEGACY_LEASES)
    )


class Settle:
    """The wait between a lease write and its read-back, learnt from this process's round trips.

    ``sleep`` and ``rng`` are injectable for tests; durations come from ``time.monotonic`` and
    never from wall clocks, which differ between machines.
    """

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.slowest = 0.0  # seconds, the slowest read-then-write seen

    def observe(self, seconds: float) -> None:
        self.slowest = max(self.slowest, seconds)

    def delay(self) -> float:
        base = min(SETTLE_MAX, max(SETTLE_MIN, SETTLE_FACTOR * self.slowest))
        return base * (1.0 + SETTLE_JITTER * self.rng.random())

    def wait(self) -> None:
        self.sleep(self.delay())

    def converge_delay(self, own: float) -> float:
        """The wait before a cold start lists its scope set's apps again; ``own`` is the slowest
        list-create-tag this process has seen (seconds)."""
        base = min(SETTLE_MAX, max(CONVERGE_MIN, CONVERGE_FACTOR * own))
        return base * (1.0 + SETTLE_JITTER * self.rng.random())


@dataclass(frozen=True)
class RunInfo:
    """Who owns this run: passed from the controller to its xdist workers."""

    run_id: str
    owner_pid: int
    host: str
    state_dir: Path

    @classmethod
    def new(cls, state_dir: Path) -> RunInfo:
        return cls(secrets.token_hex(4), os.getpid(), host_id(), state_dir)

    def lease(self, now: float | None = None, ttl: float = LEASE_TTL) -> Lease:
        start = time.time() if now is None else now  # an injected clock may well read 0
        return Lease(self.run_id, self.host, self.owner_pid, int(start + ttl))

    def as_workerinput(self) -> dict[str, Any]:
        return {
            "auth0_m2m_run_id": self.run_id,
            "auth0_m2m_owner_pid": self.owner_pid,
            "auth0_m2m_host": self.host,
            "auth0_m2m_state_dir": str(self.state_dir),
        }

    @classmethod
    def from_workerinput(cls, data: Mapping[str, Any]) -> RunInfo | None:
        if "auth0_m2m_run_id" not in data:
            return None
        return cls(
            str(data["auth0_m2m_run_id"]),
            int(data["auth0_m2m_owner_pid"]),
            str(data["auth0_m2m_host"]),
            Path(str(data["auth0_m2m_state_dir"])),
        )

    @property
    def state(self) -> RunState:
        return RunState(self.state_dir / "runs" / f"{self.run_id}.json")


def lock_dir(state_dir: Path) -> Path:
    """Where app locks live: the user's cache directory, shared by every session this user runs
    on this machine (whatever checkout it runs in), so that local sessions never race on the
    tenant; the run's state directory if that one is not usable (refused as not private, or
    not writable)."""
    try:
        return private_root(user_cache_dir()) / "locks"
    except (OSError, TokenCacheError):
        return state_dir / "locks"


def app_lock(locks: Path, domain: str, scope_hash: str) -> FileLock:
    """Serialises find-or-create of one scope set's app between the processes sharing the
    directory ``locks`` (lock_dir: this user's on this machine); runs elsewhere converge on the
    tenant (Provisioner.ensure_app)."""
    private_dir(locks)  # 0700, no symbolic link followed: lock files are made in it
    tag = hashlib.sha256(f"{domain}\n{scope_hash}".encode()).hexdigest()[:24]
    return FileLock(str(locks / f"app-{tag}.lock"), timeout=300, mode=0o600)


class RunState:
    """The run-state file: ``{owner_pid, host, domain, apps: {client_id: scope_hash},
    stats: {process: {...}}, torn_down}``. Holds ids and counts, never a secret."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path.with_suffix(".lock")), timeout=120, mode=0o600)

    @property
    def run_id(self) -> str:
        return self.path.stem

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write under the lock."""
        private_dir(self.path.parent)  # runs/: 0700, never a symbolic link
        with self._lock:
            data = self._read()
            yield data
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, sort_keys=True))
            os.replace(tmp, self.path)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self) -> dict[str, Any]:
        with self._lock:
            return self._read()

    def start(self, info: RunInfo, domain: str) -> None:
        with self.edit() as data:
            data.setdefault("owner_pid", info.owner_pid)
            data.setdefault("host", info.host)
            data.setdefault("started", int(time.time()))
            data.setdefault("domain", domain)
            data.setdefault("apps", {})
            data.setdefault("stats", {})

    def record_app(self, client_id: str, scope_hash: str) -> None:
        with self.edit() as data:
            data.setdefault("apps", {})[client_id] = scope_hash

    def record_ignored(self, client_ids: Iterable[str]) -> None:
        """Apps whose tag did not verify, seen by any process of the run (counted once)."""
        with self.edit() as data:
            known = set(data.get("ignored", []))
            data["ignored"] = sorted(known | set(client_ids))

    def record_stats(self, process: str, stats: Mapping[str, int]) -> None:
        with self.edit() as data:
            data.setdefault("stats", {})[process] = dict(stats)

    def claim_teardown(self) -> bool:
        """True exactly once per run: the caller does the run's teardown."""
        with self.edit() as data:
            if data.get("torn_down"):
                return False
            data["torn_down"] = True
            return True

    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        data = self.load()
        for stats in data.get("stats", {}).values():
            for key, value in stats.items():
                totals[key] = totals.get(key, 0) + int(value)
        if data.get("ignored"):
            totals["apps_ignored"] = len(data["ignored"])
        return totals

    def remove(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.path.with_suffix(".lock").unlink()


def dead_runs(state_dir: Path, this_host: str | None = None) -> list[RunState]:
    """Runs recorded on this host whose owning process is gone without tearing down."""
    host = this_host or host_id()
    found: list[RunState] = []
    for path in sorted((state_dir / "runs").glob("*.json")):
        state = RunState(path)
        data = state.load()
        if not data or data.get("torn_down") or data.get("host") != host:
            continue
        pid = int(data.get("owner_pid", 0))
        if pid != os.getpid() and not pid_alive(pid):
            found.append(state)
    return found
