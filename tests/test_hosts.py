"""The one host helper: a tenant domain is a host name or nothing, loopback has its aliases."""

from __future__ import annotations

import httpx
import pytest

from pytest_auth0_m2m.auth0 import hosts


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("dev-x.eu.auth0.com", "dev-x.eu.auth0.com"),
        ("https://Dev-X.eu.auth0.com/", "dev-x.eu.auth0.com"),
        ("  dev-x.eu.auth0.com  ", "dev-x.eu.auth0.com"),
        ("localhost:8443", "localhost:8443"),
        ("127.0.0.1:9", "127.0.0.1:9"),
        ("[::1]:9", "[::1]:9"),
    ],
)
def test_a_domain_is_reduced_to_its_host(text: str, parsed: str) -> None:
    assert hosts.parse_domain(text) == parsed


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("localhost:1@127.0.0.1:2", "user info"),
        ("user:pw@dev-x.eu.auth0.com", "user info"),
        ("dev-x.eu.auth0.com/api/v2", "path"),
        ("dev-x.eu.auth0.com?x=1", "query"),
        ("dev-x.eu.auth0.com#frag", "fragment"),
        ("dev-x.eu.auth0.com:8443", "port"),
        ("evil.example:443", "port"),
        ("ftp://dev-x.eu.auth0.com", "scheme"),
        ("", "not a host name"),
        ("dev x.auth0.com", "not a host name"),
        ("localhost:abc", "not a number"),
    ],
)
def test_anything_but_a_host_name_is_refused(text: str, why: str) -> None:
    with pytest.raises(hosts.DomainError, match=why):
        hosts.parse_domain(text)


def test_loopback_servers_answer_under_every_loopback_name() -> None:
    assert hosts.aliases("https://localhost:8443/api/v2/") == {
        "localhost:8443",
        "127.0.0.1:8443",
        "[::1]:8443",
    }
    assert hosts.aliases("dev-x.eu.auth0.com") == {"dev-x.eu.auth0.com"}
    assert hosts.aliases("https://dev-x.eu.auth0.com:443/") == {"dev-x.eu.auth0.com"}


def test_host_of_drops_user_info_and_default_ports() -> None:
    assert hosts.host_of("https://u:p@Dev-X.eu.auth0.com:443/x") == "dev-x.eu.auth0.com"
    assert hosts.host_of("http://[::1]:80/x") == "[::1]"
    assert hosts.host_of("http://[::1]:8080/x") == "[::1]:8080"


def test_an_ipv6_netloc_is_one_httpx_accepts() -> None:
    url = f"http://{hosts.netloc('::1', 8080)}/api/v2/"
    assert httpx.URL(url).host == "::1"
    assert httpx.URL(url).port == 8080
    assert hosts.is_loopback("[::1]")
    assert hosts.is_loopback("127.0.0.2")
    assert not hosts.is_loopback("example.com")


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("dev-x.eu.auth0.com", "de***.eu.auth0.com"),
        ("planted-tenant.us.auth0.com", "pl***.us.auth0.com"),
        ("auth.example.com", "au***.example.com"),
        ("intranet", "in***"),
        ("10.1.2.3", "***"),
        ("localhost:8443", "localhost:8443"),  # the emulator names no tenant
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("[::1]:5000", "[::1]:5000"),
        ("tenant.auth0.invalid", "tenant.auth0.invalid"),  # replay's placeholder
    ],
)
def test_output_shows_a_tenant_without_its_name(host: str, shown: str) -> None:
    assert hosts.masked(host) == shown


def test_a_domain_error_quotes_neither_credentials_nor_the_tenant_name() -> None:
    with pytest.raises(hosts.DomainError) as caught:
        hosts.parse_domain("https://admin:pw-123@planted-tenant.eu.auth0.com/x?client_secret=s9")
    message = str(caught.value)
    assert "pl***.eu.auth0.com" in message
    for planted in ("pw-123", "planted-tenant", "s9", "admin"):
        assert planted not in message


@pytest.mark.parametrize(
    "pasted",
    [
        # Red-team findings: a paste that took more than the domain printed the rest, lowercased
        # (so the secret masker, which matches case, missed it); the comma form was accepted.
        "planted-tenant.eu.auth0.com AUTH0_CLIENT_SECRET=Pl4ntedSecr3t",
        "planted-tenant.eu.auth0.com:Pl4ntedSecr3t",
        "planted-tenant.eu.auth0.com,Pl4ntedSecr3t",
        "planted-tenant.eu.auth0.com;Pl4ntedSecr3t",
        "https://planted-tenant.eu.auth0.com=Pl4ntedSecr3t",
        "planted-tenant.eu.auth0.com\tPl4ntedSecr3t",
        "planted-tenant.eu.auth0.com\nPl4ntedSecr3t",
        "planted-tenant.eu.auth0.com\rPl4ntedSecr3t",
    ],
)
def test_a_domain_pasted_with_more_is_refused_showing_only_the_masked_host(pasted: str) -> None:
    with pytest.raises(hosts.DomainError) as caught:
        hosts.parse_domain(pasted)
    message = str(caught.value)
    assert "pl***.eu.auth0.com***" in message
    assert "pl4ntedsecr3t" not in message.lower()
    assert "planted-tenant" not in message
