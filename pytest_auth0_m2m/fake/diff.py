"""Replay cassettes recorded on a real tenant against a fresh emulator and compare the answers.

``python -m pytest_auth0_m2m diff CASSETTES...`` reads vcrpy cassettes (``request.uri``,
``response.status.code``, ``response.body.string``) and go-vcr v2 cassettes (``request.url``,
``response.code``, ``response.body``; Auth0's terraform provider records these). Each cassette's
Management API requests are sent, in order, to a fresh :class:`FakeAuth0` with a token holding every
scope; ids the recording's answers carried are mapped to the ones the emulator answered, so later
requests address the emulator's resources. The report compares, per operation, the status code and
the response's top-level keys (of an object, or of a list's items). Nothing leaves 127.0.0.1:
the recorded host is dropped, only the path, query and body are replayed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
import yaml

from ..auth0 import insufficient_scope
from ..auth0.scopes import catalogue
from .common import is_not_emulated
from .server import FakeAuth0

MANAGEMENT_PREFIX = "/api/v2"
# Shortest recorded value treated as an id (shorter ones collide with ordinary values).
MIN_ID_LENGTH = 6
_ID_KEY = re.compile(r"^(id|.*_id|next)$")
_PATH_ID = re.compile(r"^(?:[a-z]{2,5}_[A-Za-z0-9]{6,}|[A-Za-z0-9]{16,}|[a-z0-9-]+(?:\||%7C).+)$")


@dataclass(frozen=True)
class Recorded:
    """One recorded request and Auth0's answer."""

    method: str
    path: str
    query: str = field(repr=False)  # bodies and queries may hold what a cassette kept:
    body: str = field(repr=False)  # a repr in a traceback never shows them
    content_type: str
    status: int
    response: str = field(repr=False)
    # Auth0's top-level keys when the response body is not kept (a derived facts file).
    keys: tuple[str, ...] | None = None

    def recorded_keys(self) -> tuple[str, ...] | None:
        return self.keys if self.keys is not None else shape(self.response)


@dataclass(frozen=True)
class Outcome:
    """One replayed interaction: what Auth0 answered and what the emulator answered."""

    cassette: str
    method: str
    template: str
    status: int
    fake_status: int
    keys: tuple[str, ...] | None
    fake_keys: tuple[str, ...] | None
    fake_message: str = field(default="", repr=False)  # the emulator's message may quote input
    fake_error_code: str = ""

    @property
    def not_emulated(self) -> bool:
        return is_not_emulated(self.fake_status, self.fake_error_code)

    @property
    def family(self) -> str:
        return self.template.strip("/").split("/")[0] or "/"

    @property
    def operation(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def status_agrees(self) -> bool:
        return self.status == self.fake_status

    @property
    def compared(self) -> bool:
        """Keys are compared where both answered the same 2xx status with a JSON shape."""
        return (
            self.status_agrees
            and 200 <= self.status < 300
            and self.keys is not None
            and self.fake_keys is not None
        )

    @property
    def keys_agree(self) -> bool:
        return self.compared and self.keys == self.fake_keys


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: int = 0
    cassettes: int = 0

    def agreement(self, outcomes: Sequence[Outcome] | None = None) -> tuple[int, int, int, int]:
        """(status agreeing, replayed, keys agreeing, compared)."""
        rows = self.outcomes if outcomes is None else outcomes
        return (
            sum(o.status_agrees for o in rows),
            len(rows),
            sum(o.keys_agree for o in rows),
            sum(o.compared for o in rows),
        )

    def not_emulated(self) -> set[str]:
        return {o.operation for o in self.outcomes if o.not_emulated}


# --- reading cassettes ---------------------------------------------------------------------------


def _header(headers: Any, name: str) -> str:
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if str(key).lower() == name:
            if isinstance(value, list):
                return str(value[0]) if value else ""
            return str(value)
    return ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):  # vcrpy: {"string": ...}
        return _text(value.get("string"))
    return str(value)


def read_cassette(path: str | Path) -> list[Recorded]:
    """The interactions of a vcrpy or go-vcr cassette, in recorded order."""
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    interactions = (data or {}).get("interactions") or []
    out: list[Recorded] = []
    for item in interactions:
        request, response = item.get("request") or {}, item.get("response") or {}
        url = str(request.get("url") or request.get("uri") or "")
        status = response.get("code")
        if status is None:
            status = (response.get("status") or {}).get("code")
        if not url or status is None:
            continue
        parts = urlsplit(url)
        out.append(
            Recorded(
                method=str(request.get("method", "GET")).upper(),
                path=parts.path,
                query=parts.query,
                body=_text(request.get("body")),
                content_type=_header(request.get("headers"), "content-type"),
                status=int(status),
                response=_text(response.get("body")),
            )
        )
    return out


# --- comparing -----------------------------------------------------------------------------------


def shape(text: str) -> tuple[str, ...] | None:
    """Top-level keys of a JSON answer: an object's, or a list's items' (marked ``[]``)."""
    if not text.strip():
        return ("<empty>",)
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict):
        return tuple(sorted(value))
    if isinstance(value, list):
        keys: set[str] = set()
        for item in value:
            if isinstance(item, dict):
                keys.update(item)
        return ("[]", *sorted(keys))
    return (f"<{type(value).__name__}>",)


def template(method: str, path: str) -> str:
    """The operation's path template (``/connections/{id}``), from the catalogue if it knows."""
    rest = path[len(MANAGEMENT_PREFIX) :] if path.startswith(MANAGEMENT_PREFIX) else path
    operation = catalogue().match(method, path)
    if operation is not None:
        return operation.path
    if rest.startswith("/resource-servers/"):  # an API addressed by its identifier (a URL)
        return "/resource-servers/{id}"
    return "/".join("{id}" if _PATH_ID.match(part) else part for part in rest.split("/"))


def _collect_ids(recorded: Any, fake: Any, ids: dict[str, str], key: str = "") -> None:
    if isinstance(recorded, dict) and isinstance(fake, dict):
        for k, value in recorded.items():
            if k in fake:
                _collect_ids(value, fake[k], ids, k)
    elif isinstance(recorded, list) and isinstance(fake, list):
        for a, b in zip(recorded, fake, strict=False):
            _collect_ids(a, b, ids, key)
    elif (
        isinstance(recorded, str)
        and isinstance(fake, str)
        and _ID_KEY.match(key)
        and recorded != fake
        and len(recorded) >= MIN_ID_LENGTH
        and recorded not in ids
    ):
        ids[recorded] = fake


def id_skeleton(text: str) -> Any:
    """Only the ids of a JSON answer (keys ``id``, ``*_id``, ``next``), its shape kept."""

    def prune(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            kept = {k: prune(v, k) for k, v in value.items()}
            return {k: v for k, v in kept.items() if v is not None} or None
        if isinstance(value, list):
            items = [prune(v, key) for v in value]
            return [{} if v is None else v for v in items] if any(items) else None
        return value if isinstance(value, str) and _ID_KEY.match(key) else None

    try:
        return prune(json.loads(text))
    except ValueError:
        return None


def facts_interactions(cassette: dict[str, Any]) -> list[Recorded]:
    """A cassette of tests/fake/data/auth0_recorded_facts.json as replayable interactions."""
    return [
        Recorded(
            method=i["method"],
            path=i["path"],
            query=i["query"],
            body=i["body"],
            content_type=i["content_type"],
            status=i["status"],
            response=json.dumps(i["ids"]) if i["ids"] is not None else "",
            keys=tuple(i["keys"]) if i["keys"] else None,
        )
        for i in cassette["interactions"]
    ]


def _mapped(text: str, ids: dict[str, str]) -> str:
    for recorded in sorted(ids, key=len, reverse=True):
        if recorded in text:
            text = text.replace(recorded, ids[recorded])
        encoded = quote(recorded, safe="")
        if encoded != recorded and encoded in text:
            text = text.replace(encoded, quote(ids[recorded], safe=""))
    return text


def _full_message(text: str) -> str:
    with contextlib.suppress(ValueError):
        value = json.loads(text)
        if isinstance(value, dict):
            return str(value.get("message", ""))
    return ""


def _message(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        return ""
    if isinstance(value, dict):
        return str(value.get("message", ""))[:120]
    return ""


def _error_code(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        return ""
    return str(value.get("errorCode", "")) if isinstance(value, dict) else ""


def replay(name: str, interactions: Iterable[Recorded], report: Report) -> None:
    """Send a cassette's Management API requests to a fresh emulator, in order."""
    with FakeAuth0() as fake:
        every = frozenset(catalogue().scopes)
        tokens: dict[frozenset[str], str] = {}

        def token_for(item: Recorded) -> str:
            # A recorded 403 for missing scopes (a least-privilege test's expected denial) is
            # replayed with a token that lacks them, as the recording's token did.
            lacking: frozenset[str] = frozenset()
            if item.status == 403:
                lacking = frozenset(insufficient_scope.scopes_named(_full_message(item.response)))
            granted = every - lacking
            if granted not in tokens:
                tokens[granted] = fake.issue_token("fidelity-diff", sorted(granted))
            return tokens[granted]

        ids: dict[str, str] = {}
        with httpx.Client(base_url=fake.url, timeout=30) as http:
            for item in interactions:
                if not item.path.startswith(MANAGEMENT_PREFIX + "/"):
                    report.skipped += 1
                    continue
                path = _mapped(item.path, ids)
                query = _mapped(item.query, ids)
                body = _mapped(item.body, ids)
                headers = {"Authorization": f"Bearer {token_for(item)}"}
                if body:
                    headers["Content-Type"] = item.content_type or "application/json"
                url = path + ("?" + query if query else "")
                answer = http.request(item.method, url, content=body.encode(), headers=headers)
                with contextlib.suppress(ValueError):
                    _collect_ids(json.loads(item.response), answer.json(), ids)
                report.outcomes.append(
                    Outcome(
                        cassette=name,
                        method=item.method,
                        template=template(item.method, unquote(item.path)),
                        status=item.status,
                        fake_status=answer.status_code,
                        keys=item.recorded_keys(),
                        fake_keys=shape(answer.text),
                        fake_message=_message(answer.text) if answer.status_code >= 400 else "",
                        fake_error_code=_error_code(answer.text),
                    )
                )
    report.cassettes += 1


def run(paths: Iterable[str | Path], *, family: str | None = None) -> Report:
    report = Report()
    for path in paths:
        interactions = read_cassette(path)
        if family is not None and not any(
            template(i.method, unquote(i.path)).strip("/").split("/")[0] == family
            for i in interactions
            if i.path.startswith(MANAGEMENT_PREFIX + "/")
        ):
            continue
        replay(Path(path).name, interactions, report)
    if family is not None:
        report.outcomes = [o for o in report.outcomes if o.family == family]
    return report


# --- printing ------------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def differences(report: Report) -> Iterator[tuple[int, str]]:
    """Grouped differences, most frequent first: (count, description)."""
    groups: Counter[str] = Counter()
    for o in report.outcomes:
        if not o.status_agrees:
            note = f" ({o.fake_message})" if o.fake_message and not o.not_emulated else ""
            groups[f"{o.operation}: Auth0 {o.status}, emulator {o.fake_status}{note}"] += 1
        elif o.compared and not o.keys_agree:
            keys, fake_keys = set(o.keys or ()), set(o.fake_keys or ())
            missing, extra = sorted(keys - fake_keys), sorted(fake_keys - keys)
            groups[f"{o.operation} {o.status}: keys missing {missing}, extra {extra}"] += 1
    for text, count in groups.most_common():
        yield count, text


def render(report: Report, *, top: int = 25) -> str:
    lines: list[str] = []
    by_family: dict[str, list[Outcome]] = defaultdict(list)
    for o in report.outcomes:
        by_family[o.family].append(o)
    lines.append(f"{'family':<28} {'replayed':>8} {'status':>7} {'keys':>7} {'compared':>8}")
    for fam in sorted(by_family, key=lambda f: -len(by_family[f])):
        ok, n, kok, kn = report.agreement(by_family[fam])
        lines.append(f"{fam:<28} {n:>8} {_pct(ok, n):>7} {_pct(kok, kn):>7} {kn:>8}")
    ok, n, kok, kn = report.agreement()
    answered = [o for o in report.outcomes if not o.not_emulated]
    aok = sum(o.status_agrees for o in answered)
    lines.append("")
    lines.append(
        f"cassettes {report.cassettes}, interactions replayed {n} (skipped, not Management API: "
        f"{report.skipped})"
    )
    lines.append(f"status agreement: {ok}/{n} = {_pct(ok, n).strip()}")
    lines.append(
        f"status agreement where emulated: {aok}/{len(answered)} = "
        f"{_pct(aok, len(answered)).strip()}"
    )
    lines.append(f"top-level key agreement: {kok}/{kn} compared = {_pct(kok, kn).strip()}")
    lines.append(f"operations not emulated: {len(report.not_emulated())}")
    lines.append("")
    lines.append(f"top differences (of {sum(1 for _ in differences(report))} kinds):")
    for count, text in list(differences(report))[:top]:
        lines.append(f"{count:>5}  {text}")
    return "\n".join(lines)


def cassette_files(paths: Iterable[str]) -> list[Path]:
    """The files named, and the cassettes (``*.yaml``, ``*.yml``) under each directory named."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            found.append(path)
    return found


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_auth0_m2m diff",
        description="Replay cassettes recorded on a real tenant against a fresh emulator and "
        "report each difference in status and top-level response keys, per operation.",
    )
    parser.add_argument(
        "cassettes", nargs="+", help="vcrpy or go-vcr cassette files (YAML), or directories of them"
    )
    parser.add_argument("--family", help="only this family (first path segment, e.g. roles)")
    parser.add_argument("--top", type=int, default=25, help="differences to print (default 25)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per outcome")
    args = parser.parse_args(list(argv))
    missing = [p for p in args.cassettes if not Path(p).exists()]
    if missing:
        print(f"no such cassette: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = run(cassette_files(args.cassettes), family=args.family)
    if args.json:
        for o in report.outcomes:
            print(json.dumps(o.__dict__ | {"operation": o.operation}))
    else:
        print(render(report, top=args.top))
    return 0
