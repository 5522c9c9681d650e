"""Options, ini values, environment and the report header, as a user runs them."""

from __future__ import annotations

import pytest


def test_help_shows_one_option_group(project: pytest.Pytester) -> None:
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "Auth0 Management API (pytest-auth0-m2m):",
            "  --auth0-fake*",
            "  --auth0-domain=DOMAIN*",
            "  --auth0-no-token-cache*",
            "  --auth0-keep*",
            "  --auth0-delete-apps*",
            "  --mgmt-scopes-report=PATH*",
            "  --mgmt-scopes-strict*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["  auth0_fake (string):*true or false*", "  auth0_allowed_domains (linelist):*"]
    )
    assert result.stdout.str().count("(pytest-auth0-m2m)") == 1


def test_header_default_is_offline_replay(project: pytest.Pytester) -> None:
    result = project.runpytest()
    result.stdout.fnmatch_lines(
        [
            "auth0-m2m: mode=replay, tenant=tenant.auth0.invalid, cassettes=cassettes,"
            " record-mode=none"
        ]
    )


def test_header_fake_from_cli(project: pytest.Pytester) -> None:
    result = project.runpytest("--auth0-fake")
    result.stdout.fnmatch_lines(["auth0-m2m: mode=fake, tenant=emulator on 127.0.0.1, *"])


@pytest.mark.parametrize(("ini", "mode"), [("true", "fake"), ("false", "replay")])
def test_header_fake_from_ini(project: pytest.Pytester, ini: str, mode: str) -> None:
    project.makeini(
        f"[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_fake = {ini}\n"
    )
    project.runpytest().stdout.fnmatch_lines([f"auth0-m2m: mode={mode}, *"])


def test_header_shows_pacing_and_retries_off_with_their_source(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Red-team finding: an ini rate limit set for live runs paced fake runs too (2 s -> 22 s),
    # and nothing on screen said so.
    result = project.runpytest("--auth0-fake")
    assert "paced" not in result.stdout.str()
    assert "retries off" not in result.stdout.str()
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_rate_limit = free\n"
    )
    project.runpytest("--auth0-fake", "--auth0-no-retry").stdout.fnmatch_lines(
        [
            "auth0-m2m: mode=fake, *",
            "auth0-m2m: paced at 2/s, burst 2 (ini auth0_rate_limit),"
            " retries off (--auth0-no-retry)",
        ]
    )
    monkeypatch.setenv("AUTH0_RATE_LIMIT", "5/10")
    project.runpytest().stdout.fnmatch_lines(
        ["auth0-m2m: paced at 5/s, burst 10 (env AUTH0_RATE_LIMIT)"]
    )


def test_cli_fake_wins_over_ini_false(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_fake = false\n")
    project.runpytest("--auth0-fake").stdout.fnmatch_lines(["auth0-m2m: mode=fake, *"])


def test_bad_ini_bool_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nauth0_fake = maybe\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: auth0_fake must be true or false, got 'maybe'"])


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        (
            ["--auth0-domain", "cli.eu.auth0.com"],
            "env.eu.auth0.com",
            "ini.eu.auth0.com",
            "tenant=cl***.eu.auth0.com*domain from --auth0-domain",
        ),
        (
            [],
            "env.eu.auth0.com",
            "ini.eu.auth0.com",
            "tenant=en***.eu.auth0.com*domain from env AUTH0_DOMAIN",
        ),
        ([], None, "ini.eu.auth0.com", "tenant=in***.eu.auth0.com*domain from ini auth0_domain"),
        (
            [],
            "https://Env.EU.auth0.com/",
            None,
            "tenant=en***.eu.auth0.com*domain from env AUTH0_DOMAIN",
        ),
    ],
)
def test_domain_precedence_cli_env_ini(
    project: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    cli: list[str],
    env: str | None,
    ini: str | None,
    expected: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("AUTH0_DOMAIN", env)
    if ini is not None:
        project.makeini(
            f"[pytest]\nasyncio_default_fixture_loop_scope = function\nauth0_domain = {ini}\n"
        )
    result = project.runpytest("--record-mode=once", *cli)
    result.stdout.fnmatch_lines([f"auth0-m2m: mode=live, {expected}*"])


def test_header_never_shows_a_secret(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTH0_DOMAIN", "dev-x.eu.auth0.com")
    monkeypatch.setenv("AUTH0_CLIENT_ID", "provisioner-client-id-1234")
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "provisioner-secret-should-never-print")
    result = project.runpytest("--record-mode=once", "-v")
    result.stdout.fnmatch_lines(
        ["auth0-m2m: mode=live, tenant=de***.eu.auth0.com, *credentials set*"]
    )
    out = result.stdout.str() + result.stderr.str()
    assert "provisioner-secret-should-never-print" not in out


def test_cassette_dir_from_ini(project: pytest.Pytester) -> None:
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "auth0_cassette_dir = tests/tapes\n"
    )
    project.runpytest().stdout.fnmatch_lines(["auth0-m2m: *cassettes=tests/tapes*"])


def test_fixture_without_marker_says_how_to_fix(project: pytest.Pytester) -> None:
    project.makepyfile("def test_needs_token(mgmt_token): pass")
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_needs_token uses the mgmt_token fixture but declares no Management API scopes.",
            '*Add @pytest.mark.mgmt_scopes("read:users", ...) with the scopes the test needs*',
        ]
    )


LIVE_TEST = """
import pytest

@pytest.mark.mgmt_scopes("read:users")
@pytest.mark.parametrize("i", range(3))
def test_live(mgmt_token, i): pass
"""


# The hint names no tenant (its name is never printed): the user puts in their own host.
PLACEHOLDER = "<your tenant's host, shown masked here as pr***.eu.auth0.com>"


@pytest.mark.parametrize(
    ("config_file", "text", "hint"),
    [
        (
            "tox.ini",
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n",
            ["add to tox.ini, under [pytest]:", "    auth0_allowed_domains = " + PLACEHOLDER],
        ),
        (
            "pytest.ini",
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n",
            [
                "add to pytest.ini, under [pytest]:",
                "    auth0_allowed_domains = " + PLACEHOLDER,
            ],
        ),
        (
            "setup.cfg",
            "[tool:pytest]\nasyncio_default_fixture_loop_scope = function\n",
            [
                "add to setup.cfg, under [tool:pytest]:",
                "    auth0_allowed_domains = " + PLACEHOLDER,
            ],
        ),
        (
            "pyproject.toml",
            '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n',
            [
                "add to pyproject.toml, under [tool.pytest.ini_options]:",
                f'    auth0_allowed_domains = ["{PLACEHOLDER}"]',
            ],
        ),
    ],
)
def test_live_tenant_outside_allowlist_stops_the_run_once_with_a_hint_in_the_files_syntax(
    project: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    config_file: str,
    text: str,
    hint: list[str],
) -> None:
    (project.path / "tox.ini").unlink()  # the base project's ini (pytester.makeini)
    (project.path / config_file).write_text(text)
    monkeypatch.setenv("AUTH0_DOMAIN", "prod-x.eu.auth0.com")
    monkeypatch.setenv("AUTH0_CLIENT_ID", "id")
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "secret-value-123")
    project.makepyfile(LIVE_TEST)
    result = project.runpytest("--record-mode=once")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.assert_outcomes()  # no test ran, none errored
    # Plain text: the hints' brackets would be character classes to fnmatch.
    assert (
        "ERROR: pytest-auth0-m2m: tenant 'pr***.eu.auth0.com' (from env AUTH0_DOMAIN) is not "
        "in auth0_allowed_domains, so nothing was sent to it. If it is a dev tenant made for "
        f"tests, {hint[0]}\n{hint[1]}\n"
    ) in result.stderr.str()
    output = result.stdout.str() + result.stderr.str()
    assert output.count("is not in auth0_allowed_domains") == 1
    assert "secret-value-123" not in output
    assert "prod-x" not in output  # the tenant's name: CI logs are often public


def test_live_without_credentials_stops_the_run_once(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "auth0_allowed_domains = dev-*.eu.auth0.com\n"
    )
    monkeypatch.setenv("AUTH0_DOMAIN", "dev-x.eu.auth0.com")
    project.makepyfile(LIVE_TEST)
    result = project.runpytest("--record-mode=once")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.assert_outcomes()
    result.stderr.fnmatch_lines(["ERROR: *AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET not set*"])
    assert (result.stdout.str() + result.stderr.str()).count("not set") == 1


def test_live_configuration_is_not_checked_when_no_test_uses_the_tenant(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest-recording users record their other cassettes with no Auth0 tenant configured.
    project.makepyfile("def test_plain(): pass\n")
    assert project.runpytest("--record-mode=once").ret == pytest.ExitCode.OK


def test_replay_with_recording_disabled_says_what_to_do(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:users")
        def test_needs_a_tenant(mgmt_client): pass
        """
    )
    result = project.runpytest("--disable-recording")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*recording is disabled (--disable-recording or -p no:recording), so there is nothing"
            " to replay. Run on the emulator with --auth0-fake*"
        ]
    )
