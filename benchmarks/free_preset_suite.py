"""A live run on Auth0's free plan: 200 tests against the floor the plan's rate limit sets.

    .venv/bin/python benchmarks/free_preset_suite.py [--tests 200] [--rounds 2] [--quick]
                                                     [--unpaced]

An emulator with the ``free`` preset (Management API: burst 2, 2 requests a second) stands in
for a dev tenant on the free plan; a generated project runs against it in live mode (the
plugin provisions its apps and grants there and fetches tokens, as on Auth0), its tests each
making one Management API call through ``mgmt_client`` (a quarter of them through
``mgmt_async_client``), over four scope sets. The run is paced with ``--auth0-rate-limit
free``. Whatever a client does, the tenant answers at most ``burst`` requests at once and then
``rate`` a second, so with C Management API requests answered (429s excluded, counted from the
emulator's journal):

    floor = (C - burst) / rate

Goal: the run's wall time (pytest's whole process: start-up, provisioning, the tests,
teardown) within 1.2x of that floor, 0 failed tests. ``--unpaced`` also runs the same suite
with ``--auth0-rate-limit off`` (429s waited out, no pacing); each round also runs it on an
unlimited emulator, the machine's own cost of the suite, so a slow machine shows as such.
Rounds alternate the variants; min and median are printed. Every round starts from a fresh
project and a reset tenant (cold: apps, grants and tokens made again). ``--quick``: 40 tests.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pytest_auth0_m2m.fake import PRESETS, FakeAuth0, run_fake_auth0

GOAL = 1.2
PRESET = "free"
SCOPE_SETS = (
    ("read:users",),
    ("read:users", "read:roles"),
    ("read:roles",),
    ("read:clients",),
)
INI = """[pytest]
asyncio_default_fixture_loop_scope = function
auth0_allowed_domains = localhost:*
"""
# Live mode needs a record mode other than "none"; nothing is recorded.
LIVE_ARGS = ("--record-mode=all", "--disable-recording", "-p", "no:randomly", "-q")


def test_module(n: int) -> str:
    lines = ["import pytest", ""]
    for i in range(n):
        scopes = SCOPE_SETS[i % len(SCOPE_SETS)]
        path = (
            "roles"
            if scopes == ("read:roles",)
            else "clients"
            if "read:clients" in scopes
            else "users"
        )
        marker = ", ".join(repr(s) for s in scopes)
        if i % 4 == 3:
            lines += [
                "",
                "@pytest.mark.asyncio",
                f"@pytest.mark.mgmt_scopes({marker})",
                f"async def test_{i}(mgmt_async_client):",
                "    async with mgmt_async_client as client:",
                f'        response = await client.get("{path}", params={{"per_page": 1}})',
                "    assert response.status_code == 200, response.status_code",
                "",
            ]
        else:
            lines += [
                "",
                f"@pytest.mark.mgmt_scopes({marker})",
                f"def test_{i}(mgmt_client):",
                f'    response = mgmt_client.get("{path}", params={{"per_page": 1}})',
                "    assert response.status_code == 200, response.status_code",
                "",
            ]
    return "\n".join(lines)


@dataclass
class Run:
    variant: str
    seconds: float
    answered: int  # Management API requests answered with anything but 429
    refused: int  # 429s
    passed: int
    failed: int

    def floor(self) -> float:
        bucket = PRESETS[PRESET].management
        assert bucket is not None
        return max(0, self.answered - bucket.burst) / bucket.rate


def outcome(output: str, word: str) -> int:
    match = re.search(rf"(\d+) {word}", output)
    return int(match.group(1)) if match else 0


def run_once(fake: FakeAuth0, root: Path, variant: str, tests: int) -> Run:
    project = Path(tempfile.mkdtemp(prefix=f"{variant}-", dir=root))
    (project / "pytest.ini").write_text(INI)
    (project / "test_suite.py").write_text(test_module(tests))
    fake.reset()
    fake.set_rate_limits(None if variant == "unlimited" else PRESET)
    env = {
        **os.environ,
        "AUTH0_DOMAIN": fake.domain,
        "AUTH0_CLIENT_ID": fake.provisioner.client_id,
        "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
        "SSL_CERT_FILE": str(fake.ca_cert_path),
    }
    env.pop("AUTH0_RATE_LIMIT", None)
    limit = "off" if variant in ("unlimited", "unpaced") else PRESET
    mark = fake.journal.mark()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *LIVE_ARGS, "--auth0-rate-limit", limit],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    entries = [e for e in fake.journal.since(mark) if e.path.startswith("/api/v2/")]
    refused = sum(1 for e in entries if e.status == 429)
    tail = proc.stdout.strip().splitlines()[-1:] or [""]
    passed, failed = outcome(tail[0], "passed"), outcome(tail[0], "failed")
    failed += outcome(tail[0], "error")
    if proc.returncode != 0 or passed != tests:
        failed = max(failed, tests - passed)
        print(f"  {variant}: exit {proc.returncode}\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return Run(variant, seconds, len(entries) - refused, refused, passed, failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="40 tests")
    parser.add_argument(
        "--unpaced", action="store_true", help="also run with --auth0-rate-limit off"
    )
    args = parser.parse_args()
    tests = 40 if args.quick else args.tests
    variants = ["unlimited", "paced"] + (["unpaced"] if args.unpaced else [])
    bucket = PRESETS[PRESET].management
    assert bucket is not None
    print(
        f"{tests} tests (4 scope sets, 1 Management API call each) in live mode on the emulator, "
        f"preset {PRESET!r} (Management API burst {bucket.burst}, {bucket.rate:g} req/s), "
        f"{args.rounds} round(s), variants alternating: {', '.join(variants)}"
    )
    runs: list[Run] = []
    with run_fake_auth0(tls=True) as fake, tempfile.TemporaryDirectory() as tmp:
        for round_no in range(args.rounds):
            order = variants if round_no % 2 == 0 else list(reversed(variants))
            for variant in order:
                run = run_once(fake, Path(tmp), variant, tests)
                runs.append(run)
                ratio = (
                    f", {run.seconds / run.floor():.3f}x the floor"
                    if variant != "unlimited"
                    else ""
                )
                print(
                    f"  round {round_no + 1} {variant:9}: {run.seconds:7.2f} s, "
                    f"{run.answered} Management API requests answered, {run.refused} 429s, "
                    f"floor {run.floor():6.2f} s{ratio}; {run.passed} passed, {run.failed} failed"
                )
    ok = True
    for variant in variants:
        mine = [r for r in runs if r.variant == variant]
        seconds = [r.seconds for r in mine]
        failed = sum(r.failed for r in mine)
        line = (
            f"{variant:9}: wall min {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s"
        )
        if variant != "unlimited":
            ratios = [r.seconds / r.floor() for r in mine]
            line += (
                f"; vs floor ({mine[0].floor():.2f} s for {mine[0].answered} requests): "
                f"min {min(ratios):.3f}x, median {statistics.median(ratios):.3f}x; "
                f"429s median {statistics.median(r.refused for r in mine):g}"
            )
            if variant == "paced":
                met = max(ratios) <= GOAL and failed == 0
                ok = ok and met
                line += f"; goal <= {GOAL}x and 0 failed: {'met' if met else 'NOT met'}"
        line += f"; {failed} failed"
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
