"""Signed app tags (issue 13, item 1): an app someone else tagged as this plugin's is never
granted, reused or swept; the run says how many it ignored. Emulator on real sockets."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prov_helpers import LIVE_ARGS, live, live_env, tenant

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import ManagementClient
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.plugin.session import summary_line
from pytest_auth0_m2m.provisioning.coordination import RunInfo
from pytest_auth0_m2m.provisioning.provisioner import (
    META_CREATED,
    META_HASH,
    META_PLUGIN,
    ProvisionedSource,
    Provisioner,
    scope_hash,
)
from pytest_auth0_m2m.provisioning.sweep import main
from pytest_auth0_m2m.provisioning.tags import (
    ENV_PREVIOUS_CLIENT_SECRET,
    META_TAG,
    AppTagger,
    tag_key,
)
from pytest_auth0_m2m.provisioning.tokens import TokenCache

__all__ = ["live", "tenant"]

pytestmark = pytest.mark.e2e

USERS = frozenset({"read:users"})


def mgmt_for(fake: FakeAuth0) -> ManagementClient:
    return ManagementClient(
        fake.endpoints, fake.provisioner.client_id, fake.provisioner.client_secret
    )


def new_run(tmp_path: Path) -> RunInfo:
    run = RunInfo.new(tmp_path)
    run.state.start(run, "")
    return run


def attacker_creates(fake: FakeAuth0, metadata: dict[str, str], name: str = "planted") -> str:
    """What an app holding only create:clients can do over the Management API."""
    token = fake.issue_token("attacker", ["create:clients"])
    response = httpx.post(
        f"{fake.url}/api/v2/clients",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": name, "app_type": "non_interactive", "client_metadata": metadata},
        verify=ssl.create_default_context(cafile=str(fake.ca_cert_path)) if fake.tls else True,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


def attacker_updates(fake: FakeAuth0, client_id: str, metadata: dict[str, Any]) -> None:
    """What an app holding only update:clients can do."""
    token = fake.issue_token("attacker", ["update:clients"])
    response = httpx.patch(
        f"{fake.url}/api/v2/clients/{client_id}",
        headers={"Authorization": f"Bearer {token}"},
        json={"client_metadata": metadata},
        verify=ssl.create_default_context(cafile=str(fake.ca_cert_path)) if fake.tls else True,
    )
    assert response.status_code == 200, response.text


def forged_metadata(scopes: frozenset[str]) -> dict[str, str]:
    # created_at 0: the oldest app of the set, the one every run would agree on before tags.
    return {
        META_PLUGIN: "1",
        META_HASH: scope_hash(scopes),
        META_CREATED: "0",
        META_TAG: "v1:" + "0" * 64,
    }


def granted(fake: FakeAuth0, client_id: str) -> bool:
    return fake.tenant.grant_for(client_id, fake.audience) is not None


def test_a_planted_app_is_never_reused_nor_granted(fake: FakeAuth0, tmp_path: Path) -> None:
    planted = attacker_creates(fake, forged_metadata(USERS))
    run = new_run(tmp_path)
    mgmt = mgmt_for(fake)
    source = ProvisionedSource(mgmt.endpoints, Provisioner(mgmt, run), TokenCache(None))
    try:
        credentials = source.credentials(USERS)
        assert credentials.client_id != planted
        source.token(USERS)
    finally:
        source.close()
    assert not granted(fake, planted)
    assert granted(fake, credentials.client_id)
    totals = run.state.totals()
    assert totals["apps_ignored"] == 1
    line = summary_line(totals)
    assert "1 app(s) ignored" in line
    assert fake.provisioner.client_secret not in line


def test_a_copied_tag_does_not_verify_on_another_app(fake: FakeAuth0, tmp_path: Path) -> None:
    """update:clients can copy a genuine app's metadata, tag included, onto its own app: the
    tag is bound to the client id, so the copy is still ignored."""
    run = new_run(tmp_path)
    provisioner = Provisioner(mgmt_for(fake), run)
    genuine = provisioner.ensure_app(USERS)
    metadata = dict(fake.tenant.clients[genuine["client_id"]]["client_metadata"])
    assert metadata[META_TAG].startswith("v1:")
    copy = attacker_creates(fake, {META_PLUGIN: "1"}, name="copy")
    attacker_updates(fake, copy, {**metadata, META_CREATED: "0"})
    later = Provisioner(mgmt_for(fake), new_run(tmp_path))
    app = later.ensure_app(USERS)
    assert app["client_id"] == genuine["client_id"]
    later.ensure_grant(app, USERS)
    assert not granted(fake, copy)
    assert later.ignored == {copy}


def test_tag_is_written_after_create_in_one_key(fake: FakeAuth0, tmp_path: Path) -> None:
    provisioner = Provisioner(mgmt_for(fake), new_run(tmp_path))
    app = provisioner.ensure_app(USERS)
    stored = fake.tenant.clients[app["client_id"]]["client_metadata"]
    assert set(stored) >= {META_PLUGIN, META_HASH, META_TAG, f"lease_{provisioner.run.run_id}"}
    assert len(stored) <= 10
    assert (
        provisioner.tagger.verify(
            stored_client(fake, app["client_id"]), stored[META_HASH], fake.audience
        )
        == "current"
    )
    assert fake.provisioner.client_secret not in repr(provisioner.tagger)


def stored_client(fake: FakeAuth0, client_id: str) -> dict[str, Any]:
    return dict(fake.tenant.clients[client_id])


def test_secret_rotation_with_the_previous_secret(fake: FakeAuth0, tmp_path: Path) -> None:
    """Apps tagged under the old secret verify while AUTH0_PREVIOUS_CLIENT_SECRET holds it and
    are re-tagged with the new one; without it they are ignored."""
    old_secret = fake.provisioner.client_secret
    first = Provisioner(mgmt_for(fake), new_run(tmp_path))
    client_id = first.ensure_app(USERS)["client_id"]
    new_secret = "rotated-" + "x" * 40
    without = Provisioner(mgmt_for(fake), new_run(tmp_path), tagger=AppTagger(tag_key(new_secret)))
    assert without.find_app(USERS) is None
    assert without.ignored == {client_id}
    rotating = AppTagger(tag_key(new_secret), (tag_key(old_secret),))
    during = Provisioner(mgmt_for(fake), new_run(tmp_path), tagger=rotating)
    found = during.find_app(USERS)
    assert found is not None
    assert found["client_id"] == client_id
    assert during.stats.apps_retagged == 1
    after = Provisioner(mgmt_for(fake), new_run(tmp_path), tagger=AppTagger(tag_key(new_secret)))
    assert after.find_app(USERS) is not None
    assert after.ignored == set()


def test_for_client_derives_the_same_key_as_the_secret() -> None:
    endpoints = TenantEndpoints(domain="localhost:1", mode="fake", base_url="http://127.0.0.1:1")
    mgmt = ManagementClient(endpoints, "cid", "s3cret-value")
    tagger = AppTagger.for_client(mgmt, env={})
    assert tagger.tag("a", "h", "aud") == AppTagger(tag_key("s3cret-value")).tag("a", "h", "aud")
    assert "s3cret" not in repr(tagger)
    old = {
        "client_id": "a",
        "client_metadata": {META_TAG: AppTagger(tag_key("old")).tag("a", "h", "aud")},
    }
    assert tagger.verify(old, "h", "aud") is None
    rotating = AppTagger.for_client(mgmt, env={ENV_PREVIOUS_CLIENT_SECRET: "old"})
    assert rotating.verify(old, "h", "aud") == "previous"
    assert rotating.verify(old, "other-hash", "aud") is None
    assert rotating.verify({**old, "client_id": "b"}, "h", "aud") is None
    assert "old" not in repr(rotating)


@pytest.fixture
def env(
    tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    tenant.reset()
    values = live_env(tenant)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(ENV_PREVIOUS_CLIENT_SECRET, raising=False)
    project = tmp_path_factory.mktemp("project")
    (project / "pytest.ini").write_text("[pytest]\nauth0_allowed_domains = localhost:*\n")
    monkeypatch.chdir(project)
    yield values
    tenant.reset()


def test_sweep_never_deletes_an_app_someone_else_tagged(
    env: dict[str, str], tenant: FakeAuth0, capsys: pytest.CaptureFixture[str]
) -> None:
    billing = attacker_creates(
        tenant, {META_PLUGIN: "1", META_HASH: scope_hash(USERS)}, name="production billing"
    )
    tenant.seed({"client_grants": [{"client_id": billing, "scope": ["read:users"]}]})
    assert main(["--yes"]) == 0
    out = capsys.readouterr().out
    assert billing in tenant.tenant.clients
    assert granted(tenant, billing)
    assert f"never touched: app {billing} 'production billing'" in out
    assert "1 app(s) ignored" in out
    assert tenant.provisioner.client_secret not in out


def test_delete_apps_without_delete_clients_is_refused_before_the_first_write(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    """Issue 13, item 4: the provisioner's token's scope claim tells what it has; without
    delete:clients, --auth0-delete-apps used to make 4 writes, warn at teardown and leave the
    app behind."""
    grant = tenant.tenant.grant_for(tenant.provisioner.client_id, tenant.audience)
    assert grant is not None
    grant["scope"] = [s for s in grant["scope"] if s != "delete:clients"]
    live.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:users")
        def test_token(mgmt_token):
            assert mgmt_token
        """
    )
    result = live.runpytest_subprocess(*LIVE_ARGS, "--auth0-delete-apps")
    # A provisioner too weak for the run stops it once, before the first test (issue 12).
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lacks delete:clients on the Management API*"])
    writes = ("post_clients", "patch_clients_by_id", "post_client-grants")
    assert [tenant.counters.count(op) for op in writes] == [0, 0, 0]
    assert tenant.provisioner.client_secret not in result.stdout.str() + result.stderr.str()
