"""Credentials the plugin hands out are usable strings whose repr never shows them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from pytest_auth0_m2m.auth0.endpoints import AccessToken, AppCredentials, ClientSecret
from pytest_auth0_m2m.provisioning.settings import Setting, Settings

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVlLWFiY2Q"


def test_a_token_is_a_str_with_a_masked_repr() -> None:
    token = AccessToken(TOKEN)
    assert token == TOKEN
    assert isinstance(token, str)
    assert f"Bearer {token}" == f"Bearer {TOKEN}"
    assert json.dumps({"t": token}) == json.dumps({"t": TOKEN})
    assert str(token) == TOKEN
    assert type(str(token)) is str
    assert repr(token) == "'<token …YWJj>'"[:-6] + TOKEN[-4:] + ">'"
    assert TOKEN not in repr(token)
    assert TOKEN not in repr([token])
    assert TOKEN not in f"{token!r}"


def test_a_short_secret_shows_no_characters() -> None:
    assert repr(ClientSecret("REDACTED")) == "'<client secret>'"


def test_settings_and_credentials_reprs_hold_no_secret() -> None:
    settings = Settings(
        fake=Setting(False, "default"),
        domain=Setting("dev-x.eu.auth0.com", "env AUTH0_DOMAIN"),
        client_id="the-client-id",
        client_secret="s3cr3t-provisioner-secret-value",
        allowed_domains=("dev-x.eu.auth0.com",),
        record_mode="once",
        cassette_dir=Path("cassettes"),
        token_cache=Setting(True, "default"),
        keep=Setting(False, "default"),
        delete_apps=Setting(False, "default"),
    )
    assert "s3cr3t-provisioner-secret-value" not in repr(settings)
    assert "s3cr3t-provisioner-secret-value" not in str(settings)
    assert "the-client-id" in repr(settings)
    credentials = AppCredentials("d", "id", "app-secret-value", "aud", "url")
    assert "app-secret-value" not in repr(credentials)
    masked = dataclasses.replace(credentials, client_secret=ClientSecret("app-secret-value"))
    assert "app-secret-value" not in repr(masked.client_secret)


def test_a_domain_holding_the_client_secret_is_refused_without_showing_either() -> None:
    # Red-team finding: "dev-x.eu.auth0.com.<secret>" is a host name, so the allowlist error
    # printed it (the secret lowercased, past every masker).
    from pytest_auth0_m2m.provisioning.settings import SettingsError, resolve

    secret = "Zq9xSECRETvalue_abc123XYZ"
    for pasted in (f"dev-plantedtenant.eu.auth0.com.{secret}", f"{secret.lower()}.auth0.com"):
        try:
            resolve(
                cli_fake=None,
                ini_fake=None,
                cli_domain=None,
                ini_domain=None,
                env={"AUTH0_DOMAIN": pasted, "AUTH0_CLIENT_SECRET": secret},
                allowed_domains=[],
                record_mode="once",
                cassette_dir=Path("cassettes"),
                cli_no_token_cache=None,
                cli_keep=None,
                cli_delete_apps=None,
            )
        except SettingsError as exc:
            message = str(exc)
        else:
            raise AssertionError("accepted")
        assert "env AUTH0_DOMAIN holds the value of AUTH0_CLIENT_SECRET" in message
        assert secret.lower() not in message.lower()
        assert "plantedtenant" not in message
