"""Throughput of the emulator: authenticated GET /api/v2/users/{id} vs a constant route, and
the emulator's server (cheroot) vs werkzeug's own threaded server on the same application.

    .venv/bin/python benchmarks/fake_throughput.py [--requests 1000] [--rounds 8] [--process]

One keep-alive httpx client against one emulator; every figure is measured in the same run, in
interleaved rounds, so the ratios are not skewed by the machine's noise. By default the emulator
runs in this process (as under pytest, sharing the GIL with the client), and the same WSGI
application (same tenant, same token) is also served by ``werkzeug.serving.make_server`` with
HTTP/1.1 keep-alive: the server the emulator used before cheroot, as the baseline of issue 10
("throughput at least where it is"). ``--process`` runs the emulator as
``python -m pytest_auth0_m2m.fake`` in its own process, without the werkzeug baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
from werkzeug.serving import WSGIRequestHandler, make_server

from pytest_auth0_m2m.fake import run_fake_auth0


class _KeepAliveHandler(WSGIRequestHandler):
    # werkzeug's public switch for persistent connections, so the baseline is not charged a
    # TCP connect per request that the emulator is spared.
    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the emulator logs no request either: a line per request would cost the baseline


def _rate(client: httpx.Client, path: str, headers: dict[str, str], count: int) -> float:
    # One request object, sent again and again: httpx's URL parsing and header merging would
    # otherwise cost more than the emulator's work and hide it.
    request = client.build_request("GET", path, headers=headers)
    started = time.perf_counter()
    for _ in range(count):
        response = client.send(request)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text}")
    return count / (time.perf_counter() - started)


@contextlib.contextmanager
def _in_process() -> Iterator[tuple[str, str, str, str | None]]:
    with run_fake_auth0() as fake:
        user_id = fake.seed({"users": [{"email": "bench@example.com"}]})["users"][0]
        # The emulator's own WSGI callable (private to the package, used here only to serve
        # the very same application from a second server).
        baseline = make_server(
            "127.0.0.1", 0, fake._wsgi, threaded=True, request_handler=_KeepAliveHandler
        )
        thread = threading.Thread(target=baseline.serve_forever, daemon=True)
        thread.start()
        try:
            token = fake.issue_token("bench", ["read:users"])
            yield fake.url, token, user_id, f"http://127.0.0.1:{baseline.server_port}"
        finally:
            baseline.shutdown()
            thread.join(timeout=5)


@contextlib.contextmanager
def _other_process() -> Iterator[tuple[str, str, str, str | None]]:
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pytest_auth0_m2m.fake", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info: dict[str, str] = {}
        for line in proc.stdout:
            if line.startswith("Fake Auth0 tenant listening on "):
                info["url"] = line.rsplit(" ", 1)[1].strip()
            match = re.match(r"^(provisioner client (?:id|secret)|audience):\s+(\S+)", line)
            if match:
                info[match.group(1)] = match.group(2)
            if line.startswith("Press Ctrl-C"):
                break
        url = info["url"]
        # The real flow: the provisioner makes an app with read:users, which gets a token.
        with httpx.Client(base_url=url) as http:
            prov = http.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": info["provisioner client id"],
                    "client_secret": info["provisioner client secret"],
                    "audience": info["audience"],
                },
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {prov}"}
            app = http.post(
                "/api/v2/clients",
                headers=auth,
                json={"name": "bench", "grant_types": ["client_credentials"]},
            ).json()
            http.post(
                "/api/v2/client-grants",
                headers=auth,
                json={
                    "client_id": app["client_id"],
                    "audience": info["audience"],
                    "scope": ["read:users"],
                },
            ).raise_for_status()
            token = http.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "audience": info["audience"],
                },
            ).json()["access_token"]
            seeded = http.post("/__fake__/seed", json={"users": [{"email": "b@example.com"}]})
            yield url, token, seeded.json()["users"][0], None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--process", action="store_true", help="emulator in its own process")
    args = parser.parse_args()
    start = _other_process if args.process else _in_process
    with contextlib.ExitStack() as stack:
        url, token, user_id, baseline_url = stack.enter_context(start())
        client = stack.enter_context(httpx.Client(base_url=url))
        other = stack.enter_context(httpx.Client(base_url=baseline_url)) if baseline_url else None
        auth = {"Authorization": f"Bearer {token}"}
        user_path = f"/api/v2/users/{quote(user_id, safe='')}"
        _rate(client, user_path, auth, 200)  # warm-up: connection, token cache, route cache
        _rate(client, "/__fake__/ping", {}, 200)
        if other is not None:
            _rate(other, user_path, auth, 200)
        users: list[float] = []
        ping: list[float] = []
        werkzeug: list[float] = []
        for _ in range(args.rounds):
            users.append(_rate(client, user_path, auth, args.requests))
            ping.append(_rate(client, "/__fake__/ping", {}, args.requests))
            if other is not None:
                werkzeug.append(_rate(other, user_path, auth, args.requests))
    best_users, best_ping = max(users), max(ping)
    # Each users round runs right before its ping round: the median of those paired ratios
    # is steadier on a busy machine than a ratio of two maxima.
    ratio = statistics.median(u / p for u, p in zip(users, ping, strict=True))
    where = "own process" if args.process else "same process as the client"
    print(f"emulator: {where}; {args.rounds} rounds of {args.requests} requests each")
    print(f"GET /api/v2/users/{{id}} (authenticated): {best_users:,.0f} req/s (best round)")
    print(f"GET /__fake__/ping (constant response):  {best_ping:,.0f} req/s (best round)")
    print(f"ratio users/ping: {ratio:.2f} (median of paired rounds)")
    print("rounds users: " + ", ".join(f"{r:,.0f}" for r in users))
    print("rounds ping:  " + ", ".join(f"{r:,.0f}" for r in ping))
    if werkzeug:
        versus = statistics.median(u / w for u, w in zip(users, werkzeug, strict=True))
        print(f"same app on werkzeug make_server (HTTP/1.1): {max(werkzeug):,.0f} req/s (best)")
        print(f"ratio emulator (cheroot) / werkzeug: {versus:.2f} (median of paired rounds)")
        print("rounds werkzeug: " + ", ".join(f"{r:,.0f}" for r in werkzeug))


if __name__ == "__main__":
    main()
