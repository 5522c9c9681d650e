"""Replay overhead: this plugin vs plain pytest-recording, on 300 one-call tests from cassettes.

    .venv/bin/python benchmarks/replay_overhead.py [--tests 300] [--runs 7] [--phases] [--profile]

Two generated projects hold the same tests, each making one Management API call:

- plugin: ``@pytest.mark.mgmt_scopes(...)`` and the ``mgmt_client`` fixture; its cassettes are
  recorded once at the start on the embedded emulator (``--auth0-fake --record-mode=once``);
- baseline: ``@pytest.mark.vcr`` with a hand-written ``vcr_config`` and its own ``mgmt_client``
  fixture (a fixed bearer token), run with ``-p no:auth0_m2m``; it replays copies of the same
  cassettes.

Both replay offline (``--block-network``, no AUTH0_* variable) as separate pytest processes, in
alternating order, ``--runs`` times each; the medians and their ratio are printed (goal: at most
1.15). ``--phases`` adds where the difference lies (start-up, collection, tests, finish),
``--profile`` adds a cProfile of one plugin run: the plugin's own functions by cumulative
time.
"""

from __future__ import annotations

import argparse
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.15
# --phases: a plugin loaded into both runs that times pytest's phases. vcr is imported first
# in both, so its import (at start-up for this plugin, at the first cassette for
# pytest-recording) does not blur the comparison.
PHASE_PROBE = """
import sys, time
import pytest
import vcr, vcr.filters

T = {"start": time.perf_counter()}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    T["configure"] = time.perf_counter()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    T["collect"] = time.perf_counter()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    T["tests"] = time.perf_counter()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    T["finish"] = time.perf_counter()
    keys = list(T)
    sys.stderr.write("PHASES " + " ".join(
        f"{b}={T[b] - T[a]:.4f}" for a, b in zip(keys, keys[1:])) + "\\n")
"""
PHASES = ("configure", "collect", "tests", "finish")
INI = """[pytest]
asyncio_default_fixture_loop_scope = function
"""
COMMON_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]

# A few distinct scope sets and endpoints, as in a real suite.
CALLS = [
    ("read:users", "users", "{'per_page': 5, 'page': %d}"),
    ("read:clients", "clients", "{'per_page': 5, 'page': %d}"),
    ("read:roles", "roles", "{'per_page': 5, 'page': %d}"),
    ("read:connections", "connections", "{'per_page': 5, 'page': %d}"),
]

BASELINE_CONFTEST = """
from pathlib import Path

import httpx
import pytest

# The hand-rolled setup this plugin replaces: a fixed token in replay, secrets filtered by name.
TOKEN = "replay-token"


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "filter_headers": ["authorization", "cookie", "set-cookie"],
        "filter_post_data_parameters": ["client_secret"],
        "decode_compressed_response": True,
    }


@pytest.fixture
def vcr_cassette_dir(request):
    return str(Path(request.config.rootpath) / "cassettes" / request.module.__name__)


@pytest.fixture
def mgmt_client():
    with httpx.Client(
        base_url="https://tenant.auth0.invalid/api/v2/",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield client
"""


def write_tests(root: Path, n_tests: int, *, plugin: bool) -> None:
    lines = ["import pytest", "", ""]
    for i in range(n_tests):
        scope, path, params = CALLS[i % len(CALLS)]
        marker = f'@pytest.mark.mgmt_scopes("{scope}")' if plugin else "@pytest.mark.vcr"
        lines += [
            marker,
            f"def test_{i}(mgmt_client):",
            f'    response = mgmt_client.get("{path}", params={params % (i // len(CALLS))})',
            "    assert response.status_code == 200, response.text",
            "",
            "",
        ]
    (root / "test_bench.py").write_text("\n".join(lines))


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    # As users run it: bytecode caches on. Without them every run compiles, and assertion-
    # rewrites, this plugin's modules again (pytest rewrites a pytest11 package's modules),
    # which pytest-recording, imported from site-packages' compiled files, never pays.
    for name in (
        "PYTHONDONTWRITEBYTECODE",
        "AUTH0_DOMAIN",
        "AUTH0_CLIENT_ID",
        "AUTH0_CLIENT_SECRET",
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "PYTEST_ADDOPTS",
    ):
        env.pop(name, None)
    return env


def pytest_run(root: Path, *args: str, expect: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one pytest process; exits if it does not pass ``expect`` tests.

    CPU time (user + system of the child) is printed beside the wall time: on a shared
    machine it shows the plugin's own cost with less of the neighbours' noise.
    """
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON_ARGS, *args],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if result.returncode != 0 or f"{expect} passed" not in result.stdout:
        sys.exit(
            f"pytest {' '.join(args)} in {root.name} failed:\n{result.stdout[-4000:]}\n"
            f"{result.stderr[-4000:]}"
        )
    return elapsed, cpu


def print_phases(commands: dict[str, tuple[Path, tuple[str, ...]]], tmp: Path, n_runs: int) -> None:
    """Median seconds per pytest phase, each project run ``n_runs`` times with the probe."""
    probe_dir = tmp / "probe"
    probe_dir.mkdir()
    (probe_dir / "auth0_bench_probe.py").write_text(PHASE_PROBE)
    env = {**clean_env(), "PYTHONPATH": str(probe_dir)}
    times: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for _ in range(n_runs):
        for name, (root, extra) in commands.items():
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "auth0_bench_probe", *COMMON_ARGS, *extra],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            line = next(x for x in result.stderr.splitlines() if x.startswith("PHASES "))
            times[name].append({k: float(v) for k, v in (p.split("=") for p in line.split()[1:])})
    print(f"\nseconds per phase, median of {n_runs} runs (vcr imported before start-up in both):")
    print("{:<10}{:>10}{:>10}{:>10}".format("phase", "baseline", "plugin", "plugin -"))
    for phase in PHASES:
        base = statistics.median(t[phase] for t in times["baseline"])
        ours = statistics.median(t[phase] for t in times["plugin"])
        print(f"{phase:<10}{base:>10.3f}{ours:>10.3f}{ours - base:>+10.3f}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(root: Path, n_tests: int, keep: str | None) -> None:
    """cProfile of one plugin replay run, in a subprocess; prints the plugin's hot spots."""
    out = Path(keep).resolve() if keep else root / "replay.prof"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(out),
            "-m",
            "pytest",
            *COMMON_ARGS,
            "--block-network",
        ],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"profiled run failed:\n{result.stdout[-4000:]}")
    stats = pstats.Stats(str(out))
    print(f"\ncProfile of one plugin replay run ({n_tests} tests), pytest_auth0_m2m only:")
    stats.sort_stats("cumulative").print_stats("pytest_auth0_m2m", 25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--phases", action="store_true", help="also time start-up, collection, tests, finish"
    )
    parser.add_argument("--profile-out", metavar="PATH", help="also keep the cProfile data here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="replay-overhead-") as tmp:
        plugin_root = Path(tmp) / "plugin"
        baseline_root = Path(tmp) / "baseline"
        for root, plugin in ((plugin_root, True), (baseline_root, False)):
            root.mkdir()
            (root / "pytest.ini").write_text(INI)
            write_tests(root, args.tests, plugin=plugin)
        (baseline_root / "conftest.py").write_text(BASELINE_CONFTEST)

        # Record once on the emulator; the baseline replays copies of the same cassettes
        # (the plugin writes the tenant as tenant.auth0.invalid, the URL the baseline calls).
        record_started = time.perf_counter()
        pytest_run(plugin_root, "--auth0-fake", "--record-mode=once", expect=args.tests)
        recorded = time.perf_counter() - record_started
        shutil.copytree(plugin_root / "cassettes", baseline_root / "cassettes")
        n_cassettes = len(list((plugin_root / "cassettes").rglob("*.yaml")))

        runs: dict[str, list[tuple[float, float]]] = {"plugin": [], "baseline": []}
        commands = {
            "plugin": (plugin_root, ("--block-network",)),
            "baseline": (baseline_root, ("--block-network", "-p", "no:auth0_m2m")),
        }
        # One warm-up each (imports, .pyc files), then alternate so drift hits both alike.
        for root, extra in commands.values():
            pytest_run(root, *extra, expect=args.tests)
        for run in range(args.runs):
            for name in ("plugin", "baseline") if run % 2 == 0 else ("baseline", "plugin"):
                root, extra = commands[name]
                runs[name].append(pytest_run(root, *extra, expect=args.tests))

        def median(name: str, index: int) -> float:
            return statistics.median(r[index] for r in runs[name])

        print(
            f"{args.tests} tests, one Management API call each, replayed from {n_cassettes} "
            f"cassettes (recorded on the emulator in {recorded:.1f} s)"
        )
        print(f"median of {args.runs} runs each, whole pytest process:\n")
        fmt = "{:<44}{:>8}{:>8}  {}"
        print(fmt.format("run", "wall s", "CPU s", "wall s of each run"))
        labels = {
            "baseline": "pytest-recording + hand-written vcr_config",
            "plugin": "pytest-auth0-m2m (replay)",
        }
        for name in ("baseline", "plugin"):
            print(
                fmt.format(
                    labels[name],
                    f"{median(name, 0):.2f}",
                    f"{median(name, 1):.2f}",
                    " ".join(f"{wall:.2f}" for wall, _ in runs[name]),
                )
            )
        ratio = median("plugin", 0) / median("baseline", 0)
        cpu_ratio = median("plugin", 1) / median("baseline", 1)
        per_test_ms = (median("plugin", 0) - median("baseline", 0)) / args.tests * 1000
        print(
            f"\nratio plugin/baseline, wall time: {ratio:.3f} (goal <= {GOAL}; "
            f"{per_test_ms:+.2f} ms per test) -> {'met' if ratio <= GOAL else 'NOT met'}"
        )
        print(f"ratio plugin/baseline, CPU time:  {cpu_ratio:.3f}")
        if args.phases:
            print_phases(commands, Path(tmp), args.runs)
        if args.profile:
            profile(plugin_root, args.tests, args.profile_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
