"""The on-disk token cache: one file per (tenant, scope set, app), shared by runs and workers.

Files live under the pytest cache directory (else a per-user cache directory, never a shared
one under the system temp dir) with mode 0600 in a 0700 directory. A directory this user does
not own, that group or others can write, or that is a symbolic link is refused; files are
opened without following symbolic links, and a file not owned by this user or readable by others
is ignored with a warning. Each key is guarded by a FileLock so that xdist workers asking for
the same scope set at once make one token request between them. A token is served until
shortly before its ``exp``. Only per-scope-set app tokens go here; the provisioner's token is
never cached (``management.ManagementClient`` keeps it in memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_auth0_m2m.auth0.endpoints import token_usable

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CACHE_DIR_NAME = "pytest-auth0-m2m"


class TokenCacheError(RuntimeError):
    """The token cache's directory is not private to this user; the message says why."""


def _uid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return int(geteuid()) if geteuid is not None else None


def user_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/pytest-auth0-m2m``, else ``~/.cache/pytest-auth0-m2m``: the user's own,
    for sessions without the pytest cache (``-p no:cacheprovider``)."""
    base = (env if env is not None else os.environ).get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / CACHE_DIR_NAME


def _refuse(path: Path, reason: str) -> TokenCacheError:
    return TokenCacheError(
        f"pytest-auth0-m2m: refusing {path} for run state and cached tokens: {reason}, so "
        "someone else could read or swap what is kept there. Remove it, or make it yours "
        "with mode 700 (chown, chmod 700)."
    )


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """``path`` made (0700) if missing, then checked with lstat: a directory, not a symbolic
    link, owned by this user, not writable by group or others; else TokenCacheError.
    ``tighten`` first removes group/other bits from a directory this user owns (one the plugin
    asked pytest to make under its cache, with the user's umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(path, "it is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(path, "it is not a directory")
    uid = _uid()
    if uid is not None and info.st_uid != uid:
        raise _refuse(path, f"it is owned by uid {info.st_uid}, not by this user (uid {uid})")
    if tighten and info.st_mode & 0o077:
        os.chmod(path, 0o700, follow_symlinks=False)
        info = os.lstat(path)
    if info.st_mode & 0o022:
        raise _refuse(path, "group or others can write to it")
    return path


def private_root(path: Path) -> Path:
    """``private_dir(path)`` whose parent (``$XDG_CACHE_HOME``, ``~/.cache``) nobody else can
    use to swap it: a parent that group or others can write is refused unless it has the
    sticky bit (as ``/tmp`` has: there, only the owner may rename what is theirs)."""
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    info = os.stat(parent)
    if info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
        raise _refuse(
            path,
            f"its parent {parent} can be written by group or others (and has no sticky bit)",
        )
    return private_dir(path)


@dataclass(frozen=True)
class CachedToken:
    """An access token and its lifetime (epoch seconds)."""

    access_token: str
    issued_at: float
    expires_at: float

    def __repr__(self) -> str:
        return f"CachedToken(access_token='***', expires_at={self.expires_at:.0f})"

    def usable(self, now: float) -> bool:
        return token_usable(self.issued_at, self.expires_at, now)


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
            # Whoever can write to the parent can swap the directory itself: both are checked.
            private_dir(directory.parent)
            private_dir(directory)

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
        # Imported here: the cache's directory helpers are used where filelock is not needed.
        from filelock import FileLock

        path = self.directory / f"{key}.json"
        with FileLock(str(self.directory / f"{key}.lock"), timeout=300, mode=0o600):
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
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError:  # ELOOP: a symbolic link planted in place of the file
            _ignored(path, "it is a symbolic link or cannot be opened")
            return None
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            uid = _uid()
            if not stat.S_ISREG(info.st_mode):
                _ignored(path, "it is not a regular file")
                return None
            if uid is not None and info.st_uid != uid:
                _ignored(path, f"it is owned by uid {info.st_uid}, not by this user")
                return None
            if info.st_mode & 0o077:
                _ignored(path, f"its mode is {stat.S_IMODE(info.st_mode):04o}, not 0600")
                return None
            try:
                data = json.loads(file.read())
                return CachedToken(
                    str(data["access_token"]), float(data["issued_at"]), float(data["expires_at"])
                )
            except (OSError, ValueError, KeyError, TypeError):
                return None  # torn: fetch anew

    @staticmethod
    def _write(path: Path, token: CachedToken) -> None:
        body = json.dumps(
            {
                "access_token": token.access_token,
                "issued_at": token.issued_at,
                "expires_at": token.expires_at,
            }
        ).encode()
        tmp = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(8)}.tmp")
        # Created 0600 from the start (the token is never readable by others, not even
        # briefly), as a new file: never through a symbolic link or into someone else's file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        try:
            os.write(fd, body)
        finally:
            os.close(fd)
        os.replace(tmp, path)  # replaces whatever entry ``path`` was (a link too), not its target


def _ignored(path: Path, reason: str) -> None:
    warnings.warn(
        f"pytest-auth0-m2m: ignored the cached token file {path}: {reason}; a new token is "
        "fetched instead",
        stacklevel=3,
    )
