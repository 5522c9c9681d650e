"""``python -m pytest_auth0_m2m sweep``: dry-run by default, only this plugin's apps and grants."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prov_helpers import live_env, tenant

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import ManagementClient
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.provisioning.coordination import RunInfo
from pytest_auth0_m2m.provisioning.provisioner import META_USED, Provisioner, is_plugin_app
from pytest_auth0_m2m.provisioning.sweep import main, parse_duration

__all__ = ["tenant"]

SETS = (frozenset({"read:users"}), frozenset({"read:roles", "read:users"}))


@pytest.fixture
def env(tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    tenant.reset()
    values = live_env(tenant)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield values
    tenant.reset()


def leave_leftovers(fake: FakeAuth0, tmp_path: Path) -> None:
    """Apps and grants of a run that ended without its teardown (lease gone)."""
    endpoints = TenantEndpoints(domain=fake.domain, mode="live")
    with ManagementClient(
        endpoints, fake.provisioner.client_id, fake.provisioner.client_secret
    ) as mgmt:
        run = RunInfo.new(tmp_path)
        provisioner = Provisioner(mgmt, run)
        for scopes in SETS:
            provisioner.ensure_grant(provisioner.ensure_app(scopes), scopes)
        # Drop the lease, keep the grants: what a crashed run on another machine leaves.
        for client_id in run.state.load()["apps"]:
            provisioner.release(client_id, [run.run_id], keep=True)


def seed_bystander(fake: FakeAuth0) -> str:
    made = fake.seed({"clients": [{"name": "not ours", "app_type": "non_interactive"}]})
    client_id = made["clients"][0]
    fake.seed({"client_grants": [{"client_id": client_id, "scope": ["read:users"]}]})
    return client_id


def plugin_state(fake: FakeAuth0) -> tuple[int, int]:
    apps = {c["client_id"] for c in fake.tenant.clients.values() if is_plugin_app(c)}
    grants = [g for g in fake.tenant.grants.values() if g["client_id"] in apps]
    return len(apps), len(grants)


def test_dry_run_lists_and_touches_nothing(
    env: dict[str, str], tenant: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leave_leftovers(tenant, tmp_path)
    seed_bystander(tenant)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.count("would delete: app ") == 2
    assert "not ours" not in out
    assert out.strip().endswith(
        "dry run: 2 grant(s) and 2 app(s) would be deleted; run again with --yes to delete them"
    )
    assert plugin_state(tenant) == (2, 2)


def test_yes_deletes_only_the_plugins(
    env: dict[str, str], tenant: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leave_leftovers(tenant, tmp_path)
    bystander = seed_bystander(tenant)
    assert main(["--yes"]) == 0
    assert f"deleted 2 grant(s) and 2 app(s) in {tenant.domain}" in capsys.readouterr().out
    assert plugin_state(tenant) == (0, 0)
    assert bystander in tenant.tenant.clients
    assert tenant.tenant.grant_for(bystander, tenant.audience) is not None
    assert tenant.tenant.grant_for(tenant.provisioner.client_id, tenant.audience) is not None
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == f"nothing to sweep in {tenant.domain}"


def test_older_than_skips_recently_used_apps(
    env: dict[str, str], tenant: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leave_leftovers(tenant, tmp_path)
    assert main(["--yes", "--older-than", "2h"]) == 0
    assert "nothing to sweep" in capsys.readouterr().out
    assert plugin_state(tenant) == (2, 2)
    for client in tenant.tenant.clients.values():
        if is_plugin_app(client):
            client["client_metadata"][META_USED] = str(int(time.time()) - 3 * 3600)
    assert main(["--yes", "--older-than", "2h"]) == 0
    assert plugin_state(tenant) == (0, 0)


def test_apps_held_by_a_live_run_are_skipped(
    env: dict[str, str], tenant: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = TenantEndpoints(domain=tenant.domain, mode="live")
    with ManagementClient(
        endpoints, tenant.provisioner.client_id, tenant.provisioner.client_secret
    ) as mgmt:
        provisioner = Provisioner(mgmt, RunInfo.new(tmp_path))  # this process: alive
        provisioner.ensure_grant(provisioner.ensure_app(SETS[0]), SETS[0])
    assert main(["--yes"]) == 0
    out = capsys.readouterr().out
    assert "in use (a live run holds a lease), skipped: pytest-auth0-m2m" in out
    assert plugin_state(tenant) == (1, 1)


def test_missing_credentials(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    assert main([]) == 2
    assert "set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET" in capsys.readouterr().err


def test_wrong_secret(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "nope-" * 10)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401 (access_denied): Unauthorized" in err
    assert "nope-" not in err


def test_durations() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("30m") == 1800
    assert parse_duration("2h") == 7200
    assert parse_duration("1d") == 86400
    with pytest.raises(Exception, match="invalid duration 'soon'"):
        parse_duration("soon")


def test_module_entry_point(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_auth0_m2m", "sweep", "--older-than", "1h"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"nothing to sweep in {env['AUTH0_DOMAIN']}"
