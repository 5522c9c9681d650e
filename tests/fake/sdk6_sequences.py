"""Realistic call sequences per Management API family for auth0-python 6.x (httpx, typed models).

Each function gets a ``ManagementClient`` pointed at the emulator and its audience, and runs the
calls a program of that family would make (create, read, list, update, delete where the family
has them), asserting on the SDK's returned objects. tests/fake/sdk4_sequences.py runs the same
sequences through auth0-python 4.x's dict API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sdk4_sequences import THEME

errors = pytest.importorskip("auth0.management.errors")

DB = "Username-Password-Authentication"
PASSWORD = "Correct-Horse-9!"
# auth0-python 6.x retries 409, 429 and 5xx; an expected error needs no retry.
NO_RETRY: dict[str, Any] = {"max_retries": 0}

Sequence = Callable[[Any, str], None]
SEQUENCES: dict[str, Sequence] = {}


def family(name: str) -> Callable[[Sequence], Sequence]:
    def register(sequence: Sequence) -> Sequence:
        SEQUENCES[name] = sequence
        return sequence

    return register


def _db_connection_id(sdk: Any) -> str:
    found = [c.id for c in sdk.connections.list(name=DB)]
    assert len(found) == 1, found
    return str(found[0])


def _user(sdk: Any, email: str, **extra: Any) -> Any:
    return sdk.users.create(connection=DB, email=email, password=PASSWORD, **extra)


@family("roles")
def roles(sdk: Any, audience: str) -> None:
    role = sdk.roles.create(name="support", description="answers tickets")
    assert role.id.startswith("rol_")
    assert sdk.roles.get(role.id).description == "answers tickets"
    updated = sdk.roles.update(role.id, description="answers and closes tickets")
    assert updated.description == "answers and closes tickets"
    assert [r.name for r in sdk.roles.list(name_filter="supp")] == ["support"]
    permission = {"resource_server_identifier": audience, "permission_name": "read:users"}
    sdk.roles.permissions.add(role.id, permissions=[permission])
    assert [p.permission_name for p in sdk.roles.permissions.list(role.id)] == ["read:users"]
    users = [_user(sdk, f"agent{i}@example.com").user_id for i in range(3)]
    sdk.roles.users.assign(role.id, users=users)
    assert [u.user_id for u in sdk.roles.users.list(role.id, take=2)] == users
    assert [r.id for r in sdk.users.roles.list(users[0])] == [role.id]
    # Effective roles and permissions: the spec's {roles}/{permissions} (6.x parses them).
    effective = list(sdk.users.effective_roles.list(users[0]))
    assert [(r.id, r.sources) for r in effective] == [(role.id, ["direct"])]
    granted = sdk.users.effective_permissions.list(users[0], resource_server_identifier=audience)
    assert [(p.permission_name, p.sources) for p in granted] == [("read:users", ["roles"])]
    sdk.users.roles.delete(users[0], roles=[role.id])
    assert list(sdk.users.roles.list(users[0])) == []
    sdk.roles.permissions.delete(role.id, permissions=[permission])
    assert list(sdk.roles.permissions.list(role.id)) == []
    sdk.roles.delete(role.id)
    with pytest.raises(errors.NotFoundError):
        sdk.roles.get(role.id)


@family("log_streams")
def log_streams(sdk: Any, audience: str) -> None:
    stream = sdk.log_streams.create(
        request={
            "name": "siem",
            "type": "http",
            "sink": {
                "httpEndpoint": "https://siem.example/ingest",
                "httpContentType": "application/json",
                "httpContentFormat": "JSONLINES",
                "httpAuthorization": "Bearer not-a-secret",
            },
        }
    )
    assert stream.name == "siem"
    assert stream.type == "http"
    assert stream.status == "active"
    assert sdk.log_streams.get(stream.id).id == stream.id
    paused = sdk.log_streams.update(stream.id, status="paused")
    assert paused.status == "paused"
    assert [s.id for s in sdk.log_streams.list()] == [stream.id]
    sdk.log_streams.delete(stream.id)
    assert sdk.log_streams.list() == []


@family("custom_domains")
def custom_domains(sdk: Any, audience: str) -> None:
    domain = sdk.custom_domains.create(domain="login.example.com", type="auth0_managed_certs")
    assert domain.domain == "login.example.com"
    assert domain.status == "pending_verification"
    assert domain.custom_domain_id.startswith("cd_")
    got = sdk.custom_domains.get(domain.custom_domain_id)
    assert got.domain == "login.example.com"
    assert [d.custom_domain_id for d in sdk.custom_domains.list()] == [domain.custom_domain_id]
    updated = sdk.custom_domains.update(domain.custom_domain_id, tls_policy="recommended")
    assert updated.tls_policy == "recommended"
    verified = sdk.custom_domains.verify(domain.custom_domain_id)
    assert verified.custom_domain_id == domain.custom_domain_id
    sdk.custom_domains.delete(domain.custom_domain_id)
    assert sdk.custom_domains.list() == []


@family("tenant_settings")
def tenant_settings(sdk: Any, audience: str) -> None:
    sdk.tenants.settings.update(
        friendly_name="Acme Dev",
        support_email="support@acme.example",
        session_lifetime=72,
        flags={"enable_client_connections": False},
    )
    got = sdk.tenants.settings.get()
    assert got.friendly_name == "Acme Dev"
    assert got.support_email == "support@acme.example"
    assert got.session_lifetime == 72
    assert got.flags.enable_client_connections is False
    only = sdk.tenants.settings.get(fields="friendly_name", include_fields=True)
    assert only.friendly_name == "Acme Dev"


@family("prompts")
def prompts(sdk: Any, audience: str) -> None:
    updated = sdk.prompts.update_settings(universal_login_experience="new", identifier_first=True)
    assert updated.identifier_first is True
    got = sdk.prompts.get_settings()
    assert got.universal_login_experience == "new"
    sdk.prompts.custom_text.set("login", "en", request={"login": {"title": "Welcome back"}})
    assert sdk.prompts.custom_text.get("login", "en") == {"login": {"title": "Welcome back"}}


@family("hooks")
def hooks(sdk: Any, audience: str) -> None:
    hook = sdk.hooks.create(
        name="pre-register",
        script="module.exports = function(user, context, cb) { cb(null, {user}); };",
        trigger_id="pre-user-registration",
    )
    assert hook.name == "pre-register"
    assert hook.enabled is False
    assert sdk.hooks.get(hook.id).trigger_id == "pre-user-registration"
    enabled = sdk.hooks.update(hook.id, enabled=True)
    assert enabled.enabled is True
    assert [h.id for h in sdk.hooks.list(enabled=True)] == [hook.id]
    sdk.hooks.secrets.create(hook.id, request={"API_KEY": "not-a-secret"})
    assert sdk.hooks.secrets.get(hook.id) == {"API_KEY": "_VALUE_NOT_SHOWN_"}
    sdk.hooks.secrets.delete(hook.id, request=["API_KEY"])
    sdk.hooks.delete(hook.id)
    with pytest.raises(errors.NotFoundError):
        sdk.hooks.get(hook.id)


@family("connections")
def connections(sdk: Any, audience: str) -> None:
    app = sdk.clients.create(name="shop", app_type="spa", callbacks=["https://shop.example/cb"])
    connection = sdk.connections.create(
        name="shop-db",
        strategy="auth0",
        options={"requires_username": False, "brute_force_protection": True},
    )
    assert connection.id.startswith("con_")
    assert connection.strategy == "auth0"
    got = sdk.connections.get(connection.id)
    assert got.name == "shop-db"
    updated = sdk.connections.update(
        connection.id, options={"brute_force_protection": True, "disable_signup": True}
    )
    assert updated.options["disable_signup"] is True
    assert "shop-db" in [c.name for c in sdk.connections.list(strategy=["auth0"])]
    sdk.connections.clients.update(
        connection.id, request=[{"client_id": app.client_id, "status": True}]
    )
    enabled = sdk.connections.clients.get(connection.id)
    assert [c.client_id for c in enabled] == [app.client_id]
    sdk.connections.check_status(connection.id)
    user = sdk.users.create(connection="shop-db", email="buyer@example.com", password=PASSWORD)
    sdk.connections.users.delete_by_email(connection.id, email="buyer@example.com")
    with pytest.raises(errors.NotFoundError):
        sdk.users.get(user.user_id)
    sdk.connections.delete(connection.id)
    with pytest.raises(errors.NotFoundError):
        sdk.connections.get(connection.id)


@family("user_blocks")
def user_blocks(sdk: Any, audience: str) -> None:
    made = _user(sdk, "grace@example.com")
    assert sdk.user_blocks.list(made.user_id).blocked_for == []
    assert sdk.user_blocks.list_by_identifier(identifier="grace@example.com").blocked_for == []
    sdk.user_blocks.delete(made.user_id)
    sdk.user_blocks.delete_by_identifier(identifier="grace@example.com")
    blocked = sdk.users.update(made.user_id, blocked=True)
    assert blocked.blocked is True
    assert sdk.users.get(made.user_id).blocked is True


@family("organizations")
def organizations(sdk: Any, audience: str) -> None:
    org = sdk.organizations.create(name="acme", display_name="Acme Inc.", metadata={"tier": "gold"})
    assert org.id.startswith("org_")
    assert sdk.organizations.get(org.id).display_name == "Acme Inc."
    assert sdk.organizations.get_by_name("acme").id == org.id
    updated = sdk.organizations.update(org.id, display_name="Acme Corporation")
    assert updated.display_name == "Acme Corporation"
    assert [o.id for o in sdk.organizations.list()] == [org.id]

    # enabled connections
    connection_id = _db_connection_id(sdk)
    enabled = sdk.organizations.enabled_connections.add(
        org.id, connection_id=connection_id, assign_membership_on_login=False
    )
    assert enabled.connection_id == connection_id
    changed = sdk.organizations.enabled_connections.update(
        org.id, connection_id, assign_membership_on_login=True
    )
    assert changed.assign_membership_on_login is True
    got = sdk.organizations.enabled_connections.get(org.id, connection_id)
    assert got.connection.name == DB
    listed = list(sdk.organizations.enabled_connections.list(org.id))
    assert [c.connection_id for c in listed] == [connection_id]

    # members and their roles
    member = _user(sdk, "wile@example.com")
    sdk.organizations.members.create(org.id, members=[member.user_id])
    assert [m.user_id for m in sdk.organizations.members.list(org.id)] == [member.user_id]
    role = sdk.roles.create(name="org-admin")
    sdk.organizations.members.roles.assign(org.id, member.user_id, roles=[role.id])
    member_roles = list(sdk.organizations.members.roles.list(org.id, member.user_id))
    assert [r.id for r in member_roles] == [role.id]
    sdk.organizations.members.roles.delete(org.id, member.user_id, roles=[role.id])
    assert list(sdk.organizations.members.roles.list(org.id, member.user_id)) == []

    # invitations
    app = sdk.clients.create(
        name="acme portal", app_type="regular_web", initiate_login_uri="https://acme.example/login"
    )
    invitation = sdk.organizations.invitations.create(
        org.id,
        inviter={"name": "Wile"},
        invitee={"email": "road.runner@example.com"},
        client_id=app.client_id,
        connection_id=connection_id,
    )
    assert invitation.invitee.email == "road.runner@example.com"
    assert invitation.organization_id == org.id
    assert invitation.invitation_url
    assert sdk.organizations.invitations.get(org.id, invitation.id).id == invitation.id
    listed_inv = list(sdk.organizations.invitations.list(org.id))
    assert [i.id for i in listed_inv] == [invitation.id]
    sdk.organizations.invitations.delete(org.id, invitation.id)
    assert list(sdk.organizations.invitations.list(org.id)) == []

    # client grants associated with the organization
    api = sdk.resource_servers.create(
        name="acme api", identifier="https://api.acme.example/", scopes=[{"value": "read:anvils"}]
    )
    m2m = sdk.clients.create(
        name="acme worker",
        app_type="non_interactive",
        grant_types=["client_credentials"],
        default_organization=None,
    )
    grant = sdk.client_grants.create(
        client_id=m2m.client_id,
        audience=api.identifier,
        scope=["read:anvils"],
        organization_usage="allow",
    )
    added = sdk.organizations.client_grants.create(org.id, grant_id=grant.id)
    # Auth0 names the id grant_id here (TestAccDataSourceClientGrantOrganizations.yaml)
    assert added.grant_id == grant.id
    org_grants = list(sdk.organizations.client_grants.list(org.id))
    assert [g.id for g in org_grants] == [grant.id]
    sdk.organizations.client_grants.delete(org.id, grant.id)
    assert list(sdk.organizations.client_grants.list(org.id)) == []

    sdk.organizations.members.delete(org.id, members=[member.user_id])
    assert list(sdk.organizations.members.list(org.id)) == []
    sdk.organizations.enabled_connections.delete(org.id, connection_id)
    sdk.organizations.delete(org.id)
    with pytest.raises(errors.NotFoundError):
        sdk.organizations.get(org.id)


@family("logs")
def logs(sdk: Any, audience: str) -> None:
    user = _user(sdk, "logged@example.com")
    newest = list(sdk.logs.list(per_page=10, sort="date:-1"))
    assert newest, "the tenant logged the signup and the write"
    assert newest == sorted(newest, key=lambda log: str(log.date), reverse=True)
    signups = list(sdk.logs.list(search=f'type:"ss" AND user_id:"{user.user_id}"'))
    assert [log.user_id for log in signups] == [user.user_id]
    assert sdk.logs.get(signups[0].log_id).type == "ss"
    writes = list(sdk.logs.list(search='type:"sapi"'))
    assert "Create a User" in [log.description for log in writes]
    assert [log.type for log in sdk.users.logs.list(user.user_id)] == ["ss"]
    with pytest.raises(errors.NotFoundError):
        sdk.logs.get("90020250101000000000000000000000000000000000000000000000")


def _completed(sdk: Any, job_id: str) -> Any:
    """Polls a job as a program would (Auth0 finishes small jobs within seconds)."""
    for _ in range(10):
        job = sdk.jobs.get(job_id)
        if job.status == "completed":
            return job
        assert job.status in ("pending", "processing")
    raise AssertionError(f"job {job_id} did not complete")


@family("jobs")
def jobs(sdk: Any, audience: str) -> None:
    import gzip
    import json
    import os
    import ssl

    import httpx

    connection_id = _db_connection_id(sdk)
    user = _user(sdk, "export.me@example.com")
    export = sdk.jobs.users_exports.create(
        connection_id=connection_id,
        format="json",
        fields=[{"name": "email"}, {"name": "user_id"}],
    )
    assert export.type == "users_export"
    assert export.status == "pending"
    done = _completed(sdk, export.id)
    assert done.location
    trust = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    exported = httpx.get(done.location, verify=trust)
    assert exported.status_code == 200
    rows = [json.loads(line) for line in gzip.decompress(exported.content).splitlines()]
    assert {"email": "export.me@example.com", "user_id": user.user_id} in rows
    users_file = (
        b'[{"email": "imported@example.com", "email_verified": true,'
        b' "user_metadata": {"source": "legacy"}}]'
    )
    imported = sdk.jobs.users_imports.create(
        users=("users.json", users_file, "application/json"),
        connection_id=connection_id,
        upsert=True,
    )
    assert imported.type == "users_import"
    assert imported.connection_id == connection_id
    assert _completed(sdk, imported.id).summary.inserted == 1
    (made,) = sdk.users.list_users_by_email(email="imported@example.com")
    assert made.user_metadata == {"source": "legacy"}
    assert sdk.jobs.errors.get(imported.id) is None
    verify = sdk.jobs.verification_email.create(user_id=user.user_id)
    assert verify.type == "verification_email"
    assert _completed(sdk, verify.id).type == "verification_email"
    with pytest.raises(errors.NotFoundError):
        sdk.jobs.get("job_0000000000000000")


@family("tickets")
def tickets(sdk: Any, audience: str) -> None:
    user = _user(sdk, "forgetful@example.com")
    change = sdk.tickets.change_password(
        user_id=user.user_id, result_url="https://app.example/done", ttl_sec=3600
    )
    assert change.ticket.startswith("https://")
    assert "/u/reset-password?ticket=" in change.ticket
    verify = sdk.tickets.verify_email(user_id=user.user_id, result_url="https://app.example/ok")
    assert "/u/email-verification?ticket=" in verify.ticket
    with pytest.raises(errors.NotFoundError):
        sdk.tickets.change_password(user_id="auth0|nobody")


@family("grants")
def grants(sdk: Any, audience: str) -> None:
    user = _user(sdk, "consenting@example.com")
    assert list(sdk.user_grants.list(user_id=user.user_id)) == []
    sdk.user_grants.delete_by_user_id(user_id=user.user_id)
    from auth0.management.core.api_error import ApiError

    # Auth0's grant ids are 24 hex digits; another id is refused (auth0/ruby-auth0#303). 6.x
    # raises its typed errors here for 401, 403 and 429 only, ApiError for the rest.
    with pytest.raises(ApiError) as malformed:
        sdk.user_grants.delete("nonexistent-grant")
    assert malformed.value.status_code == 400
    with pytest.raises(ApiError) as unknown:
        sdk.user_grants.delete("63cff5bc7209008e35c888c1")
    assert unknown.value.status_code == 404


@family("stats")
def stats(sdk: Any, audience: str) -> None:
    _user(sdk, "counted@example.com")
    assert sdk.stats.get_active_users_count() == 0  # nobody logged in
    assert sdk.stats.get_daily(from_="20000101", to="20000107") == []
    daily = sdk.stats.get_daily()
    assert [day.signups for day in daily] == [1]
    for day in daily:
        assert day.date
        assert day.logins == 0


@family("users")
def users(sdk: Any, audience: str) -> None:
    made = _user(sdk, "ada@example.com", name="Ada", user_metadata={"plan": "free"})
    assert made.user_id.startswith("auth0|")
    assert made.email == "ada@example.com"
    assert made.user_metadata == {"plan": "free"}
    got = sdk.users.get(made.user_id)
    assert got.name == "Ada"
    updated = sdk.users.update(made.user_id, user_metadata={"plan": "pro"}, nickname="ada")
    assert updated.user_metadata == {"plan": "pro"}
    assert updated.nickname == "ada"
    found = sdk.users.list(q='email:"ada@example.com"', search_engine="v3")
    assert [u.user_id for u in found] == [made.user_id]
    by_email = sdk.users.list_users_by_email(email="ada@example.com")
    assert [u.user_id for u in by_email] == [made.user_id]

    # permissions
    permission = {"resource_server_identifier": audience, "permission_name": "read:users"}
    sdk.users.permissions.create(made.user_id, permissions=[permission])
    listed = list(sdk.users.permissions.list(made.user_id))
    assert [(p.resource_server_identifier, p.permission_name) for p in listed] == [
        (audience, "read:users")
    ]
    sdk.users.permissions.delete(made.user_id, permissions=[permission])
    assert list(sdk.users.permissions.list(made.user_id)) == []

    # identities: a second account linked into the first, then unlinked
    other = _user(sdk, "ada.work@example.com")
    other_id = other.user_id.split("|", 1)[1]
    linked = sdk.users.identities.link(made.user_id, provider="auth0", user_id=other_id)
    assert sorted(i.user_id for i in linked) == sorted([made.user_id.split("|", 1)[1], other_id])
    unlinked = sdk.users.identities.delete(made.user_id, "auth0", other_id)
    assert [i.user_id for i in unlinked] == [made.user_id.split("|", 1)[1]]

    # authentication methods
    method = sdk.users.authentication_methods.create(
        made.user_id, type="phone", name="work phone", phone_number="+15555550123"
    )
    assert method.type == "phone"
    methods = list(sdk.users.authentication_methods.list(made.user_id))
    assert method.id in [m.id for m in methods]
    one = sdk.users.authentication_methods.get(made.user_id, method.id)
    assert one.id == method.id
    renamed = sdk.users.authentication_methods.update(made.user_id, method.id, name="cell")
    assert renamed.name == "cell"
    sdk.users.authentication_methods.delete(made.user_id, method.id)
    assert method.id not in [m.id for m in sdk.users.authentication_methods.list(made.user_id)]

    # logs, blocks, sessions, refresh tokens of a user who never logged in: the API's
    # signup ("ss", as go-auth0's recordings show) is the one event of their own
    assert [log.type for log in sdk.users.logs.list(made.user_id)] == ["ss"]
    assert sdk.user_blocks.list(made.user_id).blocked_for == []
    assert list(sdk.users.sessions.list(made.user_id)) == []
    assert list(sdk.users.refresh_token.list(made.user_id)) == []
    sdk.users.sessions.delete(made.user_id)
    sdk.users.refresh_token.delete(made.user_id)

    sdk.users.delete(made.user_id)
    with pytest.raises(errors.NotFoundError):
        sdk.users.get(made.user_id)


@family("branding")
def branding(sdk: Any, audience: str) -> None:
    sdk.branding.update(colors={"primary": "#ff0000"}, logo_url="https://brand.example/logo.png")
    got = sdk.branding.get()
    assert got.colors.primary == "#ff0000"
    assert got.logo_url == "https://brand.example/logo.png"
    template = "<html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
    sdk.branding.templates.update_universal_login(request={"template": template})
    assert sdk.branding.templates.get_universal_login().body == template
    sdk.branding.templates.delete_universal_login()
    wire = {k: v for k, v in THEME.items() if k != "displayName"}
    theme = sdk.branding.themes.create(**wire, display_name=THEME["displayName"])
    assert sdk.branding.themes.get(theme.theme_id).display_name == "House theme"
    assert sdk.branding.themes.get_default().theme_id == theme.theme_id
    sdk.branding.themes.delete(theme.theme_id)


@family("email_templates")
def email_templates(sdk: Any, audience: str) -> None:
    made = sdk.email_templates.create(
        template="verify_email",
        body="<p>Verify {{ user.email }}</p>",
        from_="accounts@example.com",
        subject="Verify your email",
        syntax="liquid",
        enabled=True,
    )
    assert made.template == "verify_email"
    got = sdk.email_templates.get("verify_email")
    assert got.subject == "Verify your email"
    updated = sdk.email_templates.update("verify_email", subject="Please verify")
    assert updated.subject == "Please verify"
    replaced = sdk.email_templates.set(
        "verify_email",
        template="verify_email",
        body="<p>Hi</p>",
        from_="accounts@example.com",
        subject="Hi",
        syntax="liquid",
        enabled=False,
    )
    assert replaced.enabled is False


@family("guardian")
def guardian(sdk: Any, audience: str) -> None:
    factors = {f.name: f for f in sdk.guardian.factors.list()}
    assert "otp" in factors
    assert "sms" in factors
    enabled = sdk.guardian.factors.set("otp", enabled=True)
    assert enabled.enabled is True
    assert {f.name: f.enabled for f in sdk.guardian.factors.list()}["otp"] is True
    sdk.guardian.factors.set("otp", enabled=False)
    policies = sdk.guardian.policies.set(request=["all-applications"])
    assert policies == ["all-applications"]
    assert sdk.guardian.policies.list() == ["all-applications"]
    user = _user(sdk, "mfa@example.com")
    ticket = sdk.guardian.enrollments.create_ticket(user_id=user.user_id, send_mail=False)
    assert ticket.ticket_url.startswith("https://")


@family("rules")
def rules(sdk: Any, audience: str) -> None:
    rule = sdk.rules.create(
        name="add-country",
        script="function (user, context, callback) { callback(null, user, context); }",
        enabled=True,
    )
    assert rule.id.startswith("rul_")
    assert rule.stage == "login_success"
    assert sdk.rules.get(rule.id).name == "add-country"
    disabled = sdk.rules.update(rule.id, enabled=False, order=2)
    assert disabled.enabled is False
    assert disabled.order == 2
    assert [r.id for r in sdk.rules.list()] == [rule.id]
    sdk.rules.delete(rule.id)
    with pytest.raises(errors.NotFoundError):
        sdk.rules.get(rule.id)


@family("keys")
def keys(sdk: Any, audience: str) -> None:
    signing = sdk.keys.signing.list()
    assert len(signing) >= 1
    current = [k for k in signing if k.current]
    assert len(current) == 1
    assert sdk.keys.signing.get(current[0].kid).kid == current[0].kid
    rotated = sdk.keys.signing.rotate()
    assert rotated.kid != current[0].kid
    after = sdk.keys.signing.list()
    assert [k.kid for k in after if k.current] == [rotated.kid]
    revoked = sdk.keys.signing.revoke(current[0].kid)
    assert revoked.kid == current[0].kid


@family("actions")
def actions(sdk: Any, audience: str) -> None:
    triggers = [t.id for t in sdk.actions.triggers.list().triggers]
    assert "post-login" in triggers
    action = sdk.actions.create(
        name="add-claims",
        supported_triggers=[{"id": "post-login", "version": "v3"}],
        code="exports.onExecutePostLogin = async (event, api) => {};",
        runtime="node18",
        secrets=[{"name": "KEY", "value": "not-a-secret"}],
    )
    assert action.name == "add-claims"
    assert sdk.actions.get(action.id).code.startswith("exports.onExecutePostLogin")
    updated = sdk.actions.update(
        action.id, code="exports.onExecutePostLogin = async (event, api) => { api; };"
    )
    assert updated.code.endswith("{ api; };")
    deployed = sdk.actions.deploy(action.id)
    assert deployed.action.id == action.id
    versions = list(sdk.actions.versions.list(action.id))
    assert len(versions) == 1
    version = sdk.actions.versions.get(action.id, versions[0].id)
    assert version.code.endswith("{ api; };")
    assert [a.id for a in sdk.actions.list(action_name="add-claims")] == [action.id]
    sdk.actions.triggers.bindings.update_many(
        "post-login", bindings=[{"ref": {"type": "action_id", "value": action.id}}]
    )
    bindings = list(sdk.actions.triggers.bindings.list("post-login"))
    assert [b.action.id for b in bindings] == [action.id]
    sdk.actions.triggers.bindings.update_many("post-login", bindings=[])
    assert list(sdk.actions.triggers.bindings.list("post-login")) == []
    sdk.actions.delete(action.id)
    with pytest.raises(errors.NotFoundError):
        sdk.actions.get(action.id)
