"""``GET /api/v2/users?q=...``: Auth0's user search v3 syntax, evaluated on the tenant's users.

The query is parsed by luqum (a Lucene query parser) and the tree evaluated here with the rules
Auth0 documents for search v3 (docs: manage-users/user-search/user-search-query-syntax):

- ``AND``, ``OR``, ``NOT`` (capitals only), ``+``/``-``, parentheses; terms side by side are
  alternatives, as in Lucene;
- ``field:value``, ``field:"exact phrase"``, ``field:(a OR b)``; a dotted path reaches into
  objects and through arrays (``identities.connection``, ``user_metadata.addresses.city``), and
  ``email.domain`` is the part of the email after ``@``; ``_exists_:field``;
- wildcards ``*`` and ``?``: a leading one needs at least 3 literal characters; ranges
  ``[a TO b]``, ``{a TO b}``, ``>``, ``>=``, ``<``, ``<=`` (numbers compared as numbers, dates
  as ISO strings); neither wildcards nor ranges on ``user_metadata``;
- the normalized fields (email, name, given_name, family_name, nickname) match case-insensitively,
  every other field, metadata included, case-sensitively; a field's value is matched whole, as
  a keyword (``name:"jane smith"``, ``name:jane*``); a term without a field matches a word of the
  profile fields and never looks into metadata.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

from .common import bad_query

CASELESS = frozenset({"email", "email.domain", "name", "given_name", "family_name", "nickname"})
# What a term without a field is looked for in (never metadata).
DEFAULT_FIELDS = ("email", "name", "given_name", "family_name", "nickname", "username", "user_id")
_LITERALS_BEFORE_LEADING_WILDCARD = 3


class QueryError(ValueError):
    """A query Auth0 refuses; the message is Auth0's 400 text after ``Query validation error:``."""


def search(users: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """The users the query selects, in their order; Auth0's 400 for a query it refuses."""
    from luqum.exceptions import ParseError
    from luqum.thread import parse

    try:
        tree = parse(query)
    except (ParseError, TypeError, ValueError):
        raise bad_query(f"'Invalid query: {query}' on property q.") from None
    try:
        return [u for u in users if _matches(tree, u, None)]
    except QueryError as refused:
        raise bad_query(f"'{refused}' on property q.") from None


def _matches(node: Any, user: dict[str, Any], field: str | None) -> bool:
    from luqum import tree as t

    if isinstance(node, t.SearchField):
        if node.name == "_exists_":
            return any(True for _ in _values(user, _text(node.expr)))
        inner = f"{field}.{node.name}" if field else node.name
        return _matches(node.expr, user, inner)
    if isinstance(node, (t.Group, t.FieldGroup)):
        return _matches(node.expr, user, field)
    if isinstance(node, t.AndOperation):
        return all(_matches(child, user, field) for child in node.children)
    if isinstance(node, (t.OrOperation, t.UnknownOperation, t.BoolOperation)):
        return _boolean(node.children, user, field)
    if isinstance(node, (t.Not, t.Prohibit)):
        return not _matches(node.a, user, field)
    if isinstance(node, t.Plus):
        return _matches(node.a, user, field)
    if isinstance(node, t.Boost):
        return _matches(node.expr, user, field)  # a boost changes scores, not matches
    if isinstance(node, (t.Fuzzy, t.Proximity)):
        return _matches(node.term, user, field)  # matched exactly: no edit distance here
    if isinstance(node, (t.Range, t.From, t.To)):
        return _in_range(node, user, _required(field, "range"))
    if isinstance(node, t.Phrase):
        return _term(user, field, node.value[1:-1], exact=True)
    if isinstance(node, t.Word):
        return _term(user, field, node.value, exact=False)
    if isinstance(node, t.Regex):
        raise QueryError("Regular expressions are not supported in user search")
    raise QueryError(f"Invalid query: {node}")


def _boolean(children: Any, user: dict[str, Any], field: str | None) -> bool:
    """Lucene's boolean clause: every ``+`` term, no ``-`` term, and (if there are only plain
    terms besides ``-`` ones) at least one plain term."""
    from luqum import tree as t

    required = [c for c in children if isinstance(c, t.Plus)]
    prohibited = [c for c in children if isinstance(c, (t.Prohibit, t.Not))]
    optional = [c for c in children if c not in required and c not in prohibited]
    if not all(_matches(c, user, field) for c in required):
        return False
    if any(_matches(c.a, user, field) for c in prohibited):
        return False
    if required or not optional:
        return True
    return any(_matches(c, user, field) for c in optional)


def _required(field: str | None, what: str) -> str:
    if field is None:
        raise QueryError(f"A {what} needs a field")
    return field


def _text(node: Any) -> str:
    value = str(getattr(node, "value", node))
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def _values(user: dict[str, Any], path: str) -> Iterator[Any]:
    """The scalar values at a dotted path, through objects and arrays (arrays have no level)."""
    if path == "email.domain":
        email = user.get("email")
        if isinstance(email, str) and "@" in email:
            yield email.rsplit("@", 1)[1]
        return
    nodes: list[Any] = [user]
    for part in path.split("."):
        found: list[Any] = []
        for node in nodes:
            for item in node if isinstance(node, list) else [node]:
                if isinstance(item, dict) and part in item:
                    found.append(item[part])
        nodes = found
    for node in nodes:
        for item in node if isinstance(node, list) else [node]:
            if item is not None and not isinstance(item, (dict, list)):
                yield item


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _term(user: dict[str, Any], field: str | None, text: str, *, exact: bool) -> bool:
    wildcard = not exact and ("*" in text or "?" in text)
    if wildcard:
        _check_wildcard(field, text)
    fields = (field,) if field is not None else DEFAULT_FIELDS
    for name in fields:
        caseless = name in CASELESS or field is None
        wanted = text.lower() if caseless else text
        for value in _values(user, name):
            have = _as_text(value)
            have = have.lower() if caseless else have
            if wildcard:
                if fnmatch.fnmatchcase(have, wanted):
                    return True
            elif have == wanted or (field is None and wanted in _words(have)):
                return True
    return False


def _words(text: str) -> set[str]:
    return set(re.split(r"[^\w]+", text)) - {""}


def _check_wildcard(field: str | None, text: str) -> None:
    if field is not None and field.startswith("user_metadata"):
        raise QueryError("Wildcard searches are not available on user_metadata fields")
    if text[:1] in ("*", "?"):
        literals = len(text.replace("*", "").replace("?", ""))
        if literals < _LITERALS_BEFORE_LEADING_WILDCARD:
            raise QueryError(
                f"A leading wildcard needs at least {_LITERALS_BEFORE_LEADING_WILDCARD} "
                f"characters: {text}"
            )


def _in_range(node: Any, user: dict[str, Any], field: str) -> bool:
    from luqum import tree as t

    if field.startswith("user_metadata"):
        raise QueryError("Range searches are not available on user_metadata fields")
    if isinstance(node, t.Range):
        low, high = _bound(node.low), _bound(node.high)
        include_low, include_high = node.include_low, node.include_high
    elif isinstance(node, t.From):
        low, high, include_low, include_high = _bound(node.a), None, node.include, True
    else:
        low, high, include_low, include_high = None, _bound(node.a), True, node.include
    for value in _values(user, field):
        if _within(value, low, high, include_low, include_high):
            return True
    return False


def _bound(node: Any) -> str | None:
    text = _text(node)
    return None if text == "*" else text


def _within(
    value: Any, low: str | None, high: str | None, include_low: bool, include_high: bool
) -> bool:
    def compare(bound: str) -> int:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(bound)
            except ValueError:
                return -1
            return (value > number) - (value < number)
        have = _as_text(value)
        return (have > bound) - (have < bound)

    if low is not None:
        c = compare(low)
        if c < 0 or (c == 0 and not include_low):
            return False
    if high is not None:
        c = compare(high)
        if c > 0 or (c == 0 and not include_high):
            return False
    return True
