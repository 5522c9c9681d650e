"""Fake mode under xdist: per-worker emulators (what ``--auth0-fake -n 2`` does) against one
emulator shared by both workers (measured as a live-mode run on one emulator, which shares apps,
grants and tokens exactly as a shared fake session would), and the one-process run as baseline.

Prints, per variant, wall time (min/median over alternating rounds), token requests and apps
created (from the session's summary line), and each variant's ratio to the baseline.

    .venv/bin/python benchmarks/xdist_fake.py [ROUNDS]
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_auth0_m2m.fake import run_fake_auth0

sys.path.insert(0, str(Path(__file__).parent))
from _bench import COMMON_ARGS, clean_env

SETS = (
    ("read:users",),
    ("read:roles",),
    ("read:users", "read:roles"),
    ("read:clients",),
)
PER_SET = 10
INI = """[pytest]
asyncio_default_fixture_loop_scope = function
auth0_allowed_domains = localhost:*
"""
SUMMARY = re.compile(r"apps (\d+) created.*tokens (\d+) fetched")


def tests() -> str:
    lines = ["import pytest", ""]
    for n, scopes in enumerate(SETS):
        marker = ", ".join(f'"{s}"' for s in scopes)
        path = "users" if "read:users" in scopes else scopes[0].split(":")[1]
        lines += [
            f"@pytest.mark.mgmt_scopes({marker})",
            f"@pytest.mark.parametrize('i', range({PER_SET}))",
            f"def test_set{n}(mgmt_client, i):",
            f"    assert mgmt_client.get('{path}').status_code == 200",
            "",
        ]
    return "\n".join(lines)


def run(root: Path, args: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON_ARGS, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    expect = len(SETS) * PER_SET
    match = SUMMARY.search(done.stdout)
    if done.returncode != 0 or f"{expect} passed" not in done.stdout or match is None:
        sys.exit(f"pytest {' '.join(args)} failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    return wall, int(match.group(2)), int(match.group(1))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text(INI)
        (root / "test_sets.py").write_text(tests())
        (root / "cache").mkdir(mode=0o700)
        env = clean_env(extra={"XDG_CACHE_HOME": str(root / "cache")})

        def one_process() -> tuple[float, int, int]:
            return run(root, ["--auth0-fake", "-p", "no:xdist"], env)

        def per_worker() -> tuple[float, int, int]:
            return run(root, ["--auth0-fake", "-n", "2"], env)

        def shared() -> tuple[float, int, int]:
            # A fresh emulator and token cache per run (cold, as a fake session is); the
            # emulator's start is not timed. Workers share apps and the on-disk token cache.
            with run_fake_auth0(tls=True) as fake, tempfile.TemporaryDirectory() as cache:
                os.chmod(cache, 0o700)
                live_env = {
                    **env,
                    "XDG_CACHE_HOME": cache,
                    "AUTH0_DOMAIN": fake.domain,
                    "AUTH0_CLIENT_ID": fake.provisioner.client_id,
                    "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
                    "SSL_CERT_FILE": str(fake.ca_cert_path),
                }
                args = ["--record-mode=all", "--disable-recording", "-n", "2"]
                return run(root, args, live_env)

        commands: dict[str, Callable[[], tuple[float, int, int]]] = {
            "one process, one emulator (-p no:xdist)": one_process,
            "-n 2, one emulator per worker (fake mode)": per_worker,
            "-n 2, one emulator shared (live mode on it)": shared,
        }
        for command in commands.values():  # warm-up: imports, .pyc files
            command()
        results: dict[str, list[tuple[float, int, int]]] = {name: [] for name in commands}
        names = list(commands)
        for n in range(rounds):
            for name in names if n % 2 == 0 else list(reversed(names)):
                results[name].append(commands[name]())
    base = statistics.median(r[0] for r in results[names[0]])
    print(
        f"{len(SETS) * PER_SET} tests over {len(SETS)} scope sets, {rounds} rounds, "
        f"cpus={os.cpu_count()}"
    )
    for name, runs in results.items():
        wall = [r[0] for r in runs]
        tokens = sorted({r[1] for r in runs})
        apps = sorted({r[2] for r in runs})
        print(
            f"{name}: wall {min(wall):.2f}/{statistics.median(wall):.2f} s (min/median), "
            f"ratio to one process {statistics.median(wall) / base:.2f}; token requests {tokens}, "
            f"apps created {apps}"
        )


if __name__ == "__main__":
    main()
