"""Replay's placeholder signatures, kept from one run to the next.

Signing a scope set's placeholder token costs a few ms of big-number arithmetic, in every
replay run, and gives the same signature every time. The signatures are public (so is the
replay key) and ``ReplaySource`` checks each one against the key before it uses it, so what is
read here needs no trust: a wrong, stale or planted entry is simply signed again.

Kept in the pytest cache (``auth0-m2m/replay-signatures``), else, under ``-p no:cacheprovider``,
in the user's cache directory that the token cache uses (written only where that cache would be:
a private directory). Any trouble reading or writing is ignored: the tokens are then signed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

CACHE_KEY = "auth0-m2m/replay-signatures"
FILE_NAME = "replay-signatures.json"
# A few scope sets per project; a file bigger than this is not ours to read.
MAX_ENTRIES = 512
MAX_BYTES = 512 * 1024


def _user_file() -> Path:
    from pytest_auth0_m2m.provisioning.tokens import user_cache_dir

    return user_cache_dir() / FILE_NAME


def _entries(data: object) -> dict[str, str]:
    if not isinstance(data, Mapping):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def load(config: pytest.Config) -> dict[str, str]:
    """The signatures kept by earlier runs (unchecked: ``ReplaySource`` checks each it uses)."""
    cache = getattr(config, "cache", None)
    try:
        if cache is not None:
            return _entries(cache.get(CACHE_KEY, None))
        path = _user_file()
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return {}
        return _entries(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError):
        return {}


def save(config: pytest.Config, known: Mapping[str, str], signed: Mapping[str, str]) -> None:
    """Keep ``signed`` for the next run when it holds a signature ``known`` did not."""
    if all(known.get(text) == signature for text, signature in signed.items()):
        return
    # This run's, and as many of the earlier ones (the most recent) as there is room for.
    kept = [(text, signature) for text, signature in known.items() if text not in signed]
    room = MAX_ENTRIES - len(signed)
    kept = kept[len(kept) - room :] if 0 < room < len(kept) else (kept if room > 0 else [])
    entries = dict([*kept, *signed.items()][-MAX_ENTRIES:])
    cache = getattr(config, "cache", None)
    if cache is not None:
        with contextlib.suppress(OSError):
            cache.set(CACHE_KEY, entries)
        return
    from pytest_auth0_m2m.provisioning.tokens import TokenCacheError, private_root

    try:
        directory = private_root(_user_file().parent)
        # Written whole, then renamed: a concurrent run (an xdist worker) reads one or the other.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".replay-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entries, out)
            os.replace(temporary, directory / FILE_NAME)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    except (OSError, TokenCacheError):
        return
