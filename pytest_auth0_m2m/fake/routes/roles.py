from __future__ import annotations

from . import Handler

HANDLERS: dict[str, Handler] = {}
