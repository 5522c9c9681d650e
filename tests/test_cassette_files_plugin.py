"""Cassette files as they go wrong: empty, truncated or foreign ones in replay fail with one line
naming the file and the command that records it again; recording creates folders race-free."""

from __future__ import annotations

from pathlib import Path

import pytest

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

TESTS = """
import pytest

@pytest.mark.mgmt_scopes("read:users")
def test_users(mgmt_client):
    assert mgmt_client.get("users").status_code == 200
"""
CASSETTE = Path("cassettes/test_app/test_users.yaml")


def _spoil(path: Path, how: str) -> None:
    text = path.read_text()
    if how == "empty":
        path.write_text("")
    elif how == "blank":
        path.write_text("\n  \n")
    elif how == "long blank":
        path.write_text(" \n" * 200)
    elif how == "truncated":
        path.write_text(text[: len(text) // 2].rsplit("\n", 1)[0] + '\n    body: "unterminated')
    elif how == "not a cassette":
        path.write_text("- just\n- a list\n")
    elif how == "not YAML":
        path.write_text("{{{ [[[ :::\n\t\x07")


@pytest.mark.parametrize(
    "how", ["empty", "blank", "long blank", "truncated", "not a cassette", "not YAML"]
)
def test_a_spoiled_cassette_fails_replay_with_one_line(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    project.makepyfile(test_app=TESTS)
    project.runpytest_subprocess(
        "--auth0-fake", "-p", "no:cacheprovider", "--record-mode=once"
    ).assert_outcomes(passed=1)
    path = project.path / CASSETTE
    assert path.is_file()
    _spoil(path, how)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    result = project.runpytest_subprocess("--block-network", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    # One line in the failure; pytest's short summary may repeat it (untruncated since 9.2).
    lines = [
        line
        for line in output.splitlines()
        if f"cassette {CASSETTE} cannot be" in line and not line.startswith("FAILED ")
    ]
    assert len(lines) == 1, output
    assert "pytest test_app.py::test_users --record-mode=rewrite --auth0-fake" in lines[0]
    assert "Traceback" not in output
    assert "yaml" not in output.lower().replace(".yaml", "")

    # The command it gives records it again, and replay then passes.
    project.runpytest_subprocess(
        "--auth0-fake", "-p", "no:cacheprovider", "--record-mode=rewrite"
    ).assert_outcomes(passed=1)
    project.runpytest_subprocess("--block-network", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )


def test_fresh_recordings_under_xdist_make_their_folders_without_a_race(
    project: pytest.Pytester,
) -> None:
    """Smoke test of the race (it showed in 2 of 28 runs): many workers, one new folder each
    module; the guarded persister makes folders with exist_ok before vcrpy looks."""
    body = "\n".join(
        f"""
@pytest.mark.mgmt_scopes("read:users")
def test_{n}(mgmt_client):
    assert mgmt_client.get("users").status_code == 200
"""
        for n in range(6)
    )
    for module in ("a", "b"):
        project.makepyfile(**{f"sub/test_{module}": "import pytest\n" + body})
    result = project.runpytest_subprocess(
        "--auth0-fake", "-p", "no:cacheprovider", "--record-mode=once", "-n", "4"
    )
    result.assert_outcomes(passed=12)
    assert "FileExistsError" not in result.stdout.str()
    assert len(list((project.path / "cassettes" / "sub").rglob("*.yaml"))) == 12
