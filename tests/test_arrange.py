"""auth0.arrange on the emulator: what it creates, what it deletes, Auth0's errors for bad data."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pytest_auth0_m2m.auth0.arrange import ARRANGE_HEADER, ARRANGE_SCOPES, Arrange, ArrangeError
from pytest_auth0_m2m.fake import FakeAuth0
from tests.fake.fake_helpers import bearer


@pytest.fixture
def arrange(fake: FakeAuth0) -> Iterator[Arrange]:
    # A token with exactly the setup identity's scopes: every call below must be allowed by them.
    with httpx.Client(
        base_url=fake.endpoints.management_url, headers=bearer(fake, *sorted(ARRANGE_SCOPES))
    ) as client:
        yield Arrange(client)


@pytest.fixture
def reader(fake: FakeAuth0) -> Iterator[httpx.Client]:
    headers = bearer(
        fake, "read:users", "read:roles", "read:role_members", "read:organizations",
        "read:organization_members", "read:connections",
    )  # fmt: skip
    with httpx.Client(base_url=fake.endpoints.management_url, headers=headers) as client:
        yield client


def test_every_kind_is_created_with_the_setup_scopes_and_deleted_newest_first(
    arrange: Arrange, reader: httpx.Client
) -> None:
    user = arrange.user(email="ada@example.com", name="Ada")
    other = arrange.user()
    role = arrange.role(name="support", description="reads users")
    arrange.assign_roles(user, [role])
    org = arrange.organization(name="acme-dev", members=[user, other.id])
    connection = arrange.connection()
    api = arrange.resource_server(scopes=["read:orders"])

    assert user["email"] == "ada@example.com"
    assert user.id.startswith("auth0|")
    assert reader.get(f"users/{user.id}/roles").json()[0]["id"] == role.id
    members = reader.get(f"organizations/{org.id}/members").json()
    assert {m["user_id"] for m in members} == {user.id, other.id}
    assert [a.kind for a in arrange.created] == [
        "users", "users", "roles", "organizations", "connections", "resource-servers",
    ]  # fmt: skip
    assert "signing_secret" not in repr(api)
    assert api.id in repr(api)

    assert arrange.cleanup() == []
    assert arrange.created == ()
    for path in (
        f"users/{user.id}", f"users/{other.id}", f"roles/{role.id}",
        f"organizations/{org.id}", f"connections/{connection.id}",
    ):  # fmt: skip
        assert reader.get(path).status_code == 404, path


def test_a_bad_seed_gets_auth0s_own_validation_error(arrange: Arrange) -> None:
    with pytest.raises(ArrangeError) as info:
        arrange.create("users", {"connection": "Username-Password-Authentication", "emial": "x"})
    assert info.value.status == 400
    assert "emial" in str(info.value)
    arrange.user(email="dup@example.com")
    with pytest.raises(ArrangeError) as dup:
        arrange.user(email="dup@example.com")
    assert dup.value.status == 409
    assert "already exists" in dup.value.auth0_message


def test_a_password_is_never_in_its_errors_or_reprs(arrange: Arrange) -> None:
    planted = "Aa1!planted-password-5f1c"
    user = arrange.user(email="pw@example.com", password=planted)
    with pytest.raises(ArrangeError) as dup:
        arrange.user(email="pw@example.com", password=planted)
    for text in (repr(user), str(user), repr(arrange), str(dup.value), repr(dup.value)):
        assert planted not in text


def test_every_call_carries_the_arrange_header(fake: FakeAuth0) -> None:
    sent: list[tuple[str, str, str | None]] = []

    def watch(request: httpx.Request) -> None:
        sent.append((request.method, request.url.path, request.headers.get(ARRANGE_HEADER)))

    with httpx.Client(
        base_url=fake.endpoints.management_url,
        headers=bearer(fake, *sorted(ARRANGE_SCOPES)),
        event_hooks={"request": [watch]},
    ) as client:
        arrange = Arrange(client)
        role = arrange.role(permissions=[])
        arrange.organization(members=[arrange.user()])
        arrange.cleanup()
    assert len(sent) == 7
    assert {header for _, _, header in sent} == {"1"}
    assert ("DELETE", f"/api/v2/roles/{role.id}", "1") in sent


def test_cleanup_counts_an_object_already_gone_as_deleted(
    arrange: Arrange, fake: FakeAuth0
) -> None:
    role = arrange.role()
    with httpx.Client(
        base_url=fake.endpoints.management_url, headers=bearer(fake, "delete:roles")
    ) as admin:
        assert admin.delete(f"roles/{role.id}").status_code in (200, 204)
    assert arrange.cleanup() == []


def test_what_cleanup_cannot_delete_is_returned_with_auth0s_reason(fake: FakeAuth0) -> None:
    # A token without delete:users: the emulator refuses the delete as Auth0 would.
    scopes = sorted(ARRANGE_SCOPES - {"delete:users"})
    with httpx.Client(
        base_url=fake.endpoints.management_url, headers=bearer(fake, *scopes)
    ) as client:
        arrange = Arrange(client)
        user = arrange.user()
        [left] = arrange.cleanup()
    assert (left.kind, left.id) == ("users", user.id)
    assert "403" in left.reason
    assert "delete:users" in left.reason
