"""The spec-driven resource engine: every operation without a hand-written handler.

``data/fake_resources.json`` (scripts/generate_resource_facts.py, from Auth0's spec and the
terraform provider's recordings) says per operation what it is: a *singleton* stored per concrete
path (GET answers it, PATCH merges, PUT replaces, POST creates, DELETE removes), a *collection*
(POST creates an item with an id in Auth0's style, GET lists it with the spec's paging style), an
*item* of one (GET, PATCH, PUT, DELETE; unknown ids are 404), or an *action* (a POST with no state
of its own: answered once its parents exist). State lives in ``Tenant.singletons`` and
``Tenant.collections``, so checkpoints, restores and resets cover it like every other table.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import uuid
from collections.abc import Mapping
from importlib import resources
from typing import Any

from ..common import (
    JSON,
    Reply,
    bad_body,
    mgmt_error,
    not_found_error,
    query_bool,
    query_int,
    random_id,
    select_fields,
)
from ..schemas import BODIES
from ..tenant import Tenant
from ..validation import validate_body
from . import Call, Handler

NOW = "<now>"
ID = "<id>"
_PARAM = re.compile(r"\{([^}]+)\}")
# Collections the hand-written families keep: a parent id there is looked up in their table.
HAND_TABLES: dict[str, str] = {
    "/clients": "clients",
    "/connections": "connections",
    "/users": "users",
    "/roles": "roles",
    "/organizations": "organizations",
    "/client-grants": "grants",
}


@functools.cache
def facts() -> dict[str, Any]:
    text = (
        resources.files("pytest_auth0_m2m").joinpath("data/fake_resources.json").read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def handler(operation_id: str) -> Handler | None:
    """The engine's handler for ``operation_id``, or None where it has no facts for it."""
    entry = facts()["operations"].get(operation_id)
    if entry is None:
        return None
    answer = _KINDS[str(entry["kind"])]
    if entry.get("path_enums"):
        return functools.partial(_enum_checked, answer, entry)
    return functools.partial(answer, entry)


def _enum_checked(answer: Any, entry: Mapping[str, Any], call: Call) -> Reply:
    """A path parameter the spec limits to an enum (a prompt's, a screen's, a language's name)
    is refused outside it, as Auth0's validator words an enum miss: 400 invalid_uri ("Invalid
    request URI" in the spec; nothing is stored under a name Auth0 does not know)."""
    for name, allowed in entry["path_enums"].items():
        value = call.params.get(name, "")
        if value not in allowed:
            raise mgmt_error(
                400,
                f"Path validation error: 'No enum match for: {json.dumps(value)}' on property "
                f"{name}.",
                "invalid_uri",
            )
    reply: Reply = answer(entry, call)
    return reply


# --- helpers -------------------------------------------------------------------------------------


def _concrete(template: str, params: Mapping[str, str]) -> str:
    return _PARAM.sub(lambda m: params.get(m.group(1), m.group(0)), template)


def _thing(template: str) -> str:
    """What a 404 calls the resource: the last literal segment, singular, in words."""
    words = [p for p in template.split("/") if p and not p.startswith("{")]
    name = (words[-1] if words else "resource").replace("-", " ").replace("_", " ")
    if name.endswith("ies"):
        name = name[:-3] + "y"
    elif name.endswith("s") and not name.endswith("ss"):
        name = name[:-1]
    return name


def _missing(entry: Mapping[str, Any], template: str) -> Exception:
    """Auth0's 404: the recorded message and errorCode where a recording shows them."""
    message = entry.get("not_found") or f"The {_thing(template)} does not exist."
    code = entry.get("not_found_code") or "inexistent_" + _thing(template).replace(" ", "_")
    return not_found_error(str(message), str(code))


def _fill(value: Any, tenant: Tenant) -> Any:
    """Recorded defaults with their run-time placeholders filled (timestamps)."""
    if isinstance(value, dict):
        return {k: _fill(v, tenant) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tenant) for v in value]
    if value == NOW:
        return tenant.now_iso()
    return value


def _new_id(style: list[Any]) -> str:
    if style[0] == "uuid":
        return str(uuid.uuid4())
    if style[0] == "prefix":
        return str(style[1]) + random_id(int(style[2]))
    return random_id(int(style[1]))


def _merge(current: Any, patch: Any) -> Any:
    """A PATCH: objects merged key by key, recursively; anything else replaced."""
    if not isinstance(current, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(current)
    for key, value in patch.items():
        merged[key] = _merge(current.get(key), value) if isinstance(value, dict) else value
    return merged


def _body(call: Call) -> JSON:
    """The request body, checked against the operation's schema in the spec when it has one
    (Auth0 validates every body it takes; the engine's families are no exception)."""
    body = call.json()
    if call.operation.operation_id in BODIES and call.raw_body.strip():
        return validate_body(call.operation.operation_id, body)
    if call.raw_body.strip() and not isinstance(body, (dict, list)):
        raise bad_body("'Expected type object but found type " + type(body).__name__ + "'.")
    return body


def _object_body(call: Call) -> dict[str, Any]:
    body = _body(call)
    if not isinstance(body, dict):
        raise bad_body("'Expected type object but found type array'.")
    return body


def _collection(tenant: Tenant, store: str, path: str) -> dict[str, dict[str, Any]]:
    """The items of the collection at concrete ``path`` (made on first use from its defaults)."""
    items = tenant.collections.get(path)
    if items is None:
        spec = facts()["collections"].get(store, {})
        key = spec.get("id_key", "id")
        items = {}
        for default in spec.get("items", []):
            # A recorded default's id was scrubbed: it gets one of this tenant's.
            item = _fill(default, tenant)
            item[key] = item.get(key) or _new_id(list(spec.get("id_style", ["alnum", 24])))
            items[str(item[key])] = item
        tenant.collections[path] = items
    return items


def _check_parents(call: Call, entry: Mapping[str, Any]) -> None:
    """Every id in the path before the operation's own must name an existing resource."""
    tenant = call.tenant
    for store, param in entry["parents"]:
        value = call.params.get(param, "")
        table = HAND_TABLES.get(store)
        if table is not None:
            found = value in getattr(tenant, table)
        else:
            found = value in tenant.collections.get(_concrete(store, call.params), {})
        if not found:
            raise _missing({}, store)


def _answer(
    entry: Mapping[str, Any], value: Any, tenant: Tenant, fields: Call | None = None
) -> Reply:
    """The operation's status and ``value`` shaped; with ``fields``, the call's
    fields/include_fields applied last (after the keys Auth0 always sends were filled in, so a
    selection is never undone)."""
    status = int(entry["status"])
    if status == 204:
        return status, None
    if isinstance(value, list):
        return status, [_shaped(entry, v, tenant) for v in value]
    shaped = _shaped(entry, value, tenant)
    if fields is not None and isinstance(shaped, dict):
        for name in _PARAM.findall(entry["path"]) if entry["kind"] == "singleton_get" else ():
            # A singleton's key named like a path parameter answers the path's value, never a
            # recorded one (GET /prompts/{prompt}/screen/{screen}/rendering: prompt, screen).
            if name in shaped and name in fields.params:
                shaped[name] = fields.params[name]
        shaped = select_fields([shaped], fields.args)[0]
    return status, shaped


# Where Auth0 never answers what was written (a credential): the stored path template -> how the
# answer shows it. Hook secrets' values are "_VALUE_NOT_SHOWN_" (TestAccHookSecrets.yaml); an
# e-mail provider's credentials show only these keys (TestAccEmail.yaml: api keys, passwords,
# access keys, connection strings and client ids/secrets never come back).
MASKED_VALUE = "_VALUE_NOT_SHOWN_"
MASKED_VALUES = frozenset({"/hooks/{id}/secrets"})
SHOWN_CREDENTIALS: dict[str, frozenset[str]] = {
    "/emails/provider": frozenset({"region", "domain", "smtp_host", "smtp_port", "smtp_user"}),
}


def _masked(entry: Mapping[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    store = entry["store"]
    if store in MASKED_VALUES and entry["method"] == "GET":
        return {k: MASKED_VALUE for k in value}
    shown = SHOWN_CREDENTIALS.get(store)
    if shown is not None and isinstance(value.get("credentials"), dict):
        value["credentials"] = {k: v for k, v in value["credentials"].items() if k in shown}
    return value


def _shaped(entry: Mapping[str, Any], value: Any, tenant: Tenant) -> Any:
    """An object as Auth0 answers it for this operation (recorded): keys it always sends filled
    in with their recorded default, keys it never sends left out, credentials it never shows
    masked. The stored object is kept."""
    value = copy.deepcopy(value)
    if not isinstance(value, dict):
        return value
    value = _masked(entry, value)
    for key, default in entry.get("always", {}).items():
        if key not in value:
            value[key] = _fill(default, tenant)
    keys = entry.get("keys")
    if keys is not None:
        value = {k: v for k, v in value.items() if k in keys}
    return value


def _forget_below(tenant: Tenant, path: str) -> None:
    """A deleted resource takes the state stored under its path with it."""
    below = path + "/"
    for table in (tenant.singletons, tenant.collections):
        for key in [k for k in table if k.startswith(below)]:
            del table[key]


# --- singletons ----------------------------------------------------------------------------------


def _singleton(tenant: Tenant, store: str, path: str) -> Any:
    if path in tenant.singletons:
        return tenant.singletons[path]
    return _fill(facts()["singletons"].get(store, {}), tenant)


def singleton_get(entry: Mapping[str, Any], call: Call) -> Reply:
    with call.tenant.lock:
        _check_parents(call, entry)
        path = _concrete(entry["store"], call.params)
        value = _singleton(call.tenant, entry["store"], path)
        collection, _, last = entry["store"].rpartition("/")
        if last == "default" and collection in facts()["collections"]:
            # C/default of a collection C is its first item (GET /branding/themes/default,
            # TestAccBrandingTheme.yaml; /custom-domains/default), 404 while it has none.
            items = _collection(call.tenant, collection, _concrete(collection, call.params))
            value = next(iter(items.values()), None)
        if value is None:
            raise _missing(entry, entry["store"])
        return _answer(entry, value, call.tenant, fields=call)


def _check_names(entry: Mapping[str, Any], current: Any, body: JSON) -> None:
    """A map of the caller's names (hook secrets): a create naming one that exists is 409, an
    update naming one that does not is 404 (the spec's answers for POST and PATCH
    /hooks/{id}/secrets; no recording shows either, so the messages are the spec's)."""
    if not isinstance(body, dict):
        return
    held = set(current) if isinstance(current, dict) else set()
    taken = entry.get("names_conflict")
    if taken and held & set(body):
        raise mgmt_error(409, str(taken))
    unknown = entry.get("names_missing")
    if unknown and set(body) - held:
        raise not_found_error(str(unknown), "inexistent_" + _thing(entry["store"]))


def _written(entry: Mapping[str, Any], value: Any, tenant: Tenant) -> Reply:
    """A write's answer: what was stored, or ``{}`` where Auth0 never answers it (a credential
    map: TestAccHookSecrets.yaml's POST and PATCH answer 201 ``{}``)."""
    if entry.get("answer_empty"):
        return _answer(entry, {}, tenant)
    return _answer(entry, value, tenant)


def singleton_update(entry: Mapping[str, Any], call: Call) -> Reply:
    body = _body(call)
    with call.tenant.lock:
        _check_parents(call, entry)
        path = _concrete(entry["store"], call.params)
        current = _singleton(call.tenant, entry["store"], path)
        if current is None:
            raise _missing(entry, entry["store"])
        _check_names(entry, current, body)
        call.tenant.singletons[path] = _merge(current, body)
        return _written(entry, call.tenant.singletons[path], call.tenant)


# Singletons that hold one template: the spec's object form of a PUT names it with this key;
# Auth0 answers a GET with {"body": template} either way (TestAccBranding.yaml sends the bare
# string; the SDKs send {"template": ...}).
TEMPLATE_KEYS: dict[str, str] = {"/branding/templates/universal-login": "template"}


def singleton_replace(entry: Mapping[str, Any], call: Call) -> Reply:
    raw = call.json()
    # A bare JSON string is a template's body (PUT /branding/templates/universal-login, recorded
    # in TestAccBranding.yaml): Auth0 keeps it as {"body": ...}.
    body = {"body": raw} if isinstance(raw, str) else _body(call)
    template_key = TEMPLATE_KEYS.get(entry["store"])
    if template_key is not None and isinstance(body, dict) and template_key in body:
        body = {"body": body[template_key]}
    with call.tenant.lock:
        _check_parents(call, entry)
        path = _concrete(entry["store"], call.params)
        call.tenant.singletons[path] = copy.deepcopy(body)
        return _answer(entry, body, call.tenant)


def singleton_create(entry: Mapping[str, Any], call: Call) -> Reply:
    body = _body(call)
    with call.tenant.lock:
        _check_parents(call, entry)
        path = _concrete(entry["store"], call.params)
        current = _singleton(call.tenant, entry["store"], path)
        _check_names(entry, current, body)
        base = _fill(entry.get("added", {}), call.tenant)
        value = _merge(_merge(base, current) if isinstance(current, dict) else base, body)
        call.tenant.singletons[path] = value
        return _written(entry, value, call.tenant)


def singleton_delete(entry: Mapping[str, Any], call: Call) -> Reply:
    names = call.json() if call.raw_body.strip() else None
    with call.tenant.lock:
        _check_parents(call, entry)
        path = _concrete(entry["store"], call.params)
        current = _singleton(call.tenant, entry["store"], path)
        if current is None:
            raise _missing(entry, entry["store"])
        if isinstance(names, list) and isinstance(current, dict):
            # A list of names deletes those keys only (DELETE /hooks/{id}/secrets ["bar"],
            # TestAccHookSecrets.yaml).
            call.tenant.singletons[path] = {k: v for k, v in current.items() if k not in names}
            return _answer(entry, {}, call.tenant)
        call.tenant.singletons[path] = None
        _forget_below(call.tenant, path)
        return _answer(entry, {}, call.tenant)


def action(entry: Mapping[str, Any], call: Call) -> Reply:
    """A POST that changes no stored state: its parents must exist; it answers the nearest one
    (a verified domain) or ``{}``."""
    _object_body(call) if call.raw_body.strip() else None
    with call.tenant.lock:
        _check_parents(call, entry)
        nearest: Any = {}
        if entry["parents"]:
            store, param = entry["parents"][-1]
            if store not in HAND_TABLES:
                items = call.tenant.collections.get(_concrete(store, call.params), {})
                nearest = items.get(call.params.get(param, ""), {})
        return _answer(entry, nearest, call.tenant)


# --- collections ---------------------------------------------------------------------------------


def _store_facts(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    found: Mapping[str, Any] = facts()["collections"].get(entry["store"], {})
    return found


def create(entry: Mapping[str, Any], call: Call) -> Reply:
    body = _object_body(call)
    spec = _store_facts(entry)
    with call.tenant.lock:
        _check_parents(call, entry)
        items = _collection(call.tenant, entry["store"], _concrete(entry["store"], call.params))
        item = _fill({k: v for k, v in spec.get("added", {}).items() if v != ID}, call.tenant)
        item.update(copy.deepcopy(body))
        key = str(spec.get("id_key", "id"))
        item_id = str(body.get(key) or _new_id(list(spec.get("id_style", ["alnum", 24]))))
        _check_unique(spec, items, body)
        if item_id in items and spec.get("conflict"):
            # A create naming an existing item is refused, never an overwrite (the recorded
            # message has no errorCode).
            raise mgmt_error(409, str(spec["conflict"]).format(id=item_id))
        item[key] = item_id
        items[item_id] = item
        return _answer(entry, item, call.tenant)


def _check_unique(
    spec: Mapping[str, Any], items: Mapping[str, dict[str, Any]], body: Mapping[str, Any]
) -> None:
    """A collection whose items' ``unique`` key (a name) is taken refuses the create, and one
    holding a single item (``only_one``: a tenant's branding theme) refuses a second: 409 with
    the spec's message (no errorCode: none is documented)."""
    unique = spec.get("unique")
    if unique and any(i.get(unique[0]) == body.get(unique[0]) for i in items.values()):
        raise mgmt_error(409, str(unique[1]))
    if spec.get("only_one") and items:
        raise mgmt_error(409, str(spec["only_one"]))


def _item(entry: Mapping[str, Any], call: Call) -> tuple[dict[str, dict[str, Any]], str, str]:
    """(the collection's items, the item's id, the item's concrete path)."""
    _check_parents(call, entry)
    store = entry["store"]
    items = _collection(call.tenant, store, _concrete(store, call.params))
    item_id = call.params.get(entry["param"], "")
    return items, item_id, _concrete(entry["path"], call.params)


def get(entry: Mapping[str, Any], call: Call) -> Reply:
    with call.tenant.lock:
        items, item_id, _ = _item(entry, call)
        item = items.get(item_id)
        if item is None:
            raise _missing(entry, entry["store"])
        return _answer(entry, item, call.tenant, fields=call)


def update(entry: Mapping[str, Any], call: Call) -> Reply:
    body = _object_body(call)
    with call.tenant.lock:
        items, item_id, _ = _item(entry, call)
        item = items.get(item_id)
        if item is None:
            if not entry.get("upsert"):
                raise _missing(entry, entry["store"])
            item = {str(_store_facts(entry).get("id_key", "id")): item_id}
        merged = _merge(item, body)
        if "updated_at" in merged:
            merged["updated_at"] = call.tenant.now_iso()
        items[item_id] = merged
        return _answer(entry, merged, call.tenant)


def replace(entry: Mapping[str, Any], call: Call) -> Reply:
    body = _object_body(call)
    spec = _store_facts(entry)
    with call.tenant.lock:
        items, item_id, _ = _item(entry, call)
        current = items.get(item_id)
        if current is None and not entry.get("upsert"):
            raise _missing(entry, entry["store"])
        key = str(spec.get("id_key", "id"))
        # What Auth0 adds (id, timestamps) survives a replace; what was sent is replaced.
        kept = {k: v for k, v in (current or {}).items() if k in spec.get("added", {})}
        item = {**kept, **copy.deepcopy(body), key: item_id}
        if "updated_at" in item:
            item["updated_at"] = call.tenant.now_iso()
        items[item_id] = item
        return _answer(entry, item, call.tenant)


def delete(entry: Mapping[str, Any], call: Call) -> Reply:
    with call.tenant.lock:
        items, item_id, path = _item(entry, call)
        if item_id not in items:
            raise _missing(entry, entry["store"])
        del items[item_id]
        _forget_below(call.tenant, path)
        return _answer(entry, {}, call.tenant)


def listing(entry: Mapping[str, Any], call: Call) -> Reply:
    with call.tenant.lock:
        _check_parents(call, entry)
        path = _concrete(entry["store"], call.params)
        stored = _collection(call.tenant, entry["store"], path).values()
        items = [_shaped(entry, i, call.tenant) for i in _filtered(entry, stored, call)]
    answer = _page(entry["list"], items, call)
    if entry.get("total_when_items") and isinstance(answer, dict) and not items:
        answer.pop("total", None)
    return int(entry["status"]), answer


# A list's query parameters that page or select rather than filter.
NOT_FILTERS = frozenset(
    {"page", "per_page", "include_totals", "from", "take", "fields", "include_fields", "q", "sort"}
)


def _filtered(entry: Mapping[str, Any], items: Any, call: Call) -> list[dict[str, Any]]:
    """A list's query parameter named after an item's property keeps the items whose value is
    the one asked (GET /rules?enabled=false, GET /hooks?enabled=true&triggerId=...: the spec's
    filters). Parameters naming no scalar property (hydrate, date ranges) filter nothing."""
    kept = list(items)
    for name in entry["list"]["query"]:
        wanted = call.args.get(name)
        if name in NOT_FILTERS or wanted is None:
            continue
        kept = [i for i in kept if _matches(i.get(name), wanted)]
    return kept


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return wanted.lower() == str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value) == wanted
    return True  # no scalar to compare: not a filter of this item


def _page(shape: Mapping[str, Any], items: list[dict[str, Any]], call: Call) -> JSON:
    """The spec's paging style: page/per_page (with include_totals), from/take, or all."""
    args, query = call.args, set(shape["query"])
    key, extra = shape["key"], set(shape["extra"])
    paged = any(args.get(name) for name in ("from", "take", "page", "per_page"))
    if shape["array"] and not paged and not query_bool(args, "include_totals", False):
        return select_fields(items, args)  # e.g. GET /custom-domains: a plain array (recorded)
    if "take" in query or "from" in query:
        take = query_int(args, "take", 50, 1, 100)
        start = int(args.get("from") or 0) if (args.get("from") or "0").isdigit() else 0
        chunk = items[start : start + take]
        if key is None:
            return select_fields(chunk, args)
        body: dict[str, Any] = {key: select_fields(chunk, args)}
        if "next" in extra and start + take < len(items):
            body["next"] = str(start + take)
        return body
    page = query_int(args, "page", 0, 0, None) if "page" in query else 0
    per_page = query_int(args, "per_page", 50, 1, 100) if "per_page" in query else len(items) or 1
    chunk = select_fields(items[page * per_page : (page + 1) * per_page], args)
    totals = "include_totals" in query and query_bool(args, "include_totals", False)
    if key is None or (shape["array"] and not totals):
        return chunk
    wrapped: dict[str, Any] = {key: chunk}
    counts = {
        "total": len(items),
        "start": page * per_page,
        "limit": per_page,
        "page": page,
        "per_page": per_page,
        "length": len(chunk),
    }
    wrapped.update({k: v for k, v in counts.items() if k in extra})
    return wrapped


_KINDS: dict[str, Any] = {
    "singleton_get": singleton_get,
    "singleton_update": singleton_update,
    "singleton_replace": singleton_replace,
    "singleton_create": singleton_create,
    "singleton_delete": singleton_delete,
    "action": action,
    "create": create,
    "get": get,
    "update": update,
    "replace": replace,
    "delete": delete,
    "list": listing,
}
