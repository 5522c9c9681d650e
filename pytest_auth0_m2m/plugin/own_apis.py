"""pytest side of the user's own APIs: ini ``auth0_apis``, the ``m2m_scopes`` marker, fixtures.

The declarations, the marker's check, OpenAPI scopes and replay tokens are ``own_apis``; the
apps, grants and tokens come from the session's provisioned source (live and fake), exactly
as for ``mgmt_scopes``, one app per (API, scope set).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from pytest_auth0_m2m.auth0.endpoints import (
    RECORDINGS_DOMAIN,
    AccessToken,
    AppCredentials,
    ClientSecret,
    TenantEndpoints,
    refuse_management_audience,
)
from pytest_auth0_m2m.auth0.hosts import LOOPBACK_NAMES
from pytest_auth0_m2m.plugin.per_test import Declaration, PerTestAnalysis, write_section
from pytest_auth0_m2m.plugin.state import SETTINGS_KEY

# The declarations' parser, the marker's check and ApiVerification are imported when a run has
# an auth0_apis line, an m2m_scopes marker or asks for the fixture: other runs never load them.
if TYPE_CHECKING:
    import httpx

    from pytest_auth0_m2m.fake import ApiDeclaration
    from pytest_auth0_m2m.own_apis.config import ApiConfig
    from pytest_auth0_m2m.own_apis.marker import ApiScopeRequest
    from pytest_auth0_m2m.own_apis.replay import ReplayApiSource, ReplayJwks
    from pytest_auth0_m2m.own_apis.usage import ApiRunReport, ApiUsage, Call
    from pytest_auth0_m2m.own_apis.verification import ApiVerification, MintToken

# own_apis.marker.MARKER (tests/test_own_apis_plugin.py holds them equal).
MARKER = "m2m_scopes"
APIS_KEY = pytest.StashKey[dict[str, "ApiConfig"]]()
API_SCOPES_KEY = pytest.StashKey["ApiScopeRequest"]()
# On the item: the api_client calls seen (method, path, status).
CALLS_KEY = pytest.StashKey[list["Call"]]()
REPORT_ATTR = "auth0_m2m_api_scopes"  # on teardown reports: the test's ApiUsage as JSON
SECTION = "auth0-m2m least privilege (your APIs)"
MARKER_HELP = (
    "m2m_scopes(*scopes, audience=ALIAS, strict=None): the scopes of one of your APIs "
    "(ini auth0_apis) this test's api_token gets, exactly; the closest marker wins."
)
NO_MARKER_MESSAGE = (
    "{nodeid} uses the {fixture} fixture but declares no scopes of your APIs.\n"
    'Add @pytest.mark.m2m_scopes("read:orders", audience="orders") with the scopes the test '
    "needs (or @pytest.mark.m2m_scopes(audience=...) for a token with no scope)."
)


class ApiSource(Protocol):
    """Per-(API, scope set) credentials and tokens (provisioned, or replay placeholders)."""

    def api_credentials(self, api: str, scopes: frozenset[str]) -> AppCredentials: ...

    def api_token(self, api: str, scopes: frozenset[str]) -> str: ...


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "auth0_apis",
        "your APIs (Auth0 resource servers), one a line: "
        "alias = identifier scopes=a,b openapi=PATH rbac=true url=URL",
        type="linelist",
        default=[],
    )


@pytest.hookimpl(trylast=True)  # after the plugin's settings are resolved
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    lines = [str(x) for x in config.getini("auth0_apis")]
    apis: dict[str, ApiConfig] = {}
    if lines:
        from pytest_auth0_m2m.own_apis.config import ApiConfigError, parse_apis

        try:
            apis = parse_apis(lines, base)
        except ApiConfigError as exc:
            raise pytest.UsageError(f"pytest-auth0-m2m: {exc}") from None
    config.stash[APIS_KEY] = apis
    settings = config.stash.get(SETTINGS_KEY, None)
    if apis and settings is not None and settings.mode == "replay":
        from pytest_auth0_m2m.plugin.network import EmulatorHosts

        # --block-network: the API under test must reach the replay JWKS on 127.0.0.1.
        config.pluginmanager.register(EmulatorHosts(), EmulatorHosts.NAME)
    if any(api.document is not None for api in apis.values()):
        # The report needs the APIs' OpenAPI documents: without one, no hook runs per test.
        per_test = PerTestAnalysis(_watched, _analysed, REPORT_ATTR)
        config.pluginmanager.register(per_test, "auth0-m2m-api-report-per-test")
        if not hasattr(config, "workerinput"):  # under xdist the controller reports
            config.pluginmanager.register(_ApiReport(config), "auth0-m2m-api-report")


def declared_api_scopes(item: pytest.Item) -> ApiScopeRequest | None:
    """The validated ``m2m_scopes`` declaration of a collected test, or None."""
    return item.stash.get(API_SCOPES_KEY, None)


def emulator_apis(config: pytest.Config) -> list[ApiDeclaration]:
    """The declared APIs as the emulator of a fake session hosts them."""
    from pytest_auth0_m2m.fake import ApiDeclaration

    return [
        ApiDeclaration(api.identifier, tuple(sorted(api.scopes)), name=api.alias, rbac=api.rbac)
        for api in config.stash.get(APIS_KEY, {}).values()
    ]


def m2m_scopes_declaration(config: pytest.Config) -> Declaration[ApiScopeRequest]:
    """The m2m_scopes marker as collection parses it (plugin/__init__.py, with mgmt_scopes)."""
    apis = config.stash.get(APIS_KEY, {})
    settings = config.stash.get(SETTINGS_KEY, None)
    # Live mode can ask the tenant (a scope the API lacks is Auth0's 400 on the grant).
    require_known = settings is None or settings.mode != "live"

    def parse(marker: pytest.Mark) -> ApiScopeRequest:
        from pytest_auth0_m2m.own_apis.marker import parse_marker_args

        return parse_marker_args(
            tuple(marker.args), marker.kwargs, apis, require_known=require_known
        )

    return Declaration(MARKER, parse, API_SCOPES_KEY)


# Requests that are never Auth0 Management API traffic, in a test that also records one:
# the in-process API (httpx's WSGI/ASGI transports use this host), a service on 127.0.0.1 (the
# plugin's emulator is addressed as localhost), and key fetches (replay serves its own JWKS).
LOCAL_API_HOSTS = (
    "testserver",
    *(name.strip("[]") for name in LOOPBACK_NAMES if name != "localhost"),  # as vcrpy sees it
)
KEY_PATHS = ("/.well-known/jwks.json", "/.well-known/openid-configuration")


def _not_a_key_fetch(request: Any) -> Any:
    """vcrpy's before_record_request: the API under test's JWKS fetch is not recorded."""
    path = str(getattr(request, "path", "") or "")
    return None if path in KEY_PATHS else request


@pytest.hookimpl(trylast=True)  # after plugin/cassettes.py gave mgmt_scopes tests their marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from urllib.parse import urlsplit

    from pytest_auth0_m2m.plugin.cassettes import is_ours

    for item in items:
        declared = declared_api_scopes(item)
        if declared is None or not is_ours(item):
            continue
        # A test with both markers: its cassette holds the Auth0 side only, and replay lets
        # the API under test (and its key fetch) run for real instead of answering from it.
        hosts = list(LOCAL_API_HOSTS)
        for api in config.stash.get(APIS_KEY, {}).values():
            host = urlsplit(api.url).hostname if api.url else None
            if host and host not in hosts:
                hosts.append(host)
        item.add_marker(
            pytest.mark.vcr(ignore_hosts=hosts, before_record_request=_not_a_key_fetch),
            append=True,
        )


# --- fixtures -----------------------------------------------------------------------------


def _declared(request: pytest.FixtureRequest, fixture: str) -> ApiScopeRequest:
    declared = declared_api_scopes(request.node)
    if declared is None:
        pytest.fail(
            NO_MARKER_MESSAGE.format(nodeid=request.node.nodeid, fixture=fixture), pytrace=False
        )
    return declared


@pytest.fixture(scope="session")
def _auth0_m2m_api_source(request: pytest.FixtureRequest) -> Any:
    """Per-(API, scope set) apps and tokens: the session's provisioned source, or replay's."""
    auth0_tenant = _endpoints(request)
    if auth0_tenant.mode == "replay":
        from pytest_auth0_m2m.own_apis.replay import ReplayApiSource

        apis = request.config.stash.get(APIS_KEY, {})
        server = request.getfixturevalue("_auth0_m2m_replay_jwks")
        # Code under test fetching its own token (api_credentials) gets it from the replay
        # server, so these tests need no cassette either.
        source = ReplayApiSource(
            auth0_tenant, {a.identifier: a.rbac for a in apis.values()}, server.token_url
        )
        server.token_endpoint = source.token_endpoint
        return source
    return request.getfixturevalue("_auth0_m2m_source")


@pytest.fixture(scope="session")
def _auth0_m2m_replay_jwks(request: pytest.FixtureRequest) -> Generator[ReplayJwks, None, None]:
    """The replay key's JWKS (and a token endpoint) served on 127.0.0.1 (replay mode)."""
    from pytest_auth0_m2m.own_apis.replay import ReplayJwks

    with ReplayJwks(_endpoints(request).issuer) as server:
        yield server


def _endpoints(request: pytest.FixtureRequest) -> TenantEndpoints:
    """The session's tenant. Replay needs no cassette for own-API tests (nothing of Auth0 is
    called), so unlike ``auth0_tenant`` it does not need pytest-recording there."""
    if request.config.stash[SETTINGS_KEY].mode == "replay":
        return TenantEndpoints(domain=RECORDINGS_DOMAIN, mode="replay")
    tenant: TenantEndpoints = request.getfixturevalue("auth0_tenant")
    return tenant


def _source(request: pytest.FixtureRequest) -> ApiSource:
    source: ApiSource = request.getfixturevalue("_auth0_m2m_api_source")
    return source


def _real(request: pytest.FixtureRequest) -> bool:
    return request.config.stash[SETTINGS_KEY].mode != "replay"


def _registry(request: pytest.FixtureRequest | pytest.Item) -> Any:
    from pytest_auth0_m2m.plugin.cassettes import secret_registry

    return secret_registry(request.config)


LIVE_SCOPES_KEY = pytest.StashKey[dict[str, "frozenset[str] | None"]]()


def _check_on_tenant(request: pytest.FixtureRequest, declared: ApiScopeRequest) -> None:
    """Live mode: the marker's scopes against the API's scopes on the tenant (asked once per
    API and session), with suggestions, before any app or grant is made for it."""
    if request.config.stash[SETTINGS_KEY].mode != "live":
        return
    from pytest_auth0_m2m.auth0.management import ManagementError
    from pytest_auth0_m2m.own_apis.marker import unknown_scope_message

    known = request.config.stash.setdefault(LIVE_SCOPES_KEY, {})
    api = declared.api
    if api.identifier not in known:
        mgmt = getattr(getattr(_source(request), "inner", None), "mgmt", None)
        if mgmt is None:
            return
        try:
            known[api.identifier] = mgmt.resource_server_scopes(api.identifier)
        except ManagementError as exc:
            if exc.status != 404:
                raise
            pytest.fail(
                f"pytest-auth0-m2m: API {api.alias!r} ({api.identifier}) does not exist on the "
                "tenant: create it (Auth0 Dashboard > Applications > APIs) with its scopes, or "
                "fix its identifier in auth0_apis",
                pytrace=False,
            )
    scopes = known[api.identifier]
    if scopes is None:
        return  # the provisioner may not read APIs: Auth0 checks the grant instead
    for name in sorted(declared.scopes - scopes):
        pytest.fail(
            f"{request.node.nodeid}: {unknown_scope_message(name, api.alias, scopes)} "
            "(on the tenant)",
            pytrace=False,
        )


def _token(request: pytest.FixtureRequest, declared: ApiScopeRequest) -> str:
    """The test's own-API token; a real one is made known to the cassette guard, so that a
    test that also records Management API traffic can never write it to its cassette."""
    _check_on_tenant(request, declared)
    token = _source(request).api_token(declared.api.identifier, declared.scopes)
    if _real(request):
        _registry(request).add_token(token, "an own API access token")
    return token


@pytest.fixture
def api_token(request: pytest.FixtureRequest) -> str:
    """An access token for the test's API (m2m_scopes) whose scope is exactly its scopes."""
    declared = _declared(request, "api_token")
    return AccessToken(_token(request, declared))


@pytest.fixture
def api_credentials(request: pytest.FixtureRequest) -> AppCredentials:
    """The m2m_scopes app: .client_id, .client_secret, .audience (the API), .token_url."""
    declared = _declared(request, "api_credentials")
    _check_on_tenant(request, declared)
    credentials = _source(request).api_credentials(declared.api.identifier, declared.scopes)
    if _real(request):
        _registry(request).add_secret(credentials.client_secret, "an own API app's client secret")
    return AppCredentials(
        domain=credentials.domain,
        client_id=credentials.client_id,
        client_secret=ClientSecret(credentials.client_secret),
        audience=credentials.audience,
        token_url=credentials.token_url,
    )


def _hooks(request: pytest.FixtureRequest) -> dict[str, list[Callable[..., Any]]]:
    """httpx event hooks recording the test's calls for the least-privilege report."""
    from pytest_auth0_m2m.own_apis.usage import Call

    calls = request.node.stash.setdefault(CALLS_KEY, [])

    def seen(response: httpx.Response) -> None:
        calls.append(Call(response.request.method, response.request.url.path, response.status_code))

    async def seen_async(response: httpx.Response) -> None:
        seen(response)

    return {"sync": [seen], "async": [seen_async]}


def _api_app(request: pytest.FixtureRequest) -> Any:
    """The user's ``api_app`` fixture (the API under test, in-process), if they define one."""
    try:
        return request.getfixturevalue("api_app")
    except pytest.FixtureLookupError:
        return None


def _client_options(request: pytest.FixtureRequest, fixture: str) -> tuple[Any, dict[str, Any]]:
    """The test's ``api_app`` (or None) and the options both API clients are built with."""
    declared = _declared(request, fixture)
    token = _token(request, declared)
    app = _api_app(request)
    kind = "async" if fixture == "api_async_client" else "sync"
    return app, {
        "base_url": "http://testserver" if app is not None else declared.api.url or "",
        "headers": {"Authorization": f"Bearer {token}"},
        "event_hooks": {"response": _hooks(request)[kind]},
    }


@pytest.fixture
def api_client(request: pytest.FixtureRequest) -> Generator[httpx.Client, None, None]:
    """An httpx.Client with the m2m_scopes bearer token: on your ``api_app`` fixture (WSGI,
    in-process) if defined, else on the API's ``url=`` from auth0_apis."""
    import httpx

    app, options = _client_options(request, "api_client")
    transport = httpx.WSGITransport(app=app) if app is not None else None
    with httpx.Client(transport=transport, **options) as client:
        yield client


@pytest.fixture
def api_async_client(request: pytest.FixtureRequest) -> httpx.AsyncClient:
    """An httpx.AsyncClient with the m2m_scopes bearer token: on your ``api_app`` fixture
    (ASGI, in-process) if defined, else on the API's ``url=`` from auth0_apis."""
    import httpx

    app, options = _client_options(request, "api_async_client")
    transport = httpx.ASGITransport(app=app) if app is not None else None
    return httpx.AsyncClient(transport=transport, **options)


def _api_for(request: pytest.FixtureRequest, fixture: str) -> ApiConfig:
    """The test's API: its m2m_scopes audience, else the only one declared."""
    declared = declared_api_scopes(request.node)
    if declared is not None:
        return declared.api
    apis = request.config.stash.get(APIS_KEY, {})
    if len(apis) == 1:
        return next(iter(apis.values()))
    pytest.fail(
        f"{request.node.nodeid}: {fixture} needs to know which API: add "
        '@pytest.mark.m2m_scopes(audience="ALIAS")'
        + ("" if apis else " and declare the API in the ini option auth0_apis"),
        pytrace=False,
    )


@pytest.fixture
def api_verification(request: pytest.FixtureRequest) -> ApiVerification:
    """What the API under test verifies tokens with: .jwks_url, .issuer, .audience, .algorithms."""
    api = _api_for(request, "api_verification")
    auth0_tenant = _endpoints(request)
    if auth0_tenant.mode == "replay":
        jwks_url = request.getfixturevalue("_auth0_m2m_replay_jwks").jwks_url
    else:
        jwks_url = f"{auth0_tenant.base_url}/.well-known/jwks.json"
    from pytest_auth0_m2m.own_apis.verification import ApiVerification

    return ApiVerification(jwks_url, auth0_tenant.issuer, api.identifier)


@pytest.fixture
def api_mint_token(request: pytest.FixtureRequest) -> MintToken:
    """Make tokens with chosen claims for negative tests (fake and replay mode; skips live):
    ``api_mint_token(scopes, expires_in=-60, audience=..., claims={...})``."""
    auth0_tenant = _endpoints(request)
    if auth0_tenant.mode == "live":
        pytest.skip(
            "api_mint_token: a live tenant's tokens are signed by Auth0's key, which no test "
            "holds; minted tokens exist in fake and replay mode"
        )
    api = _api_for(request, "api_mint_token")
    declared = declared_api_scopes(request.node)
    default_scopes = declared.scopes if declared is not None else frozenset()

    def mint(
        scopes: Iterable[str] | None = None,
        *,
        expires_in: int | None = None,
        audience: str | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        names = list(default_scopes if scopes is None else scopes)
        if isinstance(scopes, str):
            names = scopes.split()
        target = audience or api.identifier
        refuse_management_audience(target, claims, auth0_tenant.audience)
        _refuse_undeclared(request.node.nodeid, default_scopes, names, claims)
        if auth0_tenant.mode == "fake":
            fake = request.getfixturevalue("auth0_fake")
            return AccessToken(fake.mint_token(target, names, expires_in=expires_in, claims=claims))
        source: ReplayApiSource = request.getfixturevalue("_auth0_m2m_api_source")
        extra = dict(claims or {})
        if expires_in is not None:
            now = int(time.time())
            extra = {"iat": now, "exp": now + expires_in, **extra}
        return AccessToken(source.mint(target, names, extra))

    return mint


def _refuse_undeclared(
    nodeid: str, declared: frozenset[str], names: Iterable[str], claims: Mapping[str, Any] | None
) -> None:
    """A minted token holds no scope the test did not declare (in ``scopes``, or smuggled in
    through ``claims``' scope or permissions): least privilege holds for minted tokens too."""
    wanted = set(names)
    extra = dict(claims or {})
    if isinstance(extra.get("scope"), str):
        wanted |= set(str(extra["scope"]).split())
    if isinstance(extra.get("permissions"), list):
        wanted |= {str(p) for p in extra["permissions"]}
    beyond = sorted(wanted - declared)
    if beyond:
        raise ValueError(
            f"{nodeid}: api_mint_token gives no scope beyond the test's m2m_scopes "
            f"({', '.join(beyond)}): declare it in the marker, or mint fewer for a negative test"
        )


# --- the least-privilege report for your APIs ---------------------------------------------


def _analysed(item: pytest.Item, outcome: str | None) -> ApiUsage | None:
    from urllib.parse import urlsplit

    from pytest_auth0_m2m.own_apis.usage import analyse

    declared = declared_api_scopes(item)
    if declared is None or declared.api.document is None:
        return None
    api = declared.api
    calls = item.stash.get(CALLS_KEY, None)
    usage = analyse(
        item.nodeid,
        api.alias,
        declared.scopes,
        declared.api.document,
        calls,
        declared.strict,
        base_path=urlsplit(api.url).path if api.url else "",
        secrets=_registry(item).secrets(),
    )
    if outcome is not None:
        import dataclasses

        usage = dataclasses.replace(usage, outcome=outcome)
    return usage


def _watched(item: pytest.Item) -> bool:
    declared = declared_api_scopes(item)
    return declared is not None and declared.api.document is not None


class _ApiReport:
    """The run's own-API report, from teardown reports (xdist workers' included)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run: ApiRunReport | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTR, None)
        if report.when == "teardown" and isinstance(data, dict):
            from pytest_auth0_m2m.own_apis.usage import ApiRunReport, ApiUsage

            if self.run is None:
                self.run = ApiRunReport()
            self.run.tests.append(ApiUsage.from_json(data))
            delattr(report, REPORT_ATTR)  # read once: pytest keeps the report to the end

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        # Around the Management API report's own write: its file gets an "own_apis" list.
        result = yield
        path = self.config.getoption("--mgmt-scopes-report")
        if path and self.run is not None:
            _add_to_report(Path(os.path.abspath(os.path.expanduser(str(path)))), self.run)
        return result

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.run is None or self.config.get_verbosity() <= -2:
            return
        write_section(terminalreporter, SECTION, self.run.summary_lines())


def _add_to_report(path: Path, run: ApiRunReport) -> None:
    """The own-API tests into the JSON report (left as is if it was not written)."""
    import json

    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return  # the Management API report says why it could not write the file
    ordered = sorted(run.tests, key=lambda t: (t.nodeid, t.alias))
    data["own_apis"] = [t.report_json() for t in ordered]
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
