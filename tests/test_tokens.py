"""The on-disk token cache: 0600 files, shared between instances, refreshed before exp."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from pytest_auth0_m2m.provisioning.tokens import CachedToken, TokenCache, cache_key


class Fetcher:
    def __init__(self, lifetime: int = 86400) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.lock = threading.Lock()

    def __call__(self) -> tuple[str, int]:
        with self.lock:
            self.calls += 1
            return f"token-{self.calls}", self.lifetime


SCOPES = frozenset({"read:users", "update:users"})


def test_second_cache_instance_reads_the_file_instead_of_fetching(tmp_path: Path) -> None:
    fetch = Fetcher()
    first = TokenCache(tmp_path / "tokens")
    assert first.get_or_fetch("t.example", SCOPES, "cid", fetch) == ("token-1", False)
    assert first.get_or_fetch("t.example", SCOPES, "cid", fetch) == ("token-1", True)
    later_session = TokenCache(tmp_path / "tokens")
    assert later_session.get_or_fetch("t.example", SCOPES, "cid", fetch) == ("token-1", True)
    assert fetch.calls == 1


def test_files_are_private(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.get_or_fetch("t.example", SCOPES, "cid", Fetcher())
    [entry] = (tmp_path / "tokens").glob("*.json")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tokens").stat().st_mode) == 0o700
    assert "token-1" not in repr(cache)


def test_key_covers_domain_scopes_and_client(tmp_path: Path) -> None:
    fetch = Fetcher()
    cache = TokenCache(tmp_path)
    cache.get_or_fetch("a.example", SCOPES, "cid", fetch)
    cache.get_or_fetch("b.example", SCOPES, "cid", fetch)
    cache.get_or_fetch("a.example", frozenset({"read:users"}), "cid", fetch)
    cache.get_or_fetch("a.example", SCOPES, "other-app", fetch)
    assert fetch.calls == 4
    # Order of scopes does not matter.
    assert cache_key("a", ["x", "y"], "c") == cache_key("a", ["y", "x"], "c")


def test_token_refreshed_shortly_before_exp(tmp_path: Path) -> None:
    now = [1000.0]
    fetch = Fetcher(lifetime=3600)
    cache = TokenCache(tmp_path, clock=lambda: now[0])
    cache.get_or_fetch("t", SCOPES, "c", fetch)
    now[0] += 3600 - 361  # margin is a tenth of the lifetime: 360 s left is too little
    assert cache.get_or_fetch("t", SCOPES, "c", fetch) == ("token-1", True)
    now[0] += 2
    assert cache.get_or_fetch("t", SCOPES, "c", fetch) == ("token-2", False)
    assert not CachedToken("x", 0, 30).usable(0)  # a 30 s token is never worth caching


def test_disabled_cache_keeps_tokens_in_memory_only(tmp_path: Path) -> None:
    fetch = Fetcher()
    cache = TokenCache(None)
    cache.get_or_fetch("t", SCOPES, "c", fetch)
    assert cache.get_or_fetch("t", SCOPES, "c", fetch) == ("token-1", True)
    assert TokenCache(None).get_or_fetch("t", SCOPES, "c", fetch) == ("token-2", False)


def test_torn_file_is_refetched(tmp_path: Path) -> None:
    fetch = Fetcher()
    TokenCache(tmp_path).get_or_fetch("t", SCOPES, "c", fetch)
    [entry] = tmp_path.glob("*.json")
    entry.write_text("{not json")
    assert TokenCache(tmp_path).get_or_fetch("t", SCOPES, "c", fetch) == ("token-2", False)


def test_concurrent_caches_make_one_request(tmp_path: Path) -> None:
    # Like xdist workers: separate cache objects on one directory, asking at the same time.
    fetch = Fetcher()
    barrier = threading.Barrier(6)
    results: list[tuple[str, bool]] = []

    def worker() -> None:
        cache = TokenCache(tmp_path)
        barrier.wait()
        results.append(cache.get_or_fetch("t", SCOPES, "c", fetch))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fetch.calls == 1
    assert sorted(results) == [("token-1", False)] + [("token-1", True)] * 5
