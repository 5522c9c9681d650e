"""Tests that never use the plugin: does having it installed cost them anything?

    .venv/bin/python benchmarks/unrelated_tests.py [--tests 3000] [--rounds 7] [--quick]

One generated project of ``--tests`` plain tests (no marker, no fixture of the plugin, a few
parametrized, a few in classes) run as separate pytest processes: with the plugin (installed,
as pytest loads it from its entry point) and with ``-p no:auth0_m2m``; pytest-recording is
loaded in both. The runs alternate, one warm-up each, then ``--rounds`` rounds; min and median
wall times and their ratio are printed (goal: at most 1.02), with the CPU time beside them.
``--quick``: 300 tests, 1 round, for a smoke test.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _bench import INI, alternate, clean_env, fmt_runs, min_median, ratio_line, run_pytest

GOAL = 1.02
PER_MODULE = 100


def write_project(root: Path, n_tests: int) -> None:
    (root / "pytest.ini").write_text(INI)
    (root / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef number():\n    return 7\n"
    )
    written = 0
    module = 0
    while written < n_tests:
        lines = ["import pytest", "", ""]
        count = min(PER_MODULE, n_tests - written)
        body = 0
        while body < count:
            i = written + body
            if i % 10 == 9 and body + 3 <= count:
                lines += [
                    '@pytest.mark.parametrize("x", [1, 2, 3])',
                    f"def test_p{i}(x, number):",
                    "    assert x * number > 0",
                    "",
                    "",
                ]
                body += 3
            elif i % 10 == 5:
                lines += [
                    f"class TestC{i}:",
                    "    def test_m(self):",
                    f"        assert {i} + 1 == {i + 1}",
                    "",
                    "",
                ]
                body += 1
            else:
                lines += [f"def test_{i}():", f"    assert str({i}).isdigit()", "", ""]
                body += 1
        (root / f"test_plain_{module:03d}.py").write_text("\n".join(lines))
        written += count
        module += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="300 tests, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.tests, args.rounds = 300, 1

    with tempfile.TemporaryDirectory(prefix="unrelated-tests-") as tmp:
        root = Path(tmp)
        write_project(root, args.tests)
        env = clean_env()
        runs = alternate(
            {
                "plugin": lambda: run_pytest(root, (), expect=args.tests, env=env),
                "baseline": lambda: run_pytest(
                    root, ("-p", "no:auth0_m2m"), expect=args.tests, env=env
                ),
            },
            args.rounds,
        )
        print(
            f"{args.tests} tests that never use the plugin, {args.rounds} rounds each, "
            "alternating (whole pytest processes)"
        )
        print(f"  plugin installed   : {fmt_runs(runs['plugin'])}")
        print(f"  -p no:auth0_m2m    : {fmt_runs(runs['baseline'])}")
        _, r_med = ratio_line("wall", runs["plugin"], runs["baseline"], GOAL)
        cpu_o = min_median([r.cpu for r in runs["plugin"]])
        cpu_b = min_median([r.cpu for r in runs["baseline"]])
        print(
            f"CPU: plugin {cpu_o[0]:.3f}/{cpu_o[1]:.3f} s, baseline {cpu_b[0]:.3f}/{cpu_b[1]:.3f}"
            f" s -> ratio {cpu_o[0] / cpu_b[0]:.3f}/{cpu_o[1] / cpu_b[1]:.3f}"
        )
        extra_ms = (
            min_median([r.wall for r in runs["plugin"]])[1]
            - min_median([r.wall for r in runs["baseline"]])[1]
        ) * 1000
        print(f"plugin's cost (median difference): {extra_ms:+.0f} ms a run")
        print(f"RATIO {r_med:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
