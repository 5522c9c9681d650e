"""The spec-driven resource engine (fake/routes/engine.py) over real HTTP: singletons, collections,
items, sub-resources, actions, paging, checkpoints; expectations named after the recording that
shows them (auth0/terraform-provider-auth0, test/data/recordings/)."""

from __future__ import annotations

import re

import httpx
from fake_helpers import bearer

from pytest_auth0_m2m.auth0.scopes import catalogue
from pytest_auth0_m2m.fake import FakeAuth0
from pytest_auth0_m2m.fake.routes import handlers
from pytest_auth0_m2m.fake.routes.engine import facts

ALL = tuple(sorted(catalogue().scopes))


def _h(fake: FakeAuth0) -> dict[str, str]:
    return bearer(fake, *ALL)


def test_singleton_answers_its_recorded_default_then_merges_a_patch(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccAttackProtectionBruteForceProtection.yaml: GET answers the whole object, a PATCH
    # answers it merged.
    path = "/api/v2/attack-protection/brute-force-protection"
    first = http.get(path, headers=_h(fake))
    assert first.status_code == 200
    assert set(first.json()) >= {"enabled", "shields", "mode", "max_attempts"}
    patched = http.patch(path, json={"max_attempts": 7, "enabled": True}, headers=_h(fake))
    assert patched.status_code == 200
    assert patched.json() == {**first.json(), "max_attempts": 7, "enabled": True}
    assert http.get(path, headers=_h(fake)).json() == patched.json()


def test_nested_objects_merge_in_a_patch(fake: FakeAuth0, http: httpx.Client) -> None:
    path = "/api/v2/tenants/settings"
    flags = http.get(path, headers=_h(fake)).json()["flags"]
    key = next(iter(flags))
    r = http.patch(path, json={"flags": {key: not flags[key]}}, headers=_h(fake))
    assert r.status_code == 200
    assert r.json()["flags"] == {**flags, key: not flags[key]}


def test_absent_singleton_is_404_until_created_and_after_delete(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccEmail.yaml: no provider -> 404 with Auth0's message; POST makes it; DELETE 204.
    path = "/api/v2/emails/provider"
    r = http.get(path, headers=_h(fake))
    assert r.status_code == 404
    assert r.json()["message"] == "There is not a configured email provider"
    assert http.patch(path, json={"enabled": False}, headers=_h(fake)).status_code == 404
    provider = {"name": "mandrill", "enabled": True, "credentials": {"api_key": "k"}}
    made = http.post(path, json=provider, headers=_h(fake))
    assert made.status_code == 201
    assert http.get(path, headers=_h(fake)).json()["name"] == "mandrill"
    assert http.delete(path, headers=_h(fake)).status_code == 204
    assert http.get(path, headers=_h(fake)).status_code == 404


def test_put_replaces_a_singleton_and_a_template_string_is_kept_as_body(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccBranding.yaml: PUT sends the template as a JSON string; GET answers {"body": ...}.
    path = "/api/v2/branding/templates/universal-login"
    assert http.get(path, headers=_h(fake)).status_code == 404
    html = "<!DOCTYPE html><html><head>{%- auth0:head -%}</head></html>"
    assert http.put(path, json=html, headers=_h(fake)).status_code == 201
    assert http.get(path, headers=_h(fake)).json() == {"body": html}


def test_collection_create_get_update_delete(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccLogStreamHTTP.yaml: POST answers 200 (the spec agrees), ids lst_ + 16 characters.
    made = http.post(
        "/api/v2/log-streams",
        json={"name": "ls", "type": "http", "sink": {"httpEndpoint": "https://example.com"}},
        headers=_h(fake),
    )
    assert made.status_code == 200
    stream = made.json()
    assert re.fullmatch(r"lst_[A-Za-z0-9]{16}", stream["id"])
    assert stream["status"] == "active"
    item = f"/api/v2/log-streams/{stream['id']}"
    assert http.get(item, headers=_h(fake)).json()["name"] == "ls"
    r = http.patch(item, json={"name": "renamed"}, headers=_h(fake))
    assert r.status_code == 200
    assert r.json()["name"] == "renamed"
    assert [s["id"] for s in http.get("/api/v2/log-streams", headers=_h(fake)).json()] == [
        stream["id"]
    ]
    assert http.delete(item, headers=_h(fake)).status_code == 204
    gone = http.get(item, headers=_h(fake))
    assert gone.status_code == 404
    assert gone.json()["errorCode"].startswith("inexistent_")


def test_put_on_an_item_replaces_keeping_what_auth0_added(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # TestAccNetworkACL.yaml: acl_ ids, created_at; PUT replaces the rule; DELETE answers 200.
    rule = {"action": {"block": True}, "scope": "tenant"}
    body = {"description": "d", "active": True, "priority": 1, "rule": rule}
    made = http.post("/api/v2/network-acls", json=body, headers=_h(fake)).json()
    assert made["id"].startswith("acl_")
    item = f"/api/v2/network-acls/{made['id']}"
    replaced = http.put(item, json={**body, "priority": 2}, headers=_h(fake)).json()
    assert replaced["priority"] == 2
    assert replaced["id"] == made["id"]
    assert replaced["created_at"] == made["created_at"]
    missing = http.put("/api/v2/network-acls/acl_nope", json=body, headers=_h(fake))
    assert missing.status_code == 404
    assert http.delete(item, headers=_h(fake)).status_code == 200


def test_upsert_by_key_where_the_collection_has_no_post(
    fake: FakeAuth0, http: httpx.Client
) -> None:
    # PUT /rules-configs/{key} makes the key (TestAccRuleConfig.yaml); GET lists it.
    r = http.put("/api/v2/rules-configs/answer", json={"value": "42"}, headers=_h(fake))
    assert r.status_code == 200
    listed = http.get("/api/v2/rules-configs", headers=_h(fake)).json()
    assert [c["key"] for c in listed] == ["answer"]
    assert http.delete("/api/v2/rules-configs/answer", headers=_h(fake)).status_code == 204
    assert http.get("/api/v2/rules-configs", headers=_h(fake)).json() == []


def test_lists_page_the_way_the_spec_declares(fake: FakeAuth0, http: httpx.Client) -> None:
    for n in range(3):
        rule = {"action": {"block": True}, "scope": "tenant"}
        body = {"description": f"acl {n}", "active": True, "priority": n + 1, "rule": rule}
        assert http.post("/api/v2/network-acls", json=body, headers=_h(fake)).status_code == 201
    plain = http.get("/api/v2/network-acls", headers=_h(fake)).json()
    assert isinstance(plain, list)
    assert len(plain) == 3
    paged = http.get(
        "/api/v2/network-acls",
        params={"page": 1, "per_page": 2, "include_totals": "true"},
        headers=_h(fake),
    ).json()
    assert paged["total"] == 3
    assert paged["start"] == 2
    assert paged["limit"] == 2
    assert len(paged["network_acls"]) == 1
    # Actions are always wrapped, zero counts left out (TestAccDataSourceAction.yaml, over the
    # spec's {actions, total, page, per_page}).
    actions = http.get("/api/v2/actions/actions", headers=_h(fake)).json()
    assert actions == {"actions": [], "per_page": 50}


def test_sub_resources_need_their_parent(fake: FakeAuth0, http: httpx.Client) -> None:
    # /connections/{id}/directory-provisioning is stored under an existing connection only
    # (TestAccDirectoryProvisioning.yaml: 404 "The connection does not exist" otherwise).
    nope = http.post(
        "/api/v2/connections/con_nope/directory-provisioning", json={}, headers=_h(fake)
    )
    assert nope.status_code == 404
    connection = http.post(
        "/api/v2/connections",
        json={"name": "corp-oidc", "strategy": "oidc"},
        headers=_h(fake),
    ).json()
    path = f"/api/v2/connections/{connection['id']}/directory-provisioning"
    assert http.get(path, headers=_h(fake)).status_code == 404
    mapping = [{"auth0": "email", "idp": "mail"}]
    assert http.post(path, json={"mapping": mapping}, headers=_h(fake)).status_code == 201
    assert http.get(path, headers=_h(fake)).json()["mapping"] == mapping


def test_deleting_an_item_takes_its_sub_resources(fake: FakeAuth0, http: httpx.Client) -> None:
    hook = http.post(
        "/api/v2/hooks",
        json={"name": "h", "script": "x", "triggerId": "pre-user-registration"},
        headers=_h(fake),
    ).json()
    secrets = f"/api/v2/hooks/{hook['id']}/secrets"
    assert http.post(secrets, json={"API_KEY": "s"}, headers=_h(fake)).status_code == 201
    assert http.delete(f"/api/v2/hooks/{hook['id']}", headers=_h(fake)).status_code == 204
    assert fake.tenant.singletons.get(secrets.removeprefix("/api/v2")) is None
    assert http.get(secrets, headers=_h(fake)).status_code == 404


def test_deploying_an_action_makes_a_current_version(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccAction.yaml: after POST .../deploy, GET shows current_version and deployed_version.
    body = {"name": "a", "code": "exports.onExecutePostLogin = async () => {};"}
    body["supported_triggers"] = [{"id": "post-login", "version": "v3"}]  # type: ignore[list-item]
    action = http.post("/api/v2/actions/actions", json=body, headers=_h(fake))
    assert action.status_code == 201
    action_id = action.json()["id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", action_id)
    deployed = http.post(f"/api/v2/actions/actions/{action_id}/deploy", headers=_h(fake))
    assert deployed.status_code == 200
    assert deployed.json()["number"] == 1
    got = http.get(f"/api/v2/actions/actions/{action_id}", headers=_h(fake)).json()
    assert got["deployed_version"]["number"] == 1
    assert got["all_changes_deployed"] is True
    unknown = http.post("/api/v2/actions/actions/nope/deploy", headers=_h(fake))
    assert unknown.status_code == 404


def test_state_follows_checkpoint_and_restore(fake: FakeAuth0, http: httpx.Client) -> None:
    path = "/api/v2/attack-protection/captcha"
    token = fake.checkpoint()
    http.patch(path, json={"active_provider_id": "auth_challenge"}, headers=_h(fake))
    made = http.post(
        "/api/v2/custom-domains",
        json={"domain": "login.example.com", "type": "auth0_managed_certs"},
        headers=_h(fake),
    ).json()
    assert made["custom_domain_id"].startswith("cd_")
    fake.restore(token)
    assert (
        http.get(f"/api/v2/custom-domains/{made['custom_domain_id']}", headers=_h(fake)).status_code
        == 404
    )
    assert http.get(path, headers=_h(fake)).json().get("active_provider_id") != "auth_challenge"


def test_not_json_bodies_are_auth0_400(fake: FakeAuth0, http: httpx.Client) -> None:
    r = http.post(
        "/api/v2/log-streams",
        content=b"{not json",
        headers={**_h(fake), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["errorCode"] == "invalid_body"
    r = http.post("/api/v2/log-streams", json=[1, 2], headers=_h(fake))
    assert r.status_code == 400


def test_hand_written_handlers_keep_priority() -> None:
    table = handlers()
    from pytest_auth0_m2m.fake.routes import clients, users

    assert table["post_clients"] is clients.HANDLERS["post_clients"]
    assert table["get_users"] is users.HANDLERS["get_users"]
    # ...and the engine answers the rest it has facts for.
    assert "get_brute-force-protection" in table
    assert set(facts()["operations"]) - set(table) == set()


def test_packaged_facts_hold_no_tenant_data() -> None:
    from importlib import resources

    text = resources.files("pytest_auth0_m2m").joinpath("data/fake_resources.json").read_text()
    assert "auth0.com" not in text
    assert "terraform-provider" not in text.replace("terraform provider", "").replace(
        "terraform-provider-auth0:test", ""
    )
    assert "@" not in text  # no e-mail address survived the scrub


def test_packaged_facts_are_in_sync_with_the_spec_and_the_recorded_facts() -> None:
    import importlib.util
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "generate_resource_facts", root / "scripts" / "generate_resource_facts.py"
    )
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    api = json.loads(generator.SPEC.read_text("utf-8"))
    recorded = json.loads(generator.RECORDED.read_text("utf-8"))
    expected = generator.render(generator.build(api, recorded))
    committed = generator.OUT.read_text("utf-8")
    assert committed == expected, "stale; run: python scripts/generate_resource_facts.py"


def test_trigger_bindings_as_recorded(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccTriggerAction.yaml: PATCH binds actions by id; GET leaves out zero counts.
    path = "/api/v2/actions/triggers/post-login/bindings"
    assert http.get(path, params={"per_page": 50}, headers=_h(fake)).json() == {
        "bindings": [],
        "per_page": 50,
    }
    action = http.post(
        "/api/v2/actions/actions",
        json={"name": "a", "code": "x", "supported_triggers": [{"id": "post-login"}]},
        headers=_h(fake),
    ).json()
    # The recording deploys each action before binding it.
    http.post(f"/api/v2/actions/actions/{action['id']}/deploy", headers=_h(fake))
    ref = {"type": "action_id", "value": action["id"]}
    r = http.patch(path, json={"bindings": [{"ref": ref, "display_name": "A"}]}, headers=_h(fake))
    assert r.status_code == 200
    assert r.json()["bindings"][0]["action"]["id"] == action["id"]
    first = http.get(path, params={"page": 0, "per_page": 100}, headers=_h(fake)).json()
    assert sorted(first) == ["bindings", "per_page", "total"]
    second = http.get(path, params={"page": 1, "per_page": 100}, headers=_h(fake)).json()
    assert second == {"bindings": [], "page": 1, "per_page": 100}
    bad = {"bindings": [{"ref": {"type": "action_id", "value": "nope"}}]}
    assert http.patch(path, json=bad, headers=_h(fake)).status_code == 404


# A whole theme: the spec requires every group (TestAccBrandingTheme.yaml posts one like it).
THEME = {
    "displayName": "t",
    "borders": {
        "button_border_radius": 1,
        "button_border_weight": 0,
        "buttons_style": "pill",
        "input_border_radius": 0,
        "input_border_weight": 0,
        "inputs_style": "pill",
        "show_widget_shadow": True,
        "widget_border_weight": 0,
        "widget_corner_radius": 0,
    },
    "colors": {
        "body_text": "#000000",
        "error": "#000000",
        "header": "#000000",
        "icons": "#000000",
        "input_background": "#000000",
        "input_border": "#000000",
        "input_filled_text": "#000000",
        "input_labels_placeholders": "#000000",
        "links_focused_components": "#000000",
        "primary_button": "#000000",
        "primary_button_label": "#000000",
        "secondary_button_border": "#000000",
        "secondary_button_label": "#000000",
        "success": "#000000",
        "widget_background": "#000000",
        "widget_border": "#000000",
    },
    "fonts": {
        "body_text": {"bold": True, "size": 100},
        "buttons_text": {"bold": True, "size": 100},
        "font_url": "",
        "input_labels": {"bold": True, "size": 100},
        "links": {"bold": True, "size": 100},
        "links_style": "normal",
        "reference_text_size": 16,
        "subtitle": {"bold": True, "size": 100},
        "title": {"bold": True, "size": 150},
    },
    "page_background": {
        "background_color": "#ffffff",
        "background_image_url": "",
        "page_layout": "center",
    },
    "widget": {
        "header_text_alignment": "center",
        "logo_height": 52,
        "logo_position": "center",
        "logo_url": "",
        "social_buttons_layout": "bottom",
    },
}


def test_a_collections_default_is_its_first_item(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccBrandingTheme.yaml: 404 before a theme exists, then the theme made.
    assert http.get("/api/v2/branding/themes/default", headers=_h(fake)).status_code == 404
    theme = http.post("/api/v2/branding/themes", json=THEME, headers=_h(fake))
    assert theme.status_code == 200
    got = http.get("/api/v2/branding/themes/default", headers=_h(fake))
    assert got.json()["themeId"] == theme.json()["themeId"]
    # The spec: a second theme is 409 (a tenant has one).
    second = http.post("/api/v2/branding/themes", json=THEME, headers=_h(fake))
    assert second.status_code == 409


def test_hook_secret_writes_answer_no_secret(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccHookSecrets.yaml: POST and PATCH /hooks/{id}/secrets answer 201 {} (the spec: no
    # body); the spec's 409 for a name that exists on POST and 404 for one missing on PATCH.
    hook = http.post(
        "/api/v2/hooks",
        json={"name": "h2", "script": "x", "triggerId": "pre-user-registration"},
        headers=_h(fake),
    ).json()
    secrets = f"/api/v2/hooks/{hook['id']}/secrets"
    made = http.post(secrets, json={"foo": "alpha-value"}, headers=_h(fake))
    assert (made.status_code, made.json()) == (201, {})
    again = http.post(secrets, json={"foo": "other-value"}, headers=_h(fake))
    assert again.status_code == 409
    assert "other-value" not in again.text
    patched = http.patch(secrets, json={"foo": "gamma-value"}, headers=_h(fake))
    assert (patched.status_code, patched.json()) == (201, {})
    missing = http.patch(secrets, json={"nope": "delta-value"}, headers=_h(fake))
    assert missing.status_code == 404
    assert "delta-value" not in missing.text
    assert http.get(secrets, headers=_h(fake)).json() == {"foo": "_VALUE_NOT_SHOWN_"}


def test_credentials_written_are_not_answered(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccHookSecrets.yaml: values shown as _VALUE_NOT_SHOWN_; DELETE ["bar"] drops bar only.
    hook = http.post(
        "/api/v2/hooks",
        json={"name": "h", "script": "x", "triggerId": "pre-user-registration"},
        headers=_h(fake),
    ).json()
    secrets = f"/api/v2/hooks/{hook['id']}/secrets"
    http.post(secrets, json={"foo": "alpha", "bar": "kappa"}, headers=_h(fake))
    shown = http.get(secrets, headers=_h(fake)).json()
    assert shown == {"foo": "_VALUE_NOT_SHOWN_", "bar": "_VALUE_NOT_SHOWN_"}
    assert http.request("DELETE", secrets, json=["bar"], headers=_h(fake)).status_code == 204
    assert http.get(secrets, headers=_h(fake)).json() == {"foo": "_VALUE_NOT_SHOWN_"}
    # TestAccEmail.yaml: an e-mail provider's api key never comes back, its region does.
    body = {"name": "mailgun", "enabled": True, "credentials": {"api_key": "k", "region": "eu"}}
    made = http.post("/api/v2/emails/provider", json=body, headers=_h(fake)).json()
    assert made["credentials"] == {"region": "eu"}
    got = http.get("/api/v2/emails/provider", headers=_h(fake)).json()
    assert got["credentials"] == {"region": "eu"}


def test_organization_member_roles_as_recorded(fake: FakeAuth0, http: httpx.Client) -> None:
    # TestAccOrganizationMemberRole.yaml: POST/DELETE {"roles": [...]} 204; GET with totals.
    org = http.post("/api/v2/organizations", json={"name": "acme"}, headers=_h(fake)).json()
    role = http.post("/api/v2/roles", json={"name": "reader"}, headers=_h(fake)).json()
    path = f"/api/v2/organizations/{org['id']}/members/auth0|someone/roles"
    assert http.post(path, json={"roles": [role["id"]]}, headers=_h(fake)).status_code == 204
    got = http.get(
        path, params={"include_totals": "true", "page": 0, "per_page": 100}, headers=_h(fake)
    ).json()
    assert got == {
        "start": 0,
        "limit": 100,
        "total": 1,
        # the recording's role was made with a name only: its description reads ""
        "roles": [{"id": role["id"], "name": "reader", "description": ""}],
    }
    bad = http.post(path, json={"roles": ["rol_nope"]}, headers=_h(fake))
    assert bad.status_code == 404
    deleted = http.request("DELETE", path, json={"roles": [role["id"]]}, headers=_h(fake))
    assert deleted.status_code == 204
    assert http.get(path, headers=_h(fake)).json() == []
    other = "/api/v2/organizations/org_nope/members/auth0|someone/roles"
    assert http.get(other, headers=_h(fake)).status_code == 404


def test_list_filters_named_after_properties(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec's filters: GET /rules?enabled=, GET /hooks?enabled= (auth0-python 4.x's
    # hooks.all() sends enabled=true), triggerId.
    on = http.post("/api/v2/rules", json={"name": "on", "script": "x"}, headers=_h(fake)).json()
    off = http.post(
        "/api/v2/rules", json={"name": "off", "script": "x", "enabled": False}, headers=_h(fake)
    ).json()
    enabled = http.get("/api/v2/rules", params={"enabled": "false"}, headers=_h(fake)).json()
    assert [r["id"] for r in enabled] == [off["id"]]
    assert [r["id"] for r in http.get("/api/v2/rules", headers=_h(fake)).json()] == [
        on["id"],
        off["id"],
    ]
    hook = {"name": "h-on", "script": "x", "triggerId": "pre-user-registration", "enabled": True}
    made = http.post("/api/v2/hooks", json=hook, headers=_h(fake)).json()
    http.post("/api/v2/hooks", json={**hook, "name": "h-off", "enabled": False}, headers=_h(fake))
    shown = http.get("/api/v2/hooks", params={"enabled": "true"}, headers=_h(fake)).json()
    assert [h["id"] for h in shown] == [made["id"]]
    other = {"triggerId": "post-user-registration"}
    assert http.get("/api/v2/hooks", params=other, headers=_h(fake)).json() == []


def test_fields_select_after_the_keys_always_answered(fake: FakeAuth0, http: httpx.Client) -> None:
    path = "/api/v2/tenants/settings"
    picked = http.get(path, params={"fields": "friendly_name,flags"}, headers=_h(fake)).json()
    assert set(picked) <= {"friendly_name", "flags"}
    assert "flags" in picked
    left_out = {"fields": "flags", "include_fields": "false"}
    rest = http.get(path, params=left_out, headers=_h(fake)).json()
    assert "flags" not in rest
    assert "enabled_locales" in rest


def test_duplicate_names_and_a_second_theme_are_409(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec's 409s: a rule's or a hook's name is taken; a tenant has one branding theme.
    rule = {"name": "same", "script": "x"}
    assert http.post("/api/v2/rules", json=rule, headers=_h(fake)).status_code == 201
    again = http.post("/api/v2/rules", json=rule, headers=_h(fake))
    assert again.status_code == 409
    assert again.json()["message"] == "A rule with the same name already exists."
    hook = {"name": "same", "script": "x", "triggerId": "pre-user-registration"}
    assert http.post("/api/v2/hooks", json=hook, headers=_h(fake)).status_code == 201
    assert http.post("/api/v2/hooks", json=hook, headers=_h(fake)).status_code == 409
    other = {**hook, "name": "other"}
    assert http.post("/api/v2/hooks", json=other, headers=_h(fake)).status_code == 201


def test_prompt_paths_are_the_specs_names(fake: FakeAuth0, http: httpx.Client) -> None:
    # The spec's path enums: a prompt, screen or language Auth0 does not know is 400
    # invalid_uri; a known screen's rendering answers that prompt and screen.
    base = "/api/v2/prompts/{}/screen/{}/rendering"
    got = http.get(base.format("login-id", "login-id"), headers=_h(fake))
    assert got.status_code == 200
    assert (got.json()["prompt"], got.json()["screen"]) == ("login-id", "login-id")
    for prompt, screen in (("nope", "nope"), ("login-id", "nope")):
        refused = http.get(base.format(prompt, screen), headers=_h(fake))
        assert refused.status_code == 400
        assert refused.json()["errorCode"] == "invalid_uri"
    texts = "/api/v2/prompts/{}/custom-text/{}"
    assert http.get(texts.format("login", "en"), headers=_h(fake)).status_code == 200
    assert http.get(texts.format("login", "xx-nope"), headers=_h(fake)).status_code == 400
    assert http.put(texts.format("nope", "en"), json={}, headers=_h(fake)).status_code == 400
