"""The server itself: lifecycle, isolation, keep-alive, and bad input that must not hurt it."""

from __future__ import annotations

import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fake_helpers import bearer

from pytest_auth0_m2m.fake import FakeAuth0, run_fake_auth0


def test_addresses(fake: FakeAuth0) -> None:
    host, port = fake.domain.split(":")
    assert host == "127.0.0.1"
    assert int(port) > 0
    assert fake.url == f"http://{fake.domain}"
    assert fake.audience == f"https://{fake.domain}/api/v2/"
    assert fake.issuer == f"https://{fake.domain}/"
    assert fake.token_url == f"http://{fake.domain}/oauth/token"
    assert fake.management_url == f"http://{fake.domain}/api/v2/"
    assert fake.ca_cert_path is None


def test_not_started_is_a_clear_error() -> None:
    fake = FakeAuth0()
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.url


def test_stop_frees_the_port_and_closes_keep_alive_connections() -> None:
    with run_fake_auth0() as fake:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        conn.request("GET", "/__fake__/ping")
        assert conn.getresponse().read() == b'{"ok":true}'
    # The emulator is gone: the idle keep-alive connection no longer gets answers.
    with pytest.raises((OSError, http.client.HTTPException)):
        _ping(conn)
    conn.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{fake.url}/__fake__/ping")


def _ping(conn: http.client.HTTPConnection) -> bytes:
    conn.request("GET", "/__fake__/ping")
    return conn.getresponse().read()


def test_two_emulators_share_nothing() -> None:
    with run_fake_auth0() as one, run_fake_auth0() as two:
        assert one.port != two.port
        assert one.provisioner.client_id != two.provisioner.client_id
        one.seed({"users": [{"email": "only-in-one@example.com"}]})
        one.faults.add(status=503, count=5)
        one.set_rate_limits("free")
        users_two = httpx.get(f"{two.url}/api/v2/users", headers=bearer(two, "read:users"))
        assert users_two.status_code == 200
        assert users_two.json() == []
        # A token of one is not valid at the other (other audience, other key).
        r = httpx.get(f"{two.url}/api/v2/users", headers=bearer(one, "read:users"))
        assert r.status_code == 401
        assert two.counters.count("get_users") == 2
        assert one.counters.count("get_users") == 0


def test_keep_alive_one_connection_many_requests(fake: FakeAuth0) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    headers = bearer(fake, "read:users")
    conn.connect()
    first_socket = conn.sock
    for _ in range(5):
        conn.request("GET", "/api/v2/users", headers=headers)
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Connection") != "close"
        response.read()
        assert conn.sock is first_socket
    # A POST with a body on the same connection is fully read before the next request.
    conn.request(
        "POST",
        "/__fake__/seed",
        body=json.dumps({"users": [{"email": "k@example.com"}]}),
        headers={"Content-Type": "application/json"},
    )
    assert conn.getresponse().read()
    conn.request("GET", "/api/v2/users", headers=headers)
    assert len(json.loads(conn.getresponse().read())) == 1
    assert conn.sock is first_socket
    conn.close()


def test_malformed_json_and_wrong_content_type(fake: FakeAuth0, http: httpx.Client) -> None:
    headers = {**bearer(fake, "create:clients"), "Content-Type": "application/json"}
    r = http.post("/api/v2/clients", headers=headers, content=b'{"name": "x",')
    assert r.status_code == 400
    assert r.json()["errorCode"] == "invalid_body"
    assert "Traceback" not in r.text
    r = http.post("/api/v2/clients", headers=headers, content=b"\xff\xfe\x00")
    assert r.status_code == 400
    r = http.post("/api/v2/clients", headers=headers, content=b"[1, 2]")
    assert r.status_code == 400
    assert r.json()["message"] == (
        "Payload validation error: 'Expected type object but found type array'."
    )
    r = http.post(
        "/api/v2/clients",
        headers={**bearer(fake, "create:clients"), "Content-Type": "text/plain"},
        content=b"name=x",
    )
    assert r.status_code == 415
    assert r.json()["errorCode"] == "unsupported_media_type"


def test_huge_body_is_413_and_server_survives(fake: FakeAuth0, http: httpx.Client) -> None:
    big = b"{" + b" " * (2 << 20) + b"}"
    r = http.post(
        "/api/v2/clients",
        headers={**bearer(fake, "create:clients"), "Content-Type": "application/json"},
        content=big,
    )
    assert r.status_code == 413
    assert r.json()["statusCode"] == 413
    assert r.json()["errorCode"] == "payload_too_large"
    assert http.get("/__fake__/ping").status_code == 200


def test_path_traversal_and_odd_ids(fake: FakeAuth0) -> None:
    headers = bearer(fake, "read:users", "read:clients")
    for raw_path in (
        "/api/v2/users/%2E%2E",
        "/api/v2/users/..%2F..%2Fclients",
        "/api/v2/users/%00",
        "/api/v2/users/%ZZ",
        "/api/v2/clients/..%2f..%2f..%2fetc%2fpasswd",
        "/api/v2/users/" + "a" * 5000,
    ):
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        conn.request("GET", raw_path, headers=headers)
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        assert response.status == 404, raw_path
        assert body["errorCode"] in ("inexistent_user", "inexistent_client"), raw_path
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    conn.request("GET", "/api/v2/users/../../../etc/passwd", headers=headers)
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert response.status == 404
    assert body == {"statusCode": 404, "error": "Not Found", "message": "Not Found"}


def test_garbage_on_the_socket_does_not_kill_the_server(fake: FakeAuth0) -> None:
    for garbage in (b"\x16\x03\x01\x00\xff garbage\r\n\r\n", b"GET\r\n\r\n", b"\r\n" * 3):
        with socket.create_connection(("127.0.0.1", fake.port), timeout=5) as sock:
            sock.sendall(garbage)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(4096):
                pass
    assert httpx.get(f"{fake.url}/__fake__/ping").status_code == 200


def test_handler_crash_is_a_generic_500(fake: FakeAuth0, http: httpx.Client) -> None:
    # A value JSON cannot encode makes the users handler fail while answering.
    # Seeds are JSON (they go through the HTTP handlers), so the value is planted in the state.
    user_id = fake.seed({"users": [{"email": "bad@example.com"}]})["users"][0]
    fake.tenant.users[user_id]["user_metadata"] = {"x": object()}
    r = http.get("/api/v2/users", headers=bearer(fake, "read:users"))
    assert r.status_code == 500
    assert r.json() == {
        "statusCode": 500,
        "error": "Internal Server Error",
        "message": "Internal Server Error",
    }
    assert "Traceback" not in r.text
    assert "object" not in r.text
    assert len(fake.server_errors) == 1
    fake.server_errors.clear()
    assert http.get("/__fake__/ping").status_code == 200


def test_start_and_stop_are_quick() -> None:
    started = time.perf_counter()
    with run_fake_auth0() as fake:
        assert httpx.get(f"{fake.url}/__fake__/ping").status_code == 200
    # Generous bound: the brief is "well under a second"; the machine is noisy.
    assert time.perf_counter() - started < 5


def test_only_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeAuth0(host="0.0.0.0")


def test_concurrent_clients(fake: FakeAuth0) -> None:
    headers = bearer(fake, "create:users", "read:users")

    def worker(n: int) -> list[int]:
        with httpx.Client(base_url=fake.url, headers=headers) as http:
            return [
                http.post(
                    "/api/v2/users",
                    json={
                        "email": f"w{n}-{i}@example.com",
                        "password": "Correct-Horse-9",
                        "connection": "Username-Password-Authentication",
                    },
                ).status_code
                for i in range(15)
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for batch in pool.map(worker, range(8)) for s in batch]
    assert statuses == [201] * 120
    listed = httpx.get(
        f"{fake.url}/api/v2/users", headers=headers, params={"include_totals": "true"}
    ).json()
    assert listed["total"] == 120
    assert fake.counters.count("post_users", 201) == 120


def test_busy_port_is_an_os_error_and_leaves_nothing(fake: FakeAuth0) -> None:
    other = FakeAuth0(port=fake.port, tls=True)
    with pytest.raises(OSError):
        other.start()
    assert other.ca_cert_path is not None
    assert not other.ca_cert_path.exists()
