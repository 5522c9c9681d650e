"""The on-disk token cache: 0600 files, shared between instances, refreshed before exp."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from pytest_auth0_m2m.provisioning.tokens import (
    CachedToken,
    TokenCache,
    TokenCacheError,
    cache_key,
    private_dir,
    private_root,
    user_cache_dir,
)


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
    locks = list((tmp_path / "tokens").glob("*.lock"))
    assert locks, "the cache keeps a lock file beside each entry"
    assert [stat.S_IMODE(lock.stat().st_mode) for lock in locks] == [0o600] * len(locks)
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


# --- a private directory (issue 13, item 3): you are root here, so another owner is a chown ----

OTHER_UID = 54321


def test_a_directory_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    planted = tmp_path / "tokens"
    planted.mkdir(mode=0o700)
    os.chown(planted, OTHER_UID, OTHER_UID)  # another local user made it first
    with pytest.raises(TokenCacheError, match=r"owned by uid 54321, not by this user") as info:
        TokenCache(planted)
    assert str(planted) in str(info.value)
    assert not list(planted.iterdir())


def test_a_parent_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    """Whoever owns the parent can rename the tokens directory and put their own in its place."""
    parent = tmp_path / "state"
    parent.mkdir(mode=0o700)
    (parent / "tokens").mkdir(mode=0o700)
    os.chown(parent, OTHER_UID, OTHER_UID)
    with pytest.raises(TokenCacheError, match="owned by uid 54321"):
        TokenCache(parent / "tokens")


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_directory_group_or_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "tokens"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(TokenCacheError, match="group or others can write to it"):
        TokenCache(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == mode  # left as found: refused, not "fixed"


def test_a_symlinked_directory_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "tokens").symlink_to(elsewhere)
    with pytest.raises(TokenCacheError, match="symbolic link"):
        TokenCache(tmp_path / "tokens")


def _entry(cache_dir: Path) -> Path:
    return cache_dir / f"{cache_key('t.example', SCOPES, 'cid')}.json"


def _plant(path: Path, token: str = "attacker-token") -> None:
    path.write_text(
        json.dumps({"access_token": token, "issued_at": time.time(), "expires_at": 4e9})
    )
    path.chmod(0o600)


def test_a_token_file_owned_by_someone_else_is_ignored(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    entry = _entry(tmp_path / "tokens")
    _plant(entry)
    os.chown(entry, OTHER_UID, OTHER_UID)
    fetch = Fetcher()
    with pytest.warns(UserWarning, match=r"ignored the cached token file .*owned by uid 54321"):
        assert cache.get_or_fetch("t.example", SCOPES, "cid", fetch) == ("token-1", False)
    assert fetch.calls == 1
    assert entry.stat().st_uid == os.geteuid()  # replaced by this user's own file


def test_a_token_file_others_can_read_is_ignored(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    entry = _entry(tmp_path / "tokens")
    _plant(entry)
    entry.chmod(0o644)
    with pytest.warns(UserWarning, match="its mode is 0644, not 0600") as record:
        assert cache.get_or_fetch("t.example", SCOPES, "cid", Fetcher())[0] == "token-1"
    assert "attacker-token" not in str(record[0].message)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_symlinked_token_file_is_not_followed(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    target = tmp_path / "planted.json"
    _plant(target)
    _entry(tmp_path / "tokens").symlink_to(target)
    with pytest.warns(UserWarning, match="symbolic link"):
        assert cache.get_or_fetch("t.example", SCOPES, "cid", Fetcher())[0] == "token-1"
    assert "attacker-token" in target.read_text()  # the link's target is not written to
    assert not _entry(tmp_path / "tokens").is_symlink()


def test_a_planted_temp_file_link_receives_nothing(tmp_path: Path) -> None:
    """The temp file used to be ``KEY.PID.tmp``, opened with O_TRUNC through any link."""
    cache_dir = tmp_path / "tokens"
    cache = TokenCache(cache_dir)
    victim = tmp_path / "victim"
    victim.write_text("")
    entry = _entry(cache_dir)
    entry.with_suffix(f".{os.getpid()}.tmp").symlink_to(victim)
    cache.get_or_fetch("t.example", SCOPES, "cid", Fetcher())
    assert victim.read_text() == ""
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_without_the_pytest_cache_the_user_cache_dir_is_used(tmp_path: Path) -> None:
    assert user_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "pytest-auth0-m2m"
    assert user_cache_dir({"XDG_CACHE_HOME": "relative"}) == (
        Path.home() / ".cache" / "pytest-auth0-m2m"
    )
    assert not str(user_cache_dir({})).startswith(tempfile.gettempdir())
    made = private_dir(user_cache_dir({"XDG_CACHE_HOME": str(tmp_path / "xdg")}))
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_tighten_fixes_only_a_directory_this_user_owns(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    own.chmod(0o775)  # pytest's cache.mkdir under umask 002
    assert stat.S_IMODE(private_dir(own, tighten=True).stat().st_mode) == 0o700
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o777)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    with pytest.raises(TokenCacheError):
        private_dir(theirs, tighten=True)
    assert stat.S_IMODE(theirs.stat().st_mode) == 0o777


def test_the_user_cache_dir_is_refused_under_a_parent_others_can_write(tmp_path: Path) -> None:
    # Someone who can write to $XDG_CACHE_HOME can rename the plugin's directory away and put
    # their own in its place; with the sticky bit (as on /tmp) only the owner can.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(TokenCacheError, match=r"its parent .* can be written by group or others"):
        private_root(shared / "pytest-auth0-m2m")
    assert not (shared / "pytest-auth0-m2m").exists()
    shared.chmod(0o1777)
    made = private_root(shared / "pytest-auth0-m2m")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def _use(state: Path, sub: str) -> None:
    from pytest_auth0_m2m.provisioning.coordination import RunInfo, app_lock

    if sub == "runs":
        with RunInfo.new(state).state.edit() as data:
            data["x"] = 1
    else:
        with app_lock(state / "locks", "dev-x.eu.auth0.com", "abc"):
            pass


@pytest.mark.parametrize("sub", ["runs", "locks"])
def test_run_state_and_lock_directories_are_private_and_never_links(
    tmp_path: Path, sub: str
) -> None:
    state = private_dir(tmp_path / "state")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (state / sub).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(TokenCacheError, match="symbolic link"):
        _use(state, sub)
    assert list(elsewhere.iterdir()) == []
    (state / sub).unlink()
    (state / sub).mkdir()
    (state / sub).chmod(0o777)
    with pytest.raises(TokenCacheError, match="group or others can write"):
        _use(state, sub)
    (state / sub).rmdir()
    _use(state, sub)  # made 0700 when missing
    assert stat.S_IMODE((state / sub).stat().st_mode) == 0o700
