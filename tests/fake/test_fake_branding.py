"""Branding over real HTTP: the universal-login template and themes, as the terraform provider's
recordings of real tenants show them (TestAccBranding.yaml, TestAccBrandingTheme.yaml)."""

from __future__ import annotations

import re

import httpx
from fake_helpers import bearer
from sdk4_sequences import THEME  # every block Auth0 requires of a theme

from pytest_auth0_m2m.fake import FakeAuth0

TEMPLATE = "/api/v2/branding/templates/universal-login"
THEMES = "/api/v2/branding/themes"
HTML = (
    "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>"
)


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, "read:branding", "update:branding", "delete:branding")


def test_template_sent_as_an_object_is_answered_as_body_and_deleted(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # The SDKs send the spec's object form {"template": ...}; Auth0 answers a GET {"body": ...}
    # as it does after the bare string the provider sends; DELETE 204, then 404 again.
    assert http.get(TEMPLATE, headers=_h(fake)).status_code == 404
    put = http.put(TEMPLATE, json={"template": HTML}, headers=_h(fake))
    assert put.status_code == 201
    assert http.get(TEMPLATE, headers=_h(fake)).json() == {"body": HTML}
    assert http.delete(TEMPLATE, headers=_h(fake)).status_code == 204
    gone = http.get(TEMPLATE, headers=_h(fake))
    assert gone.status_code == 404
    assert gone.json()["message"] == "Template does not exist."
    assert gone.json()["errorCode"] == "inexistent_templates_universal_login"  # recorded


def test_template_object_form_takes_no_other_key(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec's object form is {"template"} only (additionalProperties false): a nested object
    # (4.x's method given a dict wraps it again) is refused, as Auth0's validator does.
    r = http.put(TEMPLATE, json={"template": {"template": HTML}}, headers=_h(fake))
    assert r.status_code == 400
    assert http.get(TEMPLATE, headers=_h(fake)).status_code == 404


def test_theme_create_keeps_its_display_name_and_becomes_the_default(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccBrandingTheme.yaml: no theme -> default 404 "invalid theme ID"; POST answers 200
    # with a 32-character themeId; the default is that theme; displayName is answered once sent
    # (the recording's PATCH); DELETE 204 and the default is 404 again.
    missing = http.get(f"{THEMES}/default", headers=_h(fake))
    assert missing.status_code == 404
    assert "invalid theme ID" in missing.json()["message"]
    assert missing.json()["errorCode"] == "theme_not_found"
    made = http.post(THEMES, json={**THEME, "displayName": "House"}, headers=_h(fake))
    assert made.status_code == 200
    theme = made.json()
    assert re.fullmatch(r"[A-Za-z0-9]{32}", theme["themeId"])
    assert theme["displayName"] == "House"
    item = f"{THEMES}/{theme['themeId']}"
    assert http.get(item, headers=_h(fake)).json()["displayName"] == "House"
    default = http.get(f"{THEMES}/default", headers=_h(fake)).json()
    assert default["themeId"] == theme["themeId"]
    assert http.delete(item, headers=_h(fake)).status_code == 204
    assert http.get(f"{THEMES}/default", headers=_h(fake)).status_code == 404
