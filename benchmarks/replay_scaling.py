"""Replay at scale: this plugin vs plain pytest-recording, N = 100 / 300 / 1,000 one-call tests.

    .venv/bin/python benchmarks/replay_scaling.py [--n 100 300 1000] [--rounds 5]
        [--ssl both|set|unset] [--phases] [--profile] [--profile-out PATH] [--quick]

For each N, two generated projects hold the same tests (modules of 100), each making one
Management API call:

- plugin: ``@pytest.mark.mgmt_scopes(...)`` and the ``mgmt_client`` fixture; its cassettes are
  recorded once on the embedded emulator (``--auth0-fake --record-mode=once``);
- baseline: ``@pytest.mark.vcr`` with a hand-written ``vcr_config`` and its own ``mgmt_client``
  fixture (a fixed bearer token), run with ``-p no:auth0_m2m``; it replays copies of the same
  cassettes.

Both replay offline (``--block-network``, no AUTH0_* variable) as separate pytest processes,
alternating, one warm-up each then ``--rounds`` rounds. Printed per N: min/median wall times and
their ratio (goal: at most 1.05), the per-test cost between Ns (slope, goal: flat) and the peak
RSS of each child (``os.wait4``; goal at N = 1,000: at most 1.1x). Measured with SSL_CERT_DIR
set (a new httpx client looks certificates up lazily) and unset (each new client reads
certifi's bundle: the baseline pays it per test, the plugin's clients share one SSL context);
each block says which. ``--phases`` times pytest's phases at the largest N, ``--profile`` adds a
cProfile of one plugin run there (the plugin's functions by cumulative time). ``--quick``: N = 20
and 60, 1 round, SSL_CERT_DIR set only, for a smoke test.
"""

from __future__ import annotations

import argparse
import itertools
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _bench import (
    COMMON_ARGS,
    INI,
    Run,
    alternate,
    clean_env,
    fmt_runs,
    min_median,
    ratio_line,
    run_pytest,
    walls,
)

GOAL = 1.05
RSS_GOAL = 1.1
PER_MODULE = 100
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

# A few distinct scope sets and endpoints, as in a real suite.
CALLS = [
    ("read:users", "users", "{'per_page': 5, 'page': %d}"),
    # GET /resource-servers, not /clients: between 5e45797 and bbe0f28 the guard took a client's
    # refresh_token settings for a secret and refused the cassette; the README's figures were
    # measured with this list.
    ("read:resource_servers", "resource-servers", "{'per_page': 5, 'page': %d}"),
    ("read:roles", "roles", "{'per_page': 5, 'page': %d}"),
    ("read:connections", "connections", "{'per_page': 5, 'page': %d}"),
]
# Pages 0 to 199 of 5: Auth0 (and the emulator) answer 400 invalid_paging past the first 1,000
# users, which page 200 of 5 would reach at N = 1,000 (4 calls a page number).
PAGES = 200

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
    for module in range((n_tests + PER_MODULE - 1) // PER_MODULE):
        lines = ["import pytest", "", ""]
        for i in range(module * PER_MODULE, min(n_tests, (module + 1) * PER_MODULE)):
            scope, path, params = CALLS[i % len(CALLS)]
            page = i // len(CALLS) % PAGES
            marker = f'@pytest.mark.mgmt_scopes("{scope}")' if plugin else "@pytest.mark.vcr"
            lines += [
                marker,
                f"def test_{i}(mgmt_client):",
                f'    response = mgmt_client.get("{path}", params={params % page})',
                "    assert response.status_code == 200, response.text",
                "",
                "",
            ]
        (root / f"test_bench_{module:02d}.py").write_text("\n".join(lines))


def make_projects(base: Path, n_tests: int) -> tuple[Path, Path, float]:
    """(plugin root, baseline root, seconds the recording took)."""
    plugin_root, baseline_root = base / f"plugin-{n_tests}", base / f"baseline-{n_tests}"
    for root, plugin in ((plugin_root, True), (baseline_root, False)):
        root.mkdir()
        (root / "pytest.ini").write_text(INI)
        write_tests(root, n_tests, plugin=plugin)
    (baseline_root / "conftest.py").write_text(BASELINE_CONFTEST)
    # Recorded once on the emulator; the baseline replays copies of the same cassettes (the
    # plugin writes the tenant as tenant.auth0.invalid, the URL the baseline calls).
    recorded = run_pytest(plugin_root, ("--auth0-fake", "--record-mode=once"), expect=n_tests).wall
    shutil.copytree(plugin_root / "cassettes", baseline_root / "cassettes")
    return plugin_root, baseline_root, recorded


PHASES = ("configure", "collect", "tests", "finish")
PLUGIN_ARGS = ("--block-network",)
BASELINE_ARGS = ("--block-network", "-p", "no:auth0_m2m")


def print_phases(roots: tuple[Path, Path], tmp: Path, n_runs: int, env: dict[str, str]) -> None:
    """Median seconds per pytest phase, each project run ``n_runs`` times with the probe."""
    probe_dir = tmp / "probe"
    probe_dir.mkdir(exist_ok=True)
    (probe_dir / "auth0_bench_probe.py").write_text(PHASE_PROBE)
    env = {**env, "PYTHONPATH": str(probe_dir)}
    commands = {"plugin": (roots[0], PLUGIN_ARGS), "baseline": (roots[1], BASELINE_ARGS)}
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


def profile(root: Path, n_tests: int, keep: str | None, env: dict[str, str]) -> None:
    """cProfile of one plugin replay run, in a subprocess; prints the plugin's hot spots."""
    out = Path(keep).resolve() if keep else root / "replay.prof"
    run_pytest(
        root, PLUGIN_ARGS, expect=n_tests, env=env, python_args=("-m", "cProfile", "-o", str(out))
    )
    stats = pstats.Stats(str(out))
    print(f"\ncProfile of one plugin replay run ({n_tests} tests), pytest_auth0_m2m only:")
    stats.sort_stats("cumulative").print_stats("pytest_auth0_m2m", 25)


def per_test_ms(ns: list[int], medians: dict[int, float]) -> list[str]:
    return [
        f"{a}->{b}: {(medians[b] - medians[a]) / (b - a) * 1000:.2f} ms/test"
        for a, b in itertools.pairwise(ns)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ssl", choices=("both", "set", "unset"), default="both")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--phases", action="store_true", help="time pytest's phases at max N")
    parser.add_argument("--profile-out", metavar="PATH", help="also keep the cProfile data here")
    parser.add_argument("--quick", action="store_true", help="N = 20, 60; 1 round; SSL set")
    args = parser.parse_args()
    if args.quick:
        args.n, args.rounds, args.ssl = [20, 60], 1, "set"
    ns = sorted(args.n)
    variants = {"both": (True, False), "set": (True,), "unset": (False,)}[args.ssl]

    with tempfile.TemporaryDirectory(prefix="replay-scaling-") as tmp:
        base = Path(tmp)
        projects: dict[int, tuple[Path, Path]] = {}
        for n in ns:
            plugin_root, baseline_root, recorded = make_projects(base, n)
            projects[n] = (plugin_root, baseline_root)
            n_cassettes = len(list((plugin_root / "cassettes").rglob("*.yaml")))
            print(f"N={n}: {n_cassettes} cassettes recorded on the emulator in {recorded:.1f} s")
        worst = 0.0
        for with_dir in variants:
            env = clean_env(ssl_cert_dir=with_dir)
            label = "SSL_CERT_DIR set" if with_dir else "SSL_CERT_DIR unset (certifi bundle)"
            print(f"\n== {label}; {args.rounds} rounds each, alternating, whole pytest processes")
            med: dict[str, dict[int, float]] = {"plugin": {}, "baseline": {}}
            for n in ns:
                plugin_root, baseline_root = projects[n]
                runs: dict[str, list[Run]] = alternate(
                    {
                        "plugin": lambda r=plugin_root, n=n, e=env: run_pytest(
                            r, PLUGIN_ARGS, expect=n, env=e
                        ),
                        "baseline": lambda r=baseline_root, n=n, e=env: run_pytest(
                            r, BASELINE_ARGS, expect=n, env=e
                        ),
                    },
                    args.rounds,
                )
                print(f"N={n}  plugin: {fmt_runs(runs['plugin'])}")
                print(f"N={n}  baseline: {fmt_runs(runs['baseline'])}")
                _, r_med = ratio_line(f"N={n} wall", runs["plugin"], runs["baseline"], GOAL)
                worst = max(worst, r_med)
                for name in med:
                    med[name][n] = min_median(walls(runs[name]))[1]
                rss_o = statistics.median(r.max_rss_mib for r in runs["plugin"])
                rss_b = statistics.median(r.max_rss_mib for r in runs["baseline"])
                goal = f" (goal <= {RSS_GOAL})" if n >= 1000 else ""
                print(
                    f"N={n} peak RSS (median): plugin {rss_o:.1f} MiB, baseline {rss_b:.1f} MiB"
                    f" -> ratio {rss_o / rss_b:.3f}{goal}"
                )
                print(
                    f"N={n} overhead: {(med['plugin'][n] - med['baseline'][n]) / n * 1000:+.2f}"
                    " ms/test (median difference / N)",
                    flush=True,
                )
            if len(ns) > 1:
                print(f"per-test cost, plugin  : {', '.join(per_test_ms(ns, med['plugin']))}")
                print(f"per-test cost, baseline: {', '.join(per_test_ms(ns, med['baseline']))}")
        print(f"RATIO {worst:.3f} (worst median ratio over N and SSL settings)")
        if args.phases:
            print_phases(projects[ns[-1]], base, args.rounds, clean_env())
        if args.profile:
            profile(projects[ns[-1]][0], ns[-1], args.profile_out, clean_env())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
