"""Helpers shared by the emulator's tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

from pytest_auth0_m2m.fake import FakeAuth0


class Clock:
    """A settable clock so expiry and token buckets are tested without sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def bearer(fake: FakeAuth0, *scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.issue_token('test-client', scopes)}"}


def token_request(
    fake: FakeAuth0, client_id: str, client_secret: str, **extra: str
) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "audience": fake.audience,
        **extra,
    }


def make_app(fake: FakeAuth0, scopes: list[str], **client: object) -> tuple[str, str]:
    """Seed an M2M app with a Management API grant of exactly ``scopes``."""
    made = fake.seed(
        {
            "clients": [
                {
                    "name": "test app",
                    "app_type": "non_interactive",
                    "grant_types": ["client_credentials"],
                    **client,
                }
            ]
        }
    )
    client_id = made["clients"][0]
    fake.seed({"client_grants": [{"client_id": client_id, "scope": scopes}]})
    secret = fake.tenant.clients[client_id]["client_secret"]
    return client_id, str(secret)
