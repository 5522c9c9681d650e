"""Resolved settings: command line > environment > ini > default, each with where it came from.

Pure: the plugin hands in the raw values it read from pytest and ``os.environ``. A value is
"given" when it ``is not None``, so an explicit empty or false value still wins over a lower layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pytest_auth0_m2m.auth0 import hosts
from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints

T = TypeVar("T")

ENV_DOMAIN = "AUTH0_DOMAIN"
ENV_CLIENT_ID = "AUTH0_CLIENT_ID"
ENV_CLIENT_SECRET = "AUTH0_CLIENT_SECRET"

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and how to fix it."""


@dataclass(frozen=True)
class Setting(Generic[T]):
    """A resolved setting and where it came from."""

    value: T
    source: str  # e.g. "--auth0-domain", "env AUTH0_DOMAIN", "ini auth0_domain", "default"


def layered(
    default: T,
    *layers: tuple[str, T | None],
) -> Setting[T]:
    """The first layer whose value is not None, else the default."""
    for source, value in layers:
        if value is not None:
            return Setting(value, source)
    return Setting(default, "default")


def parse_bool(text: str | bool | None, what: str) -> bool | None:
    if text is None or isinstance(text, bool):
        return text
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{what} must be true or false, got {text!r}")


def normalize_domain(domain: str, source: str = "the domain") -> str:
    """``https://Dev-X.eu.auth0.com/`` → ``dev-x.eu.auth0.com``; anything but a host name is
    refused here, before any request, so the allowlist and the client see the same host."""
    try:
        return hosts.parse_domain(domain)
    except hosts.DomainError as exc:
        raise SettingsError(f"pytest-auth0-m2m: {source}: {exc}") from None


@dataclass(frozen=True)
class Settings:
    """The session's resolved settings (options, ini, environment), secret-free in its repr."""

    fake: Setting[bool]
    domain: Setting[str | None]
    client_id: str | None
    # Settings show up in tracebacks and --showlocals: the secret never does.
    client_secret: str | None = field(repr=False)
    allowed_domains: tuple[str, ...]
    record_mode: str
    cassette_dir: Path
    token_cache: Setting[bool]
    keep: Setting[bool]
    delete_apps: Setting[bool]

    def __repr__(self) -> str:
        # Tracebacks and --showlocals show this: no secret (client_secret is left out) and no
        # tenant name (the domain and the allowlist's hosts masked, as all output shows them).
        shown: dict[str, object] = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.repr
        }
        if self.domain.value:
            shown["domain"] = Setting(hosts.masked(self.domain.value), self.domain.source)
        shown["allowed_domains"] = tuple(hosts.masked(p) for p in self.allowed_domains)
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @property
    def mode(self) -> str:
        """``fake`` with the emulator; ``replay`` when nothing is recorded; else ``live``."""
        if self.fake.value:
            return "fake"
        if self.record_mode == "none":
            return "replay"
        return "live"

    def domain_allowed(self, domain: str) -> bool:
        return hosts.allowed(domain, self.allowed_domains)

    def live_endpoints(self) -> TenantEndpoints:
        """The live tenant, once it is known to be configured and allowed; else SettingsError."""
        domain = self.domain.value
        if not domain:
            raise SettingsError(
                "pytest-auth0-m2m: this session records (record mode "
                f"{self.record_mode!r}) but no tenant is configured. Set {ENV_DOMAIN} (or "
                f"--auth0-domain) with {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} of your test "
                "provisioner app, or run on the emulator with --auth0-fake."
            )
        if not self.domain_allowed(domain):
            raise SettingsError(
                f"pytest-auth0-m2m: tenant {hosts.masked(domain)!r} (from {self.domain.source}) "
                "is not in auth0_allowed_domains, so nothing will be written to it. If it is a "
                "dev tenant made for tests, add its host to your pytest ini:\n"
                f"    auth0_allowed_domains = {allowlist_entry(domain)}"
            )
        missing = [
            name
            for name, value in (
                (ENV_CLIENT_ID, self.client_id),
                (ENV_CLIENT_SECRET, self.client_secret),
            )
            if not value
        ]
        if missing:
            raise SettingsError(
                f"pytest-auth0-m2m: {' and '.join(missing)} not set. Live runs take the "
                "provisioner app's credentials from the environment only (the app from Auth0's "
                "'Create & Authorize a Test Application'); or use --auth0-fake."
            )
        return TenantEndpoints(domain=domain, mode="live")

    def header_line(self, domain: str, rootdir: Path) -> str:
        """One line for the report header: how the session runs. Never a secret."""
        try:
            cassettes = str(self.cassette_dir.relative_to(rootdir))
        except ValueError:
            cassettes = str(self.cassette_dir)
        parts = [
            f"mode={self.mode}",
            f"tenant={hosts.masked(domain) if self.mode == 'live' else domain}",
            f"cassettes={cassettes}",
            f"record-mode={self.record_mode}",
        ]
        if self.mode == "live":
            parts.append(f"domain from {self.domain.source}")
            parts.append("credentials " + ("set" if self.client_id else "missing"))
        if not self.token_cache.value:
            parts.append(f"token cache off ({self.token_cache.source})")
        if self.keep.value:
            parts.append(f"keep grants ({self.keep.source})")
        return "auth0-m2m: " + ", ".join(parts)


def resolve(
    *,
    cli_fake: bool | None,
    ini_fake: str | bool | None,
    cli_domain: str | None,
    ini_domain: str | None,
    env: Mapping[str, str],
    allowed_domains: Sequence[str],
    record_mode: str,
    cassette_dir: Path,
    cli_no_token_cache: bool | None,
    cli_keep: bool | None,
    cli_delete_apps: bool | None,
) -> Settings:
    env_domain = env.get(ENV_DOMAIN)
    domain = layered(
        None,
        ("--auth0-domain", cli_domain),
        (f"env {ENV_DOMAIN}", env_domain),
        ("ini auth0_domain", ini_domain or None),
    )
    secret = env.get(ENV_CLIENT_SECRET) or ""
    # (A secret of a few characters could be any part of a host name: Auth0's are 64.)
    if domain.value is not None and len(secret) >= 8 and secret.lower() in domain.value.lower():
        # A paste that took the secret along: the domain is not shown at all.
        raise SettingsError(
            f"pytest-auth0-m2m: {domain.source} holds the value of {ENV_CLIENT_SECRET} (a paste "
            "that took more than the domain?): give the tenant's domain only, e.g. "
            "dev-x.eu.auth0.com"
        )
    if domain.value is not None:
        domain = Setting(normalize_domain(domain.value, domain.source), domain.source)
    return Settings(
        fake=layered(
            False,
            ("--auth0-fake", cli_fake),
            ("ini auth0_fake", parse_bool(ini_fake, "auth0_fake")),
        ),
        domain=domain,
        client_id=env.get(ENV_CLIENT_ID) or None,
        client_secret=env.get(ENV_CLIENT_SECRET) or None,
        allowed_domains=tuple(p.strip().lower() for p in allowed_domains if p.strip()),
        record_mode=record_mode,
        cassette_dir=cassette_dir,
        token_cache=layered(
            True, ("--auth0-no-token-cache", None if cli_no_token_cache is None else False)
        ),
        keep=layered(False, ("--auth0-keep", cli_keep)),
        delete_apps=layered(False, ("--auth0-delete-apps", cli_delete_apps)),
    )


def allowlist_entry(domain: str) -> str:
    """What a hint tells the user to add to ``auth0_allowed_domains``: the host itself for the
    emulator, a placeholder for a tenant (whose name output never shows), with its masked form."""
    if hosts.masked(domain) == domain:
        return domain
    return f"<your tenant's host, shown masked here as {hosts.masked(domain)}>"
