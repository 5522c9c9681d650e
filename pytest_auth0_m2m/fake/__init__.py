"""An embedded Auth0 tenant emulator: Authentication and Management APIs on a loopback server.

with run_fake_auth0() as fake:
    httpx.post(fake.token_url, data={...})
"""

from __future__ import annotations

from .apis import ApiDeclaration
from .faults import PRESETS, Bucket, Counters, Fault, Faults, RateLimits
from .seeding import SeedError, load_seed_file
from .server import FakeAuth0, UnknownCheckpoint, run_fake_auth0
from .tenant import PROVISIONER_SCOPES, Credentials

__all__ = [
    "PRESETS",
    "PROVISIONER_SCOPES",
    "ApiDeclaration",
    "Bucket",
    "Counters",
    "Credentials",
    "FakeAuth0",
    "Fault",
    "Faults",
    "RateLimits",
    "SeedError",
    "UnknownCheckpoint",
    "load_seed_file",
    "run_fake_auth0",
]
