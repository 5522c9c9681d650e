"""What fake mode's per-test isolation costs: N one-call tests on the emulator with
``auth0_fake_isolation = test`` (the default: a checkpoint and a restore per test) against the
same tests with ``session`` (no restore), on an empty tenant and on one seeded with USERS users by
a session fixture (each checkpoint copies them). Alternating rounds, min/median, ratio.

    .venv/bin/python benchmarks/isolation_cost.py [ROUNDS] [N] [USERS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _bench import Run, alternate, clean_env, run_pytest

TESTS = """
import pytest


@pytest.fixture(scope="session", autouse=True)
def seeded(auth0_fake):
    count = {users}
    if count:
        auth0_fake.seed({{"users": [{{"email": f"u{{i}}@example.com"}} for i in range(count)]}})


@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range({n}))
def test_one_call(mgmt_client, i):
    assert mgmt_client.get("users", params={{"per_page": 1}}).status_code == 200
"""


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    users = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    env = clean_env()
    with tempfile.TemporaryDirectory() as tmp:
        roots: dict[str, Path] = {}
        for seeded in (0, users):
            for level in ("test", "session"):
                root = Path(tmp) / f"{level}-{seeded}"
                root.mkdir()
                (root / "pytest.ini").write_text(
                    "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
                    f"auth0_fake_isolation = {level}\n"
                )
                (root / "test_iso.py").write_text(TESTS.format(users=seeded, n=n))
                roots[f"{level}-{seeded}"] = root

        def command(key: str) -> Callable[[], Run]:
            return lambda: run_pytest(
                roots[key], ["--auth0-fake", "-p", "no:xdist"], expect=n, env=env
            )

        runs = alternate({key: command(key) for key in roots}, rounds)
    print(f"{n} tests, {rounds} rounds; wall min/median")
    for seeded in (0, users):
        iso = [r.wall for r in runs[f"test-{seeded}"]]
        off = [r.wall for r in runs[f"session-{seeded}"]]
        ratio = statistics.median(iso) / statistics.median(off)
        per_test_ms = (statistics.median(iso) - statistics.median(off)) / n * 1000
        print(
            f"tenant with {seeded} seeded users: isolation=test {min(iso):.2f}/"
            f"{statistics.median(iso):.2f} s, isolation=session {min(off):.2f}/"
            f"{statistics.median(off):.2f} s -> ratio {ratio:.2f} (median), "
            f"{per_test_ms:+.2f} ms a test"
        )


if __name__ == "__main__":
    main()
