"""The emulator's request journal: what it answered, for tools that watch a test's traffic."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

# Enough for any single test; old entries fall off so a long session's memory stays flat.
DEFAULT_CAPACITY = 10_000


@dataclass(frozen=True)
class JournalEntry:
    method: str
    path: str  # e.g. "/api/v2/users/auth0|1", without the query string
    status: int
    body: Any  # the JSON answer as Python data, or None
    client_id: str | None  # the bearer token's azp, when the request had a valid token
    at: float = 0.0  # time.time() when the request arrived (real time, not the emulator's clock)


class Journal:
    """An append-only, bounded log; ``mark()`` then ``since(mark)`` gives what came after."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._appended = 0
        self._lock = threading.Lock()

    def append(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            self._appended += 1

    def mark(self) -> int:
        with self._lock:
            return self._appended

    def since(self, mark: int) -> list[JournalEntry]:
        """Entries appended after ``mark`` (those still held, if the journal overflowed)."""
        with self._lock:
            wanted = max(0, self._appended - mark)
            held = list(self._entries)
        return held[len(held) - min(wanted, len(held)) :]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
