"""Apps, grants and leases on the emulator (real sockets), without pytest in between."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import ManagementClient, RetryPolicy
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.provisioning.coordination import (
    Lease,
    RunInfo,
    dead_runs,
    host_id,
    leases_in,
)
from pytest_auth0_m2m.provisioning.provisioner import (
    MAX_LEASES,
    ProvisionedSource,
    Provisioner,
    ProvisioningError,
    app_name,
    check_provisioner,
    is_plugin_app,
    scope_hash,
)
from pytest_auth0_m2m.provisioning.tokens import TokenCache

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

USERS = frozenset({"read:users", "update:users"})


def mgmt_for(fake: FakeAuth0) -> ManagementClient:
    endpoints = TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    policy = RetryPolicy(sleep=lambda _: None, rng=random.Random(0))
    return ManagementClient(
        endpoints, fake.provisioner.client_id, fake.provisioner.client_secret, policy=policy
    )


def new_run(tmp_path: Path) -> RunInfo:
    run = RunInfo.new(tmp_path)
    run.state.start(run, "")
    return run


def source_for(fake: FakeAuth0, run: RunInfo, cache_dir: Path | None = None) -> ProvisionedSource:
    mgmt = mgmt_for(fake)
    endpoints = mgmt.endpoints
    return ProvisionedSource(endpoints, Provisioner(mgmt, run), TokenCache(cache_dir))


def plugin_grants(fake: FakeAuth0) -> list[dict[str, object]]:
    ids = {c["client_id"] for c in fake.tenant.clients.values() if is_plugin_app(c)}
    return [g for g in fake.tenant.grants.values() if g["client_id"] in ids]


def test_name_and_hash_are_deterministic() -> None:
    assert scope_hash(["b", "a"]) == scope_hash(["a", "b", "a"])
    assert app_name(["update:users", "read:users"]) == (
        f"pytest-auth0-m2m {scope_hash(USERS)} read:users update:users"
    )
    long_name = app_name([f"read:thing_{i}" for i in range(40)])
    assert len(long_name) == 128
    assert long_name.endswith("...")


def test_token_scope_claim_is_exactly_the_set(fake: FakeAuth0, tmp_path: Path) -> None:
    source = source_for(fake, new_run(tmp_path))
    claims = jwt.decode(source.token(USERS), options={"verify_signature": False})
    assert set(claims["scope"].split()) == USERS
    empty = jwt.decode(source.token(frozenset()), options={"verify_signature": False})
    assert empty.get("scope", "") == ""
    source.close()


def test_app_is_found_again_by_a_later_run(fake: FakeAuth0, tmp_path: Path) -> None:
    first = source_for(fake, new_run(tmp_path)).credentials(USERS)
    again = source_for(fake, new_run(tmp_path)).credentials(USERS)
    assert again.client_id == first.client_id
    plugin = [c for c in fake.tenant.clients.values() if is_plugin_app(c)]
    assert len(plugin) == 1
    metadata = plugin[0]["client_metadata"]
    assert metadata["scope_hash"] == scope_hash(USERS)
    assert plugin[0]["grant_types"] == ["client_credentials"]
    # Both runs hold a lease, each under a key of its own.
    assert len([key for key in metadata if key.startswith("lease_")]) == 2


def test_teardown_respects_another_live_lease(fake: FakeAuth0, tmp_path: Path) -> None:
    run_a, run_b = new_run(tmp_path / "a"), new_run(tmp_path / "b")
    source_a, source_b = source_for(fake, run_a), source_for(fake, run_b)
    source_a.credentials(USERS)
    source_b.credentials(USERS)
    source_a.provisioner.teardown()
    assert len(plugin_grants(fake)) == 1  # b still holds it
    source_b.provisioner.teardown()
    assert plugin_grants(fake) == []


def test_expired_and_dead_leases_do_not_hold(fake: FakeAuth0, tmp_path: Path) -> None:
    source = source_for(fake, new_run(tmp_path))
    creds = source.credentials(USERS)
    client = fake.tenant.clients[creds.client_id]
    dead_pid = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = [
        Lease("expired0", "elsewhere", 1, 1000),  # another machine, long expired
        Lease("crashed0", host_id(), int(dead_pid), 2**31),  # this host, gone
    ]
    client["client_metadata"].update({lease.key: lease.value for lease in stale})
    source.provisioner.teardown()
    assert plugin_grants(fake) == []


def test_drifted_grant_is_patched_back(fake: FakeAuth0, tmp_path: Path) -> None:
    creds = source_for(fake, new_run(tmp_path)).credentials(USERS)
    grant = fake.tenant.grant_for(creds.client_id, fake.audience)
    assert grant is not None
    grant["scope"] = ["read:users", "delete:users"]
    source = source_for(fake, new_run(tmp_path))
    token = source.token(USERS)
    assert set(jwt.decode(token, options={"verify_signature": False})["scope"].split()) == USERS
    assert sorted(grant["scope"]) == sorted(USERS)
    assert source.provisioner.stats.grants_patched == 1


def test_grant_deleted_under_a_run_is_made_again(fake: FakeAuth0, tmp_path: Path) -> None:
    run = new_run(tmp_path)
    source = source_for(fake, run)
    creds = source.credentials(USERS)  # grant made and remembered
    # Another run's teardown, after that run erased our lease: lease and grant both gone.
    clear_leases(fake, creds.client_id)
    for grant in plugin_grants(fake):
        del fake.tenant.grants[str(grant["id"])]
    assert source.token(USERS)  # Auth0's 403 "no client-grant", then lease and grant again
    assert len(plugin_grants(fake)) == 1
    assert run.run_id in lease_runs(fake, creds.client_id)


def lease_runs(fake: FakeAuth0, client_id: str) -> set[str]:
    metadata = fake.tenant.clients[client_id]["client_metadata"]
    return {lease.run_id for lease in leases_in(metadata)}


def clear_leases(fake: FakeAuth0, client_id: str) -> None:
    metadata = fake.tenant.clients[client_id]["client_metadata"]
    for key in [key for key in metadata if key.startswith("lease_")]:
        del metadata[key]


def kept_app(fake: FakeAuth0, tmp_path: Path) -> dict[str, object]:
    """The scope set's app with its grant and no lease, as a --auth0-keep run leaves it."""
    source = source_for(fake, new_run(tmp_path / "warmup"))
    creds = source.credentials(USERS)
    source.provisioner.teardown(keep=True)
    source.close()
    app = dict(fake.tenant.clients[creds.client_id])
    assert lease_runs(fake, creds.client_id) == set()
    return app


def at_once(*actions: Callable[[], None]) -> None:
    """Run the actions in threads released together; re-raise the first failure."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=10)
            action()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


TRIALS = 20


def test_lease_costs_one_read_and_one_write(fake: FakeAuth0, tmp_path: Path) -> None:
    app = kept_app(fake, tmp_path)
    client_id = str(app["client_id"])
    provisioner = source_for(fake, new_run(tmp_path / "run")).provisioner
    fake.counters.reset()
    provisioner.take_lease(client_id)
    # No read-back: a one-key PATCH cannot erase, nor be erased by, another run's lease.
    assert fake.counters.count("get_clients_by_id") == 1
    assert fake.counters.count("patch_clients_by_id") == 1
    assert lease_runs(fake, client_id) == {provisioner.run.run_id}


def test_concurrent_lease_takers_never_lose_a_lease(fake: FakeAuth0, tmp_path: Path) -> None:
    # Two CI jobs (separate checkouts: no shared lock) lease one app on one tenant at once: each
    # writes its own key, so neither erases the other's.
    client_id = str(kept_app(fake, tmp_path)["client_id"])
    for trial in range(TRIALS):
        clear_leases(fake, client_id)
        jobs = [source_for(fake, new_run(tmp_path / f"{trial}-{job}")) for job in "ab"]
        at_once(*(lambda job=job: job.provisioner.take_lease(client_id) for job in jobs))
        held = lease_runs(fake, client_id)
        for job in jobs:
            job.close()
        assert held == {job.provisioner.run.run_id for job in jobs}, f"trial {trial}"


def test_teardown_racing_a_new_lease_keeps_its_grant(fake: FakeAuth0, tmp_path: Path) -> None:
    # Job a ends while job b starts on the same app: a's teardown must not delete the grant b
    # is about to use (b's lease erased by a's write, or written between a's check and delete).
    app = kept_app(fake, tmp_path)
    client_id = str(app["client_id"])
    for trial in range(TRIALS):
        clear_leases(fake, client_id)
        ending, starting = (source_for(fake, new_run(tmp_path / f"{trial}-{j}")) for j in "ab")
        # a holds a lease and has used the grant (written directly: quicker than credentials()).
        lease = ending.provisioner.run.lease()
        fake.tenant.clients[client_id]["client_metadata"][lease.key] = lease.value
        ending.provisioner.run.state.record_app(client_id, scope_hash(USERS))
        take = starting.provisioner.ensure_grant
        at_once(ending.provisioner.teardown, lambda take=take: take(app, USERS))
        held, grants = lease_runs(fake, client_id), plugin_grants(fake)
        for job in (ending, starting):
            job.close()
        assert held == {starting.provisioner.run.run_id}, f"trial {trial}"
        assert len(grants) == 1, f"trial {trial}: the grant job b uses was deleted"


def test_keep_and_delete_apps(fake: FakeAuth0, tmp_path: Path) -> None:
    kept = source_for(fake, new_run(tmp_path))
    kept.credentials(USERS)
    kept.provisioner.teardown(keep=True)
    assert len(plugin_grants(fake)) == 1
    gone = source_for(fake, new_run(tmp_path))
    gone.credentials(USERS)
    gone.provisioner.teardown(delete_apps=True)
    assert plugin_grants(fake) == []
    assert not [c for c in fake.tenant.clients.values() if is_plugin_app(c)]


def test_repair_finishes_a_dead_runs_teardown(fake: FakeAuth0, tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    crashed = RunInfo("deadbeef", int(child.stdout), host_id(), tmp_path)
    crashed.state.start(crashed, fake.domain)
    source_for(fake, crashed).credentials(USERS)
    assert [s.run_id for s in dead_runs(tmp_path)] == ["deadbeef"]
    survivor = source_for(fake, new_run(tmp_path))
    assert survivor.provisioner.repair() == 1
    assert plugin_grants(fake) == []
    assert dead_runs(tmp_path) == []
    assert os.getpid() != crashed.owner_pid


def test_provisioner_without_a_scope_is_refused_before_any_write(fake: FakeAuth0) -> None:
    grant = fake.tenant.grant_for(fake.provisioner.client_id, fake.audience)
    assert grant is not None
    grant["scope"] = [
        s for s in grant["scope"] if s not in ("create:client_grants", "read:clients")
    ]
    with mgmt_for(fake) as mgmt, pytest.raises(ProvisioningError) as caught:
        check_provisioner(mgmt)
    assert "lacks read:clients, create:client_grants on the Management API" in str(caught.value)
    assert "Add these scopes to it" in str(caught.value)
    assert fake.counters.count("post_clients") == 0


def test_provisioner_token_is_never_in_the_cache(fake: FakeAuth0, tmp_path: Path) -> None:
    source = source_for(fake, new_run(tmp_path), cache_dir=tmp_path / "tokens")
    source.token(USERS)
    source.token(frozenset({"read:roles"}))
    cached = [p.read_text() for p in (tmp_path / "tokens").glob("*.json")]
    assert len(cached) == 2
    subjects = {
        jwt.decode(json.loads(text)["access_token"], options={"verify_signature": False})["azp"]
        for text in cached
    }
    assert fake.provisioner.client_id not in subjects


def test_a_lease_counts_from_the_time_given_even_zero(tmp_path: Path) -> None:
    run = RunInfo.new(tmp_path)
    assert run.lease(0.0, ttl=10).expires == 10
    assert run.lease(1000.0, ttl=10).expires == 1010


def test_leases_beyond_the_cap_use_the_app_unleased(fake: FakeAuth0, tmp_path: Path) -> None:
    # Auth0 allows 10 client_metadata keys; the plugin's own take 5, so MAX_LEASES runs can
    # hold one app at once. One more uses the app without a lease rather than fail on the 400.
    client_id = str(kept_app(fake, tmp_path)["client_id"])
    jobs = [source_for(fake, new_run(tmp_path / f"job{i}")) for i in range(MAX_LEASES + 1)]
    for job in jobs:
        job.provisioner.take_lease(client_id)
    metadata = fake.tenant.clients[client_id]["client_metadata"]
    assert len(metadata) == 10
    assert lease_runs(fake, client_id) == {job.provisioner.run.run_id for job in jobs[:-1]}
    assert jobs[-1].provisioner.stats.leases_full == 1
    assert jobs[0].provisioner.stats.leases_full == 0
    # The last run still gets its token; a lease slot freed later is taken on a refresh.
    assert jobs[-1].token(USERS)
    assert jobs[0].provisioner.release(client_id, {jobs[0].provisioner.run.run_id}) == "held"
    jobs[-1].provisioner.take_lease(client_id, refresh=True)
    assert jobs[-1].provisioner.run.run_id in lease_runs(fake, client_id)
    for job in jobs:
        job.close()


def test_legacy_leases_value_still_holds_and_goes_once_dead(
    fake: FakeAuth0, tmp_path: Path
) -> None:
    # An app leased by a version that kept every lease in one "leases" value.
    client_id = str(kept_app(fake, tmp_path)["client_id"])
    metadata = fake.tenant.clients[client_id]["client_metadata"]
    alive = Lease("oldrun01", host_id(), os.getpid(), 2**31)
    metadata["leases"] = alive.encode()
    run = new_run(tmp_path / "run")
    source = source_for(fake, run)
    source.credentials(USERS)
    source.provisioner.teardown()
    assert len(plugin_grants(fake)) == 1  # the old run's lease holds the grant
    expired = Lease("oldrun01", "elsewhere", 1, 1000).encode()
    fake.tenant.clients[client_id]["client_metadata"]["leases"] = expired
    later = source_for(fake, new_run(tmp_path / "later"))
    later.provisioner.take_lease(client_id)
    assert "leases" not in fake.tenant.clients[client_id]["client_metadata"]
    assert later.provisioner.release(client_id, {later.provisioner.run.run_id}) == "deleted"
    assert plugin_grants(fake) == []
