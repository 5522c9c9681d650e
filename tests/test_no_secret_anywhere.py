"""No credential in any repr, str, exception message or log record of the package.

Every public class of ``pytest_auth0_m2m`` (found by walking the package, so a new class is
seen) is built by a factory below from one fake-mode world holding known, planted secrets: the
provisioner's secret and token, an app's secret and token, a user's password, a tenant name.
Each object's ``repr`` and ``str`` are searched for them in every form the cassette guard knows
(``guard.text_views``: plain, URL-encoded, JSON escapes, base64, hex, halves...), and for any
JWT. A public class without a factory fails the test: add one when you add a class.

The package's errors are raised through the code paths that take secrets as inputs (a wrong
client secret, a domain with a password in it, a seed with a password, a cassette holding a
token, an unreadable cassette that quotes one...), and the log records of a whole fake-mode
provision, token, Management API call and failing call are searched the same way.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import pkgutil
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prov_helpers import LIVE_ARGS, live, tenant
from werkzeug.datastructures import MultiDict

import pytest_auth0_m2m
from pytest_auth0_m2m.auth0 import arrange, endpoints, hosts, management, retry, scopes
from pytest_auth0_m2m.auth0 import secret_fields as secret_fields_mod
from pytest_auth0_m2m.cassettes import audit, enforcement, guard, placeholders, redaction, registry
from pytest_auth0_m2m.cassettes.placeholders import JWT_PATTERN, is_placeholder_secret
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.fake import common as fake_common
from pytest_auth0_m2m.fake import diff as fake_diff
from pytest_auth0_m2m.fake import faults as fake_faults
from pytest_auth0_m2m.fake import routes as fake_routes
from pytest_auth0_m2m.fake import tls as fake_tls
from pytest_auth0_m2m.least_privilege import analysis
from pytest_auth0_m2m.plugin import network, session
from pytest_auth0_m2m.provisioning import coordination, provisioner, settings, tokens

__all__ = ["live", "tenant"]

SCOPES = frozenset({"read:users", "create:users", "delete:users"})
PASSWORD = "Planted-Passw0rd-9f3kQ2zR7mXw"
TENANT = "planted-tenant-v8q2k.eu.auth0.com"
# A wrong provisioner secret: what a user mistypes goes into requests and must not come back.
WRONG_SECRET = "planted-wrong-secret-Zr4mT8xKq2Lp6Wn0Hs3Vb"
CUSTOM_TOKEN = "planted-opaque-token-Yt5nQ1wEr8Ui2Op7As4Df"


# --- The world: a fake tenant with an app provisioned, its secrets known ---------------------


@dataclass
class World:
    fake: FakeAuth0
    tmp: Path
    endpoints: endpoints.TenantEndpoints
    mgmt: management.ManagementClient
    run: coordination.RunInfo
    provisioner: provisioner.Provisioner
    source: provisioner.ProvisionedSource
    cache: tokens.TokenCache
    credentials: endpoints.AppCredentials
    token: str
    provisioner_token: str
    arrange: arrange.Arrange
    user: arrange.Arranged
    http: httpx.Client

    def secrets(self) -> dict[str, str]:
        """What must never be printed, by what it is."""
        return {
            "the provisioner's client secret": self.fake.provisioner.client_secret,
            "the app's client secret": str(self.credentials.client_secret),
            "the app's access token": self.token,
            "the provisioner's access token": self.provisioner_token,
            "a user's password": PASSWORD,
            "a mistyped client secret": WRONG_SECRET,
            "an opaque token": CUSTOM_TOKEN,
        }


def new_world(fake: FakeAuth0, tmp: Path) -> World:
    ends = endpoints.TenantEndpoints(domain=fake.domain, mode="fake", base_url=fake.url)
    mgmt = management.ManagementClient(
        ends, fake.provisioner.client_id, fake.provisioner.client_secret, policy=_policy()
    )
    run = coordination.RunInfo.new(tmp / "state")
    run.state.start(run, "")
    prov = provisioner.Provisioner(mgmt, run)
    cache = tokens.TokenCache(tokens.private_dir(tmp / "tokens", tighten=True))
    source = provisioner.ProvisionedSource(ends, prov, cache)
    credentials = source.credentials(SCOPES)
    token = source.token(SCOPES)
    provisioner_token = mgmt._token  # the real one, held by the client only
    assert provisioner_token
    http = httpx.Client(base_url=ends.management_url, headers={"Authorization": f"Bearer {token}"})
    arranger = arrange.Arrange(http)
    user = arranger.user(password=PASSWORD)
    return World(
        fake=fake,
        tmp=tmp,
        endpoints=ends,
        mgmt=mgmt,
        run=run,
        provisioner=prov,
        source=source,
        cache=cache,
        credentials=credentials,
        token=token,
        provisioner_token=provisioner_token,
        arrange=arranger,
        user=user,
        http=http,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with FakeAuth0() as fake:
        w = new_world(fake, tmp_path_factory.mktemp("world"))
        yield w
        w.arrange.cleanup()
        w.http.close()
        w.source.close()
        w.mgmt.close()


# --- Searching for the secrets --------------------------------------------------------------


def leaks(text: str, secrets: dict[str, str], tenant: bool = False) -> list[str]:
    """Each planted secret found in ``text`` in any form the guard knows, and any JWT."""
    planted = [registry.Secret(value, what) for what, value in secrets.items()]
    if tenant:
        planted.append(registry.Secret(TENANT, "the tenant's domain"))
        planted.append(registry.Secret(TENANT.split(".")[0], "the tenant's name"))
    found = sorted(
        {f"{what} ({form})" for what, form, _ in guard.SecretScanner(planted).scan_text(text)}
    )
    for _, view in guard.text_views(text):
        for match in JWT_PATTERN.finditer(view):
            if not is_placeholder_secret(match.group(0)):
                found.append("a JWT")
                break
    return found


def shown(obj: object) -> str:
    return f"{obj!r}\n{obj!s}"


# --- Every public class -----------------------------------------------------------------------


def public_modules() -> list[str]:
    """Every module of the package: pkgutil's walk, plus the namespace subpackages it skips."""
    names = {m.name for m in pkgutil.walk_packages(pytest_auth0_m2m.__path__, "pytest_auth0_m2m.")}
    root = Path(pytest_auth0_m2m.__path__[0])
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(("pytest_auth0_m2m", *parts)))
    return sorted(
        name for name in names if not any(part.startswith("_") for part in name.split(".")[1:])
    )


def public_classes() -> dict[str, type]:
    classes: dict[str, type] = {}
    for name in public_modules():
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if attr.startswith("_") or not inspect.isclass(obj):
                continue
            if obj.__module__ == module.__name__:
                classes[f"{name.removeprefix('pytest_auth0_m2m.')}.{attr}"] = obj
    return classes


def raised(call: Callable[[], object]) -> BaseException:
    try:
        call()
    except BaseException as exc:
        return exc
    raise AssertionError(f"{call} raised nothing")


def _management_error(w: World) -> BaseException:
    # A mistyped secret goes to /oauth/token; Auth0's 401 must not echo it back.
    wrong = management.ManagementClient(
        w.endpoints, w.fake.provisioner.client_id, WRONG_SECRET, policy=_policy()
    )
    try:
        return raised(wrong.list_clients)
    finally:
        wrong.close()


def _domain_error(_: World) -> BaseException:
    return raised(lambda: hosts.parse_domain(f"https://admin:{PASSWORD}@{TENANT}/"))


def _settings_error(_: World) -> BaseException:
    return raised(
        lambda: settings.resolve(
            cli_fake=None,
            ini_fake=None,
            cli_domain=f"https://{TENANT}/?client_secret={WRONG_SECRET}",
            ini_domain=None,
            env={},
            allowed_domains=(),
            record_mode="none",
            cassette_dir=Path("cassettes"),
            cli_no_token_cache=None,
            cli_keep=None,
            cli_delete_apps=None,
        )
    )


def _seed_error(w: World) -> BaseException:
    seed = {"users": [{"email": "ada@example.com", "password": PASSWORD, "nickname": 3}]}
    return raised(lambda: w.fake.seed(seed))


def _arrange_error(w: World) -> BaseException:
    # A duplicate user: Auth0's 409 names the user, never the password sent with it.
    return raised(lambda: w.arrange.user(email=w.user["email"], password=PASSWORD))


def _provisioning_error(w: World) -> BaseException:
    # A provisioner whose grant lacks what the run needs: the preflight names the scope only.
    app = w.mgmt.create_client(
        {"name": "weak-provisioner", "app_type": "non_interactive"}, lambda: None
    )
    w.mgmt.create_grant(app["client_id"], w.endpoints.audience, ["read:clients"])
    weak = management.ManagementClient(
        w.endpoints, app["client_id"], app["client_secret"], policy=_policy()
    )
    try:
        error = raised(lambda: provisioner.check_provisioner(weak, delete_apps=True))
    finally:
        weak.close()
    assert app["client_secret"] not in shown(error)
    return error


def _token_cache_error(w: World) -> BaseException:
    shared = w.tmp / "shared"
    shared.mkdir(exist_ok=True)
    os.chmod(shared, 0o777)
    return raised(lambda: tokens.private_dir(shared))


def _cassette_secret_error(w: World) -> BaseException:
    secrets = [registry.Secret(v, what) for what, v in w.secrets().items()]
    from vcr.request import Request

    request = Request(
        "GET",
        f"{w.fake.url}/api/v2/users/{PASSWORD}?token={w.token}",
        None,
        {"Authorization": "Bearer REDACTED"},
    )
    cassette = {
        "requests": [request],
        "responses": [
            {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": f'{{"client_secret": "{w.credentials.client_secret}"}}'},
            }
        ],
    }
    findings = guard.guard(cassette, _yaml(), secrets, [w.fake.domain])
    assert findings
    return guard.CassetteSecretError("cassettes/test_users/test_get.yaml", findings)


def _unreadable_cassette(w: World) -> BaseException:
    path = w.tmp / "broken.yaml"
    path.write_text(f"interactions: [{{token: {w.token}, password: '{PASSWORD}\n")
    errors: list[guard.UnreadableCassette] = []
    persister = guard.GuardedPersister(
        _filesystem_persister(), registry.SecretRegistry(), on_unreadable=errors.append
    )
    raised(lambda: persister.load_cassette(str(path), _yaml()))
    assert errors
    return errors[0]


def _rate_limit_error(_: World) -> BaseException:
    return raised(lambda: retry.parse_rate_limit("15 a second"))


def _scope_error(_: World) -> BaseException:
    return raised(lambda: scopes.parse_marker_args(("read:usres",), {}))


def _api_error(w: World) -> BaseException:
    response = w.http.get(
        f"users/{w.user.id}x", headers={"Authorization": f"Bearer {WRONG_SECRET}"}
    )
    assert response.status_code == 401
    assert WRONG_SECRET not in response.text
    return fake_common.ApiError(401, response.json())


def _unknown_checkpoint(w: World) -> BaseException:
    return raised(lambda: w.fake.restore("cp-0123"))


def _policy() -> management.RetryPolicy:
    return management.RetryPolicy(sleep=lambda _: None, rng=random.Random(0))


def _yaml() -> Any:
    from vcr.serializers import yamlserializer

    return yamlserializer


def _filesystem_persister() -> Any:
    from vcr.persisters.filesystem import FilesystemPersister

    return FilesystemPersister


def _tls(w: World) -> fake_tls.TlsMaterial:
    material = fake_tls.make_tls_material()
    material.cleanup()  # its files are gone; the object (paths, SSL context) is what is shown
    return material


def _call(w: World) -> fake_routes.Call:
    operation = scopes.catalogue().operations[0]
    return fake_routes.Call(
        tenant=w.fake.tenant,
        operation=operation,
        params={"id": w.user.id},
        args=MultiDict({"q": PASSWORD}),
        raw_body=f'{{"password": "{PASSWORD}"}}'.encode(),
        content_type="application/json",
        scopes=SCOPES,
        client_id=w.credentials.client_id,
    )


def _registry(w: World) -> registry.SecretRegistry:
    reg = registry.SecretRegistry()
    reg.add_provisioner(w.fake.provisioner.client_id, w.fake.provisioner.client_secret)
    reg.add_app(SCOPES, w.credentials.client_id, w.credentials.client_secret)
    reg.add_token(w.token)
    reg.add_token(CUSTOM_TOKEN, "an opaque token")
    reg.add_redacted(PASSWORD, "a password")
    reg.add_tenant(TENANT)
    return reg


def _settings(w: World) -> settings.Settings:
    return settings.Settings(
        fake=settings.Setting(False, "default"),
        domain=settings.Setting(TENANT, "env AUTH0_DOMAIN"),
        client_id=w.fake.provisioner.client_id,
        client_secret=w.fake.provisioner.client_secret,
        allowed_domains=(TENANT,),
        record_mode="once",
        cassette_dir=Path("cassettes"),
        token_cache=settings.Setting(True, "default"),
        keep=settings.Setting(False, "default"),
        delete_apps=settings.Setting(False, "default"),
    )


def _usage(w: World) -> analysis.ScopeUsage:
    return analysis.ScopeUsage(
        nodeid=f"tests/test_x.py::test_x[{PASSWORD}]",
        declared=SCOPES,
        denials=(analysis.Denial("GET", f"/api/v2/users/{w.token}", None, (), None),),
    )


def _operation() -> scopes.Operation:
    return scopes.catalogue().operations[0]


def _transport() -> httpx.BaseTransport:
    return httpx.HTTPTransport()


# Each public class -> how to build one holding the planted secrets where it takes any.
FACTORIES: dict[str, Callable[[World], object]] = {
    # auth0
    "auth0.arrange.ArrangeError": _arrange_error,
    "auth0.arrange.Arranged": lambda w: w.user,
    "auth0.arrange.Leftover": lambda w: arrange.Leftover("users", w.user.id, "HTTP 403"),
    "auth0.arrange.Arrange": lambda w: w.arrange,
    "auth0.endpoints.TenantEndpoints": lambda w: w.endpoints,
    "auth0.endpoints.AppCredentials": lambda w: endpoints.AppCredentials(
        w.credentials.domain,
        w.credentials.client_id,
        str(w.credentials.client_secret),
        w.credentials.audience,
        w.credentials.token_url,
    ),
    "auth0.endpoints.MaskedSecret": lambda w: endpoints.MaskedSecret(
        w.fake.provisioner.client_secret
    ),
    "auth0.endpoints.AccessToken": lambda w: endpoints.AccessToken(w.token),
    "auth0.endpoints.ClientSecret": lambda w: endpoints.ClientSecret(w.credentials.client_secret),
    "auth0.endpoints.TokenSource": lambda w: w.source,
    "auth0.hosts.DomainError": _domain_error,
    "auth0.management.ManagementError": _management_error,
    "auth0.management.CallStats": lambda w: w.mgmt.stats,
    "auth0.management.TokenResponse": lambda w: management.TokenResponse(w.token, 86400, SCOPES),
    "auth0.management.AuthenticationClient": lambda w: w.mgmt.auth,
    "auth0.management.ManagementClient": lambda w: w.mgmt,
    "auth0.retry.RetryPolicy": lambda w: _policy(),
    "auth0.retry.RateLimit": lambda w: retry.RateLimit(2.0, 10),
    "auth0.retry.RateLimitError": _rate_limit_error,
    "auth0.retry.Pacer": lambda w: retry.SharedBucket(w.tmp / "pace", retry.RateLimit(2, 2)),
    "auth0.retry.SharedBucket": lambda w: retry.SharedBucket(
        w.tmp / "bucket", retry.RateLimit(2, 2)
    ),
    "auth0.retry.RetryStats": lambda w: retry.RetryStats(),
    "auth0.retry.RetryingTransport": lambda w: retry.RetryingTransport(_transport()),
    "auth0.retry.AsyncRetryingTransport": lambda w: retry.AsyncRetryingTransport(
        httpx.AsyncHTTPTransport()
    ),
    "auth0.retry.ClientKit": lambda w: retry.ClientKit(),
    "auth0.scopes.ScopeError": _scope_error,
    "auth0.scopes.Operation": lambda w: _operation(),
    "auth0.scopes.Catalogue": lambda w: scopes.catalogue(),
    "auth0.scopes.ScopeRequest": lambda w: scopes.ScopeRequest(SCOPES),
    "auth0.secret_fields.PathTree": lambda w: secret_fields_mod.PathTree(),
    "auth0.secret_fields.SecretFields": lambda w: secret_fields_mod.secret_catalogue().fields(
        "POST", "/api/v2/users"
    ),
    "auth0.secret_fields.SecretCatalogue": lambda w: secret_fields_mod.secret_catalogue(),
    # cassettes
    "cassettes.audit.Problem": lambda w: audit.Problem(Path("c.yaml"), 3, "a bearer token"),
    "cassettes.audit.View": lambda w: audit.View(f"password={PASSWORD}", "decoded"),
    "cassettes.enforcement.ScopedSerializer": lambda w: enforcement.ScopedSerializer(
        _yaml(), SCOPES
    ),
    "cassettes.enforcement.ScopedPersister": lambda w: enforcement.ScopedPersister(
        _filesystem_persister(), SCOPES
    ),
    "cassettes.guard.Finding": lambda w: guard.Finding(
        "the app's client secret", "base64", "interaction 1 (GET ...) response body"
    ),
    "cassettes.guard.SecretScanner": lambda w: guard.SecretScanner(_registry(w).secrets()),
    "cassettes.guard.CassetteSecretError": _cassette_secret_error,
    "cassettes.guard.UnreadableCassette": _unreadable_cassette,
    "cassettes.guard.GuardedPersister": lambda w: guard.GuardedPersister(
        _filesystem_persister(), _registry(w)
    ),
    "cassettes.placeholders.ReplaySource": lambda w: placeholders.ReplaySource(w.endpoints),
    # The public replay key's numbers: nothing secret to plant.
    "cassettes.replay_rsa.RsaKey": lambda w: placeholders.replay_key(),
    "cassettes.redaction.Redactor": lambda w: redaction.Redactor(
        _registry(w).rewriter(), echoes=lambda: [PASSWORD]
    ),
    "cassettes.registry.Secret": lambda w: registry.Secret(w.token, "an access token"),
    "cassettes.registry.SecretRegistry": _registry,
    "cassettes.registry.Rewriter": lambda w: _registry(w).rewriter(),
    # fake
    "fake.auth.Signer": lambda w: w.fake._started()[2],
    "fake.common.ApiError": _api_error,
    "fake.diff.Recorded": lambda w: fake_diff.Recorded(
        "POST",
        "/api/v2/users",
        "",
        f'{{"email": "a@example.com", "password": "{PASSWORD}"}}',
        "application/json",
        201,
        f'{{"user_id": "auth0|1", "client_secret": "{w.credentials.client_secret}"}}',
    ),
    "fake.diff.Outcome": lambda w: fake_diff.Outcome(
        "c.yaml", "POST", "/api/v2/users", 201, 400, ("user_id",), None, f"bad {PASSWORD}"
    ),
    "fake.diff.Report": lambda w: fake_diff.Report(
        [FACTORIES["fake.diff.Outcome"](w)], skipped=0, cassettes=1
    ),
    "fake.faults.Bucket": lambda w: fake_faults.Bucket(2.0, 2),
    "fake.faults.RateLimits": lambda w: fake_faults.RateLimits(fake_faults.Bucket(2.0, 2)),
    "fake.faults.Verdict": lambda w: fake_faults.Verdict(True, {"x-ratelimit-limit": "2"}),
    "fake.faults.RateLimiter": lambda w: fake_faults.RateLimiter(lambda: 0.0),
    "fake.faults.Fault": lambda w: fake_faults.Fault(status=503),
    "fake.faults.RandomFault": lambda w: fake_faults.RandomFault(
        0.2, (429, 503), None, random.Random(0)
    ),
    "fake.faults.Injection": lambda w: fake_faults.Injection(503, None, None, 0.0, {}),
    "fake.faults.Faults": lambda w: w.fake.faults,
    "fake.faults.Counters": lambda w: w.fake.counters,
    "fake.journal.JournalEntry": lambda w: w.fake.journal.since(0)[-1],
    "fake.journal.Journal": lambda w: w.fake.journal,
    "fake.routes.Call": _call,
    "fake.routes.HandlerTable": lambda w: fake_routes.HandlerTable(),
    "fake.seeding.SeedError": _seed_error,
    # the emulator's own keys: the tenant's, as the running emulator holds them
    "fake.signing_keys.Keyring": lambda w: w.fake._started()[1].keyring,
    "fake.signing_keys.SigningKey": lambda w: w.fake._started()[1].keyring.key(
        w.fake._started()[1].keyring.first
    ),
    "fake.server.FakeAuth0": lambda w: w.fake,
    "fake.server.UnknownCheckpoint": _unknown_checkpoint,
    "fake.tenant.Credentials": lambda w: w.fake.provisioner,
    "fake.tenant.Tenant": lambda w: w.fake.tenant,
    "fake.tls.TlsMaterial": _tls,
    # least_privilege
    "least_privilege.analysis.Exchange": lambda w: analysis.Exchange(
        "GET", f"{w.fake.url}/api/v2/users", 200, {"password": PASSWORD}
    ),
    "least_privilege.analysis.CassetteTraffic": lambda w: analysis.CassetteTraffic((), ()),
    "least_privilege.analysis.TrafficWatch": lambda w: analysis.TrafficWatch(
        journal=w.fake.journal, base_url=w.fake.url
    ),
    "least_privilege.analysis.Denial": lambda w: analysis.Denial(
        "GET", "/api/v2/users", "get_users", (("read:users",),)
    ),
    "least_privilege.analysis.OperationUse": lambda w: analysis.OperationUse(
        "GET", "/api/v2/users", "get_users", "read", (("read:users",),), ((200, 1),)
    ),
    "least_privilege.analysis.UnknownCall": lambda w: analysis.UnknownCall("GET", "/x", 404),
    "least_privilege.analysis.ScopeUsage": lambda w: analysis.ScopeUsage("t::x", SCOPES),
    "least_privilege.analysis.RunReport": lambda w: analysis.RunReport(
        [analysis.ScopeUsage("t::x", SCOPES)]
    ),
    # plugin
    "plugin.network.EmulatorHosts": lambda w: network.EmulatorHosts(),
    "plugin.session.HttpSettings": lambda w: session.HttpSettings(True, "default", None),
    # provisioning
    "provisioning.coordination.Lease": lambda w: w.run.lease(),
    "provisioning.coordination.Settle": lambda w: coordination.Settle(),
    "provisioning.coordination.RunInfo": lambda w: w.run,
    "provisioning.coordination.RunState": lambda w: w.run.state,
    "provisioning.provisioner.ProvisioningError": _provisioning_error,
    "provisioning.provisioner.ProvisionStats": lambda w: w.source.stats,
    "provisioning.provisioner.Provisioner": lambda w: w.provisioner,
    "provisioning.provisioner.ProvisionedSource": lambda w: w.source,
    "provisioning.provisioner.Leftover": lambda w: provisioner.Leftover(
        w.credentials.client_id, "pytest-auth0-m2m x", ("cgr_1",), 10.0
    ),
    "provisioning.provisioner.Found": lambda w: provisioner.find_leftovers(w.mgmt),
    "provisioning.settings.SettingsError": _settings_error,
    "provisioning.settings.Setting": lambda w: settings.Setting(
        w.fake.provisioner.client_secret, "env AUTH0_CLIENT_SECRET"
    ),
    "provisioning.settings.Settings": _settings,
    "provisioning.tags.AppTagger": lambda w: w.provisioner.tagger,
    "provisioning.tokens.TokenCacheError": _token_cache_error,
    "provisioning.tokens.CachedToken": lambda w: tokens.CachedToken(w.token, 0.0, 1e10),
    "provisioning.tokens.TokenCache": lambda w: w.cache,
}


def _own_api(w: World) -> Any:
    from pytest_auth0_m2m.own_apis.config import ApiConfig
    from pytest_auth0_m2m.own_apis.openapi import parse

    document = parse({"paths": {"/orders": {"get": {"security": [{"a": ["read:orders"]}]}}}})
    return ApiConfig("orders", "https://orders.example.com", frozenset({"read:orders"}), document)


def _replay_jwks(w: World) -> Any:
    from pytest_auth0_m2m.own_apis.replay import ReplayJwks

    server = ReplayJwks(w.endpoints.issuer).start()
    server.stop()
    return server


def _own_api_factories() -> dict[str, Callable[[World], object]]:
    from pytest_auth0_m2m.fake.apis import ApiDeclaration
    from pytest_auth0_m2m.own_apis import config, marker, openapi, replay, usage, verification

    return {
        "fake.apis.ApiDeclaration": lambda w: ApiDeclaration("https://orders.example.com"),
        "own_apis.config.ApiConfig": _own_api,
        "own_apis.config.ApiConfigError": lambda w: raised(
            lambda: config.parse_apis(["orders"], w.tmp)
        ),
        "own_apis.marker.ApiScopeRequest": lambda w: marker.ApiScopeRequest(
            _own_api(w), frozenset({"read:orders"})
        ),
        "own_apis.openapi.ApiDocument": lambda w: _own_api(w).document,
        "own_apis.openapi.ApiOperation": lambda w: _own_api(w).document.operations[0],
        "own_apis.openapi.OpenApiError": lambda w: raised(lambda: openapi.parse({})),
        "own_apis.replay.ReplayApiSource": lambda w: replay.ReplayApiSource(w.endpoints, {}),
        "own_apis.replay.ReplayJwks": _replay_jwks,
        "own_apis.usage.ApiRunReport": lambda w: usage.ApiRunReport(
            [usage.ApiUsage("t::a", "orders", frozenset({"read:orders"}))]
        ),
        "own_apis.usage.ApiUsage": lambda w: usage.ApiUsage(
            "t::a", "orders", frozenset({"read:orders"})
        ),
        "own_apis.usage.Call": lambda w: usage.Call("GET", "/orders", 200),
        "own_apis.verification.ApiVerification": lambda w: verification.ApiVerification(
            w.fake.jwks_url, w.endpoints.issuer, "https://orders.example.com"
        ),
        # The plugin's own-API source is the session's provisioned source (or replay's).
        "plugin.own_apis.ApiSource": lambda w: w.source,
    }


FACTORIES.update(_own_api_factories())


def _search_index(w: World) -> Any:
    from pytest_auth0_m2m.fake.consistency import SearchIndex

    index = SearchIndex()
    index.lag = 1.0
    index.record(
        0.0, {w.user.id: {"user_id": w.user.id, "password": w.secrets()["a user's password"]}}, {}
    )
    return index


def _late_factories() -> dict[str, Callable[[World], object]]:
    from pytest_auth0_m2m.fake.user_search import QueryError
    from pytest_auth0_m2m.own_apis.marker import parse_marker_args as api_marker
    from pytest_auth0_m2m.plugin import per_test
    from pytest_auth0_m2m.plugin.logs import MaskedLogRecords, MaskedReports, UnredactedResponses

    def analysis_of(w: World) -> per_test.PerTestAnalysis:
        usage = analysis.ScopeUsage("t::x", SCOPES)
        return per_test.PerTestAnalysis(lambda item: True, lambda item, o: usage, "attr")

    def minted(w: World) -> object:
        def mint(scopes: object = None, **kwargs: object) -> str:
            return w.secrets()["the app's access token"]

        return mint

    return {
        "fake.consistency.SearchIndex": _search_index,
        "fake.user_search.QueryError": lambda w: QueryError("Invalid query: name:(x"),
        "plugin.logs.MaskedLogRecords": lambda w: MaskedLogRecords(
            [w.endpoints.domain], [w.fake.provisioner.client_secret]
        ),
        "plugin.logs.MaskedReports": lambda w: MaskedReports(
            MaskedLogRecords([w.endpoints.domain], [w.fake.provisioner.client_secret])
        ),
        "plugin.logs.UnredactedResponses": lambda w: UnredactedResponses(),
        "plugin.per_test.Declaration": lambda w: per_test.Declaration(
            "m2m_scopes", lambda m: api_marker(m.args, m.kwargs, {}, require_known=True), KEY
        ),
        "plugin.per_test.PerTestAnalysis": analysis_of,
        "plugin.per_test.Usage": lambda w: analysis.ScopeUsage("t::x", SCOPES),
        "own_apis.verification.MintToken": minted,
    }


KEY = pytest.StashKey[object]()


FACTORIES.update(_late_factories())

# Every class is searched for the tenant's name too: output shows a tenant as hosts.masked
# gives it (``pl***.eu.auth0.com``), since CI logs are often public.

# Values these classes are *meant* to show (a Setting's value is whatever it holds; the plugin
# wraps none of the credentials in one). Their other fields are still searched.
MEANT_TO_SHOW: dict[str, frozenset[str]] = {
    "provisioning.settings.Setting": frozenset({"the provisioner's client secret"}),
    "cassettes.audit.View": frozenset({"a user's password"}),  # a cassette's text, audited
    "cassettes.registry.Secret": frozenset({"the app's access token"}),
    "fake.routes.Call": frozenset({"a user's password"}),
    "least_privilege.analysis.Exchange": frozenset({"a user's password"}),
}


def test_every_public_class_has_a_factory() -> None:
    classes = public_classes()
    missing = sorted(set(classes) - set(FACTORIES))
    assert not missing, (
        "public classes with no entry in FACTORIES (add one that builds the class with the "
        f"planted secrets where it takes any): {missing}"
    )
    stale = sorted(set(FACTORIES) - set(classes))
    assert not stale, f"FACTORIES names classes that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_no_secret_in_repr_or_str(world: World, name: str) -> None:
    obj = FACTORIES[name](world)
    cls = public_classes().get(name)
    assert cls is not None
    if not (inspect.isabstract(cls) or getattr(cls, "_is_protocol", False)):
        assert isinstance(obj, cls), f"the factory of {name} built a {type(obj).__name__}"
    secrets = {
        what: value
        for what, value in world.secrets().items()
        if what not in MEANT_TO_SHOW.get(name, frozenset())
    }
    # A MaskedSecret is the credential as a str (that is its use): its repr is what is shown.
    text = repr(obj) if isinstance(obj, endpoints.MaskedSecret) else shown(obj)
    text += f"\n{[obj]!r}\n{ {'value': obj}!r}"
    assert not leaks(text, secrets, tenant=True), f"{name}: {text[:300]!r}"


def test_the_search_finds_a_planted_secret_in_every_form(world: World) -> None:
    # The search itself can fail: each form the guard decodes is found.
    import base64
    import json
    from urllib.parse import quote

    secret = world.fake.provisioner.client_secret
    secrets = {"s": secret}
    for text in (
        f"x={secret}",
        quote(f"a={secret}&", safe=""),
        json.dumps({"k": f"{secret}\n"}),
        f"{secret[:30]}\n{secret[30:]}",
        base64.b64encode(secret.encode()).decode(),
        secret.encode().hex(),
        secret[: len(secret) // 2 + 1],
        "".join(f"\\u{ord(c):04x}" for c in secret),
    ):
        assert leaks(text, secrets), text
    assert leaks(f"token {world.token}", {})  # a JWT, named by its shape
    assert leaks(f"at {TENANT}:", {}, tenant=True)
    assert not leaks(repr(endpoints.AccessToken(world.token)), secrets)


def test_no_secret_in_log_records(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """A fake-mode provision, token, Management API call and a failing call, at DEBUG: every
    logger (the package's, httpx's, the emulator's) is searched."""
    caplog.set_level(logging.DEBUG)
    with FakeAuth0() as fake:
        w = new_world(fake, tmp_path)
        try:
            assert w.http.get("users").status_code == 200
            assert w.http.get(f"users/{w.user.id}").json()["user_id"] == w.user.id
            _management_error(w)
            _arrange_error(w)
            _seed_error(w)
            w.arrange.cleanup()
            w.provisioner.teardown()
            w.source.close()
        finally:
            w.http.close()
            w.mgmt.close()
    records = [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert records, "nothing was logged: the search would pass without looking"
    text = "\n".join(records)
    assert not leaks(text, w.secrets()), [line for line in records if leaks(line, w.secrets())][:5]


ONE_TEST = """
import pytest


@pytest.mark.mgmt_scopes("read:users")
def test_token(mgmt_token):
    assert mgmt_token
"""


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("AUTH0_CLIENT_SECRET", WRONG_SECRET, "access_denied"),
        ("AUTH0_DOMAIN", "https://admin:{password}@localhost:{port}/", "user info"),
        ("AUTH0_DOMAIN", "localhost:{port}/?client_secret={secret}", "path, query"),
    ],
)
def test_no_secret_in_a_live_sessions_usage_errors(
    live: pytest.Pytester,
    tenant: FakeAuth0,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    why: str,
) -> None:
    """The plugin's UsageError paths (a refused provisioner, a domain that is not a host), as a
    live session prints them, hold neither the secret typed in nor the provisioner's."""
    text = value.format(password=PASSWORD, port=tenant.port, secret=WRONG_SECRET)
    monkeypatch.setenv(variable, text)
    live.makepyfile(ONE_TEST)
    before = tenant.counters.snapshot()
    result = live.runpytest_subprocess(*LIVE_ARGS)
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert why in output, output
    if variable == "AUTH0_DOMAIN":  # refused as a host before any request
        assert tenant.counters.snapshot() == before
    secrets = {
        "the provisioner's client secret": tenant.provisioner.client_secret,
        "a password": PASSWORD,
        "a mistyped client secret": WRONG_SECRET,
    }
    assert not leaks(output, secrets), output


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        ([], {"AUTH0_CLIENT_SECRET": WRONG_SECRET}, 1),
        (["--domain", "https://admin:{password}@localhost:{port}"], {}, 2),
    ],
)
def test_no_secret_in_sweeps_errors(
    tenant: FakeAuth0,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env: dict[str, str],
    code: int,
) -> None:
    from pytest_auth0_m2m.provisioning.sweep import main

    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\nauth0_allowed_domains = localhost:*\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUTH0_DOMAIN", tenant.domain)
    monkeypatch.setenv("AUTH0_CLIENT_ID", tenant.provisioner.client_id)
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", tenant.provisioner.client_secret)
    monkeypatch.setenv("SSL_CERT_FILE", str(tenant.ca_cert_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main([a.format(password=PASSWORD, port=tenant.port) for a in args]) == code
    out = capsys.readouterr()
    assert out.err.startswith("sweep: "), out
    secrets = {
        "the provisioner's client secret": tenant.provisioner.client_secret,
        "a password": PASSWORD,
        "a mistyped client secret": WRONG_SECRET,
    }
    assert not leaks(out.out + out.err, secrets), out
