"""Checkpoint/restore, scoped faults and validated seeding (issue 12), over a real server."""

from __future__ import annotations

import httpx
import pytest
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0, SeedError, load_seed_file


def test_restore_rewinds_users_but_keeps_named_clients(fake: FakeAuth0, http: httpx.Client) -> None:
    token = fake.checkpoint()
    user_id = fake.seed({"users": [{"email": "gone@example.com"}]})["users"][0]
    app = fake.seed({"clients": [{"name": "kept app"}]})["clients"][0]
    fake.faults.add(status=503, count=None, operation="get_users")
    fake.restore(token, keep_clients=[app])
    assert user_id not in fake.tenant.users
    assert app in fake.tenant.clients
    r = http.get("/api/v2/users", headers=bearer(fake, "read:users"))
    assert r.status_code == 200, "a fault set after the checkpoint must be cleared"
    r = http.post("/__fake__/restore", json={"checkpoint": "ckpt_nope"})
    assert r.status_code == 404
    assert "unknown checkpoint" in r.json()["message"]


def test_admin_checkpoint_and_restore_over_http(fake: FakeAuth0, http: httpx.Client) -> None:
    token = http.post("/__fake__/checkpoint").json()["checkpoint"]
    fake.seed({"roles": [{"name": "temp"}]})
    assert http.post("/__fake__/restore", json={"checkpoint": token}).status_code == 204
    assert [r["name"] for r in fake.tenant.roles.values()] == []


def test_faults_cleared_by_scope(fake: FakeAuth0) -> None:
    fake.faults.add(status=500, count=None, scope="test-a")
    fake.faults.add(status=502, count=None, scope="test-b")
    fake.faults.clear(scope="test-a")
    assert [f.status for f in fake.faults.pending] == [502]


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"users": [{"emial": "a@example.com"}]}, "Additional properties not allowed: emial"),
        ({"organizations": [{"name": "Not Valid"}]}, "does not match pattern"),
        ({"organizations": [{"name": "acme", "members": ["auth0|nobody"]}]}, "does not exist"),
        (
            {"users": [{"email": "dup@example.com"}, {"email": "dup@example.com"}]},
            "already exists",
        ),
    ],
)
def test_seed_is_validated_like_the_http_api_and_atomic(
    fake: FakeAuth0, seed: dict[str, list[dict[str, object]]], message: str
) -> None:
    before = len(fake.tenant.users), len(fake.tenant.organizations)
    with pytest.raises(SeedError, match=message):
        fake.seed(seed)
    assert (len(fake.tenant.users), len(fake.tenant.organizations)) == before


def test_load_seed_file_names_the_problem(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "seed.json"
    path.write_text('{"users": [', "utf-8")
    with pytest.raises(SeedError, match="not valid JSON"):
        load_seed_file(path)
    path.write_text('{"widgets": []}', "utf-8")
    with pytest.raises(SeedError, match="unknown keys"):
        load_seed_file(path)
