"""What a recording session knows: its secrets, tenant names and client ids, and the rewrite
of the tenant to the recordings domain."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from pytest_auth0_m2m.auth0 import hosts
from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.cassettes.placeholders import (
    is_placeholder_secret,
    placeholder_client_id,
    scope_string,
)

RECORDINGS_TENANT = RECORDINGS_DOMAIN.split(".")[0]
PROVISIONER_PLACEHOLDER_ID = "replayprovisioner000000000000000"

# Secrets shorter than this would match by accident in any cassette.
MIN_SECRET_LENGTH = 6


# --- Registry of what the session knows ------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A value no written file may hold, and what it is."""

    value: str = field(repr=False)  # a traceback or log showing a Secret must not show this
    what: str  # e.g. "the provisioner's client secret"; never the value itself


class SecretRegistry:
    """Every secret and raw token this pytest process has seen, and the names to rewrite.

    One per session, kept in ``config.stash``. Thread-safe: async tests and the emulator's
    threads may feed it concurrently.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._hosts: dict[str, str] = {}  # real domain / host:port -> recordings domain
        self._bases: dict[str, str] = {}  # real base URL -> https://recordings domain
        self._ids: dict[str, str] = {}  # real client id -> placeholder client id
        self._names: set[str] = set()  # tenant names ("dev-x" of dev-x.eu.auth0.com)
        # Keyed, so that a source every test registers again (the emulator's secrets) is asked
        # once per check, not once per test that registered it.
        self._sources: dict[object, Callable[[], Iterable[Secret]]] = {}
        # What secrets() returns, made again only when a secret was added.
        self._listed: list[Secret] | None = None
        # Redaction sees the same bearer token on every request and asks for the rewriter on
        # every request (vcrpy runs before_record_request to match, even in replay): both are
        # remembered, so a replayed request costs no RSA check and no regex compilation.
        self._placeholders: set[str] = set()
        self._rewriter: Rewriter | None = None
        # Values redaction took out of a secret field: masked wherever they reappear (Auth0
        # quotes a rejected password in its 400 message). A tuple, copied on news only.
        self._redacted: tuple[str, ...] = ()
        # The secrets told so far, longest first (for masking log records); made on news only.
        self._values: tuple[str, ...] | None = None

    def add_secret(self, value: str | None, what: str) -> None:
        """Guard ``value``: a cassette holding it (in any encoding) is not written."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._secrets or value in self._placeholders:
                return
        if is_placeholder_secret(value):
            with self._lock:
                self._placeholders.add(value)
            return
        with self._lock:
            self._add(value, what)

    def _add(self, value: str, what: str) -> None:
        # Called under the lock.
        if value not in self._secrets:
            self._secrets[value] = what
            self._listed = None
            self._values = None

    def add_redacted(self, value: str | None, what: str) -> None:
        """A value redaction replaced in a secret field: guarded, and masked by redaction
        wherever it shows again in this session (an echo in an error message, a URL)."""
        self.add_secret(value, what)
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value not in self._redacted:
                # Longest first: a value inside another is masked after it.
                self._redacted = tuple(sorted((*self._redacted, value), key=len, reverse=True))

    def told_values(self) -> tuple[str, ...]:
        """The secrets told so far (not asking the sources), longest first; cheap when nothing
        changed, for a check on every log record."""
        with self._lock:
            if self._values is None:
                self._values = tuple(sorted(self._secrets, key=len, reverse=True))
            return self._values

    def redacted_values(self) -> tuple[str, ...]:
        """Every value ``add_redacted`` was told, longest first."""
        return self._redacted

    def add_token(self, token: str | None, what: str = "an access token") -> None:
        """Guard a raw token the session was issued or saw on the wire."""
        self.add_secret(token, what)

    def add_app(self, scopes: Iterable[str], client_id: str, client_secret: str | None) -> None:
        """A per-scope-set app: its secret is guarded, its id recorded as the placeholder id."""
        scope_set = frozenset(scopes)
        label = "{" + scope_string(scope_set) + "}"
        self.add_secret(client_secret, f"the client secret of the app for {label}")
        if client_id:
            with self._lock:
                self._set_id(client_id, placeholder_client_id(scope_set))

    def add_provisioner(self, client_id: str | None, client_secret: str | None) -> None:
        """The provisioner app: secret guarded, id recorded as a fixed placeholder."""
        self.add_secret(client_secret, "the provisioner's client secret")
        if client_id:
            with self._lock:
                self._set_id(client_id, PROVISIONER_PLACEHOLDER_ID)

    def _set_id(self, client_id: str, placeholder: str) -> None:
        # Called under the lock, for every test: the rewriter is made again only on news.
        if self._ids.get(client_id) != placeholder:
            self._ids[client_id] = placeholder
            self._rewriter = None

    def add_tenant(self, domain: str, base_url: str | None = None) -> None:
        """The real tenant (or the emulator): written as the recordings domain in cassettes."""
        domain = domain.strip().lower()
        if not domain or domain == RECORDINGS_DOMAIN:
            return
        with self._lock:
            name = domain.split(":")[0].split(".")[0]
            if (
                domain in self._hosts
                and name in self._names
                and (not base_url or base_url.rstrip("/").lower() in self._bases)
            ):
                return  # known already (every test registers its tenant)
            self._rewriter = None
            self._hosts[domain] = RECORDINGS_DOMAIN
            self._names.add(name)
            for alias in hosts.aliases(domain) - {domain}:
                # Loopback emulator: the same server answers under each loopback name.
                self._hosts[alias] = RECORDINGS_DOMAIN
                for scheme in ("http", "https"):
                    self._bases[f"{scheme}://{alias}"] = f"https://{RECORDINGS_DOMAIN}"
            if base_url:
                self._bases[base_url.rstrip("/").lower()] = f"https://{RECORDINGS_DOMAIN}"

    def add_source(self, source: Callable[[], Iterable[Secret]], key: object = None) -> None:
        """Secrets known only later (e.g. the emulator's client secrets), asked at every check.

        A source added again under the same ``key`` replaces the earlier one (None: the source
        itself is the key). What a source once returned stays guarded after it stops listing it.
        """
        with self._lock:
            self._sources[source if key is None else key] = source

    def secrets(self) -> list[Secret]:
        with self._lock:
            sources = list(self._sources.values())
        # Asked outside the lock: a source may take its own (the emulator's tenant lock).
        found = [secret for source in sources for secret in source()]
        with self._lock:
            for secret in found:
                value = secret.value
                if (
                    len(value) < MIN_SECRET_LENGTH
                    or value in self._secrets
                    or value in self._placeholders
                ):
                    continue
                if is_placeholder_secret(value):
                    self._placeholders.add(value)
                else:
                    self._add(value, secret.what)
            if self._listed is None:
                self._listed = [Secret(value, what) for value, what in self._secrets.items()]
            return list(self._listed)

    def tenant_hosts(self) -> list[str]:
        """The real tenant's names (domain, emulator host:port): a token they issued is real."""
        with self._lock:
            return sorted(self._hosts)

    def rewriter(self) -> Rewriter:
        """The rewrite rules as known now (made again only after a name or id was added)."""
        with self._lock:
            if self._rewriter is None:
                self._rewriter = Rewriter(
                    hosts=dict(self._hosts),
                    bases=dict(self._bases),
                    ids=dict(self._ids),
                    tenant_names=set(self._names),
                )
            return self._rewriter


# --- Rewriting the tenant and client ids -----------------------------------------------------


class Rewriter:
    """Literal replacements, also in URL-encoded and JSON-escaped form, longest first."""

    def __init__(
        self,
        hosts: Mapping[str, str] | None = None,
        bases: Mapping[str, str] | None = None,
        ids: Mapping[str, str] | None = None,
        tenant_names: Iterable[str] = (),
    ) -> None:
        # A tenant's name shows in bodies ({"tenant": "dev-x"}); too short to replace blindly,
        # so only JSON values under a "tenant" key are rewritten (see Redactor).
        self.tenant_names = frozenset(tenant_names)
        rules: list[tuple[str, str, bool]] = []  # (real, new, case-insensitive)
        for real, new in (bases or {}).items():
            rules.append((real, new, True))
        for real, new in (hosts or {}).items():
            rules.append((real, new, True))
        for real, new in (ids or {}).items():
            rules.append((real, new, False))
        self._rules: list[tuple[re.Pattern[str], str]] = []
        variants: list[tuple[str, str, bool]] = []
        for real, new, fold in rules:
            for encode in (same_text, _quoted, _json_escaped):
                variants.append((encode(real), encode(new), fold))
        seen: set[str] = set()
        for real, new, fold in sorted(variants, key=lambda v: -len(v[0])):
            if real in seen:
                continue
            seen.add(real)
            # "127.0.0.1:8080" must not match inside "127.0.0.1:80801".
            tail = r"(?![0-9])" if real[-1:].isdigit() else ""
            flags = re.IGNORECASE if fold else 0
            self._rules.append((re.compile(re.escape(real) + tail, flags), new))

    def __call__(self, text: str) -> str:
        for pattern, new in self._rules:
            text = pattern.sub(_constant(new), text)
        return text

    def __bool__(self) -> bool:
        return bool(self._rules)


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    # A function, not a template: replacements may hold backslashes (JSON-escaped URLs).
    return lambda _match: text


def same_text(text: str) -> str:
    return text


def _quoted(text: str) -> str:
    return quote(text, safe="")


def _json_escaped(text: str) -> str:
    return text.replace("/", "\\/")
