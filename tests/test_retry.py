"""The clients the plugin hands to tests (auth0/retry.py), against the emulator over sockets.

What the tenant saw is read from the emulator's journal, never from the client's own counters:
a retry that did not happen, or one too many, shows there. Waits are checked loosely (a lower
bound the server asked for, a generous upper bound): the machine is shared.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import select
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_auth0_m2m.auth0.endpoints import TenantEndpoints
from pytest_auth0_m2m.auth0.management import ManagementClient
from pytest_auth0_m2m.auth0.retry import (
    PLANS,
    ClientKit,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    SharedBucket,
    bucket_path,
    env_proxy,
    parse_rate_limit,
)
from pytest_auth0_m2m.fake import PRESETS, FakeAuth0, run_fake_auth0
from pytest_auth0_m2m.fake.journal import JournalEntry

USERS = "/api/v2/users"


class Sleeps(list[float]):
    """A RetryPolicy.sleep that records instead of waiting (for counting, not timing)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def token(fake: FakeAuth0) -> str:
    return fake.issue_token(
        fake.provisioner.client_id,
        ["read:users", "create:users", "update:users", "delete:users"],
    )


def kit_client(
    fake: FakeAuth0, token: str, kit: ClientKit | None = None
) -> tuple[ClientKit, httpx.Client]:
    kit = kit or ClientKit()
    headers = {"Authorization": f"Bearer {token}"}
    return kit, kit.client(fake.management_url, headers)


def calls(fake: FakeAuth0, mark: int, path_prefix: str = USERS) -> list[JournalEntry]:
    return [e for e in fake.journal.since(mark) if e.path.startswith(path_prefix)]


def statuses(entries: list[JournalEntry]) -> list[int]:
    return [e.status for e in entries]


# --- 429: waited out as told ---------------------------------------------------------------


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_429_waits_the_retry_after_it_was_given(fake: FakeAuth0, token: str) -> None:
    fake.faults.add(status=429, count=1, operation="get_users", headers={"retry-after": "2"})
    kit, client = kit_client(fake, token)
    mark = fake.journal.mark()
    started = time.monotonic()
    with client:
        response = client.get("users")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    entries = calls(fake, mark)
    assert statuses(entries) == [429, 200]
    # Told 2 s: the second call came no sooner (the journal's arrival times), and not much later.
    assert entries[1].at - entries[0].at >= 1.9
    assert elapsed < 10
    assert kit.stats.rate_limit_waits == 1


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_429_without_retry_after_waits_until_x_ratelimit_reset(fake: FakeAuth0, token: str) -> None:
    reset = int(time.time()) + 3  # whole seconds, as Auth0 sends it: 2 to 3 s from now
    fake.faults.add(
        status=429,
        count=1,
        operation="get_users",
        headers={"retry-after": "", "x-ratelimit-reset": str(reset)},
    )
    _, client = kit_client(fake, token)
    mark = fake.journal.mark()
    with client:
        assert client.get("users").status_code == 200
    entries = calls(fake, mark)
    assert statuses(entries) == [429, 200]
    assert entries[1].at >= reset - 0.05
    assert entries[1].at - entries[0].at < 10


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_retry_after_as_an_http_date_is_honoured(fake: FakeAuth0, token: str) -> None:
    when = email.utils.formatdate(time.time() + 3, usegmt=True)  # 2 to 3 s away (whole seconds)
    fake.faults.add(status=429, count=1, operation="get_users", headers={"retry-after": when})
    _, client = kit_client(fake, token)
    mark = fake.journal.mark()
    with client:
        assert client.get("users").status_code == 200
    entries = calls(fake, mark)
    assert statuses(entries) == [429, 200]
    assert entries[1].at - entries[0].at >= 1.9


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_the_emulators_own_rate_limit_is_waited_out(fake: FakeAuth0, token: str) -> None:
    # A real bucket, not an injected fault: burst 1, 4 requests a second.
    fake.set_rate_limits({"management": {"rate": 4, "burst": 1}})
    kit, client = kit_client(fake, token)
    mark = fake.journal.mark()
    with client:
        answers = [client.get("users").status_code for _ in range(5)]
    assert answers == [200] * 5
    entries = calls(fake, mark)
    assert statuses(entries).count(200) == 5
    refused = statuses(entries).count(429)
    assert refused >= 1  # the limit was met, and every 429 was waited out
    assert kit.stats.rate_limit_waits == refused


def test_a_reset_beyond_max_wait_is_handed_to_the_test(fake: FakeAuth0, token: str) -> None:
    # A daily quota's reset hours away: waiting would hang the run, so the test sees the 429.
    fake.faults.add(
        status=429,
        count=1,
        operation="get_users",
        headers={"retry-after": "", "x-ratelimit-reset": str(int(time.time()) + 3600)},
    )
    _, client = kit_client(fake, token)
    mark = fake.journal.mark()
    with client:
        assert client.get("users").status_code == 429
    assert statuses(calls(fake, mark)) == [429]


def test_a_lasting_429_gives_up_after_the_policys_attempts(fake: FakeAuth0, token: str) -> None:
    fake.faults.add(status=429, count=None, operation="get_users")
    sleeps = Sleeps()
    kit = ClientKit(policy=RetryPolicy(attempts=4, sleep=sleeps, rng=random.Random(1)))
    _, client = kit_client(fake, token, kit)
    mark = fake.journal.mark()
    with client:
        assert client.get("users").status_code == 429
    assert statuses(calls(fake, mark)) == [429] * 4
    assert len(sleeps) == 3
    assert all(1.0 <= s <= 1.1 for s in sleeps)


# --- which methods go again ----------------------------------------------------------------


def test_429_on_post_is_retried_and_creates_one_user(fake: FakeAuth0, token: str) -> None:
    # A 429 is refused before anything happened: repeating even a POST is safe.
    fake.faults.add(status=429, count=1, operation="post_users")
    sleeps = Sleeps()
    _, client = kit_client(fake, token, ClientKit(policy=RetryPolicy(sleep=sleeps)))
    mark = fake.journal.mark()
    body = {"connection": "Username-Password-Authentication", "email": "ada@example.com"}
    with client:
        response = client.post("users", json={**body, "password": "Correct-Horse-9"})
    assert response.status_code == 201, response.text
    assert statuses(calls(fake, mark)) == [429, 201]
    assert len(sleeps) == 1
    with fake.tenant.lock:
        emails = [u.get("email") for u in fake.tenant.users.values()]
    assert emails.count("ada@example.com") == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "users", "post_users"),
        ("PATCH", "users/auth0|nobody", "patch_users_by_id"),
    ],
)
def test_5xx_on_post_and_patch_is_not_repeated(
    fake: FakeAuth0, token: str, method: str, path: str, operation: str, status: int
) -> None:
    # It may have gone through before the error: the test gets the answer and decides.
    fake.faults.add(status=status, count=1, operation=operation)
    sleeps = Sleeps()
    _, client = kit_client(fake, token, ClientKit(policy=RetryPolicy(sleep=sleeps)))
    mark = fake.journal.mark()
    with client:
        response = client.request(method, path, json={"email": "bob@example.com"})
    assert response.status_code == status
    assert statuses(calls(fake, mark)) == [status]
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize(
    ("method", "path", "operation", "final"),
    [
        ("GET", "users", "get_users", 200),
        ("DELETE", "users/auth0|nobody", "delete_users_by_id", 204),
    ],
)
def test_5xx_on_idempotent_methods_is_retried(
    fake: FakeAuth0, token: str, method: str, path: str, operation: str, final: int, status: int
) -> None:
    fake.faults.add(status=status, count=2, operation=operation)
    sleeps = Sleeps()
    kit, client = kit_client(fake, token, ClientKit(policy=RetryPolicy(sleep=sleeps)))
    mark = fake.journal.mark()
    with client:
        response = client.request(method, path)
    assert response.status_code == final, response.text
    assert statuses(calls(fake, mark)) == [status, status, final]
    assert kit.stats.retries == 2
    assert len(sleeps) == 2
    assert all(s <= RetryPolicy().max_backoff for s in sleeps)


def test_a_streamed_body_is_never_sent_twice(fake: FakeAuth0, token: str) -> None:
    # A generator's bytes are gone once sent: even a 429 is handed back rather than resent empty.
    fake.faults.add(status=429, count=1, operation="patch_users_by_id")
    sleeps = Sleeps()
    _, client = kit_client(fake, token, ClientKit(policy=RetryPolicy(sleep=sleeps)))

    def body() -> Iterator[bytes]:
        yield b'{"email": '
        yield b'"eve@example.com"}'

    mark = fake.journal.mark()
    with client:
        response = client.patch(
            "users/auth0|nobody", content=body(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 429
    assert statuses(calls(fake, mark)) == [429]
    assert sleeps == []


# --- off for tests that assert on a 429 ----------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_off_hands_back_the_first_answer(fake: FakeAuth0, token: str, status: int) -> None:
    fake.faults.add(status=status, count=1, operation="get_users")
    sleeps = Sleeps()
    kit = ClientKit(policy=RetryPolicy(sleep=sleeps), retry=False)
    _, client = kit_client(fake, token, kit)
    mark = fake.journal.mark()
    with client:
        assert client.get("users").status_code == status
        assert client.get("users").status_code == 200
    assert statuses(calls(fake, mark)) == [status, 200]
    assert sleeps == []
    assert kit.stats.as_dict() == {"rate_limit_waits": 0, "retries": 0}


# --- noisy tenant: 20% 429/503 ---------------------------------------------------------------


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_20_percent_429_503_on_the_sync_client_fails_nothing(fake: FakeAuth0, token: str) -> None:
    noisy = fake.faults.random(0.2, statuses=(429, 503), seed=14, operation="management")
    sleeps = Sleeps()
    kit, client = kit_client(fake, token, ClientKit(policy=RetryPolicy(sleep=sleeps)))
    mark = fake.journal.mark()
    with client:
        answers = [
            client.get("users", params={"page": i, "per_page": 1}).status_code for i in range(60)
        ]
    assert answers == [200] * 60
    seen = statuses(calls(fake, mark))
    assert noisy.served >= 5  # the noise was there (seeded: the same every run)
    assert len(seen) == 60 + noisy.served
    assert kit.stats.rate_limit_waits == seen.count(429)
    assert kit.stats.retries == seen.count(503)


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_20_percent_429_503_on_the_async_client_fails_nothing(fake: FakeAuth0, token: str) -> None:
    noisy = fake.faults.random(0.2, statuses=(429, 503), seed=15, operation="management")
    kit = ClientKit(policy=RetryPolicy(base_delay=0.01))
    mark = fake.journal.mark()

    async def run() -> list[int]:
        async with kit.async_client(
            fake.management_url, {"Authorization": f"Bearer {token}"}
        ) as client:
            answers = await asyncio.gather(
                *(client.get("users", params={"page": i, "per_page": 1}) for i in range(30))
            )
        return [a.status_code for a in answers]

    assert asyncio.run(run()) == [200] * 30
    seen = statuses(calls(fake, mark))
    assert noisy.served >= 3
    assert len(seen) == 30 + noisy.served
    assert kit.stats.rate_limit_waits == seen.count(429)


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_async_429_waits_the_retry_after(fake: FakeAuth0, token: str) -> None:
    fake.faults.add(status=429, count=1, operation="get_users", headers={"retry-after": "2"})
    kit = ClientKit()
    mark = fake.journal.mark()

    async def run() -> int:
        async with kit.async_client(
            fake.management_url, {"Authorization": f"Bearer {token}"}
        ) as client:
            return (await client.get("users")).status_code

    assert asyncio.run(run()) == 200
    entries = calls(fake, mark)
    assert statuses(entries) == [429, 200]
    assert entries[1].at - entries[0].at >= 1.9


# --- the pacer --------------------------------------------------------------------------------


def spacing(entries: list[JournalEntry], burst: int) -> float:
    """Seconds a run of requests took beyond its first ``burst``: the limit's floor for them."""
    times = sorted(e.at for e in entries)
    return times[-1] - times[burst - 1]


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_two_pacers_on_one_file_keep_the_tenant_under_its_limit(
    fake: FakeAuth0, token: str, tmp_path: Path
) -> None:
    # Two processes' worth of pacers (each its own SharedBucket on the same file), one thread
    # each, 12 requests each as fast as they can: together they stay at 8 requests a second.
    limit = RateLimit(rate=8.0, burst=2)
    path = bucket_path(tmp_path, fake.domain)
    mark = fake.journal.mark()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            kit = ClientKit(pacer=SharedBucket(path, limit))
            _, client = kit_client(fake, token, kit)
            with client:
                for _ in range(12):
                    assert client.get("users").status_code == 200
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    entries = calls(fake, mark)
    assert statuses(entries) == [200] * 24
    # The bucket holds burst - 1 = 1 token: after the first, one request per 1/8 s. Unshared,
    # two buckets would let 16 a second through (about 1.4 s); shared, at least 23/8 = 2.9 s.
    assert spacing(entries, 1) >= (24 - 1) / limit.rate * 0.85


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_paced_requests_meet_no_429_from_a_tenant_with_that_limit(
    fake: FakeAuth0, token: str, tmp_path: Path
) -> None:
    preset = PRESETS["free"].management
    assert preset is not None
    # The plugin's plan table matches the emulator's presets (both are Auth0's published limits).
    assert (PLANS["free"].rate, PLANS["free"].burst) == (preset.rate, preset.burst)
    fake.set_rate_limits({"management": {"rate": 8, "burst": 2}})
    kit = ClientKit(pacer=SharedBucket(bucket_path(tmp_path, fake.domain), RateLimit(8.0, 2)))
    _, client = kit_client(fake, token, kit)
    mark = fake.journal.mark()
    with client:
        assert [client.get("users").status_code for _ in range(16)] == [200] * 16
    seen = statuses(calls(fake, mark))
    # Paced under the limit, the tenant has (almost) nothing to refuse; a stray 429 from timing
    # jitter is still waited out.
    assert seen.count(200) == 16
    assert seen.count(429) <= 1


@pytest.mark.e2e  # waits out real seconds: the slow tier
def test_a_429_holds_every_pacer_on_the_file(fake: FakeAuth0, token: str, tmp_path: Path) -> None:
    # One client meets a 429 (Retry-After: 2): the other, on its own bucket object, waits too.
    path = bucket_path(tmp_path, fake.domain)
    limit = RateLimit(rate=50.0, burst=5)
    first = ClientKit(pacer=SharedBucket(path, limit))
    second = ClientKit(pacer=SharedBucket(path, limit))
    fake.faults.add(status=429, count=1, operation="get_users", headers={"retry-after": "2"})
    mark = fake.journal.mark()
    _, one = kit_client(fake, token, first)
    _, two = kit_client(fake, token, second)
    with one, two:
        assert one.get("users").status_code == 200
        assert two.get("roles").status_code in (200, 403)  # paced: any answer will do
    entries = fake.journal.since(mark)
    refused = next(e for e in entries if e.status == 429)
    later = [e for e in entries if e.at > refused.at]
    assert len(later) == 2
    assert all(e.at - refused.at >= 1.9 for e in later)


def test_non_management_requests_are_not_paced(fake: FakeAuth0, tmp_path: Path) -> None:
    # The token endpoint has its own limit: a slow Management API pacer must not hold it up.
    bucket = SharedBucket(bucket_path(tmp_path, fake.domain), RateLimit(rate=0.5, burst=1))
    kit = ClientKit(pacer=bucket)
    started = time.monotonic()
    with kit.client(fake.url, {}) as client:
        for _ in range(3):
            assert client.get("/.well-known/jwks.json").status_code == 200
    assert time.monotonic() - started < 1.5


# --- the setting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("free", PLANS["free"]),
        (" Enterprise-Dev ", PLANS["enterprise-dev"]),
        ("15", RateLimit(15.0, 15)),
        ("15/30", RateLimit(15.0, 30)),
        ("0.5", RateLimit(0.5, 1)),
        ("off", None),
        ("0", None),
    ],
)
def test_parse_rate_limit(text: str, expected: RateLimit | None) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["fre", "-2", "2/s", "fast", "2/0.5", "1e3"])
def test_parse_rate_limit_refuses_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(RateLimitError) as info:
        parse_rate_limit(text)
    message = str(info.value)
    assert repr(text) in message
    assert "enterprise-dev, free, off" in message
    assert "15/30" in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # Red-team findings: 0.0001 was accepted and held a one-test run past 120 s in silence;
        # a burst of 0 was quietly made 1.
        ("0.0001", "at least 0.1 requests a second"),
        ("0.09/2", "at least 0.1 requests a second"),
        ("5/0", "the burst must be at least 1"),
    ],
)
def test_parse_rate_limit_refuses_a_rate_or_burst_too_small(text: str, says: str) -> None:
    with pytest.raises(RateLimitError, match=says) as info:
        parse_rate_limit(text)
    assert repr(text) in str(info.value)
    assert parse_rate_limit("0.1") == RateLimit(0.1, 1)


def test_the_shared_bucket_file_is_private(tmp_path: Path) -> None:
    path = bucket_path(tmp_path, "dev-x.eu.auth0.com")
    SharedBucket(path, RateLimit(2.0, 2)).reserve()
    assert path.stat().st_mode & 0o777 == 0o600


# --- behind an HTTPS proxy ------------------------------------------------------------------


class ConnectProxy(socketserver.ThreadingTCPServer):
    """A tunnelling (CONNECT) proxy on 127.0.0.1 that only tunnels to this machine."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.tunnels: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Tunnel(socketserver.StreamRequestHandler):
    server: ConnectProxy

    def handle(self) -> None:
        request_line = self.rfile.readline().decode("latin-1").split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # the proxy request's headers
        if len(request_line) < 2 or request_line[0] != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = request_line[1].rpartition(":")
        if host not in ("localhost", "127.0.0.1"):
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.server.tunnels.append(request_line[1])
        with socket.create_connection(("127.0.0.1", int(port))) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            client = self.connection
            pending = self.rfile.peek() if hasattr(self.rfile, "peek") else b""
            if pending:
                upstream.sendall(self.rfile.read(len(pending)))
            sockets = [client, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 10)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)


@pytest.fixture(scope="module")
def tls_fake() -> Iterator[FakeAuth0]:
    with run_fake_auth0(tls=True) as fake:
        yield fake


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectProxy]:
    server = ConnectProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", server.url)
    monkeypatch.delenv("https_proxy", raising=False)
    yield server
    server.shutdown()
    server.server_close()


def test_behind_https_proxy_the_clients_go_through_it_and_still_retry(
    tls_fake: FakeAuth0, proxy: ConnectProxy
) -> None:
    # As a plain httpx.Client would: HTTPS_PROXY is honoured, and the retries still apply.
    tls_fake.faults.add(status=429, count=1, operation="get_users", scope="proxy")
    token = tls_fake.issue_token(tls_fake.provisioner.client_id, ["read:users"])
    kit = ClientKit(policy=RetryPolicy(sleep=Sleeps()), ca_file=tls_fake.ca_cert_path)
    mark = tls_fake.journal.mark()
    with kit.client(tls_fake.management_url, {"Authorization": f"Bearer {token}"}) as client:
        assert client.get("users").status_code == 200

    async def run() -> int:
        async with kit.async_client(
            tls_fake.management_url, {"Authorization": f"Bearer {token}"}
        ) as client:
            return (await client.get("users")).status_code

    assert asyncio.run(run()) == 200
    assert statuses(calls(tls_fake, mark)) == [429, 200, 200]
    assert kit.stats.rate_limit_waits == 1
    assert len(proxy.tunnels) >= 2  # the sync client's tunnel and the async client's
    assert set(proxy.tunnels) == {tls_fake.domain}


def test_the_provisioners_client_goes_through_the_proxy_too(
    tls_fake: FakeAuth0, proxy: ConnectProxy
) -> None:
    endpoints = TenantEndpoints(domain=tls_fake.domain, mode="fake", base_url=tls_fake.url)
    kit = ClientKit(ca_file=tls_fake.ca_cert_path)
    with ManagementClient(
        endpoints,
        tls_fake.provisioner.client_id,
        tls_fake.provisioner.client_secret,
        verify=kit.verify,
    ) as mgmt:
        assert any(c["client_id"] == tls_fake.provisioner.client_id for c in mgmt.list_clients())
    assert set(proxy.tunnels) == {tls_fake.domain}


def test_no_proxy_is_honoured(
    tls_fake: FakeAuth0, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "example.com,localhost")
    token = tls_fake.issue_token(tls_fake.provisioner.client_id, ["read:users"])
    kit = ClientKit(ca_file=tls_fake.ca_cert_path)
    with kit.client(tls_fake.management_url, {"Authorization": f"Bearer {token}"}) as client:
        assert client.get("users").status_code == 200
    assert proxy.tunnels == []


@pytest.mark.parametrize(
    ("no_proxy", "url", "proxied"),
    [
        ("", "https://dev.eu.auth0.com/api/v2/", True),
        ("*", "https://dev.eu.auth0.com/api/v2/", False),
        ("auth0.com", "https://dev.eu.auth0.com/api/v2/", False),
        (".auth0.com", "https://dev.eu.auth0.com/api/v2/", False),
        ("myauth0.com", "https://dev.eu.auth0.com/api/v2/", True),
        ("localhost:8443", "https://localhost:8443/api/v2/", False),
        ("localhost:9999", "https://localhost:8443/api/v2/", True),
        ("127.0.0.0/8", "https://127.0.0.1:8443/api/v2/", False),
        ("[::1]", "https://[::1]:8443/api/v2/", False),
        ("https://dev.eu.auth0.com", "https://dev.eu.auth0.com/api/v2/", False),
    ],
)
def test_env_proxy_reads_no_proxy(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, url: str, proxied: bool
) -> None:
    for name in ("no_proxy", "https_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert env_proxy(url) == ("http://proxy.internal:3128" if proxied else None)


def test_env_proxy_without_a_proxy_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")  # for http:// URLs only
    assert env_proxy("https://dev.eu.auth0.com/api/v2/") is None
    assert env_proxy("http://localhost:8080/api/v2/") == "http://proxy.internal:3128"


def test_env_proxy_sees_each_change_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment's proxies are kept between clients: a change must still be seen.
    for name in ("https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    url = "https://dev.eu.auth0.com/api/v2/"
    monkeypatch.setenv("HTTPS_PROXY", "http://one.internal:3128")
    assert env_proxy(url) == "http://one.internal:3128"
    monkeypatch.setenv("HTTPS_PROXY", "http://two.internal:3128")
    assert env_proxy(url) == "http://two.internal:3128"
    monkeypatch.setenv("no_proxy", ".auth0.com")
    assert env_proxy(url) is None
    monkeypatch.delenv("no_proxy")
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("all_proxy", "http://three.internal:3128")
    assert env_proxy(url) == "http://three.internal:3128"


@pytest.mark.parametrize("tokens", [-1e9, float("nan")])
def test_a_corrupt_bucket_file_is_started_afresh(tmp_path: Path, tokens: float) -> None:
    # Red-team finding: {"tokens": -1e9} in the file held every later paced run, in silence.
    path = bucket_path(tmp_path, "dev-x.eu.auth0.com")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"tokens": tokens, "stamp": time.time()}))
    assert SharedBucket(path, RateLimit(2.0, 2)).reserve() == 0.0
    # A queue the plan's own traffic makes is kept: 10 s of waits for 20 reservations.
    path.write_text(json.dumps({"tokens": -20.0, "stamp": time.time()}))
    assert SharedBucket(path, RateLimit(2.0, 2)).reserve() == pytest.approx(10.5, abs=0.1)
