"""The on-disk token cache: one file per (tenant, scope set, app), shared by runs and workers.

Files live under the pytest cache directory with mode 0600 in a 0700 directory, and each key is
guarded by a FileLock so that xdist workers asking for the same scope set at once make one token
request between them. A token is served until shortly before its ``exp``. Only per-scope-set app
tokens go here; the provisioner's token is never cached (``management.ManagementClient`` keeps
it in memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

# Never hand out a token that may expire during the test that uses it.
MIN_MARGIN = 60.0
MAX_MARGIN = 600.0


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    issued_at: float
    expires_at: float

    def __repr__(self) -> str:
        return f"CachedToken(access_token='***', expires_at={self.expires_at:.0f})"

    def usable(self, now: float) -> bool:
        lifetime = max(0.0, self.expires_at - self.issued_at)
        margin = min(MAX_MARGIN, max(MIN_MARGIN, lifetime / 10))
        return now < self.expires_at - margin


def cache_key(domain: str, scopes: Iterable[str], client_id: str) -> str:
    text = "\n".join([domain, client_id, *sorted(scopes)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TokenCache:
    """Tokens by (domain, scope set, client_id); on disk when ``directory`` is set."""

    def __init__(self, directory: Path | None, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.clock = clock
        self._memory: dict[str, CachedToken] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                os.chmod(directory, 0o700)

    def __repr__(self) -> str:
        return f"TokenCache(directory={self.directory!r}, entries={len(self._memory)})"

    def get_or_fetch(
        self,
        domain: str,
        scopes: Iterable[str],
        client_id: str,
        fetch: Callable[[], tuple[str, int]],
    ) -> tuple[str, bool]:
        """(token, came_from_cache). ``fetch`` returns (access_token, expires_in) and is called
        with the key's lock held, so concurrent callers wait for one request instead of racing."""
        key = cache_key(domain, scopes, client_id)
        hit = self._memory.get(key)
        if hit is not None and hit.usable(self.clock()):
            return hit.access_token, True
        if self.directory is None:
            token = self._fetch(fetch)
            self._memory[key] = token
            return token.access_token, False
        path = self.directory / f"{key}.json"
        with FileLock(str(self.directory / f"{key}.lock"), timeout=300):
            hit = self._read(path)
            if hit is not None and hit.usable(self.clock()):
                self._memory[key] = hit
                return hit.access_token, True
            token = self._fetch(fetch)
            self._write(path, token)
        self._memory[key] = token
        return token.access_token, False

    def _fetch(self, fetch: Callable[[], tuple[str, int]]) -> CachedToken:
        now = self.clock()
        access_token, expires_in = fetch()
        return CachedToken(access_token, now, now + expires_in)

    @staticmethod
    def _read(path: Path) -> CachedToken | None:
        try:
            data = json.loads(path.read_text())
            return CachedToken(
                str(data["access_token"]), float(data["issued_at"]), float(data["expires_at"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or torn: fetch anew

    @staticmethod
    def _write(path: Path, token: CachedToken) -> None:
        body = json.dumps(
            {
                "access_token": token.access_token,
                "issued_at": token.issued_at,
                "expires_at": token.expires_at,
            }
        ).encode()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        # Created 0600 from the start: the token is never readable by others, not even briefly.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
        finally:
            os.close(fd)
        os.replace(tmp, path)
