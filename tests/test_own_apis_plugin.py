"""m2m_scopes, auth0_apis and the own-API fixtures as a user meets them: pytest on a project."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
auth0_apis =
    orders = https://orders.example.com scopes=read:orders,write:orders
    billing = https://billing.example.com scopes=read:invoices rbac=true
"""


def test_typo_in_scope_or_audience_is_a_collection_error(project: pytest.Pytester) -> None:
    project.makeini(INI)
    project.makepyfile(
        """
        import pytest

        @pytest.mark.m2m_scopes("read:order", audience="orders")
        def test_scope(api_token): pass

        @pytest.mark.m2m_scopes("read:orders", audience="order")
        def test_audience(api_token): pass

        @pytest.mark.m2m_scopes("read:orders")
        def test_no_audience(api_token): pass
        """
    )
    result = project.runpytest("--auth0-fake")
    result.stdout.fnmatch_lines(
        [
            "*test_scope: m2m_scopes: 'read:order' is not a scope of API 'orders'; "
            "did you mean 'read:orders', 'write:orders'?",
            "*test_audience: m2m_scopes: audience 'order' is not an alias or identifier in "
            "auth0_apis; did you mean 'orders'?",
            "*test_no_audience: m2m_scopes needs audience= (one of billing, orders)*",
        ]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)


def test_every_bad_marker_of_both_kinds_is_listed_in_one_run(project: pytest.Pytester) -> None:
    # Red-team finding: each fix showed the next error (the first marker's hook failed the
    # module, the other's then saw nothing; pytest collects no class below a failed module).
    project.makeini(INI)
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:user")
        def test_a(mgmt_client): pass

        @pytest.mark.m2m_scopes("read:order", audience="orders")
        def test_c(api_token): pass

        @pytest.mark.mgmt_scopes("read:users")
        def test_fine(mgmt_client): pass

        class TestK:
            @pytest.mark.mgmt_scopes("read:client")
            def test_e(self, mgmt_client): pass

            @pytest.mark.m2m_scopes("read:orders", audience="billin")
            def test_f(self, api_token): pass
        """
    )
    result = project.runpytest("--auth0-fake", "-p", "no:randomly")
    result.stdout.fnmatch_lines(
        [
            "*::test_a: *'read:user'*",
            "*::test_c: m2m_scopes: 'read:order' is not a scope of API 'orders'*",
            "*::TestK::test_e: *'read:client'*",
            "*::TestK::test_f: m2m_scopes: audience 'billin'*",
        ],
        consecutive=False,
    )
    assert "test_fine" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)


def test_bad_auth0_apis_line_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini(INI.replace("scopes=read:orders,write:orders", "scope=a"))
    project.makepyfile("def test_nothing(): pass")
    result = project.runpytest()
    result.stderr.fnmatch_lines(
        ["*pytest-auth0-m2m: auth0_apis: orders: unknown setting 'scope=a'; expected scopes=*"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_undeclared_scopes_need_a_declaration_off_live(project: pytest.Pytester) -> None:
    project.makeini(INI.replace(" scopes=read:orders,write:orders", ""))
    project.makepyfile(
        """
        import pytest

        @pytest.mark.m2m_scopes("read:orders", audience="orders")
        def test_it(api_token): pass
        """
    )
    result = project.runpytest("--auth0-fake")
    result.stdout.fnmatch_lines(
        ["*the scopes of API 'orders' are not declared, and this session has no tenant*"]
    )


def test_fixture_without_marker_fails_with_the_fix(project: pytest.Pytester) -> None:
    project.makeini(INI)
    project.makepyfile("def test_it(api_token): pass")
    result = project.runpytest("--auth0-fake")
    result.stdout.fnmatch_lines(
        ["*test_it uses the api_token fixture but declares no scopes of your APIs.*"]
    )
    result.assert_outcomes(errors=1)


FAKE_TESTS = """
import asyncio
import httpx
import jwt
import pytest


def claims(token, verification):
    key = jwt.PyJWKClient(verification.jwks_url).get_signing_key_from_jwt(token)
    return jwt.decode(
        token, key.key, algorithms=list(verification.algorithms),
        audience=verification.audience, issuer=verification.issuer,
    )


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_token_verifies(api_token, api_verification, auth0_tenant):
    assert api_verification.audience == "https://orders.example.com"
    assert api_verification.issuer == auth0_tenant.issuer
    got = claims(api_token, api_verification)
    assert got["scope"] == "read:orders"
    assert "permissions" not in got
    assert "'<token" in repr(api_token)


@pytest.mark.m2m_scopes("read:invoices", audience="https://billing.example.com")
def test_rbac_permissions(api_token, api_verification):
    assert claims(api_token, api_verification)["permissions"] == ["read:invoices"]


@pytest.mark.m2m_scopes("read:orders", "write:orders", audience="orders")
def test_credentials_fetch_their_own_token(api_credentials, api_verification):
    assert "client_secret='***'" in repr(api_credentials)
    r = httpx.post(api_credentials.token_url, json={
        "grant_type": "client_credentials",
        "client_id": api_credentials.client_id,
        "client_secret": api_credentials.client_secret,
        "audience": api_credentials.audience,
    })
    assert r.status_code == 200
    assert claims(r.json()["access_token"], api_verification)["scope"] == "read:orders write:orders"


async def echo_app(scope, receive, send):
    headers = dict(scope["headers"])
    body = headers.get(b"authorization", b"")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def api_app():
    return echo_app


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_async_client_on_an_asgi_app(api_async_client, api_token):
    async def call():
        async with api_async_client as client:
            return await client.get("/anything")
    response = asyncio.run(call())
    assert response.text == f"Bearer {api_token}"
"""


def test_fake_mode_tokens_credentials_and_clients(project: pytest.Pytester) -> None:
    project.makeini(INI)
    project.makepyfile(FAKE_TESTS)
    result = project.runpytest("--auth0-fake", "-p", "no:randomly")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["auth0-m2m: apps 3 created*grants 3 created, 3 deleted*"])


def test_replay_mode_verifies_against_the_replay_jwks(project: pytest.Pytester) -> None:
    project.makeini(INI)
    project.makepyfile(FAKE_TESTS.split('@pytest.mark.m2m_scopes("read:orders", "write:orders"')[0])
    result = project.runpytest("--block-network", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    assert "mode=replay" in result.stdout.str()


REPORT_TESTS = """
import pytest


def app(environ, start_response):
    path = environ["PATH_INFO"]
    status = "403 Forbidden" if environ["REQUEST_METHOD"] == "POST" else "200 OK"
    start_response(status, [("Content-Type", "text/plain")])
    return [path.encode()]


@pytest.fixture
def api_app():
    return app


@pytest.mark.m2m_scopes("read:orders", "write:orders", audience="orders")
def test_wide(api_client):
    assert api_client.get("/orders").status_code == 200


@pytest.mark.m2m_scopes("read:orders", "write:orders", audience="orders", strict=False)
def test_wide_on_purpose(api_client):
    assert api_client.get("/orders").status_code == 200


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_needs_more(api_client):
    assert api_client.post("/orders").status_code == 201
"""

OPENAPI = """{"paths": {"/orders": {
    "get": {"security": [{"auth0": ["read:orders"]}]},
    "post": {"security": [{"auth0": ["write:orders"]}]}}}}"""


def test_report_and_strict_mode_for_an_api_with_openapi(project: pytest.Pytester) -> None:
    project.makeini(INI.replace("scopes=read:orders,write:orders", "openapi=orders.json"))
    project.makefile(".json", orders=OPENAPI)
    project.makepyfile(REPORT_TESTS)
    result = project.runpytest("--auth0-fake", "--mgmt-scopes-strict", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*= auth0-m2m least privilege (your APIs) =*",
            "*test_needs_more ?orders?: missing write:orders for POST /orders",
            "*test_wide ?orders?: unused write:orders (narrower: "
            '@pytest.mark.m2m_scopes("read:orders", audience="orders"))',
            "*test_wide_on_purpose ?orders?: unused write:orders*",
            "3 tests of your APIs observed: 2 with unused scopes, 1 missing scopes",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "unused scopes of API 'orders': write:orders (--mgmt-scopes-strict)",
            "*test_wide declares scopes its requests did not need.*",
            '    @pytest.mark.m2m_scopes("read:orders", audience="orders")',
            "ERROR *::test_wide - Fai*",
        ],
    )


LEAKS_ITS_TOKEN_IN_A_PATH = """
import pathlib

import pytest


def app(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no"]


@pytest.fixture
def api_app():
    return app


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_leak_path(api_client, api_token, api_credentials):
    pathlib.Path("planted.txt").write_text(str(api_credentials.client_secret))
    api_client.get(f"/nothing/{api_token}")
    api_client.get(f"/nowhere/{api_credentials.client_secret}")
"""


def test_the_report_masks_tokens_and_secrets_in_unknown_paths(project: pytest.Pytester) -> None:
    # Red-team finding: "unknown orders path GET /nothing/eyJ..." showed the whole token.
    project.makeini(INI.replace("scopes=read:orders,write:orders", "openapi=orders.json"))
    project.makefile(".json", orders=OPENAPI)
    project.makepyfile(test_leak=LEAKS_ITS_TOKEN_IN_A_PATH)
    result = project.runpytest("--auth0-fake", "--mgmt-scopes-report=report.json")
    result.assert_outcomes(passed=1)
    shown = result.stdout.str()
    assert "unknown orders path GET /nothing/***" in shown
    assert "unknown orders path GET /nowhere/***" in shown
    secret = (project.path / "planted.txt").read_text()
    report = (project.path / "report.json").read_text()
    assert len(secret) >= 32
    for text in (result.stdout.str(), report):
        assert "eyJ" not in text
        assert secret not in text
    assert "GET /nothing/***" in report


BOTH_TESTS = """
import jwt
import pytest


@pytest.fixture
def api_app(api_verification):
    keys = jwt.PyJWKClient(api_verification.jwks_url)

    def app(environ, start_response):
        token = environ.get("HTTP_AUTHORIZATION", "")[7:]
        try:
            claims = jwt.decode(
                token, keys.get_signing_key_from_jwt(token).key, algorithms=["RS256"],
                audience=api_verification.audience, issuer=api_verification.issuer,
            )
        except jwt.PyJWTError as exc:
            start_response("401 Unauthorized", [])
            return [type(exc).__name__.encode()]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [claims["scope"].encode()]

    return app


@pytest.mark.mgmt_scopes("read:clients")
@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_both(mgmt_client, api_client):
    assert mgmt_client.get("clients").status_code == 200
    response = api_client.get("/orders")
    assert (response.status_code, response.text) == (200, "read:orders")
"""


def test_a_test_of_both_apis_records_only_the_auth0_side(project: pytest.Pytester) -> None:
    project.makeini(INI)
    project.makepyfile(test_both=BOTH_TESTS)
    # In subprocesses, as tests/test_replay.py does: vcrpy's patches are process state.
    recorded = project.runpytest_subprocess(
        "--auth0-fake", "--record-mode=once", "-p", "no:randomly", "-p", "no:cacheprovider"
    )
    recorded.assert_outcomes(passed=1)
    (cassette,) = (project.path / "cassettes").rglob("*.yaml")
    text = cassette.read_text()
    assert text.count("uri: ") == 1
    assert "/api/v2/clients" in text
    assert "jwks" not in text
    assert "testserver" not in text
    # Offline, no credentials: the Management API from the cassette, the API under test for
    # real, verifying the replay token against the replay JWKS.
    replayed = project.runpytest_subprocess(
        "--block-network", "-p", "no:randomly", "-p", "no:cacheprovider"
    )
    replayed.assert_outcomes(passed=1)
    assert "mode=replay" in replayed.stdout.str()


LIVE_TESTS = """
import pytest


@pytest.mark.m2m_scopes("read:order", audience="orders")
def test_typo(api_token): pass


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_right(api_token): pass


@pytest.mark.m2m_scopes("read:x", audience="ghost")
def test_ghost(api_token): pass
"""


def test_live_mode_checks_scopes_on_the_tenant(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prov_helpers import LIVE_ARGS, live_env

    from pytest_auth0_m2m.fake import run_fake_auth0
    from pytest_auth0_m2m.provisioning.provisioner import is_plugin_app

    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "auth0_allowed_domains = localhost:*\nauth0_apis =\n"
        "    orders = https://orders.example.com\n    ghost = https://ghost.example.com\n"
    )
    project.makepyfile(LIVE_TESTS)
    apis = [{"identifier": "https://orders.example.com", "scopes": ["read:orders"]}]
    with run_fake_auth0(tls=True, apis=apis) as tenant:
        for name, value in live_env(tenant).items():
            monkeypatch.setenv(name, value)
        result = project.runpytest_subprocess(*LIVE_ARGS, "-p", "no:cacheprovider")
        with tenant.tenant.lock:
            names = [c["name"] for c in tenant.tenant.clients.values() if is_plugin_app(c)]
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_typo: m2m_scopes: 'read:order' is not a scope of API 'orders'; did you mean "
            "'read:orders'? (on the tenant)",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*API 'ghost' (https://ghost.example.com) does not exist on the tenant: create it*"]
    )
    assert len(names) == 1  # only the right test's app: a refused marker provisions nothing


def test_api_client_on_a_running_service_at_its_url(project: pytest.Pytester) -> None:
    import threading

    from werkzeug.serving import make_server

    def service(environ: dict[str, str], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        seen = f"{environ['PATH_INFO']} {environ.get('HTTP_AUTHORIZATION', '')[:7]}"
        return [seen.encode()]

    server = make_server("127.0.0.1", 0, service, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api"
        project.makeini(
            INI.replace("scopes=read:orders,write:orders", f"openapi=orders.json url={url}")
        )
        project.makefile(".json", orders=OPENAPI)
        project.makepyfile(
            """
            import pytest

            @pytest.mark.m2m_scopes("read:orders", audience="orders")
            def test_service(api_client):
                assert api_client.get("orders").text == "/api/orders Bearer "
            """
        )
        result = project.runpytest("--auth0-fake")
    finally:
        server.shutdown()
    result.assert_outcomes(passed=1)
    # The report strips the service's base path before matching the OpenAPI operations.
    result.stdout.fnmatch_lines(["1 test of your APIs observed: 0 with unused scopes, 0 missing*"])


def test_json_report_lists_own_api_tests_and_matches_the_schema(project: pytest.Pytester) -> None:
    import json

    import jsonschema

    from pytest_auth0_m2m.least_privilege.analysis import report_schema

    project.makeini(INI.replace("scopes=read:orders,write:orders", "openapi=orders.json"))
    project.makefile(".json", orders=OPENAPI)
    project.makepyfile(REPORT_TESTS)
    result = project.runpytest("--auth0-fake", "--mgmt-scopes-report=out/report.json")
    result.assert_outcomes(passed=2, failed=1)
    data = json.loads((project.path / "out" / "report.json").read_text())
    jsonschema.validate(data, report_schema())
    by_test = {t["nodeid"].rsplit("::", 1)[1]: t for t in data["own_apis"]}
    assert by_test["test_wide"]["unused"] == ["write:orders"]
    assert by_test["test_wide"]["used"] == ["read:orders"]
    assert by_test["test_needs_more"]["missing"] == [
        {"operation": "POST /orders", "scopes": ["write:orders"]}
    ]
    assert by_test["test_needs_more"]["outcome"] == "failed"
    assert data["tests"] == []  # no Management API test in this run


NO_TENANT_FIXTURE_TEST = """
@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_token_verifies(api_token, api_verification):
    assert api_verification.issuer == "https://tenant.auth0.invalid/"
    assert claims(api_token, api_verification)["scope"] == "read:orders"
"""


def test_replay_of_own_api_tests_needs_no_pytest_recording(project: pytest.Pytester) -> None:
    # Nothing of Auth0 is called: no cassette, so pytest-recording may be off entirely.
    project.makeini(INI)
    project.makepyfile(FAKE_TESTS.split("@pytest.mark.m2m_scopes(")[0] + NO_TENANT_FIXTURE_TEST)
    result = project.runpytest("-p", "no:recording", "-p", "no:randomly")
    result.assert_outcomes(passed=1)


MINTS_A_MANAGEMENT_TOKEN = """
import pytest


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_mint(api_mint_token, auth0_tenant):
    with pytest.raises(ValueError, match="never the Management API"):
        api_mint_token(scopes=["read:client_keys"], audience=auth0_tenant.audience)
    with pytest.raises(ValueError, match="never the Management API"):
        api_mint_token(claims={"aud": [auth0_tenant.audience]})
    assert api_mint_token(expires_in=-60)
    # nor more scopes than the test declared, however they are asked for
    for extra in (
        {"scopes": ["read:orders", "write:orders"]},
        {"claims": {"scope": "write:orders"}},
        {"claims": {"permissions": ["write:orders"]}},
        {"scopes": "read:orders god:mode"},
    ):
        with pytest.raises(ValueError, match="beyond the test's m2m_scopes"):
            api_mint_token(**extra)
    assert api_mint_token(scopes=[])  # fewer, for a negative test
"""


@pytest.mark.parametrize("mode", [["--auth0-fake"], ["--block-network"]])
def test_api_mint_token_makes_no_management_api_token_nor_undeclared_scopes(
    project: pytest.Pytester, mode: list[str]
) -> None:
    # Red-team finding: a minted token for the Management audience was accepted by the
    # emulator, so a test with no mgmt_scopes read every client secret.
    project.makeini(INI)
    project.makepyfile(MINTS_A_MANAGEMENT_TOKEN)
    project.runpytest(*mode, "-p", "no:randomly").assert_outcomes(passed=1)


FETCHES_ITS_OWN_TOKEN = """
import httpx
import jwt
import pytest


@pytest.mark.m2m_scopes("read:orders", audience="orders")
def test_code_under_test_fetches_its_own_token(api_credentials, api_verification):
    c = api_credentials
    as_json = httpx.post(c.token_url, json={
        "grant_type": "client_credentials", "client_id": c.client_id,
        "client_secret": str(c.client_secret), "audience": c.audience,
    })
    assert as_json.status_code == 200, as_json.text
    token = as_json.json()["access_token"]
    key = jwt.PyJWKClient(api_verification.jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=api_verification.algorithms,
                        audience=api_verification.audience, issuer=api_verification.issuer)
    assert claims["scope"] == "read:orders"
    as_form = httpx.post(c.token_url, data={
        "grant_type": "client_credentials", "client_id": c.client_id,
        "client_secret": str(c.client_secret), "audience": c.audience,
    })
    assert as_form.status_code == 200, as_form.text  # a new token, same claims but iat/exp
    formed = jwt.decode(as_form.json()["access_token"], key.key, algorithms=["RS256"],
                        audience=api_verification.audience, issuer=api_verification.issuer)
    assert formed["scope"] == claims["scope"]
    wrong = httpx.post(c.token_url, json={
        "grant_type": "client_credentials", "client_id": c.client_id,
        "client_secret": "not-it", "audience": c.audience,
    })
    assert wrong.status_code == 401
    other = httpx.post(c.token_url, json={
        "grant_type": "client_credentials", "client_id": c.client_id,
        "client_secret": str(c.client_secret), "audience": "https://billing.example.com",
    })
    assert other.status_code == 403
"""


@pytest.mark.parametrize("mode", [["--auth0-fake"], ["--block-network"]])
def test_a_test_fetching_its_own_token_runs_in_fake_and_offline_replay(
    project: pytest.Pytester, mode: list[str]
) -> None:
    # Red-team finding: in replay the token_url was the recordings domain, which cannot
    # resolve, and nothing had been recorded for such a test.
    project.makeini(INI)
    project.makepyfile(FETCHES_ITS_OWN_TOKEN)
    project.runpytest(*mode, "-p", "no:randomly").assert_outcomes(passed=1)
