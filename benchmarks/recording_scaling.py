"""Recording in fake mode at scale: N = 100 / 300 / 1,000 tests recorded on the emulator.

    .venv/bin/python benchmarks/recording_scaling.py [--n 100 300 1000] [--rounds 3]
        [--samples N] [--quick]

The same one-call tests as ``replay_scaling.py`` (modules of 100, four scope sets), recorded from
scratch each round with ``--auth0-fake --record-mode=once`` (cassettes removed before each run).
The baseline, alternating with it in the same process run, is the same project on the emulator
without cassettes (``--auth0-fake``, record mode none): the ratio is what recording adds. Goal:
linear, at most 3x from N = 300 to N = 1,000 (the test count grows 3.33x).

``--samples N`` (default 300; 0 to skip) also samples one fake-mode run of N tests without
cassettes, ``-n 0``: a thread in the pytest process reads the main thread's stack every
millisecond; a sample is the plugin's or the emulator's when its innermost frame outside the
standard library is this package's code, or when it is a socket read (waiting on the emulator,
the run's only server). Also printed: samples with a frame of this package anywhere (its client
transport wraps every request) and those inside ``ssl.create_default_context``. Goal: plugin +
emulator under 25% of the samples.
``--quick``: N = 20 and 60, 1 round, 60 sampled tests, for a smoke test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
from pathlib import Path

from _bench import INI, Run, alternate, clean_env, fmt_runs, min_median, run_pytest, walls
from replay_scaling import write_tests

GOAL_1000_OVER_300 = 3.0
GOAL_SHARE = 0.25

SAMPLER = """
import json, os, sys, threading

import pytest

_main = threading.main_thread().ident
_counts = {"total": 0, "package": 0, "package_self": 0, "waiting": 0, "ssl_context": 0}
_stop = threading.Event()


def _waiting(frame):
    # The main thread blocked on a socket read: on this run's only server, the emulator.
    name, function = frame.f_code.co_filename, frame.f_code.co_name
    if name.endswith("/ssl.py") and function in ("read", "recv", "recv_into"):
        return True
    return "httpcore/_backends" in name and function == "read"


_STDLIB = os.path.dirname(os.__file__)


def _owner(frame):
    # The innermost frame that is not the standard library's: whose work this sample is.
    while frame is not None:
        name = frame.f_code.co_filename
        stdlib = name.startswith(_STDLIB) and "site-packages" not in name
        if not stdlib and not name.startswith("<frozen"):
            return name
        frame = frame.f_back
    return ""


def _sample():
    while not _stop.wait(0.001):
        frame = sys._current_frames().get(_main)
        if frame is None:
            continue
        leaf = frame
        package = context = False
        while frame is not None:
            name = frame.f_code.co_filename
            package = package or "/pytest_auth0_m2m/" in name
            context = context or (
                frame.f_code.co_name == "create_default_context" and name.endswith("/ssl.py")
            )
            frame = frame.f_back
        _counts["total"] += 1
        _counts["package"] += package
        ours = "/pytest_auth0_m2m/" in _owner(leaf)
        _counts["package_self"] += ours
        _counts["waiting"] += not ours and _waiting(leaf)
        _counts["ssl_context"] += context


_thread = threading.Thread(target=_sample, daemon=True)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    _thread.start()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    _stop.set()
    _thread.join()
    with open(os.environ["AUTH0_BENCH_SAMPLES"], "w") as out:
        json.dump(_counts, out)
"""


def sample_run(base: Path, n_tests: int) -> dict[str, int]:
    root = base / f"sampled-{n_tests}"
    root.mkdir()
    (root / "pytest.ini").write_text(INI)
    write_tests(root, n_tests, plugin=True)
    probe = base / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "auth0_bench_sampler.py").write_text(SAMPLER)
    out = base / "samples.json"
    env = clean_env(extra={"PYTHONPATH": str(probe), "AUTH0_BENCH_SAMPLES": str(out)})
    run_pytest(root, ("-p", "auth0_bench_sampler", "--auth0-fake"), expect=n_tests, env=env)
    counts: dict[str, int] = json.loads(out.read_text())
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="N = 20, 60; 1 round")
    args = parser.parse_args()
    if args.quick:
        args.n, args.rounds, args.samples = [20, 60], 1, 60
    ns = sorted(args.n)

    with tempfile.TemporaryDirectory(prefix="recording-scaling-") as tmp:
        base = Path(tmp)
        env = clean_env()
        medians: dict[int, float] = {}
        print(f"fake-mode recording, {args.rounds} rounds each, alternating with the same tests")
        print("on the emulator without cassettes; SSL_CERT_DIR set; whole pytest processes")
        for n in ns:
            root = base / f"project-{n}"
            root.mkdir()
            (root / "pytest.ini").write_text(INI)
            write_tests(root, n, plugin=True)

            def record(root: Path = root, n: int = n) -> Run:
                shutil.rmtree(root / "cassettes", ignore_errors=True)
                return run_pytest(root, ("--auth0-fake", "--record-mode=once"), expect=n, env=env)

            def plain(root: Path = root, n: int = n) -> Run:
                return run_pytest(root, ("--auth0-fake",), expect=n, env=env)

            runs = alternate({"record": record, "plain": plain}, args.rounds)
            (r_min, r_med), (p_min, p_med) = (
                min_median(walls(runs["record"])),
                min_median(walls(runs["plain"])),
            )
            medians[n] = r_med
            n_cassettes = len(list((root / "cassettes").rglob("*.yaml")))
            print(
                f"N={n}: recording {r_min:.2f}/{r_med:.2f} s (min/median; "
                f"{fmt_runs(runs['record'])};"
                f" {n_cassettes} cassettes), no cassettes {p_min:.2f}/{p_med:.2f} s -> ratio "
                f"{r_min / p_min:.2f}/{r_med / p_med:.2f}; "
                f"{r_med / n * 1000:.1f} ms/test recorded",
                flush=True,
            )
        for a, b in itertools.pairwise(ns):
            growth = medians[b] / medians[a]
            goal = ""
            if (a, b) == (300, 1000):
                verdict = "met" if growth <= GOAL_1000_OVER_300 else "NOT met"
                goal = f" (goal <= {GOAL_1000_OVER_300}: {verdict})"
            print(f"recording time {a}->{b}: x{growth:.2f} for x{b / a:.2f} tests{goal}")
        if 300 in medians and 1000 in medians:
            print(f"RATIO {medians[1000] / medians[300]:.3f} (recording time, N=1000 / N=300)")
        if args.samples:
            counts = sample_run(base, args.samples)
            total = max(1, counts["total"])
            # The sample's innermost non-stdlib frame is this package's code, or the main thread
            # waits on the emulator's answer; the rest is pytest, httpx and the tests.
            share = (counts["package_self"] + counts["waiting"]) / total
            verdict = "met" if share <= GOAL_SHARE else "NOT met"
            print(
                f"\nfake mode, {args.samples} tests, -n 0, no cassettes: {counts['total']} samples"
                f" of the main thread. Plugin code running or waiting on the emulator: "
                f"{share:.1%} (plugin {counts['package_self'] / total:.1%}, waiting "
                f"{counts['waiting'] / total:.1%}; goal < {GOAL_SHARE:.0%}: {verdict}); "
                f"a frame of this package anywhere on the stack (its client transport wraps "
                f"every request): {counts['package'] / total:.1%}; "
                f"ssl.create_default_context: {counts['ssl_context'] / total:.1%}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
