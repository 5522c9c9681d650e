"""The plugin as users run it: pytester sessions against one emulated tenant, real sockets."""

from __future__ import annotations

import pytest
from prov_helpers import (
    K_SETS,
    LIVE_ARGS,
    N_TESTS,
    SAMPLE_TESTS,
    app_tokens,
    live,
    plugin_apps,
    plugin_grants,
    tenant,
)

from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.plugin.session import summary_line

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

__all__ = ["live", "tenant"]  # fixtures, imported for pytest


def test_cold_run_fetches_one_token_per_scope_set_and_warm_rerun_none(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    cold = live.runpytest_subprocess(*LIVE_ARGS)
    cold.assert_outcomes(passed=N_TESTS)
    assert app_tokens(tenant) == K_SETS
    cold.stdout.fnmatch_lines(
        [
            f"auth0-m2m: apps {K_SETS} created, 0 reused; grants {K_SETS} created, "
            f"{K_SETS} deleted; tokens {K_SETS} fetched, {N_TESTS - K_SETS} cached; "
            "0 rate-limit waits (429)"
        ]
    )
    assert plugin_grants(tenant) == []
    assert len(plugin_apps(tenant)) == K_SETS  # kept for reuse

    warm = live.runpytest_subprocess(*LIVE_ARGS)
    warm.assert_outcomes(passed=N_TESTS)
    assert app_tokens(tenant) == K_SETS  # no new token: all came from the disk cache
    warm.stdout.fnmatch_lines(
        [f"auth0-m2m: apps 0 created, {K_SETS} reused; *tokens 0 fetched, {N_TESTS} cached;*"]
    )
    assert len(plugin_apps(tenant)) == K_SETS


def test_token_cache_can_be_turned_off(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    for _ in range(2):
        live.runpytest_subprocess(*LIVE_ARGS, "--auth0-no-token-cache").assert_outcomes(
            passed=N_TESTS
        )
    assert app_tokens(tenant) == 2 * K_SETS  # one per scope set per run, none from disk
    assert list(live.path.glob(".pytest_cache/d/auth0-m2m/tokens/*.json")) == []


def test_xdist_workers_share_tokens_and_teardown_runs_once(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS, "-n", "2")
    result.assert_outcomes(passed=N_TESTS)
    assert app_tokens(tenant) <= K_SETS
    assert len(plugin_apps(tenant)) == K_SETS  # the workers did not race into duplicates
    assert plugin_grants(tenant) == []
    result.stdout.fnmatch_lines([f"auth0-m2m: apps {K_SETS} created, *{K_SETS} deleted;*"])


def test_keep_leaves_grants_and_next_run_removes_them(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    live.runpytest_subprocess(*LIVE_ARGS, "--auth0-keep").assert_outcomes(passed=N_TESTS)
    kept = plugin_grants(tenant)
    assert sorted(sorted(g["scope"]) for g in kept) == [
        ["read:clients", "read:users"],
        ["read:roles"],
        ["read:users"],
    ]
    # A rerun with cached tokens leases nothing, so nothing of the kept grants is touched.
    live.runpytest_subprocess(*LIVE_ARGS, "--auth0-no-token-cache").assert_outcomes(passed=N_TESTS)
    assert plugin_grants(tenant) == []


def test_delete_apps_removes_apps_too(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    live.runpytest_subprocess(*LIVE_ARGS, "--auth0-delete-apps").assert_outcomes(passed=N_TESTS)
    assert plugin_apps(tenant) == []


def test_drifted_grant_is_patched_back(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    live.runpytest_subprocess(*LIVE_ARGS, "--auth0-keep").assert_outcomes(passed=N_TESTS)
    with tenant.tenant.lock:
        for grant in plugin_grants(tenant):
            tenant.tenant.grants[grant["id"]]["scope"] = ["read:users", "delete:users"]
    result = live.runpytest_subprocess(*LIVE_ARGS, "--auth0-no-token-cache", "--auth0-keep")
    result.assert_outcomes(passed=N_TESTS)
    assert tenant.counters.count("patch_client-grants_by_id", 200) == K_SETS


PROVISIONING_OPERATIONS = (
    "get_clients",
    "post_clients",
    "get_clients_by_id",
    "patch_clients_by_id",
    "get_client-grants",
    "post_client-grants",
    "patch_client-grants_by_id",
    "delete_client-grants_by_id",
    "oauth_token",
)


def test_suite_passes_with_20_percent_429_and_503(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile(test_sample=SAMPLE_TESTS)
    # Provisioning and token calls only: the sample tests' own calls are not the plugin's.
    for seed, operation in enumerate(PROVISIONING_OPERATIONS):
        tenant.faults.random(rate=0.2, statuses=(429, 503), seed=seed, operation=operation)
    try:
        result = live.runpytest_subprocess(*LIVE_ARGS)
    finally:
        tenant.faults.clear()
    result.assert_outcomes(passed=N_TESTS)
    assert tenant.counters.rate_limited > 0  # the faults did bite
    assert len(plugin_apps(tenant)) == K_SETS  # no duplicate from a repeated POST
    assert plugin_grants(tenant) == []


def test_summary_line_format() -> None:
    line = summary_line({"apps_created": 1, "grants_deleted": 2, "rate_limit_waits": 3})
    assert line == (
        "auth0-m2m: apps 1 created, 0 reused; grants 0 created, 2 deleted; "
        "tokens 0 fetched, 0 cached; 3 rate-limit waits (429)"
    )


# --- bad input: a clear error, and nothing written -----------------------------------------


def _tenant_untouched(fake: FakeAuth0) -> None:
    assert plugin_apps(fake) == []
    assert fake.counters.count("post_clients") == 0
    assert fake.counters.count("post_client_grants") == 0


def stopped_once(result: pytest.RunResult, cause: str) -> None:
    """A configuration error: one usage error before the first test, naming ``cause``."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    # No test ran: pytest stops before printing a summary line.
    assert "passed" not in result.stdout.str()
    output = result.stdout.str() + result.stderr.str()
    assert output.count(cause) == 1, output
    assert f"ERROR: pytest-auth0-m2m: {cause}" in result.stderr.str() or (
        "ERROR: pytest-auth0-m2m: Auth0 " in result.stderr.str() and cause in output
    ), result.stderr.str()


def test_untrusted_certificate_is_named_as_such_once(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # the emulator's CA is not trusted any more
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS)
    stopped_once(
        result,
        "Auth0 provisioner token (POST /oauth/token) failed: TLS certificate verification "
        "failed for localhost (",
    )
    output = result.stdout.str() + result.stderr.str()
    assert "ConnectError" not in output
    assert "HTTP 0" not in output
    result.stderr.fnmatch_lines(["*point SSL_CERT_FILE (or SSL_CERT_DIR) at a bundle*"])
    _tenant_untouched(tenant)


def test_configuration_error_under_xdist_stops_the_run_once(
    live: pytest.Pytester, tenant: FakeAuth0
) -> None:
    live.makeini("[pytest]\nauth0_allowed_domains = dev-*.eu.auth0.com\n")
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS, "-n", "2")
    stopped_once(
        result, f"tenant '{tenant.domain}' (from env AUTH0_DOMAIN) is not in auth0_allowed_domains"
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_missing_credentials(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS)
    stopped_once(result, "AUTH0_CLIENT_SECRET not set. Live runs take the provisioner")
    _tenant_untouched(tenant)
    assert tenant.counters.count("oauth_token") == 0


def test_wrong_secret_surfaces_auth0_401(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "not-the-secret-" + "x" * 20
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", wrong)
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS)
    stopped_once(
        result,
        "Auth0 provisioner token (POST /oauth/token) failed: HTTP 401 (access_denied): "
        "Unauthorized",
    )
    result.stderr.fnmatch_lines(["*env AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET*"])
    assert wrong not in result.stdout.str() + result.stderr.str()
    # The first 401 is final: the other tests do not knock again.
    assert tenant.counters.count("oauth_token", 401) == 1
    _tenant_untouched(tenant)


def test_tenant_outside_allowlist(
    live: pytest.Pytester, tenant: FakeAuth0, monkeypatch: pytest.MonkeyPatch
) -> None:
    live.makeini("[pytest]\nauth0_allowed_domains = dev-*.eu.auth0.com\n")
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS)
    stopped_once(
        result, f"tenant '{tenant.domain}' (from env AUTH0_DOMAIN) is not in auth0_allowed_domains"
    )
    result.stderr.fnmatch_lines([f"*auth0_allowed_domains = {tenant.domain}*"])
    assert tenant.counters.snapshot()["requests"] == []


def test_provisioner_without_create_client_grants(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    with tenant.tenant.lock:
        grant = tenant.tenant.grant_for(tenant.provisioner.client_id, tenant.audience)
        assert grant is not None
        grant["scope"] = [s for s in grant["scope"] if s != "create:client_grants"]
    live.makepyfile(test_sample=SAMPLE_TESTS)
    result = live.runpytest_subprocess(*LIVE_ARGS)
    stopped_once(
        result,
        "the provisioner app (AUTH0_CLIENT_ID) lacks create:client_grants on the "
        "Management API, so no app or grant was created. Add this scope to it: Auth0 "
        "Dashboard > Applications > APIs > Auth0 Management API",
    )
    _tenant_untouched(tenant)


def test_test_without_marker_provisions_nothing(live: pytest.Pytester, tenant: FakeAuth0) -> None:
    live.makepyfile("def test_x(mgmt_token):\n    pass\n")
    result = live.runpytest_subprocess(*LIVE_ARGS)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*declares no Management API scopes*"])
    assert tenant.counters.snapshot()["requests"] == []


def test_fake_mode_session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_sample=SAMPLE_TESTS
        + """

@pytest.mark.mgmt_scopes("read:users")
def test_zz_teardown_state(auth0_fake, mgmt_token):
    assert auth0_fake.counters.snapshot()["tokens_issued"]
"""
    )
    result = pytester.runpytest_subprocess("--auth0-fake")
    result.assert_outcomes(passed=N_TESTS + 1)
    result.stdout.fnmatch_lines(
        [f"auth0-m2m: apps {K_SETS} created, *grants {K_SETS} created, {K_SETS} deleted;*"]
    )
