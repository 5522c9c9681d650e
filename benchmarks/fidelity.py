"""Emulator fidelity against Auth0's own recordings (issue 15).

Replays the request sequences of the terraform provider's go-vcr cassettes (recorded on real
tenants; read at run time from the local mirror, nothing copied) against the embedded emulator with
pytest_auth0_m2m.fake.diff: a fresh FakeAuth0 per cassette, a token with every scope, recorded ids
mapped to the emulator's. Prints status and top-level key agreement per family and overall, the
top differences grouped, and the ratio to the issue's baseline (32.5% status, 15% keys).

    .venv/bin/python benchmarks/fidelity.py [--quick] [--family roles] [--top 40] [--mirror DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from mirror_recordings import MIRROR, recordings

from pytest_auth0_m2m.auth0.scopes import catalogue
from pytest_auth0_m2m.fake import diff
from pytest_auth0_m2m.fake.routes import handlers

# Issue 15's measurement before this work (status agreement, key agreement).
BASELINE_STATUS = 0.325
BASELINE_KEYS = 0.15
QUICK = 40  # cassettes in --quick (every 7th, a spread over families)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} cassettes only")
    parser.add_argument("--family", help="one family (first path segment), e.g. connections")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--mirror", type=Path, default=MIRROR)
    args = parser.parse_args()
    if not args.mirror.exists():
        print(f"no mirror of the terraform provider at {args.mirror}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        paths = [path for _name, path in recordings(args.mirror, Path(tmp))]
        if args.quick:
            paths = paths[:: max(1, len(paths) // QUICK)][:QUICK]
        started = time.perf_counter()
        report = diff.run(paths, family=args.family)
        elapsed = time.perf_counter() - started
    print(diff.render(report, top=args.top))
    ok, n, kok, kn = report.agreement()
    status, keys = (ok / n if n else 0.0), (kok / kn if kn else 0.0)
    print()
    print(f"replay time {elapsed:.1f} s for {report.cassettes} cassettes")
    operations = catalogue().operations
    answered = handlers()
    left = [o for o in operations if o.operation_id not in answered]
    print(
        f"operations not emulated overall (answer 405 operation_not_emulated): {len(left)} of "
        f"{len(operations)} (goal: fewer than 60)"
    )
    print(
        f"vs issue 15 baseline: status {100 * status:.1f}% / {100 * BASELINE_STATUS:.1f}% = "
        f"{status / BASELINE_STATUS:.2f}x, keys {100 * keys:.1f}% / {100 * BASELINE_KEYS:.1f}% = "
        f"{keys / BASELINE_KEYS:.2f}x (goal: 90% status, 80% keys)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
