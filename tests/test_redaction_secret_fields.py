"""Every secret kind Auth0's APIs define, planted in a request/response pair and run through the
Redactor as vcrpy runs it (``before_record_request``, then ``before_record_response``): the
planted value is in no form (plain, URL-encoded, JSON-escaped) in what would be written, and the
registry guards it from then on."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import pytest
from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from pytest_auth0_m2m.auth0.endpoints import RECORDINGS_DOMAIN
from pytest_auth0_m2m.auth0.secret_fields import REDACTED
from pytest_auth0_m2m.cassettes.redaction import Redactor
from pytest_auth0_m2m.cassettes.registry import SecretRegistry

DOMAIN = "dev-x.eu.auth0.com"
BASE = f"https://{DOMAIN}/api/v2"
# Characters URL-encoding and JSON escaping change, so each form is a different string.
PASSWORD = 'Pl4nted/pass+word w1th&"quote"'
TICKET = "TkT9q8w7e6r5t4y3u2i1o0pPLANTED"
SECRET = "s3cr3t/PLANTED+value=42&x"


def forms(value: str) -> set[str]:
    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


@pytest.fixture
def registry() -> SecretRegistry:
    registry = SecretRegistry()
    registry.add_tenant(DOMAIN)
    return registry


def _response(body: Any, status: int = 200, content_type: str = "application/json") -> Any:
    if isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raw = json.dumps(body).encode()
    return {
        "status": {"code": status, "message": "OK"},
        "headers": {"Content-Type": [content_type]},
        "body": {"string": raw},
    }


class Recorded:
    """One interaction as vcrpy would append it to a cassette, redacted."""

    def __init__(
        self,
        registry: SecretRegistry,
        method: str,
        url: str,
        body: Any = None,
        response: Any = None,
        *,
        content_type: str = "application/json",
        status: int = 200,
        response_type: str = "application/json",
    ) -> None:
        if isinstance(body, (dict, list)):
            raw = json.dumps(body).encode()
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = body or b""
        request = Request(method, url, raw, {"Content-Type": content_type})
        # plugin/cassettes.py makes a Redactor for each call, as here.
        redacted = Redactor.for_registry(registry).request(request)
        assert redacted is not None
        self.request = redacted
        answer = Redactor.for_registry(registry).response(
            _response(response if response is not None else {}, status, response_type)
        )
        assert answer is not None
        self.response = answer
        self.text = serialize({"requests": [redacted], "responses": [answer]}, yamlserializer)
        body_out = answer["body"]["string"]
        self.response_bytes = body_out if isinstance(body_out, bytes) else body_out.encode()
        request_out = redacted.body or b""
        self.request_bytes = request_out if isinstance(request_out, bytes) else request_out.encode()

    def response_json(self) -> Any:
        return json.loads(self.response_bytes)

    def request_json(self) -> Any:
        return json.loads(self.request_bytes)

    def assert_absent(self, registry: SecretRegistry, *values: str) -> None:
        readable = "\n".join(
            (self.text, self.request.uri, _text(self.request_bytes), _text(self.response_bytes))
        )
        for value in values:
            for form in forms(value):
                assert form not in readable, f"{form!r} reached the cassette"
            assert value in {s.value for s in registry.secrets()}, "not guarded from now on"


def _text(raw: bytes) -> str:
    for charset in ("utf-8", "utf-16", "utf-32"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def test_user_password_in_json(registry: SecretRegistry) -> None:
    body = {"email": "a@example.com", "password": PASSWORD, "connection": "db"}
    rec = Recorded(registry, "POST", f"{BASE}/users", body, {"user_id": "auth0|1"}, status=201)
    rec.assert_absent(registry, PASSWORD)
    assert rec.request_json() == {
        "email": "a@example.com",
        "password": REDACTED,
        "connection": "db",
    }


def test_user_password_in_a_form_body(registry: SecretRegistry) -> None:
    body = urlencode({"password": PASSWORD, "connection": "db"})
    rec = Recorded(
        registry,
        "PATCH",
        f"{BASE}/users/auth0%7C1",
        body,
        {"user_id": "auth0|1"},
        content_type="application/x-www-form-urlencoded",
    )
    rec.assert_absent(registry, PASSWORD)
    assert "connection=db" in rec.request_bytes.decode()


def test_user_password_echoed_in_a_400_message(registry: SecretRegistry) -> None:
    error = {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"PasswordStrengthError: Password is too weak: {PASSWORD}",
    }
    body = {"email": "a@example.com", "password": PASSWORD, "connection": "db"}
    rec = Recorded(registry, "POST", f"{BASE}/users", body, error, status=400)
    rec.assert_absent(registry, PASSWORD)
    assert rec.response_json()["message"] == "PasswordStrengthError: Password is too weak: REDACTED"
    # Later in the session, anywhere (a query string, another body), it is masked too.
    later = Recorded(registry, "GET", f"{BASE}/users?q={quote(PASSWORD)}", None, {"echo": PASSWORD})
    later.assert_absent(registry, PASSWORD)


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("tickets/password-change", f"https://{DOMAIN}/lo/reset?ticket={TICKET}#"),
        ("tickets/email-verification", f"https://{DOMAIN}/u/email-verification?ticket={TICKET}#"),
    ],
)
def test_ticket_urls_keep_their_shape(registry: SecretRegistry, path: str, url: str) -> None:
    rec = Recorded(
        registry, "POST", f"{BASE}/{path}", {"user_id": "auth0|1"}, {"ticket": url}, status=201
    )
    rec.assert_absent(registry, TICKET, url)
    ticket = rec.response_json()["ticket"]
    assert ticket == url.replace(TICKET, REDACTED).replace(DOMAIN, RECORDINGS_DOMAIN)
    parts = urlsplit(ticket)
    assert parts.scheme == "https"
    assert parts.hostname == RECORDINGS_DOMAIN


def test_guardian_enrollment_ticket(registry: SecretRegistry) -> None:
    url = f"https://{DOMAIN}/u/guardian/enroll?ticket={TICKET}"
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/guardian/enrollments/ticket",
        {"user_id": "auth0|1"},
        {"ticket_id": TICKET, "ticket_url": url},
    )
    rec.assert_absent(registry, TICKET, url)
    assert rec.response_json()["ticket_url"].endswith("/u/guardian/enroll?ticket=REDACTED")


def test_organization_invitation_ticket(registry: SecretRegistry) -> None:
    url = f"https://app.example.com/login?invitation={TICKET}&organization=org_1&organization_name=acme"
    answer = {"id": "uinv_1", "invitation_url": url, "ticket_id": TICKET}
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/organizations/org_1/invitations",
        {"invitee": {"email": "a@example.com"}},
        answer,
        status=201,
    )
    rec.assert_absent(registry, TICKET, url)
    invitation = urlsplit(rec.response_json()["invitation_url"])
    assert invitation.query == "invitation=REDACTED&organization=org_1&organization_name=acme"
    # Listing the invitations later: the list's fields are redacted too.
    listing = Recorded(registry, "GET", f"{BASE}/organizations/org_1/invitations", None, [answer])
    listing.assert_absent(registry, TICKET, url)


def test_recovery_code(registry: SecretRegistry) -> None:
    code = "RC7PLANTEDRECOVERY8CODE9"
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/users/auth0%7C1/recovery-code-regeneration",
        None,
        {"recovery_code": code},
    )
    rec.assert_absent(registry, code)


def test_totp_secret_of_an_authentication_method(registry: SecretRegistry) -> None:
    seed = "JBSWY3DPEHPK3PXPPLANTED"
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/users/auth0%7C1/authentication-methods",
        {"type": "totp", "totp_secret": seed, "name": "phone app"},
        {"id": "totp|dev_1", "type": "totp", "totp_secret": seed},
        status=201,
    )
    rec.assert_absent(registry, seed)
    assert rec.request_json()["name"] == "phone app"


def test_resource_server_signing_secret(registry: SecretRegistry) -> None:
    body = {"identifier": "https://api.example", "signing_alg": "HS256", "signing_secret": SECRET}
    rec = Recorded(registry, "POST", f"{BASE}/resource-servers", body, {"id": "rs_1", **body})
    rec.assert_absent(registry, SECRET)
    assert rec.response_json()["signing_alg"] == "HS256"


def test_connection_options_configuration_values(registry: SecretRegistry) -> None:
    body = {
        "name": "db",
        "strategy": "auth0",
        "options": {"configuration": {"API_KEY": SECRET, "nested": ["also" + SECRET]}},
    }
    rec = Recorded(registry, "POST", f"{BASE}/connections", body, {"id": "con_1", **body})
    rec.assert_absent(registry, SECRET, "also" + SECRET)
    assert rec.request_json()["options"]["configuration"] == {
        "API_KEY": REDACTED,
        "nested": [REDACTED],
    }


def test_email_provider_api_key(registry: SecretRegistry) -> None:
    body = {"name": "sendgrid", "credentials": {"api_key": SECRET}, "default_from_address": "x@y"}
    rec = Recorded(registry, "POST", f"{BASE}/emails/provider", body, body, status=201)
    rec.assert_absent(registry, SECRET)


def test_log_stream_sink_http_authorization(registry: SecretRegistry) -> None:
    sink = {"httpEndpoint": "https://logs.example", "httpAuthorization": f"Bearer {SECRET}"}
    body = {"name": "logs", "type": "http", "sink": sink}
    rec = Recorded(registry, "POST", f"{BASE}/log-streams", body, {"id": "lst_1", **body})
    rec.assert_absent(registry, f"Bearer {SECRET}")
    assert SECRET not in rec.text
    assert rec.response_json()["sink"]["httpEndpoint"] == "https://logs.example"
    listing = Recorded(registry, "GET", f"{BASE}/log-streams", None, [{"id": "lst_1", **body}])
    listing.assert_absent(registry, f"Bearer {SECRET}")


def test_scim_token(registry: SecretRegistry) -> None:
    token = "scimtok_PLANTED0123456789abcdef"
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/connections/con_1/scim-configuration/tokens",
        {"scopes": ["get:users"]},
        {"token_id": "tok_1", "token": token, "scopes": ["get:users"]},
        status=201,
    )
    rec.assert_absent(registry, token)


def test_device_credential_value(registry: SecretRegistry) -> None:
    value = "devcred_PLANTED_0123456789"
    body = {"device_name": "phone", "type": "public_key", "value": value, "device_id": "d1"}
    rec = Recorded(registry, "POST", f"{BASE}/device-credentials", body, {"id": "dcr_1"})
    rec.assert_absent(registry, value)
    listing_value = "devcred_LISTED_9876543210"
    listing = Recorded(
        registry,
        "GET",
        f"{BASE}/device-credentials?user_id=auth0%7C1",
        None,
        [{"id": "dcr_1", "device_name": "phone", "value": listing_value}],
    )
    listing.assert_absent(registry, listing_value)


def test_bcrypt_password_hash_in_a_multipart_users_import(registry: SecretRegistry) -> None:
    password_hash = "$2b$10$PLANTEDhashPLANTEDhashPLANTEDhashPLANTEDhash012"
    users = json.dumps([{"email": "a@example.com", "password_hash": password_hash}])
    boundary = "----pytestboundary42"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="connection_id"\r\n\r\n'
        "con_0000000000000001\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="users"; filename="users.json"\r\n'
        "Content-Type: application/json\r\n\r\n"
        f"{users}\r\n"
        f"--{boundary}--\r\n"
    )
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/jobs/users-imports",
        body,
        {"id": "job_1", "status": "pending"},
        content_type=f"multipart/form-data; boundary={boundary}",
        status=202,
    )
    rec.assert_absent(registry, password_hash)
    out = rec.request_bytes.decode()
    assert "con_0000000000000001" in out
    assert '"email":"a@example.com"' in out
    assert out.endswith(f"--{boundary}--\r\n")


@pytest.mark.parametrize("declared", [True, False])
@pytest.mark.parametrize("charset", ["utf-8", "utf-16", "utf-16-le", "utf-32"])
def test_json_in_any_charset(registry: SecretRegistry, charset: str, declared: bool) -> None:
    # Declared in the content type, or not: the bytes tell UTF-16/32 from UTF-8.
    body = json.dumps({"password": PASSWORD, "connection": "db"}).encode(charset)
    rec = Recorded(
        registry,
        "POST",
        f"{BASE}/users",
        body,
        {"user_id": "auth0|1"},
        content_type=f"application/json; charset={charset}" if declared else "application/json",
    )
    decoded = rec.request_bytes.decode(charset)
    for form in forms(PASSWORD):
        assert form not in decoded
    assert json.loads(decoded)["password"] == REDACTED


def test_json_inside_a_json_string(registry: SecretRegistry) -> None:
    inner = json.dumps({"password": PASSWORD, "note": "kept"})
    rec = Recorded(registry, "POST", f"{BASE}/users", {"user_metadata": {"blob": inner}}, {})
    rec.assert_absent(registry, PASSWORD)
    blob = json.loads(rec.request_json()["user_metadata"]["blob"])
    assert blob == {"password": REDACTED, "note": "kept"}


def test_unknown_path_redacts_every_name_the_catalogue_marks_secret(
    registry: SecretRegistry,
) -> None:
    answer = {"deep": [{"totp_secret": SECRET, "password_hash": "h" + SECRET}], "name": "kept"}
    rec = Recorded(registry, "POST", f"https://{DOMAIN}/not/auth0/at/all", None, answer)
    rec.assert_absent(registry, SECRET, "h" + SECRET)
    assert rec.response_json()["name"] == "kept"


def test_secret_query_parameter(registry: SecretRegistry) -> None:
    rec = Recorded(registry, "GET", f"https://{DOMAIN}/somewhere?ticket={quote(SECRET)}&page=2")
    rec.assert_absent(registry, SECRET)
    assert rec.request.uri == f"https://{RECORDINGS_DOMAIN}/somewhere?ticket=REDACTED&page=2"


def test_redaction_is_idempotent_and_keeps_placeholders(registry: SecretRegistry) -> None:
    body = {"password": PASSWORD, "connection": "db"}
    first = Recorded(registry, "POST", f"{BASE}/users", body, {"ticket": "x"})
    again = Recorded(registry, "POST", f"{BASE}/users", first.request_json(), {})
    assert again.request_json() == first.request_json()
    assert REDACTED not in {s.value for s in registry.secrets()}


def test_settings_about_secrets_are_kept(registry: SecretRegistry) -> None:
    body = {
        "name": "app",
        "token_endpoint_auth_method": "client_secret_post",
        "refresh_token": {"rotation_type": "rotating", "token_lifetime": 2592000},
    }
    rec = Recorded(registry, "POST", f"{BASE}/clients", body, body, status=201)
    assert rec.request_json() == body


def test_error_codes_and_action_code_are_kept(registry: SecretRegistry) -> None:
    action = {"name": "a", "code": "exports.onExecutePostLogin = async () => {};"}
    action["secrets"] = [{"name": "API_KEY", "value": SECRET}]
    error = {"statusCode": 400, "errorCode": "invalid_body", "code": "invalid_body"}
    rec = Recorded(registry, "POST", f"{BASE}/actions/actions", action, error, status=400)
    rec.assert_absent(registry, SECRET)
    assert rec.request_json()["code"] == action["code"]
    assert rec.request_json()["secrets"] == [{"name": "API_KEY", "value": REDACTED}]
    assert rec.response_json()["code"] == "invalid_body"


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_hook_secrets_are_redacted_by_value_whatever_their_names(
    registry: SecretRegistry, method: str
) -> None:
    # A hook's secrets are a map of names the user picks to values: no name says "secret".
    recorded = Recorded(registry, method, f"{BASE}/hooks/h1/secrets", {"MY_KEY": SECRET})
    assert all(form not in recorded.text for form in forms(SECRET))
    assert json.loads(recorded.request_bytes) == {"MY_KEY": REDACTED}


def test_pkce_code_verifier_and_new_password_are_redacted(registry: SecretRegistry) -> None:
    form = urlencode({"grant_type": "authorization_code", "code_verifier": SECRET})
    recorded = Recorded(
        registry,
        "POST",
        f"https://{DOMAIN}/oauth/token",
        form,
        content_type="application/x-www-form-urlencoded",
    )
    assert all(f not in recorded.text for f in forms(SECRET))
    ticket = Recorded(
        registry, "POST", f"{BASE}/tickets/password-change", {"new_password": PASSWORD}
    )
    assert all(f not in ticket.text for f in forms(PASSWORD))


def test_the_plugins_app_tag_is_recorded_as_a_placeholder(registry: SecretRegistry) -> None:
    tag = "v1:" + "ab12" * 16
    answer = [{"client_id": "c1", "client_metadata": {"tag": tag, "note": "tag"}}]
    recorded = Recorded(registry, "GET", f"{BASE}/clients", None, answer)
    assert tag not in recorded.text
    metadata = recorded.response_json()[0]["client_metadata"]
    assert metadata == {"tag": "v1:REDACTED", "note": "tag"}


def test_an_export_jobs_download_location(registry: SecretRegistry) -> None:
    # A completed users export's location is a signed URL: whoever holds it downloads the users.
    location = "https://exports.example/dev-x/job_1.json.gz?Signature=PLANTEDsig42&Expires=9"
    rec = Recorded(
        registry,
        "GET",
        f"{BASE}/jobs/job_1",
        None,
        {"id": "job_1", "type": "users_export", "status": "completed", "location": location},
    )
    rec.assert_absent(registry, location)
    assert rec.response_json()["status"] == "completed"
