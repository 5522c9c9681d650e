"""Token requests and Management API calls: plugin (cold, warm, -n 2) vs one token per test.

Runs generated pytest projects against one embedded emulator (TLS, live mode) and reads its
counters. Usage: python benchmarks/token_economy.py [--tests 40] [--sets 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0

INI = """[pytest]
auth0_allowed_domains = localhost:*
asyncio_default_fixture_loop_scope = function
"""
ARGS = ["--record-mode=all", "--disable-recording", "-q", "-p", "no:randomly"]

SCOPE_SETS = [
    ("read:users",),
    ("read:users", "update:users"),
    ("read:roles",),
    ("read:clients",),
    ("read:connections",),
    ("read:organizations",),
    ("read:users", "read:roles"),
    ("delete:users",),
]

NAIVE_CONFTEST = """
import os

import httpx
import pytest


@pytest.fixture
def mgmt_token():
    # The hand-rolled way: the all-powerful provisioner's token, fetched for every test.
    domain = os.environ["AUTH0_DOMAIN"]
    response = httpx.post(
        f"https://{domain}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": os.environ["AUTH0_CLIENT_ID"],
            "client_secret": os.environ["AUTH0_CLIENT_SECRET"],
            "audience": f"https://{domain}/api/v2/",
        },
    )
    response.raise_for_status()
    return response.json()["access_token"]
"""


def write_tests(root: Path, n_tests: int, n_sets: int, naive: bool) -> None:
    lines = ["import pytest", ""]
    for i in range(n_tests):
        scopes = SCOPE_SETS[i % n_sets]
        if not naive:
            lines.append(f"@pytest.mark.mgmt_scopes({', '.join(repr(s) for s in scopes)})")
        lines += [f"def test_{i}(mgmt_token):", "    assert mgmt_token", "", ""]
    (root / "test_bench.py").write_text("\n".join(lines))


def counts(fake: FakeAuth0) -> tuple[int, int, int]:
    """(tokens to per-scope-set apps, tokens to the provisioner, Management API calls)."""
    snapshot = fake.counters.snapshot()
    issued = snapshot["tokens_issued"]
    provisioner = issued.get(fake.provisioner.client_id, 0)
    apps = sum(issued.values()) - provisioner
    mgmt = sum(r["count"] for r in snapshot["requests"] if r["operation"] != "oauth_token")
    return apps, provisioner, mgmt


def run(root: Path, env: dict[str, str], *extra: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *ARGS, *extra],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"benchmark run failed:\n{result.stdout}\n{result.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=40)
    parser.add_argument("--sets", type=int, default=4, choices=range(1, len(SCOPE_SETS) + 1))
    args = parser.parse_args()
    rows: list[tuple[str, int, int, int]] = []
    with run_fake_auth0(tls=True) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "AUTH0_DOMAIN": fake.domain,
            "AUTH0_CLIENT_ID": fake.provisioner.client_id,
            "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
            "SSL_CERT_FILE": str(fake.ca_cert_path),
        }

        def project(name: str, naive: bool = False) -> Path:
            root = Path(tmp) / name
            root.mkdir()
            (root / "pytest.ini").write_text(INI)
            write_tests(root, args.tests, args.sets, naive)
            if naive:
                (root / "conftest.py").write_text(NAIVE_CONFTEST)
            return root

        def measure(label: str, root: Path, *extra: str, plugin: bool = True) -> None:
            fake.counters.reset()
            run(root, env, *extra, *([] if plugin else ["-p", "no:auth0_m2m"]))
            rows.append((label, *counts(fake)))

        measure("naive: one token per test", project("naive", naive=True), plugin=False)
        cold = project("plugin")
        measure("plugin, cold", cold)
        measure("plugin, warm rerun", cold)
        fake.reset()  # no apps left: -n 2 starts as cold as the first run
        measure("plugin, cold, -n 2", project("xdist"), "-n", "2")

    print(f"{args.tests} tests over {args.sets} scope sets\n")
    header = f"{'run':<28}{'app tokens':>12}{'provisioner':>13}{'all tokens':>12}{'mgmt calls':>12}"
    print(header)
    print("-" * len(header))
    naive_tokens = rows[0][1] + rows[0][2]
    for label, apps, provisioner, mgmt in rows:
        print(f"{label:<28}{apps:>12}{provisioner:>13}{apps + provisioner:>12}{mgmt:>12}")
    print()
    for label, apps, provisioner, _ in rows[1:]:
        total = apps + provisioner
        ratio = naive_tokens / total if total else float("inf")
        print(f"{label}: {ratio:.1f}x fewer token requests than the naive baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
