"""Shared by the scaling benchmarks: clean environments, timed pytest processes, summaries.

Each pytest run is its own process, started with the project's interpreter; its wall time, CPU
time (user + system) and peak RSS come from ``os.wait4`` on that one child, so a figure is never
mixed with another run's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

COMMON_ARGS = ("-q", "-p", "no:cacheprovider", "-p", "no:randomly")
INI = """[pytest]
asyncio_default_fixture_loop_scope = function
"""
# The machine's CA settings: SSL_CERT_DIR decides what a new httpx client loads (set: the
# directory, looked up lazily; unset: certifi's whole bundle, read for every client).
CA_VARS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
SYSTEM_CERT_DIR = "/etc/ssl/certs"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    max_rss_mib: float


def clean_env(*, ssl_cert_dir: bool = True, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a user's shell gives pytest: no credentials, no PYTEST_ADDOPTS.

    Bytecode caches stay on, as users run it (without them every run compiles, and assertion-
    rewrites, this plugin's modules again, which pytest-recording never pays).
    """
    env = dict(os.environ)
    for name in (
        "PYTHONDONTWRITEBYTECODE",
        "AUTH0_DOMAIN",
        "AUTH0_CLIENT_ID",
        "AUTH0_CLIENT_SECRET",
        "AUTH0_RATE_LIMIT",
        "PYTEST_ADDOPTS",
        "PYTEST_PLUGINS",
        *CA_VARS,
    ):
        env.pop(name, None)
    if ssl_cert_dir:
        env["SSL_CERT_DIR"] = env.get("SSL_CERT_DIR") or SYSTEM_CERT_DIR
    else:
        env.pop("SSL_CERT_DIR", None)
    env.update(extra or {})
    return env


def run_pytest(
    root: Path,
    args: Sequence[str],
    *,
    expect: int,
    env: dict[str, str] | None = None,
    python_args: Sequence[str] = (),
) -> Run:
    """One pytest process in ``root``; exits the benchmark if it does not pass ``expect`` tests."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *python_args, "-m", "pytest", *COMMON_ARGS, *args],
            cwd=root,
            env=env if env is not None else clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if child.returncode != 0 or f"{expect} passed" not in text:
        sys.exit(f"pytest {' '.join(args)} in {root} failed:\n{text[-6000:]}")
    # Linux reports ru_maxrss in KiB.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def alternate(
    commands: dict[str, Callable[[], Run]], rounds: int, *, warmup: bool = True
) -> dict[str, list[Run]]:
    """Each command once to warm up (imports, .pyc files), then ``rounds`` rounds, the order
    flipped every round so that drift in the machine's load hits every command alike."""
    if warmup:
        for command in commands.values():
            command()
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    names = list(commands)
    for n in range(rounds):
        for name in names if n % 2 == 0 else reversed(names):
            runs[name].append(commands[name]())
    return runs


def walls(runs: list[Run]) -> list[float]:
    return [r.wall for r in runs]


def min_median(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def ratio_line(label: str, ours: list[Run], base: list[Run], goal: float) -> tuple[float, float]:
    """Prints min and median of both sides and their ratios; returns (min ratio, median ratio)."""
    o_min, o_med = min_median(walls(ours))
    b_min, b_med = min_median(walls(base))
    r_min, r_med = o_min / b_min, o_med / b_med
    verdict = "met" if r_med <= goal else ("met on min only" if r_min <= goal else "NOT met")
    print(
        f"{label}: plugin {o_min:.3f}/{o_med:.3f} s, baseline {b_min:.3f}/{b_med:.3f} s "
        f"(min/median) -> ratio {r_min:.3f}/{r_med:.3f} (goal <= {goal}: {verdict})",
        flush=True,
    )
    c_min, c_med = min_median([r.cpu for r in ours])
    d_min, d_med = min_median([r.cpu for r in base])
    # CPU time (user + system of the child) carries less of a shared machine's noise.
    print(
        f"{label} CPU: plugin {c_min:.3f}/{c_med:.3f} s, baseline {d_min:.3f}/{d_med:.3f} s "
        f"-> ratio {c_min / d_min:.3f}/{c_med / d_med:.3f}",
        flush=True,
    )
    return r_min, r_med


def fmt_runs(runs: list[Run]) -> str:
    return " ".join(f"{r.wall:.2f}" for r in runs)
