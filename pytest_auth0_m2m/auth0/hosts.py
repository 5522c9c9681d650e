"""Host names, the one way: a tenant domain parsed, a URL's host, loopback and its aliases.

Every module that compares, prints or allowlists a host goes through here, so a domain such as
``localhost:1@127.0.0.1:2`` means the same thing to the allowlist as to the HTTP client.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# The emulator answers on 127.0.0.1 and, with TLS, on localhost: one server, several names.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_DEFAULT_PORTS = {"https": "443", "http": "80"}


class DomainError(ValueError):
    """A tenant domain that is not a plain host name (user info, path, query, odd port...)."""


def is_loopback(name: str) -> bool:
    """``localhost``, ``127.x.y.z``, ``::1`` or ``[::1]`` (a host name without its port)."""
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def netloc(host: str, port: int | str | None = None) -> str:
    """``host:port`` as a URL needs it: an IPv6 address goes in brackets."""
    host = host.strip("[]")
    shown = f"[{host}]" if ":" in host else host
    return shown if port in (None, "") else f"{shown}:{port}"


def split_netloc(value: str) -> tuple[str, str]:
    """``("localhost", "8443")`` of ``localhost:8443``; ``("[::1]", "")`` of ``[::1]``."""
    if value.startswith("["):
        name, _, rest = value.partition("]")
        return f"{name}]", rest[1:] if rest.startswith(":") else ""
    name, sep, port = value.rpartition(":")
    return (name, port) if sep else (value, "")


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, lower case, without user info or the scheme's default port."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    name, port = split_netloc(host)
    if port and port == _DEFAULT_PORTS.get(parts.scheme, ""):
        return name
    return host


def aliases(*urls_or_domains: str) -> frozenset[str]:
    """Every ``host[:port]`` the given servers answer on: a loopback one under each name."""
    hosts: set[str] = set()
    for value in urls_or_domains:
        if not value:
            continue
        host = host_of(value)
        hosts.add(host)
        name, port = split_netloc(host)
        if port and is_loopback(name):
            hosts.update(f"{alias}:{port}" for alias in LOOPBACK_NAMES)
    return frozenset(hosts)


def masked(domain: str) -> str:
    """A host as output may show it: ``de***.eu.auth0.com`` for ``dev-x.eu.auth0.com``.

    The tenant's name is its first label and is not printed (logs of CI jobs are often public);
    the region and the rest stay, so a reader can still tell tenants of different regions apart.
    A loopback host (the emulator) and a ``.invalid`` one (replay's placeholder tenant) name no
    tenant and are shown as they are.
    """
    name, port = split_netloc(domain.strip().lower())
    if not name or is_loopback(name) or name.endswith(".invalid"):
        return domain
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        first, dot, rest = name.partition(".")
        shown = f"{first[:2]}***{dot}{rest}"
    else:
        shown = "***"
    return netloc(shown, port) if port else shown


def masked_url(url: str) -> str:
    """``url`` with its host masked (``masked``); its path kept, user info and query dropped."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{masked(host_of(url))}{parts.path}"


def _quoted(text: str) -> str:
    """``text`` as an error may quote it: its user info (a password, perhaps) and everything
    after the host (a query may carry a secret) shown as ``***``."""
    raw = text.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "", raw
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    host, after = rest[:end], rest[end:]
    if "@" in host:
        host = "***@" + host.rpartition("@")[2]
    if after.strip("/"):
        after = after[0] + "***"
    user, at, name = host.rpartition("@")
    # Only what can be a host (and a numeric port) is shown, masked: anything else after it is a
    # paste gone wrong (a space, a comma, "AUTH0_CLIENT_SECRET=..." on the same line) and may
    # be a secret.
    hostname = _HOST_CHARS.match(name)
    shown_host = hostname.group(0) if hostname else ""
    tail = name[len(shown_host) :]
    if tail.startswith(":") and tail[1:].isdigit():
        shown_host, tail = shown_host + tail, ""
    return repr(f"{scheme}{sep}{user}{at}{masked(shown_host)}{'***' if tail else ''}{after}")


_HOST_CHARS = re.compile(r"[A-Za-z0-9.\-\[\]]*")
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def parse_domain(text: str) -> str:
    """A tenant domain as typed or pasted, reduced to ``host[:port]``; else DomainError.

    ``https://Dev-X.eu.auth0.com/`` gives ``dev-x.eu.auth0.com``. User info, a path, a query or
    a fragment is refused, and so is a port on anything but a loopback address (the emulator).
    """
    raw = text.strip()
    shown = _quoted(raw)  # never the user info or query: either may hold a secret
    if any(c.isspace() or not c.isprintable() for c in raw):
        # urlsplit would silently drop a tab or line break, joining what follows to the host.
        raise DomainError(f"{shown} is not a host name (it has a space or a control character)")
    candidate = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(candidate)
        port = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        raise DomainError(f"{shown} is not a host name (its port is not a number)") from None
    if parts.scheme not in ("https", "http"):
        raise DomainError(f"{shown} is not a host name (scheme {parts.scheme!r})")
    if "@" in parts.netloc:
        raise DomainError(f"{shown} is not a plain host name: it has user info ('...@')")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise DomainError(
            f"{shown} is not a plain host name: it has a path, query or fragment; "
            "give the tenant's domain only, e.g. dev-x.eu.auth0.com"
        )
    name = (parts.hostname or "").lower()
    if not name or not (_HOST_NAME.fullmatch(name) or _is_ip(name)):
        # A comma, a space, "=": a paste that took more than the domain (a secret, perhaps).
        raise DomainError(f"{shown} is not a host name")
    if port is not None and not is_loopback(name):
        raise DomainError(
            f"{shown} has a port: Auth0 tenants are served on 443, so only a loopback "
            "emulator takes one"
        )
    return netloc(name, port)


def allowed(domain: str, patterns: Iterable[str]) -> bool:
    """The parsed ``host[:port]`` (``parse_domain``'s result) against the allowlist's globs,
    case-insensitively: the one check of ``auth0_allowed_domains``, for the plugin and sweep."""
    host = domain.lower()
    return any(fnmatch.fnmatchcase(host, pattern.strip().lower()) for pattern in patterns)
