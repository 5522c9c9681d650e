"""Property-based tests: no generated secret survives into a cassette written through the
recording library's redaction and guard (``GuardedPersister``), whatever its characters and
wherever the tenant put it.

Two properties:
- secrets where Auth0 puts them (``client_secret``/tokens in JSON of any nesting and charset,
  gzip-compressed answers, form bodies, HTTP Basic, URL queries), unknown to the session
  beforehand: the cassette is written, and holds none of them in any encoding;
- secrets the session knows, anywhere at all (free text, unknown JSON keys, URL paths, kept
  headers): the cassette is either written without them or not written at all.
"""

from __future__ import annotations

import base64
import gzip
import json
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from vcr.request import Request
from vcr.serialize import deserialize, serialize
from vcr.serializers import jsonserializer, yamlserializer

from pytest_auth0_m2m.cassettes.guard import CassetteSecretError, GuardedPersister
from pytest_auth0_m2m.cassettes.placeholders import is_placeholder_secret
from pytest_auth0_m2m.cassettes.redaction import Redactor
from pytest_auth0_m2m.cassettes.registry import SecretRegistry

DOMAIN = "dev-prop.eu.auth0.com"
SECRET_KEYS = ("client_secret", "client_assertion", "access_token", "id_token", "refresh_token")
PLAIN_KEYS = ("name", "items", "data", "scope", "client", "nested", "x", "description")

CHARSETS = [
    string.ascii_letters + string.digits + "-_",
    string.ascii_letters + string.digits + "+/=",  # base64-looking
    string.ascii_letters + "&%?#:@ ;,'\"\\<>{}[]",  # what URL, JSON and YAML escape
    "aeiouéßøñü漢字仮名🙂𝄞—“”" + string.ascii_lowercase,  # non-ASCII, astral plane
    string.printable,
]

secret_text = st.sampled_from(CHARSETS).flatmap(
    lambda chars: st.text(alphabet=chars, min_size=16, max_size=48)
)
secrets = secret_text.filter(lambda s: len(set(s)) >= 6 and s.strip() == s and "\x0b" not in s)
filler = st.text(alphabet=string.ascii_letters + string.digits + " .-", max_size=12)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), filler)
serializers = st.sampled_from([yamlserializer, jsonserializer])


class Captured:
    """An inner persister that keeps the serialized cassette instead of writing a file."""

    def __init__(self) -> None:
        self.text: str | None = None

    def load_cassette(self, cassette_path: Any, serializer: Any) -> Any:
        raise ValueError("nothing to load")

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        self.text = serialize(cassette_dict, serializer)


def write(
    registry: SecretRegistry, requests: list[Request], responses: list[dict[str, Any]], ser: Any
) -> tuple[str | None, list[CassetteSecretError]]:
    """The cassette as the plugin would write it: (serialized text or None, refusals)."""
    inner = Captured()
    leaks: list[CassetteSecretError] = []
    persister = GuardedPersister(
        inner, registry, lambda: Redactor.for_registry(registry), on_leak=leaks.append
    )
    persister.save_cassette(
        "cassettes/prop.yaml", {"requests": requests, "responses": responses}, ser
    )
    return inner.text, leaks


def forms(secret: str) -> set[str]:
    """Ways a secret can be spelled in a file; independent of the library's own list."""
    raw = secret.encode()
    found = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            blob = encode(b"\0" * pad + raw).decode()
            start = -(-8 * pad // 6)
            found.add(blob[start : (8 * (pad + len(raw))) // 6])
    return {f for f in found if len(f) >= 8}


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        if value[:2] == b"\x1f\x8b":
            value = gzip.decompress(value)
        yield value.decode("utf-8", "replace")
        yield value.decode("latin-1")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


def survivors(text: str, ser: Any, values: list[str]) -> list[str]:
    """Secrets found in the file's text or, once loaded back, in any of its strings."""
    requests, responses = deserialize(text, ser)
    loaded = [
        *[(r.uri, dict(r.headers), r.body) for r in requests],
        *responses,
    ]
    pieces = [text, *strings_in(loaded)]
    return [s for s in values if any(f in piece for f in forms(s) for piece in pieces)]


# --- building traffic ----------------------------------------------------------------------
# Traffic is drawn as a plan holding markers, then built twice: with the secrets, and with
# neutral stand-ins. A secret that the neutral cassette spells too (say, a generated
# "application/json; charset=utf-8") is fixed text, not a leak, and the example is skipped.

Plan = list[tuple[str, Any]]


def marker(i: int) -> str:
    return f"@@SECRET{i}@@"


def fill(value: Any, values: list[str]) -> Any:
    if isinstance(value, str):
        for i, secret in enumerate(values):
            value = value.replace(marker(i), secret)
        return value
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, tuple):
        return tuple(fill(item, values) for item in value)
    return value


@st.composite
def nested_json(draw: st.DrawFn, key: str, secret: str) -> Any:
    """JSON of random shape with ``{key: secret}`` at a random depth."""
    value: dict[str, Any] = draw(
        st.dictionaries(st.sampled_from(PLAIN_KEYS), json_scalars, max_size=3)
    )
    path = draw(st.lists(st.sampled_from((*PLAIN_KEYS, "[]")), max_size=4))
    leaf: Any = {key: secret}
    for step in reversed(path):
        leaf = [leaf, draw(json_scalars)] if step == "[]" else {step: leaf}
    value[f"{draw(st.sampled_from(PLAIN_KEYS))}_"] = leaf
    return value if draw(st.booleans()) else [value]


json_format = st.tuples(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "text/plain",
            "",
        ]
    ),
    st.booleans(),  # ensure_ascii
    st.sampled_from([None, 2]),  # indent
)


def json_bytes(data: Any, fmt: tuple[str, bool, int | None]) -> tuple[bytes, str]:
    content_type, ensure_ascii, indent = fmt
    return json.dumps(data, ensure_ascii=ensure_ascii, indent=indent).encode(), content_type


def response(body: bytes, content_type: str, status: int = 200) -> dict[str, Any]:
    headers = {"Content-Type": [content_type]} if content_type else {}
    return {
        "status": {"code": status, "message": "OK"},
        "headers": headers,
        "body": {"string": body},
    }


def ok() -> dict[str, Any]:
    return response(b'{"ok":true}', "application/json")


BASE = f"https://{DOMAIN}"
extra_pairs = st.lists(st.tuples(st.sampled_from(PLAIN_KEYS), filler), max_size=2)


@st.composite
def auth0_plan(draw: st.DrawFn) -> Plan:
    """One to four interactions carrying secrets where Auth0 traffic carries them."""
    plan: Plan = []
    kinds = ["json", "form", "basic", "query", "token-response", "gzip-token-response"]
    for i, kind in enumerate(draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=4))):
        key = draw(st.sampled_from(SECRET_KEYS))
        if kind in ("json", "token-response", "gzip-token-response"):
            plan.append((kind, (draw(nested_json(key, marker(i))), draw(json_format))))
        elif kind in ("form", "query"):
            first = "client_secret" if kind == "form" else key
            pairs = [(first, marker(i)), *draw(extra_pairs)]
            plan.append((kind, draw(st.permutations(pairs))))
        else:
            plan.append((kind, marker(i)))
    return plan


def build(plan: Plan, values: list[str]) -> tuple[list[Request], list[dict[str, Any]]]:
    requests: list[Request] = []
    responses: list[dict[str, Any]] = []
    for kind, spec in fill(plan, values):
        if kind == "json":
            body, content_type = json_bytes(*spec)
            headers = {"Content-Type": content_type} if content_type else {}
            requests.append(Request("POST", f"{BASE}/api/v2/clients", body, headers))
            responses.append(ok())
        elif kind == "token-response":
            requests.append(Request("POST", f"{BASE}/oauth/token", b"{}", {}))
            responses.append(response(*json_bytes(*spec)))
        elif kind == "gzip-token-response":
            body, content_type = json_bytes(*spec)
            answer = response(gzip.compress(body), content_type)
            answer["headers"]["Content-Encoding"] = ["gzip"]
            requests.append(Request("POST", f"{BASE}/oauth/token", b"{}", {}))
            responses.append(answer)
        elif kind == "form":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            requests.append(Request("POST", f"{BASE}/oauth/token", urlencode(spec), headers))
            responses.append(ok())
        elif kind == "query":
            requests.append(Request("GET", f"{BASE}/api/v2/users?{urlencode(spec)}", None, {}))
            responses.append(ok())
        elif kind == "basic":
            credentials = base64.b64encode(f"someclientid:{spec}".encode()).decode()
            headers = {"Authorization": f"Basic {credentials}"}
            body = b"grant_type=client_credentials"
            requests.append(Request("POST", f"{BASE}/oauth/token", body, headers))
            responses.append(ok())
        elif kind == "text-body":
            headers = {"Content-Type": "text/plain"}
            requests.append(Request("POST", f"{BASE}/api/v2/users", spec.encode(), headers))
            responses.append(ok())
        elif kind == "url-path":
            requests.append(Request("GET", f"{BASE}/api/v2/users/{quote(spec, safe='')}", None, {}))
            responses.append(ok())
        elif kind == "location-header":
            answer = response(b"", "text/plain", 201)
            answer["headers"]["Location"] = [f"{BASE}/api/v2/x?k={quote_plus(spec)}"]
            requests.append(Request("POST", f"{BASE}/api/v2/users", b"{}", {}))
            responses.append(answer)
        elif kind == "response-text":
            requests.append(Request("GET", f"{BASE}/api/v2/users", None, {}))
            responses.append(response(spec.encode(), "text/html; charset=utf-8", 400))
        else:
            raise AssertionError(kind)
    return requests, responses


def check_not_fixed_text(plan: Plan, values: list[str], ser: Any) -> None:
    """Skip examples whose secret the same cassette spells without any secret in it."""
    assume(not any(is_placeholder_secret(v) for v in values))
    neutral = [f"neutral{i}" + "q" * 12 for i in range(len(values))]
    registry = SecretRegistry()
    registry.add_tenant(DOMAIN)
    text, _ = write(registry, *build(plan, neutral), ser)
    assume(text is not None and not survivors(text, ser, values))


@given(plan=auth0_plan(), values=st.lists(secrets, min_size=4, max_size=4), ser=serializers)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fresh_secrets_where_auth0_puts_them_are_redacted(
    plan: Plan, values: list[str], ser: Any
) -> None:
    values = values[: len(plan)]
    check_not_fixed_text(plan, values, ser)
    registry = SecretRegistry()
    registry.add_tenant(DOMAIN)
    text, leaks = write(registry, *build(plan, values), ser)
    assert leaks == [], [str(e) for e in leaks]
    assert text is not None
    assert survivors(text, ser, values) == []


# --- secrets the session knows, put anywhere ------------------------------------------------


@st.composite
def anywhere_plan(draw: st.DrawFn) -> Plan:
    where = draw(
        st.sampled_from(
            [
                "text-body",
                "unknown-json-key",
                "url-path",
                "location-header",
                "response-text",
            ]
        )
    )
    if where == "text-body":
        return [(where, f"{draw(filler)} {marker(0)} {draw(filler)}")]
    if where == "unknown-json-key":
        return [("json", (draw(nested_json("password", marker(0))), draw(json_format)))]
    if where == "response-text":
        return [(where, f"error near {marker(0)}")]
    return [(where, marker(0))]


@given(plan=anywhere_plan(), secret=secrets, ser=serializers)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_known_secrets_anywhere_never_reach_the_file(plan: Plan, secret: str, ser: Any) -> None:
    check_not_fixed_text(plan, [secret], ser)
    registry = SecretRegistry()
    registry.add_tenant(DOMAIN)
    registry.add_secret(secret, "a generated secret")
    text, leaks = write(registry, *build(plan, [secret]), ser)
    if text is None:
        assert leaks, "nothing written, so the guard must have said why"
        assert not any(secret in str(error) for error in leaks)
        return
    assert survivors(text, ser, [secret]) == []
