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

# Sweeps a live-mode tenant (the emulator) end to end: the slow tier.
pytestmark = pytest.mark.e2e

SETS = (frozenset({"read:users"}), frozenset({"read:roles", "read:users"}))


@pytest.fixture
def env(
    tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The tenant's credentials, run from a project whose pytest ini allows the emulator."""
    tenant.reset()
    values = live_env(tenant)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    project = tmp_path_factory.mktemp("project")
    (project / "pytest.ini").write_text("[pytest]\nauth0_allowed_domains = localhost:*\n")
    monkeypatch.chdir(project)
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


@pytest.mark.parametrize(
    ("ini_name", "ini_text"),
    [
        ("pytest.ini", "[pytest]\nauth0_allowed_domains = dev-*.eu.auth0.com\n"),
        ("pytest.ini", "[pytest]\n"),
        (
            "pyproject.toml",
            '[tool.pytest.ini_options]\nauth0_allowed_domains = ["dev-x.eu.auth0.com"]\n',
        ),
        ("tox.ini", "[pytest]\nauth0_allowed_domains =\n    dev-x.eu.auth0.com\n"),
        # pytest 9's TOML configuration (red-team finding: sweep found none of these)
        ("pytest.toml", '[pytest]\nauth0_allowed_domains = ["dev-x.eu.auth0.com"]\n'),
        ("pytest.toml", ""),
        (".pytest.toml", '[pytest]\nauth0_allowed_domains = ["dev-x.eu.auth0.com"]\n'),
        ("pyproject.toml", '[tool.pytest]\nauth0_allowed_domains = ["dev-x.eu.auth0.com"]\n'),
    ],
)
def test_a_tenant_outside_the_allowlist_is_refused_before_any_request(
    env: dict[str, str],
    tenant: FakeAuth0,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ini_name: str,
    ini_text: str,
) -> None:
    leave_leftovers(tenant, tmp_path / "run")
    project = tmp_path / "other"
    (project / "sub").mkdir(parents=True)
    (project / ini_name).write_text(ini_text)
    monkeypatch.chdir(project / "sub")  # found from a subdirectory, as pytest finds it
    before = tenant.counters.snapshot()
    assert main(["--yes"]) == 2
    err = capsys.readouterr().err
    assert f"tenant {env['AUTH0_DOMAIN']!r} is not in" in err
    assert "nothing was read or deleted" in err
    assert f"auth0_allowed_domains = {env['AUTH0_DOMAIN']}" in err
    assert env["AUTH0_CLIENT_SECRET"] not in err
    assert tenant.counters.snapshot() == before  # not even a token request
    assert plugin_state(tenant) == (2, 2)


def test_no_ini_at_all_is_refused(
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    # tmp_path's parents hold no pytest ini (the basetemp lives outside the repository).
    assert main([]) == 2
    assert "auth0_allowed_domains (no pytest ini found)" in capsys.readouterr().err


def test_config_option_and_user_info_domain(
    env: dict[str, str], tenant: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = tmp_path / "ci.ini"
    ini.write_text("[pytest]\nauth0_allowed_domains = localhost:*\n")
    assert main(["--config", str(ini)]) == 0
    capsys.readouterr()
    # localhost:P1@127.0.0.1:P2 would match localhost:* as a string; as a host it is refused.
    domain = f"localhost:1@127.0.0.1:{tenant.port}"
    before = tenant.counters.snapshot()
    assert main(["--config", str(ini), "--domain", domain]) == 2
    assert "user info" in capsys.readouterr().err
    assert tenant.counters.snapshot() == before


def test_a_missing_config_file_is_named(
    env: dict[str, str], tenant: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tenant.counters.snapshot()
    assert main(["--config", str(tmp_path / "nope.ini")]) == 2
    assert f"--config {tmp_path / 'nope.ini'}: no such file" in capsys.readouterr().err
    assert tenant.counters.snapshot() == before


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ci.toml", '[pytest]\nauth0_allowed_domains = ["localhost:*"]\n'),
        ("pytest.toml", '[pytest]\nauth0_allowed_domains = ["localhost:*"]\n'),
        ("pyproject.toml", '[tool.pytest]\nauth0_allowed_domains = ["localhost:*"]\n'),
    ],
)
def test_a_toml_config_allows_the_tenant(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    config = tmp_path / name
    config.write_text(text)
    assert main(["--config", str(config)]) == 0, capsys.readouterr().err
