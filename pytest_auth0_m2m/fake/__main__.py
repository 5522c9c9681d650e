"""``python -m pytest_auth0_m2m.fake``: serve an emulated tenant for code in another process."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TypeVar

from .faults import PRESETS
from .seeding import SeedError
from .server import FakeAuth0

T = TypeVar("T", int, float)


def _bounded(kind: Callable[[str], T], low: T, high: T | None) -> Callable[[str], T]:
    """An argparse type: a number of ``kind`` in [low, high], else argparse's own error line."""

    def parse(text: str) -> T:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < low or (high is not None and value > high):
            limit = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{text} is out of range ({limit})")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_auth0_m2m.fake",
        description="Run an Auth0 tenant emulator on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument(
        "--port", type=_bounded(int, 0, 65535), default=0, help="port to listen on (0: any free)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS on localhost with a fresh CA"
    )
    parser.add_argument(
        "--rate-limits",
        choices=sorted(PRESETS),
        default=None,
        help="enforce an Auth0 plan's rate limits (off by default)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=_bounded(int, 1, None),
        default=86400,
        help="access token lifetime in seconds",
    )
    parser.add_argument(
        "--search-lag",
        type=_bounded(float, 0, None),
        default=0.0,
        metavar="SECONDS",
        help="user lists/search and organization member lists trail writes by this much, as "
        "Auth0's search index does (default 0: at once)",
    )
    parser.add_argument(
        "--seed",
        metavar="FILE",
        default=None,
        help="load tenant data from a JSON file (the format of FakeAuth0.seed), validated by "
        "the emulator's HTTP API",
    )
    args = parser.parse_args(argv)
    fake = FakeAuth0(
        tls=args.tls,
        port=args.port,
        rate_limits=args.rate_limits,
        token_lifetime=args.token_lifetime,
        search_lag=args.search_lag,
    )
    try:
        fake.start()
    except OSError as error:
        print(f"cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 2
    if args.seed is not None:
        try:
            fake.seed_from_file(args.seed)
        except SeedError as error:
            fake.stop()
            print(f"cannot load the seed: {error}", file=sys.stderr)
            return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    lines = [
        f"Fake Auth0 tenant listening on {fake.url}",
        f"domain:        {fake.domain}",
        f"audience:      {fake.audience}",
        f"token URL:     {fake.token_url}",
        f"provisioner client id:     {fake.provisioner.client_id}",
        # Printed on purpose: this is a throwaway local tenant and the caller asked for it.
        f"provisioner client secret: {fake.provisioner.client_secret}",
    ]
    if fake.ca_cert_path is not None:
        lines.append(f"CA bundle:     {fake.ca_cert_path}")
        # httpx and aiohttp (via ssl) read SSL_CERT_FILE, requests REQUESTS_CA_BUNDLE, curl
        # CURL_CA_BUNDLE: a client needs the one its library reads.
        lines.append("to trust it, export:")
        lines.extend(
            f"  export {name}={fake.ca_cert_path}"
            for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
        )
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
