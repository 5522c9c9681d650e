"""Concurrent cold starts on one tenant: two pytest sessions, each ``-n 2``, started at the same
moment against one emulator in live mode, from separate checkouts with separate user cache
directories (two machines: no shared lock, so only the tenant-side convergence can keep them to
one app per scope set). Counts, over TRIALS cold trials, the duplicate apps left (apps beyond
one per scope hash), the grants left and the failed sessions; the baseline is one cold session
alone, run before each pair in the same process (alternating), so the ratio of the medians is
what convergence costs a pair.

    .venv/bin/python benchmarks/cold_starts.py [TRIALS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0
from pytest_auth0_m2m.provisioning.provisioner import is_plugin_app

INI = """
[pytest]
auth0_allowed_domains = localhost:*
"""
# Every worker sleeps until START_AT (wall clock), then asks for its first token: the four
# workers of the two sessions reach the tenant together.
CONFTEST = """
import os, time, pytest

@pytest.fixture(autouse=True, scope="session")
def _start_together():
    start = float(os.environ.get("START_AT", "0"))
    time.sleep(max(0.0, start - time.time()))
"""
TESTS = """
import pytest

@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(2))
def test_users(mgmt_token, i):
    assert mgmt_token

@pytest.mark.mgmt_scopes("read:roles")
@pytest.mark.parametrize("i", range(2))
def test_roles(mgmt_token, i):
    assert mgmt_token
"""
ARGS = ("--record-mode=all", "--disable-recording", "-p", "no:randomly", "-q", "-n", "2")


def project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "pytest.ini").write_text(INI)
    (root / "conftest.py").write_text(CONFTEST)
    (root / "test_cold.py").write_text(TESTS)
    (root / "cache").mkdir(mode=0o700)
    return root


def env_for(fake: FakeAuth0, root: Path, start_at: float) -> dict[str, str]:
    return {
        **os.environ,
        "AUTH0_DOMAIN": fake.domain,
        "AUTH0_CLIENT_ID": fake.provisioner.client_id,
        "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
        "SSL_CERT_FILE": str(fake.ca_cert_path),
        "XDG_CACHE_HOME": str(root / "cache"),  # a machine of its own: no shared app lock
        "START_AT": str(start_at),
    }


def sessions(fake: FakeAuth0, base: Path, count: int) -> list[tuple[int, str]]:
    """``count`` sessions started together on a cold tenant; (exit code, output) of each."""
    roots = [project(base / f"job{i}") for i in range(count)]
    start_at = time.time() + 4.0  # past every session's start-up on 2 busy cores
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", *ARGS],
            cwd=root,
            env=env_for(fake, root, start_at),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for root in roots
    ]
    return [(proc.wait(timeout=180), proc.communicate()[0]) for proc in procs]


def tally(fake: FakeAuth0) -> tuple[int, int]:
    """(duplicate apps, grants) on the tenant: apps beyond one per scope hash."""
    with fake.tenant.lock:
        apps = [c for c in fake.tenant.clients.values() if is_plugin_app(c)]
        ids = {c["client_id"] for c in apps}
        grants = [g for g in fake.tenant.grants.values() if g["client_id"] in ids]
    per_hash = Counter(c["client_metadata"]["scope_hash"] for c in apps)
    return sum(n - 1 for n in per_hash.values()), len(grants)


def trial(fake: FakeAuth0, base: Path, count: int) -> tuple[int, int, int, float]:
    fake.reset()
    started = time.monotonic()
    results = sessions(fake, base, count)
    elapsed = time.monotonic() - started - 4.0
    failed = [output for code, output in results if code != 0]
    for output in failed:
        print(output[-2000:], file=sys.stderr)
    duplicates, grants = tally(fake)
    return duplicates, grants, len(failed), elapsed


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with run_fake_auth0(tls=True) as fake, tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        totals = [0, 0, 0]
        alone_failed = 0
        times: list[float] = []
        alone_times: list[float] = []
        for n in range(trials):
            # Alternating: the baseline round sees the same machine load as the pair after it.
            _, _, failed_alone, alone = trial(fake, base / f"a{n}", 1)
            alone_failed += failed_alone
            alone_times.append(alone)
            duplicates, grants, failed, elapsed = trial(fake, base / f"t{n}", 2)
            totals = [totals[0] + duplicates, totals[1] + grants, totals[2] + failed]
            times.append(elapsed)
            print(
                f"trial {n + 1}: {duplicates} duplicate apps, {grants} grants left, "
                f"{failed} failed sessions, {elapsed:.1f} s (alone {alone:.1f} s)",
                flush=True,
            )
        median, alone_median = statistics.median(times), statistics.median(alone_times)
        print(
            f"{trials} trials of 2 sessions x -n 2, cold, one tenant: {totals[0]} duplicate "
            f"apps left, {totals[1]} grants left, {totals[2]} failed sessions; pair min "
            f"{min(times):.1f} s, median {median:.1f} s; one session alone (baseline, "
            f"{alone_failed} failed) min {min(alone_times):.1f} s, median {alone_median:.1f} s; "
            f"ratio of medians {median / alone_median:.2f}"
        )


if __name__ == "__main__":
    main()
