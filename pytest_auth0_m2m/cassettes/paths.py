"""Where cassettes live, and what to do when one is missing."""

from __future__ import annotations

from pathlib import Path

# --- Where cassettes live --------------------------------------------------------------------


def cassette_dir_for(cassette_root: Path, rootdir: Path, module_path: Path) -> Path:
    """``cassettes/tests/test_users`` for ``tests/test_users.py``: the module path, mirrored."""
    try:
        relative = module_path.resolve().relative_to(rootdir.resolve())
    except ValueError:
        relative = Path(module_path.name)
    return cassette_root / relative.with_suffix("")


def _quoted(nodeid: str) -> str:
    return f"'{nodeid}'" if any(c in nodeid for c in " []()") else nodeid


def unreadable_cassette_message(nodeid: str, cassette: str, reason: str) -> str:
    """One line: the cassette exists but cannot be replayed (empty, truncated, not YAML)."""
    return (
        f"pytest-auth0-m2m: cassette {cassette} cannot be replayed: {reason}; record it "
        f"again with: pytest {_quoted(nodeid)} --record-mode=rewrite --auth0-fake "
        "(or against your dev tenant with AUTH0_DOMAIN, AUTH0_CLIENT_ID and "
        "AUTH0_CLIENT_SECRET set instead of --auth0-fake)"
    )


def missing_cassette_message(nodeid: str, cassette: str) -> str:
    quoted = _quoted(nodeid)
    return (
        f"pytest-auth0-m2m: no cassette for {nodeid}: expected {cassette}.\n"
        "This session replays (record mode 'none'), so it contacts no tenant. Record the "
        "cassette once, against your dev tenant:\n"
        "    AUTH0_DOMAIN=<dev-tenant> AUTH0_CLIENT_ID=<provisioner-id> "
        f"AUTH0_CLIENT_SECRET=<provisioner-secret> pytest {quoted} --record-mode=once\n"
        "or against the embedded emulator:\n"
        f"    pytest {quoted} --record-mode=once --auth0-fake\n"
        "and commit it."
    )


def rerecord_command(nodeid: str) -> str:
    """The commands that record one test again, on the emulator or a dev tenant."""
    quoted = _quoted(nodeid)
    return (
        f"    pytest {quoted} --record-mode=rewrite --auth0-fake\n"
        "or against your dev tenant:\n"
        "    AUTH0_DOMAIN=<dev-tenant> AUTH0_CLIENT_ID=<provisioner-id> "
        f"AUTH0_CLIENT_SECRET=<provisioner-secret> pytest {quoted} --record-mode=rewrite"
    )


def replay_miss_message(nodeid: str, cassette: str, where: str | None, detail: str) -> str:
    """A replayed test sent a request its cassette does not hold: it changed since recorded."""
    at = f" (at {where})" if where else ""
    return (
        f"pytest-auth0-m2m: {nodeid} sent a request{at} that {cassette} does not hold: the "
        "test changed since it was recorded, and replay answers only recorded requests.\n"
        f"Record it again with:\n{rerecord_command(nodeid)}\n"
        "and commit the cassette. (A cassette recorded with retries off, --auth0-no-retry or "
        "ini auth0_retry = false, replays with them off too: add the same option to both.)\n\n"
        f"vcrpy: {detail}"
    )
