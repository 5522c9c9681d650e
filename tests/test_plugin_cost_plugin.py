"""What the plugin costs the runs that do not use it, and a replayed test (issue 14).

The benchmarks (benchmarks/unrelated_tests.py, benchmarks/replay_scaling.py) measure the time;
these tests hold the structure the time depends on: what a run imports, what a replayed test
sets up, how the companion modules are registered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pytest_auth0_m2m.plugin as entry
from pytest_auth0_m2m.own_apis import marker as own_marker
from pytest_auth0_m2m.plugin import own_apis as own_plugin

MODULES_CONFTEST = """
import json, sys


def pytest_unconfigure(config):
    with open("loaded-modules.json", "w") as f:
        json.dump(sorted(sys.modules), f)
"""

# Loaded only once a test uses the plugin (a marker, a fixture, a cassette, an auth0_apis line).
NOT_FOR_UNRELATED_RUNS = (
    "pytest_auth0_m2m.auth0.scopes",
    "pytest_auth0_m2m.auth0.retry",
    "pytest_auth0_m2m.auth0.management",
    "pytest_auth0_m2m.cassettes.registry",
    "pytest_auth0_m2m.cassettes.placeholders",
    "pytest_auth0_m2m.cassettes.guard",
    "pytest_auth0_m2m.cassettes.redaction",
    "pytest_auth0_m2m.cassettes.enforcement",
    "pytest_auth0_m2m.cassettes.paths",
    "pytest_auth0_m2m.least_privilege.analysis",
    "pytest_auth0_m2m.own_apis.config",
    "pytest_auth0_m2m.own_apis.openapi",
    "pytest_auth0_m2m.own_apis.marker",
    "pytest_auth0_m2m.own_apis.verification",
    "pytest_auth0_m2m.plugin.network",
    "pytest_auth0_m2m.fake",
    "pytest_auth0_m2m.provisioning.provisioner",
    "httpx",
    "vcr",
)


def _loaded(pytester: pytest.Pytester) -> set[str]:
    return set(json.loads(Path(pytester.path / "loaded-modules.json").read_text()))


def test_the_own_api_marker_name_is_the_one_its_check_reads() -> None:
    assert own_plugin.MARKER == own_marker.MARKER


def test_the_companions_are_registered_under_their_module_names(
    pytestconfig: pytest.Config,
) -> None:
    for name in entry.COMPANIONS:
        plugin = pytestconfig.pluginmanager.get_plugin(name)
        assert plugin is not None, name
        assert plugin.__name__ == name
    assert not hasattr(entry, "pytest_plugins")


@pytest.mark.e2e  # runs a subprocess: the slow tier
def test_a_run_that_never_uses_the_plugin_loads_none_of_its_machinery(
    project: pytest.Pytester,
) -> None:
    project.makeconftest(MODULES_CONFTEST)
    project.makepyfile(
        test_plain="""
        import pytest

        @pytest.mark.parametrize("x", [1, 2])
        def test_plain(x):
            assert x

        class TestC:
            def test_m(self):
                assert True
        """
    )
    project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
    loaded = _loaded(project)
    assert "pytest_auth0_m2m.plugin" in loaded  # the plugin was there ...
    assert "pytest_auth0_m2m.plugin.report" in loaded
    # ... and cost the run its entry modules only.
    heavy = {m for m in loaded if m.split(".")[0] in ("httpx", "vcr")}
    assert heavy == set()
    assert sorted(set(NOT_FOR_UNRELATED_RUNS) & loaded) == []


REPLAYED = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_lists_users(mgmt_client):
    assert mgmt_client.get("users").status_code == 200


@pytest.mark.mgmt_scopes("read:users")
def test_needs_a_scope_it_lost(mgmt_client):
    assert mgmt_client.get("users").status_code == 403
"""


@pytest.mark.e2e
def test_a_replayed_test_sets_up_no_private_fixture_and_is_still_held_to_its_scopes(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_app=REPLAYED)
    project.runpytest_subprocess(
        "--auth0-fake", "--record-mode=once", "-p", "no:cacheprovider", "-k", "lists"
    ).assert_outcomes(passed=1)
    # The second test's cassette is the first one's, recorded with read:users; replayed with
    # a marker that no longer grants it, its request is answered 403 insufficient_scope.
    cassettes = project.path / "cassettes" / "test_app"
    (cassettes / "test_needs_a_scope_it_lost.yaml").write_text(
        (cassettes / "test_lists_users.yaml").read_text()
    )
    test_file = project.path / "test_app.py"
    test_file.write_text(
        test_file.read_text().replace(
            '"read:users")\ndef test_needs', '"read:roles")\ndef test_needs'
        )
    )
    result = project.runpytest_subprocess(
        "--block-network", "-p", "no:cacheprovider", "--setup-show"
    )
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert "_auth0_m2m_cassette" not in out
    assert "_auth0_m2m_traffic" not in out
    # The least-privilege report still saw both tests' traffic (the refused request's scope is
    # no scope the test used).
    result.stdout.fnmatch_lines(["*2 tests observed: 1 with unused scopes, 0 missing scopes*"])


def test_a_kept_signature_is_used_only_once_checked_against_the_replay_key() -> None:
    from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN, TenantEndpoints
    from pytest_auth0_m2m.cassettes import placeholders

    endpoints = TenantEndpoints(domain=RECORDINGS_DOMAIN, mode="replay")
    scopes = frozenset({"read:users"})
    fresh = placeholders.ReplaySource(endpoints)
    token = fresh.token(scopes)
    assert placeholders.is_replay_token(token)
    [(text, signature)] = fresh.signed.items()
    assert token == f"{text}.{signature}"
    # Kept from an earlier run: the same token, from the kept signature.
    assert placeholders.ReplaySource(endpoints, {text: signature}).token(scopes) == token
    # A wrong, foreign or malformed one is never handed out: the token is signed again.
    other = placeholders.ReplaySource(endpoints).token(frozenset({"read:roles"}))
    for planted in (other.rsplit(".", 1)[1], "A" * len(signature), "not base64!", ""):
        source = placeholders.ReplaySource(endpoints, {text: planted})
        assert source.token(scopes) == token
        assert source.signed == {text: signature}


SIGNED = """
import pytest
from pytest_auth0_m2m.cassettes.placeholders import is_replay_token


@pytest.mark.mgmt_scopes("read:users")
def test_lists_users(mgmt_client, mgmt_token, auth0_tenant):
    assert is_replay_token(mgmt_token) == (auth0_tenant.mode == "replay")
    assert mgmt_client.get("users").status_code == 200
"""


@pytest.mark.e2e
def test_replay_keeps_its_signatures_in_a_private_file_and_checks_them(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project.makepyfile(test_app=SIGNED)
    project.runpytest_subprocess(
        "--auth0-fake", "--record-mode=once", "-p", "no:cacheprovider"
    ).assert_outcomes(passed=1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    kept = tmp_path / "xdg" / "pytest-auth0-m2m" / "replay-signatures.json"
    project.runpytest_subprocess("--block-network", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )
    entries = json.loads(kept.read_text())
    assert len(entries) == 1
    assert kept.stat().st_mode & 0o777 == 0o600
    assert kept.parent.stat().st_mode & 0o777 == 0o700
    # A planted signature is not used: the token is signed again and the file repaired.
    [text] = entries
    kept.write_text(json.dumps({text: "A" * 342}))
    project.runpytest_subprocess("--block-network", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )
    assert json.loads(kept.read_text()) == entries
    # --auth0-no-token-cache: nothing kept.
    kept.unlink()
    project.runpytest_subprocess(
        "--block-network", "-p", "no:cacheprovider", "--auth0-no-token-cache"
    ).assert_outcomes(passed=1)
    assert not kept.exists()
    # With the pytest cache, the signatures go there and the user's directory is left alone.
    project.runpytest_subprocess("--block-network").assert_outcomes(passed=1)
    assert not kept.exists()
    assert list((project.path / ".pytest_cache").rglob("replay-signatures"))
