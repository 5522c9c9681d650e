"""Reliability figures of live sessions against one emulator (TLS, live mode), over TRIALS:

- **SIGKILL and rerun**: a session is killed (SIGKILL, its whole process group) while its test
  holds a provisioned app and its grant; the next run in the same checkout, with
  ``--auth0-delete-apps``, must pass and leave no grant and no app, so that ``sweep`` finds
  nothing. Counted: reruns failed, grants left, apps left, sweeps that found something.
- **20% injected 429/503** on every provisioning and token call (the emulator's random faults,
  seeded per trial): the suite must pass, leave no grant and no duplicate app. Counted:
  failed runs, grants left, duplicate apps, 429s and 503s served.

Each faulty or rerun session is timed against a clean cold session of the same suite, run just
before it in the same process (alternating), so the ratio of the medians is what the fault
costs.

    .venv/bin/python benchmarks/reliability.py [TRIALS]
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0
from pytest_auth0_m2m.provisioning.provisioner import is_plugin_app

INI = """
[pytest]
auth0_allowed_domains = localhost:*
"""
# 6 tests over 3 scope sets; with HANG set, the first test waits to be killed once provisioned.
TESTS = """
import os, time
import jwt
import pytest


def claim(token):
    return set(jwt.decode(token, options={"verify_signature": False})["scope"].split())


@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(2))
def test_read_users(mgmt_token, i):
    if os.environ.get("HANG"):
        open("provisioned", "w").close()
        time.sleep(120)
    assert claim(mgmt_token) == {"read:users"}


@pytest.mark.mgmt_scopes("read:clients", "read:users")
@pytest.mark.parametrize("i", range(2))
def test_read_clients(mgmt_client, i):
    assert mgmt_client.get("users").status_code == 200


@pytest.mark.mgmt_scopes("read:roles")
def test_roles_token(mgmt_token):
    assert claim(mgmt_token) == {"read:roles"}


@pytest.mark.mgmt_scopes("read:roles")
def test_roles_forbidden_users(mgmt_client):
    assert mgmt_client.get("users").status_code == 403
"""
N_TESTS = 6
ARGS = ("--record-mode=all", "--disable-recording", "-p", "no:randomly", "-q")
PROVISIONING_OPERATIONS = (
    "get_clients",
    "post_clients",
    "get_clients_by_id",
    "patch_clients_by_id",
    "get_client-grants",
    "post_client-grants",
    "patch_client-grants_by_id",
    "delete_client-grants_by_id",
    "oauth_token",
)


def project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "pytest.ini").write_text(INI)
    (root / "test_sample.py").write_text(TESTS)
    (root / "cache").mkdir(mode=0o700)
    return root


def env_for(fake: FakeAuth0, root: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AUTH0_DOMAIN": fake.domain,
        "AUTH0_CLIENT_ID": fake.provisioner.client_id,
        "AUTH0_CLIENT_SECRET": fake.provisioner.client_secret,
        "SSL_CERT_FILE": str(fake.ca_cert_path),
        "XDG_CACHE_HOME": str(root / "cache"),
        **extra,
    }


def start(fake: FakeAuth0, root: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *ARGS, *args],
        cwd=root,
        env=env_for(fake, root, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def run(fake: FakeAuth0, root: Path, *args: str) -> tuple[bool, float, str]:
    """(passed, seconds, output) of one session in ``root``."""
    started = time.monotonic()
    proc = start(fake, root, *args)
    output = proc.communicate(timeout=300)[0]
    ok = proc.returncode == 0 and f"{N_TESTS} passed" in output
    if not ok:
        print(output[-2000:], file=sys.stderr)
    return ok, time.monotonic() - started, output


def tally(fake: FakeAuth0) -> tuple[int, int, int]:
    """(plugin apps, duplicate apps beyond one per scope hash, grants of plugin apps)."""
    with fake.tenant.lock:
        apps = [c for c in fake.tenant.clients.values() if is_plugin_app(c)]
        ids = {c["client_id"] for c in apps}
        grants = [g for g in fake.tenant.grants.values() if g["client_id"] in ids]
    per_hash = Counter(c["client_metadata"]["scope_hash"] for c in apps)
    return len(apps), sum(n - 1 for n in per_hash.values()), len(grants)


def sweep_found(fake: FakeAuth0, root: Path) -> bool:
    """Whether ``sweep`` (a dry run) finds anything, or fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m", "sweep"],
        cwd=root,
        env=env_for(fake, root),
        capture_output=True,
        text=True,
        check=False,
    )
    clean = proc.returncode == 0 and proc.stdout.strip() == f"nothing to sweep in {fake.domain}"
    if not clean:
        print(proc.stdout + proc.stderr, file=sys.stderr)
    return not clean


def killed_then_rerun(fake: FakeAuth0, root: Path) -> tuple[bool, float, int, int, bool]:
    """(rerun passed, rerun seconds, grants left, apps left, sweep found something)."""
    victim = start(fake, root, HANG="1")
    deadline = time.monotonic() + 120
    while not (root / "provisioned").exists():
        if victim.poll() is not None or time.monotonic() > deadline:
            print(victim.communicate()[0][-2000:], file=sys.stderr)
            raise SystemExit("the victim session ended before it provisioned")
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.communicate()
    (root / "provisioned").unlink()
    if tally(fake)[2] == 0:
        raise SystemExit("the killed session left no grant: the trial would prove nothing")
    ok, seconds, _ = run(fake, root, "--auth0-delete-apps")
    apps, _, grants = tally(fake)
    return ok, seconds, grants, apps, sweep_found(fake, root)


def faulty(fake: FakeAuth0, root: Path, seed: int) -> tuple[bool, float, int, int, int, int]:
    """(passed, seconds, grants left, duplicate apps, 429s served, 503s served)."""
    fake.counters.reset()
    for n, operation in enumerate(PROVISIONING_OPERATIONS):
        fake.faults.random(rate=0.2, statuses=(429, 503), seed=seed * 100 + n, operation=operation)
    try:
        ok, seconds, _ = run(fake, root)
    finally:
        fake.faults.clear()
    served: Counter[int] = Counter()
    for entry in fake.counters.snapshot()["requests"]:
        served[entry["status"]] += entry["count"]
    _, duplicates, grants = tally(fake)
    return ok, seconds, grants, duplicates, served[429], served[503]


def median_min(values: list[float]) -> str:
    return f"min {min(values):.1f} s, median {statistics.median(values):.1f} s"


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with run_fake_auth0(tls=True) as fake, tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        clean: list[float] = []
        clean_failed = 0

        def baseline(name: str) -> None:
            nonlocal clean_failed
            fake.reset()
            ok, seconds, _ = run(fake, project(base / name))
            clean_failed += not ok
            clean.append(seconds)
            fake.reset()

        kill = {"failed": 0, "grants": 0, "apps": 0, "sweep": 0}
        kill_times: list[float] = []
        for n in range(trials):
            baseline(f"clean-k{n}")
            ok, seconds, grants, apps, found = killed_then_rerun(fake, project(base / f"kill{n}"))
            kill["failed"] += not ok
            kill["grants"] += grants
            kill["apps"] += apps
            kill["sweep"] += found
            kill_times.append(seconds)
            print(
                f"SIGKILL trial {n + 1}: rerun {'passed' if ok else 'FAILED'} in {seconds:.1f} s, "
                f"{grants} grants left, {apps} apps left, sweep found "
                f"{'something' if found else 'nothing'}",
                flush=True,
            )
        fault = {"failed": 0, "grants": 0, "duplicates": 0, "429": 0, "503": 0}
        fault_times: list[float] = []
        for n in range(trials):
            baseline(f"clean-f{n}")
            ok, seconds, grants, duplicates, n429, n503 = faulty(
                fake, project(base / f"fault{n}"), n
            )
            for key, value in (
                ("failed", int(not ok)),
                ("grants", grants),
                ("duplicates", duplicates),
                ("429", n429),
                ("503", n503),
            ):
                fault[key] += value
            fault_times.append(seconds)
            print(
                f"20% 429/503 trial {n + 1}: {'passed' if ok else 'FAILED'} in {seconds:.1f} s, "
                f"{grants} grants left, {duplicates} duplicate apps, {n429} 429s and "
                f"{n503} 503s served",
                flush=True,
            )
        base_median = statistics.median(clean)
        print(
            f"baseline (a clean cold session, {len(clean)} runs, {clean_failed} failed): "
            f"{median_min(clean)}"
        )
        print(
            f"SIGKILL mid-run, then rerun, {trials} trials: {kill['failed']} reruns failed, "
            f"{kill['grants']} grants left, {kill['apps']} apps left, {kill['sweep']} sweeps "
            f"found something; rerun (--auth0-delete-apps) {median_min(kill_times)}, "
            f"ratio of medians {statistics.median(kill_times) / base_median:.2f}"
        )
        print(
            f"20% injected 429/503 on provisioning and token calls, {trials} trials: "
            f"{fault['failed']} runs failed, {fault['grants']} grants left, "
            f"{fault['duplicates']} duplicate apps ({fault['429']} 429s and {fault['503']} 503s "
            f"served); {median_min(fault_times)}, ratio of medians "
            f"{statistics.median(fault_times) / base_median:.2f}"
        )


if __name__ == "__main__":
    main()
