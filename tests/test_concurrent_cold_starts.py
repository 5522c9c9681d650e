"""Concurrent cold starts on one tenant converge on one app per scope set (issue 13, item 5).

Two runs that share no lock (two machines) both find no app and both create one; each then
waits out the other's list-create-tag, lists again, and both keep the same winner (oldest
created_at, then smallest client id); the loser deletes its own twin. Tested in-process with
two provisioners on separate lock directories, and for real with two pytest sessions, each
``-n 2``, started at the same moment against one emulator.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from prov_helpers import live, tenant

from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.provisioning.coordination import RunInfo
from pytest_auth0_m2m.provisioning.provisioner import Provisioner, is_plugin_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import cold_starts  # the benchmark's session driver, shared

pytestmark = pytest.mark.e2e

__all__ = ["live", "tenant"]  # fixtures, imported for pytest

USERS = frozenset({"read:users"})


def per_hash(fake: FakeAuth0) -> Counter[str]:
    with fake.tenant.lock:
        apps = [c for c in fake.tenant.clients.values() if is_plugin_app(c)]
    return Counter(c["client_metadata"]["scope_hash"] for c in apps)


def test_two_runs_without_a_shared_lock_keep_one_app(fake: FakeAuth0, tmp_path: Path) -> None:
    from test_provisioning import at_once, mgmt_for

    for trial in range(5):
        fake.reset()
        runs = []
        for job in "ab":
            run = RunInfo.new(tmp_path / f"{trial}{job}")
            run.state.start(run, fake.domain)
            runs.append(
                Provisioner(
                    mgmt_for(fake), run, peers=True, locks=tmp_path / f"{trial}{job}" / "locks"
                )
            )
        chosen: dict[str, str] = {}

        def start(provisioner: Provisioner, into: dict[str, str]) -> None:
            into[provisioner.run.run_id] = str(provisioner.ensure_app(USERS)["client_id"])

        at_once(*(lambda p=p, into=chosen: start(p, into) for p in runs))
        assert len(set(chosen.values())) == 1, f"trial {trial}: {chosen}"
        assert list(per_hash(fake).values()) == [1], f"trial {trial}"
        created = sum(p.stats.apps_created for p in runs)
        deleted = sum(p.stats.duplicates_deleted for p in runs)
        assert created - deleted == 1


def test_two_sessions_with_xdist_started_together_leave_one_app_per_set(
    tenant: FakeAuth0, tmp_path: Path
) -> None:
    for n in range(2):
        duplicates, grants, failed, _ = cold_starts.trial(tenant, tmp_path / f"t{n}", 2)
        assert (duplicates, grants, failed) == (0, 0, 0), f"trial {n}"
        assert sorted(per_hash(tenant).values()) == [1, 1]
