"""``python -m pytest_auth0_m2m sweep [--yes] [--older-than 2h]``: clear this plugin's leftovers.

Dry-run by default: lists the apps this plugin made (recognised by their ``client_metadata``)
that no live run holds, with their grants; ``--yes`` deletes them. Nothing else in the tenant is
ever read for deletion, let alone deleted. Like the plugin, it talks only to a tenant in
``auth0_allowed_domains``, read from the pytest ini file pytest would use here (``pytest.ini``,
``pyproject.toml``, ``tox.ini`` or ``setup.cfg``, from the current directory up; or ``--config``).
"""

from __future__ import annotations

import argparse
import configparser
import importlib
import os
import re
import sys
from pathlib import Path

from pytest_auth0_m2m.auth0 import hosts
from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import GRANT_HINT, ManagementClient, ManagementError
from pytest_auth0_m2m.provisioning.provisioner import find_leftovers, sweep
from pytest_auth0_m2m.provisioning.settings import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_DOMAIN,
    SettingsError,
    allowlist_entry,
    normalize_domain,
)

INI_ALLOWED = "auth0_allowed_domains"
# pytest's order within one directory (pytest 9's findpaths.CONFIG_LOADERS_BY_NAME): pytest.toml
# and pytest.ini are the configuration even without their table or section.
_INI_FILES = (
    ("pytest.toml", "pytest"),
    (".pytest.toml", "pytest"),
    ("pytest.ini", "pytest"),
    (".pytest.ini", "pytest"),
    ("pyproject.toml", "tool.pytest"),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)
_ALWAYS_THE_CONFIG = frozenset({"pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini"})

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")

SWEEP_DELETE_SCOPES = ("delete:client_grants", "delete:clients")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``2h``, ``1d`` → seconds."""
    found = _DURATION.match(text)
    if not found:
        raise argparse.ArgumentTypeError(
            f"invalid duration {text!r}: use a number with s, m, h or d, e.g. 2h"
        )
    return float(found.group(1)) * _UNITS[found.group(2) or "s"]


def _lines(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value or "").splitlines()
    return tuple(str(item).strip().lower() for item in items if str(item).strip())


def _toml_options(path: Path) -> dict[str, object] | None:
    """pytest's options in a TOML file: ``[pytest]`` (pytest.toml, a -c file), else
    ``[tool.pytest]`` (native TOML) or ``[tool.pytest.ini_options]``; None without them."""
    toml = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    document = toml.loads(path.read_text(encoding="utf-8"))
    if path.name != "pyproject.toml" and isinstance(document.get("pytest"), dict):
        return dict(document["pytest"])
    tool = document.get("tool", {})
    table = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    native = {k: v for k, v in table.items() if k != "ini_options"}
    ini_options = table.get("ini_options")
    return native or (dict(ini_options) if isinstance(ini_options, dict) else None)


def _read_ini(path: Path, section: str) -> tuple[str, ...] | None:
    """The allowlist in one config file; None if the file holds no pytest configuration."""
    if path.suffix == ".toml":
        options = _toml_options(path)
        if options is None:
            return () if path.name in _ALWAYS_THE_CONFIG else None
        return _lines(options.get(INI_ALLOWED))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    if not parser.has_section(section):
        return () if path.name in _ALWAYS_THE_CONFIG else None
    return _lines(parser.get(section, INI_ALLOWED, fallback=""))


def allowed_domains(start: Path, config: Path | None = None) -> tuple[tuple[str, ...], Path | None]:
    """``auth0_allowed_domains`` from ``config``, else from the first pytest ini file found from
    ``start`` upwards (as pytest finds it), with the file it came from."""
    if config is not None:
        section = dict(_INI_FILES).get(config.name, "pytest")
        return _read_ini(config, section) or (), config
    for directory in (start, *start.parents):
        for name, section in _INI_FILES:
            path = directory / name
            if path.is_file():
                found = _read_ini(path, section)
                if found is not None:
                    return found, path
    return (), None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_auth0_m2m sweep",
        description="List (and with --yes delete) the apps and grants pytest-auth0-m2m left in "
        "a tenant. Credentials: env AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (the provisioner).",
    )
    parser.add_argument("--yes", action="store_true", help="delete; without it, only list")
    parser.add_argument(
        "--older-than",
        type=parse_duration,
        default=0.0,
        metavar="AGE",
        help="only apps unused for at least AGE (e.g. 30m, 2h, 1d)",
    )
    parser.add_argument("--domain", default=None, help=f"tenant domain (default: env {ENV_DOMAIN})")
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"the pytest ini file holding {INI_ALLOWED} (default: found as pytest finds it)",
    )
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    domain = args.domain if args.domain is not None else os.environ.get(ENV_DOMAIN)
    client_id = os.environ.get(ENV_CLIENT_ID)
    client_secret = os.environ.get(ENV_CLIENT_SECRET)
    if not domain:
        print(f"sweep: no tenant: set {ENV_DOMAIN} or pass --domain.", file=sys.stderr)
        return 2
    try:
        parsed = normalize_domain(domain)
    except SettingsError as exc:
        print(f"sweep: {exc}", file=sys.stderr)
        return 2
    if args.config is not None and not args.config.is_file():
        print(f"sweep: --config {args.config}: no such file", file=sys.stderr)
        return 2
    patterns, source = allowed_domains(Path.cwd(), args.config)
    if not hosts.allowed(parsed, patterns):
        where = (
            f"the {INI_ALLOWED} of {source}" if source else f"{INI_ALLOWED} (no pytest ini found)"
        )
        print(
            f"sweep: tenant {hosts.masked(parsed)!r} is not in {where}, so nothing was read or "
            f"deleted. If it is a dev tenant made for tests, add its host to your pytest ini:\n"
            f"    {INI_ALLOWED} = {allowlist_entry(parsed)}",
            file=sys.stderr,
        )
        return 2
    if not client_id or not client_secret:
        print(
            f"sweep: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} to the provisioner app's "
            "credentials (environment only).",
            file=sys.stderr,
        )
        return 2
    endpoints = TenantEndpoints(domain=parsed, mode="live")
    try:
        with ManagementClient(endpoints, client_id, client_secret) as mgmt:
            # --yes deletes grants, then apps: both scopes are checked before the first delete.
            have = mgmt.provisioner_scopes()
            missing = [s for s in (SWEEP_DELETE_SCOPES if args.yes else ()) if s not in have]
            if missing:
                print(
                    f"sweep: the provisioner app ({ENV_CLIENT_ID}) lacks {', '.join(missing)} "
                    f"on the Management API, so nothing was deleted. Add it ({GRANT_HINT}), "
                    "or run without --yes to list the leftovers.",
                    file=sys.stderr,
                )
                return 2
            leftovers, held, ignored = find_leftovers(mgmt, older_than=args.older_than)
            for name in held:
                print(f"in use (a live run holds a lease), skipped: {name}")
            for name in ignored:
                print(
                    f"tag does not verify (not made with this provisioner's secret), "
                    f"never touched: app {name}"
                )
            if ignored:
                print(
                    f"{len(ignored)} app(s) ignored: their tag does not verify; delete them "
                    "by hand if they are yours (see README, Safety)"
                )
            if not leftovers:
                print(f"nothing to sweep in {hosts.masked(endpoints.domain)}")
                return 0
            for item in leftovers:
                print(
                    f"{'deleting' if args.yes else 'would delete'}: app {item.client_id} "
                    f"{item.name!r}, {len(item.grant_ids)} grant(s), idle "
                    f"{item.idle_seconds / 60:.0f} min"
                )
            grant_count = sum(len(item.grant_ids) for item in leftovers)
            if not args.yes:
                print(
                    f"dry run: {grant_count} grant(s) and {len(leftovers)} app(s) would be "
                    "deleted; run again with --yes to delete them"
                )
                return 0
            grants, apps = sweep(mgmt, leftovers)
            print(
                f"deleted {grants} grant(s) and {apps} app(s) in {hosts.masked(endpoints.domain)}"
            )
            return 0
    except ManagementError as exc:
        print(f"sweep: {exc}", file=sys.stderr)
        return 1
