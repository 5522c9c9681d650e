"""Record a project against the emulator, then replay it offline with no credentials."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from pytest_auth0_m2m.cassettes.audit import main as audit_main

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

# Instruments the generated project: every token the emulator mints and every client secret
# it holds are written to emulator-secrets.json, so the test can look for them in cassettes.
SPY_CONFTEST = """
import json
import pytest
from pytest_auth0_m2m.fake import auth as fake_auth

MINTED = []
_mint = fake_auth.Signer.mint


def _spy_mint(self, *args, **kwargs):
    token = _mint(self, *args, **kwargs)
    MINTED.append(token)
    return token


fake_auth.Signer.mint = _spy_mint


@pytest.fixture(scope="session", autouse=True)
def _dump_emulator_secrets(request):
    if not request.config.getoption("--auth0-fake"):
        yield
        return
    fake = request.getfixturevalue("auth0_fake")
    yield
    secrets = [fake.provisioner.client_secret]
    secrets += [c["client_secret"] for c in fake.tenant.clients.values() if c.get("client_secret")]
    with open("emulator-secrets.json", "w") as f:
        json.dump({"secrets": secrets, "tokens": MINTED}, f)
"""

TESTS = """
import httpx
import jwt
import pytest


@pytest.mark.mgmt_scopes("read:clients")
def test_lists_clients(mgmt_client, mgmt_token):
    assert mgmt_client.get("clients").status_code == 200
    claims = jwt.decode(mgmt_token, options={"verify_signature": False})
    assert claims["scope"] == "read:clients"


@pytest.mark.mgmt_scopes("read:clients")
def test_fetches_its_own_token(m2m_credentials):
    reply = httpx.post(
        m2m_credentials.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": m2m_credentials.client_id,
            "client_secret": m2m_credentials.client_secret,
            "audience": m2m_credentials.audience,
        },
    )
    assert reply.status_code == 200, reply.text
    token = reply.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "read:clients"


@pytest.mark.mgmt_scopes("read:users")
def test_cannot_delete_clients(mgmt_client):
    reply = mgmt_client.delete("clients/abc")
    assert reply.status_code == 403
    assert reply.json()["errorCode"] == "insufficient_scope"


@pytest.mark.mgmt_scopes("create:clients")
def test_creates_client(mgmt_client, auth0_tenant):
    reply = mgmt_client.post("clients", json={"name": "by-test", "app_type": "non_interactive"})
    assert reply.status_code == 201
    assert reply.json()["client_secret"]


@pytest.mark.mgmt_scopes()
def test_makes_no_request(mgmt_token, auth0_tenant):
    assert jwt.decode(mgmt_token, options={"verify_signature": False})["scope"] == ""
"""


def encodings(value: str) -> set[str]:
    raw = value.encode()
    return {
        value,
        quote(value, safe=""),
        quote_plus(value),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def cassette_texts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yaml"))}


def record(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("--auth0-fake", "-p", "no:cacheprovider", *args)


def replay(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str
) -> pytest.RunResult:
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return project.runpytest_subprocess("--block-network", "-p", "no:cacheprovider", *args)


@pytest.fixture
def recorded(project: pytest.Pytester) -> pytest.Pytester:
    project.makeconftest(SPY_CONFTEST)
    project.makepyfile(test_app=TESTS)
    result = record(project, "--record-mode=once")
    result.assert_outcomes(passed=5)
    return project


def test_record_then_replay_offline_without_a_secret(
    recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = recorded.path / "cassettes"
    texts = cassette_texts(root)
    assert sorted(texts) == [
        "test_app/test_cannot_delete_clients.yaml",
        "test_app/test_creates_client.yaml",
        "test_app/test_fetches_its_own_token.yaml",
        "test_app/test_lists_clients.yaml",
        "test_app/test_makes_no_request.yaml",
    ]
    issued = json.loads((recorded.path / "emulator-secrets.json").read_text())
    assert len(issued["tokens"]) >= 3
    assert len(issued["secrets"]) >= 3
    everything = "\n".join(texts.values())
    for value in issued["secrets"] + issued["tokens"]:
        for form in encodings(value):
            assert form not in everything
    assert "localhost" not in everything
    assert "127.0.0.1" not in everything
    assert "authorization:" not in everything.lower()
    assert "bearer " not in everything.lower()
    assert "x-ratelimit" not in everything.lower()
    assert audit_main([str(root)]) == 0

    result = replay(recorded, monkeypatch, "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*mode=replay, tenant=tenant.auth0.invalid*"])
    # Replay writes nothing.
    assert cassette_texts(root) == texts


def test_a_test_without_cassette_fails_with_the_command_that_records_it(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_new="""
        import pytest

        @pytest.mark.mgmt_scopes("read:users")
        def test_new_thing(mgmt_client):
            mgmt_client.get("users")
        """
    )
    result = replay(project, monkeypatch)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-auth0-m2m: no cassette for test_new.py::test_new_thing: expected "
            "cassettes/test_new/test_new_thing.yaml.",
            "*AUTH0_DOMAIN=<dev-tenant> AUTH0_CLIENT_ID=<provisioner-id> "
            "AUTH0_CLIENT_SECRET=<provisioner-secret> pytest test_new.py::test_new_thing "
            "--record-mode=once",
            "*pytest test_new.py::test_new_thing --record-mode=once --auth0-fake",
        ]
    )


def test_fake_mode_without_recording_uses_no_cassette(project: pytest.Pytester) -> None:
    project.makepyfile(test_app=TESTS)
    record(project).assert_outcomes(passed=5)
    assert not (project.path / "cassettes").exists()


def test_cassette_dir_ini_and_module_mirroring(project: pytest.Pytester) -> None:
    project.makeini(
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        auth0_cassette_dir = recordings/auth0
        """
    )
    pkg = project.mkpydir("tests")
    (pkg / "test_deep.py").write_text(TESTS)
    record(project, "--record-mode=once", "-k", "cannot_delete").assert_outcomes(passed=1)
    assert (
        project.path / "recordings/auth0/tests/test_deep/test_cannot_delete_clients.yaml"
    ).is_file()


def _normalized(texts: dict[str, str]) -> dict[str, str]:
    """Cassettes with what Auth0 itself changes between recordings (dates, new ids) masked."""
    import re

    import yaml

    from pytest_auth0_m2m.cassettes.placeholders import unverified_claims

    def token(match: re.Match[str]) -> str:
        claims = unverified_claims(match.group(0)) or {}
        return "JWT" + json.dumps(claims, sort_keys=True)

    out = {}
    for name, text in texts.items():
        flat = json.dumps(yaml.safe_load(text), sort_keys=True)  # undo YAML line folding
        flat = re.sub(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", token, flat)
        flat = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "DATE", flat)
        # The plugin's own app metadata: epoch dates and lease ids.
        flat = re.sub(r"\b1\d{9}\b", "EPOCH", flat)
        flat = re.sub(r'leases\\":\s*\\"[^\\]*', "leases: LEASES", flat)
        flat = re.sub(r'client_id\\":\s*\\"(?!replay)[A-Za-z0-9]{32}', "client_id: ID", flat)
        out[name] = flat
    return out


def test_record_modes_give_the_same_cassettes_again(
    recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = recorded.path / "cassettes"
    first = _normalized(cassette_texts(root))
    for mode in ("once", "new_episodes", "all", "rewrite"):
        record(recorded, f"--record-mode={mode}").assert_outcomes(passed=5)
        assert _normalized(cassette_texts(root)) == first, mode
    replay(recorded, monkeypatch).assert_outcomes(passed=5)


def test_a_secret_query_parameter_replays(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recorded as ?password=REDACTED; on replay the test still sends the real value.
    project.makepyfile(
        test_query="""
        import pytest

        @pytest.mark.mgmt_scopes("read:users")
        def test_searches(mgmt_client):
            r = mgmt_client.get("users", params={"password": "Query-Planted-991", "per_page": 1})
            assert r.status_code in (200, 400)
        """
    )
    record(project, "--record-mode=once").assert_outcomes(passed=1)
    text = "\n".join(cassette_texts(project.path / "cassettes").values())
    assert "Query-Planted-991" not in text
    result = replay(project, monkeypatch)
    result.assert_outcomes(passed=1)
    assert "Query-Planted-991" not in result.stdout.str()


def test_a_redacted_value_reused_in_a_path_or_query_replays(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Red-team finding: a password redacted from a body and then sent again in a search or a
    # path was masked when recording but not when replaying ("the test changed since it was
    # recorded"). Replay now learns a body's secret fields as recording did.
    project.makepyfile(
        test_reuse="""
        import pytest

        PASSWORD = "Vw7Reuse-Planted_4m"

        def made(mgmt_client, email, password):
            body = {"connection": "Username-Password-Authentication", "email": email,
                    "password": password}
            assert mgmt_client.post("users", json=body).status_code == 201

        @pytest.mark.mgmt_scopes("create:users", "read:users")
        def test_query_reuse(mgmt_client):
            made(mgmt_client, "q@example.com", PASSWORD)
            assert mgmt_client.get("users", params={"q": PASSWORD}).status_code == 200

        @pytest.mark.mgmt_scopes("create:users", "read:users")
        def test_path_reuse(mgmt_client):
            made(mgmt_client, "p@example.com", PASSWORD + "x")
            assert mgmt_client.get(f"users/{PASSWORD}x").status_code == 404

        @pytest.mark.mgmt_scopes("create:users", "read:users")
        def test_path_reuse_with_characters_a_path_keeps(mgmt_client):
            # httpx sends "a b!:c" in a path as "a%20b!:c" (red-team finding: not redacted)
            made(mgmt_client, "s@example.com", "Vw7Reuse:Planted 4m!")
            assert mgmt_client.get("users/Vw7Reuse:Planted 4m!").status_code == 404
        """
    )
    record(project, "--record-mode=once").assert_outcomes(passed=3)
    text = "\n".join(cassette_texts(project.path / "cassettes").values())
    assert "Vw7Reuse-Planted_4m" not in text
    assert "Planted%204m" not in text
    assert "users?q=REDACTED" in text
    assert "users/REDACTED" in text
    result = replay(project, monkeypatch)
    result.assert_outcomes(passed=3)
    assert "Vw7Reuse-Planted_4m" not in result.stdout.str()


def test_a_value_redacted_in_another_test_replays_in_any_selection(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Red-team finding: test_b's search was recorded as q=REDACTED because test_a had redacted
    # the password earlier in the session; replaying test_b alone (or on another xdist worker)
    # did not know it and failed as "the test changed". A recorded REDACTED matches any value.
    project.makepyfile(
        test_shared="""
        import pytest

        PASSWORD = "Shared:Pass%word!42"

        @pytest.mark.mgmt_scopes("create:users")
        def test_a_creates(mgmt_client):
            body = {"connection": "Username-Password-Authentication", "email": "s@example.com",
                    "password": PASSWORD}
            assert mgmt_client.post("users", json=body).status_code == 201

        @pytest.mark.mgmt_scopes("read:users")
        def test_b_searches(mgmt_client):
            assert mgmt_client.get("users", params={"q": f'name:"{PASSWORD}"'}).status_code == 200
            assert mgmt_client.get(f"users/auth0|{PASSWORD}").status_code == 404
        """
    )
    record(project, "--record-mode=once", "-p", "no:randomly").assert_outcomes(passed=2)
    text = "\n".join(cassette_texts(project.path / "cassettes").values())
    assert "Pass%word" not in text
    assert "Pass%25word" not in text
    replay(project, monkeypatch, "-k", "b_searches").assert_outcomes(passed=1)
    replay(project, monkeypatch, "-n", "2").assert_outcomes(passed=2)
