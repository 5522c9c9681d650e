"""Provisioning under Auth0's free-plan rate limit, against the floor that limit itself sets.

    .venv/bin/python benchmarks/provisioning_rate_limit.py [--sets 10] [--latency 0.1]

The embedded emulator runs with the ``free`` preset (Management API: burst 2, 2 requests/s;
/oauth/token: burst 30, 30/s) and ``--latency`` seconds added to every answer. The provisioning
library (what a live or fake session runs) then gets a token for each of ``--sets`` new scope
sets: app, grant and token for each; then the run's teardown releases them. Every call must
succeed in the end (429s are waited out, never surfaced).

The floor for a phase, whatever the client does, with C Management API calls answered (429s
excluded) and T token calls made one after another:
    rate floor    = (C - burst) / rate + latency   (the bucket admits burst at once, then
                    one call per 1/rate s; the last answer still takes the latency)
    latency floor = (C + T) * latency               (calls made in sequence)
    floor         = max(rate floor, latency floor)
Goal: time within 1.5x of the floor.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import ManagementClient
from pytest_auth0_m2m.fake import PRESETS, FakeAuth0, run_fake_auth0
from pytest_auth0_m2m.provisioning.coordination import RunInfo
from pytest_auth0_m2m.provisioning.provisioner import ProvisionedSource, Provisioner, ProvisionStats
from pytest_auth0_m2m.provisioning.tokens import TokenCache

GOAL = 1.5
PRESET = "free"
SCOPE_POOL = (
    "read:users",
    "update:users",
    "delete:users",
    "read:roles",
    "create:roles",
    "read:connections",
    "read:organizations",
    "read:logs",
    "read:stats",
    "read:tenant_settings",
)


def scope_sets(n: int) -> list[frozenset[str]]:
    """``n`` distinct, reproducible scope sets of one to three scopes."""
    rng = random.Random(7)
    sets: list[frozenset[str]] = []
    while len(sets) < n:
        candidate = frozenset(rng.sample(SCOPE_POOL, rng.randint(1, 3)))
        if candidate not in sets:
            sets.append(candidate)
    return sets


@dataclass
class Phase:
    name: str
    seconds: float
    mgmt_ok: int  # Management API calls answered with anything but 429
    mgmt_429: int
    token_calls: int
    failed: int  # answers >= 400 other than 429, whatever the API

    def floor(self, latency: float) -> tuple[float, float]:
        bucket = PRESETS[PRESET].management
        assert bucket is not None
        rate_floor = max(0, self.mgmt_ok - bucket.burst) / bucket.rate + latency
        latency_floor = (self.mgmt_ok + self.token_calls) * latency
        return rate_floor, latency_floor


def measure(fake: FakeAuth0, name: str, work: object) -> Phase:
    fake.counters.reset()
    started = time.perf_counter()
    assert callable(work)
    work()
    seconds = time.perf_counter() - started
    requests = fake.counters.snapshot()["requests"]
    mgmt = [r for r in requests if r["operation"] != "oauth_token"]
    return Phase(
        name=name,
        seconds=seconds,
        mgmt_ok=sum(r["count"] for r in mgmt if r["status"] != 429),
        mgmt_429=sum(r["count"] for r in mgmt if r["status"] == 429),
        token_calls=sum(r["count"] for r in requests if r["operation"] == "oauth_token"),
        failed=sum(r["count"] for r in requests if r["status"] >= 400 and r["status"] != 429),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    sets = scope_sets(args.sets)

    with run_fake_auth0(tls=False) as fake, tempfile.TemporaryDirectory() as tmp:
        endpoints = TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
        run = RunInfo.new(Path(tmp))
        run.state.start(run, endpoints.domain)
        stats = ProvisionStats()
        mgmt = ManagementClient(
            endpoints, fake.provisioner.client_id, fake.provisioner.client_secret
        )
        provisioner = Provisioner(mgmt, run, stats)
        source = ProvisionedSource(endpoints, provisioner, TokenCache(None), stats)
        # Limits and latency from here on: the set-up above made no request.
        fake.set_rate_limits(PRESET)
        fake.faults.add(status=None, count=None, latency=args.latency)

        def provision() -> None:
            for scopes in sets:
                source.token(scopes)

        def teardown() -> None:
            provisioner.teardown()

        try:
            phases = [measure(fake, "provision", provision), measure(fake, "teardown", teardown)]
        finally:
            fake.faults.clear()
            mgmt.close()
        waits = mgmt.stats.rate_limit_waits

    bucket = PRESETS[PRESET].management
    assert bucket is not None
    print(
        f"{args.sets} scope sets on the emulator, rate-limit preset {PRESET!r} (Management API "
        f"burst {bucket.burst}, {bucket.rate:g} req/s), {args.latency * 1000:.0f} ms latency "
        "on every call\n"
    )
    fmt = "{:<11}{:>8}{:>11}{:>6}{:>8}{:>8}{:>12}{:>12}{:>9}{:>8}"
    print(
        fmt.format(
            "phase",
            "time s",
            "mgmt calls",
            "429s",
            "tokens",
            "failed",
            "rate floor",
            "lat. floor",
            "floor s",
            "ratio",
        )
    )
    total = Phase("total", 0.0, 0, 0, 0, 0)
    for phase in [*phases, None]:
        if phase is None:
            phase = total
        else:
            total.seconds += phase.seconds
            total.mgmt_ok += phase.mgmt_ok
            total.mgmt_429 += phase.mgmt_429
            total.token_calls += phase.token_calls
            total.failed += phase.failed
        rate_floor, latency_floor = phase.floor(args.latency)
        if phase is total:
            # Phases run back to back: their floors add up (each starts with a full bucket
            # only if the previous one left it full, so this is generous to the client).
            rate_floor, latency_floor = (
                sum(p.floor(args.latency)[0] for p in phases),
                sum(p.floor(args.latency)[1] for p in phases),
            )
        floor = max(rate_floor, latency_floor)
        print(
            fmt.format(
                phase.name,
                f"{phase.seconds:.2f}",
                phase.mgmt_ok,
                phase.mgmt_429,
                phase.token_calls,
                phase.failed,
                f"{rate_floor:.2f}",
                f"{latency_floor:.2f}",
                f"{floor:.2f}",
                f"{phase.seconds / floor:.2f}",
            )
        )
    print(
        f"\nplugin: apps {stats.apps_created} created; grants {stats.grants_created} created, "
        f"{stats.grants_deleted} deleted; tokens {stats.tokens_fetched} fetched; "
        f"{waits} rate-limit waits (429)"
    )
    provision = phases[0]
    ratio = provision.seconds / max(provision.floor(args.latency))
    met = ratio <= GOAL and total.failed == 0
    print(
        f"provisioning {args.sets} scope sets: {provision.seconds:.2f} s, {ratio:.2f}x the floor "
        f"(goal <= {GOAL}x), {total.failed} failed requests -> {'met' if met else 'NOT met'}"
    )
    return 0 if total.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
