"""The three vcrpy pieces the cassette layer leans on that vcrpy does not document as public.

ARCHITECTURE.md ("What has no public hook") says why each is used. If a vcrpy release changes
one, these tests fail with the name of the piece, before any user's cassette is affected.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import vcr
from vcr.cassette import Cassette


@pytest.fixture
def server_url() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/x"
    finally:
        server.shutdown()
        server.server_close()


def test_get_merged_config_is_what_use_cassette_reads(tmp_path: Path) -> None:
    """plugin/cassettes.py wraps VCR.get_merged_config to add redaction and the guard."""
    recorder = vcr.VCR()
    merged = recorder.get_merged_config(path=str(tmp_path / "c.yaml"))
    for key in ("persister", "before_record_request", "before_record_response", "path"):
        assert key in merged, f"vcr.VCR.get_merged_config() no longer returns {key!r}"
    calls: list[dict[str, object]] = []
    original = recorder.get_merged_config

    def spy(**kwargs: object) -> dict[str, object]:
        calls.append(kwargs)
        return dict(original(**kwargs))

    recorder.get_merged_config = spy  # type: ignore[method-assign]
    with recorder.use_cassette(str(tmp_path / "c.yaml")):
        pass
    assert calls, "use_cassette no longer asks VCR.get_merged_config for its settings"


def test_dirty_makes_an_empty_cassette_be_written(tmp_path: Path) -> None:
    """A recorded test that made no request still gets its (empty) cassette via .dirty."""
    path = tmp_path / "empty.yaml"
    with vcr.VCR(record_mode="once").use_cassette(str(path)) as cassette:
        assert isinstance(cassette, Cassette)
        assert cassette.dirty is False, "Cassette.dirty is gone"
        cassette.dirty = True
    assert path.exists(), "setting Cassette.dirty no longer makes vcrpy write the cassette"


def test_loaded_count_splits_replayed_from_recorded(tmp_path: Path, server_url: str) -> None:
    """The least-privilege report tells replayed from new interactions by ._loaded_count."""
    path = tmp_path / "one.yaml"
    with vcr.VCR(record_mode="once").use_cassette(str(path)), httpx.Client() as client:
        client.get(server_url)
    with (
        vcr.VCR(record_mode="new_episodes").use_cassette(str(path)) as cassette,
        httpx.Client() as client,
    ):
        assert cassette._loaded_count == 1, "Cassette._loaded_count is gone or changed meaning"
        client.get(server_url)
        assert cassette.play_counts[0] == 1
        client.get(server_url + "?new")
        assert len(cassette.data) == 2
        assert cassette._loaded_count == 1
