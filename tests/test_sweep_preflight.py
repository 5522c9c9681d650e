"""``sweep --yes`` checks the provisioner's grant before its first delete (issue 13, item 4):
without ``delete:clients`` it used to delete every leftover's grants, then fail on the first
app and leave the apps behind. Emulator on real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prov_helpers import live_env, tenant
from test_sweep import leave_leftovers, plugin_state

from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.provisioning.sweep import main

__all__ = ["tenant"]

pytestmark = pytest.mark.e2e


@pytest.fixture
def weak(
    tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    """Leftovers on the tenant, then the provisioner's grant narrowed by the test."""
    tenant.reset()
    for name, value in live_env(tenant).items():
        monkeypatch.setenv(name, value)
    project = tmp_path_factory.mktemp("project")
    (project / "pytest.ini").write_text("[pytest]\nauth0_allowed_domains = localhost:*\n")
    monkeypatch.chdir(project)
    leave_leftovers(tenant, Path(tmp_path_factory.mktemp("run")))
    grant = tenant.tenant.grant_for(tenant.provisioner.client_id, tenant.audience)
    assert grant is not None
    original = list(grant["scope"])
    yield grant["scope"]
    grant["scope"] = original
    tenant.reset()


@pytest.mark.parametrize("missing", ["delete:clients", "delete:client_grants"])
def test_yes_without_a_delete_scope_deletes_nothing(
    weak: list[str], tenant: FakeAuth0, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    weak.remove(missing)
    before = plugin_state(tenant)
    assert before == (2, 2)
    assert main(["--yes"]) == 2
    err = capsys.readouterr().err
    assert f"lacks {missing} on the Management API" in err
    assert "nothing was deleted" in err
    assert plugin_state(tenant) == before
    deletes = ("delete_clients_by_id", "delete_client-grants_by_id")
    assert [tenant.counters.count(op) for op in deletes] == [0, 0]


def test_a_dry_run_needs_no_delete_scope(
    weak: list[str], tenant: FakeAuth0, capsys: pytest.CaptureFixture[str]
) -> None:
    weak.remove("delete:clients")
    weak.remove("delete:client_grants")
    assert main([]) == 0
    assert "would be deleted" in capsys.readouterr().out
    assert plugin_state(tenant) == (2, 2)
