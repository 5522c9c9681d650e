"""Property-based checks of marker argument handling: any input is either a clean scope set or a
ScopeError with the expected form, never a crash or a silently wrong set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pytest_auth0_m2m.auth0.scopes import ScopeError, catalogue, parse_marker_args

SCOPES = sorted(catalogue().scopes)
scope_names = st.sampled_from(SCOPES)
junk = st.one_of(
    st.integers(),
    st.none(),
    st.binary(max_size=5),
    st.lists(scope_names, max_size=2),
    st.text(max_size=12),
)


@given(st.lists(scope_names, max_size=6))
def test_valid_scopes_give_exactly_their_set(names: list[str]) -> None:
    assert parse_marker_args(tuple(names), {}).scopes == frozenset(names)


@given(st.lists(scope_names, min_size=1, max_size=4), st.permutations(range(4)))
def test_order_and_spacing_do_not_matter(names: list[str], order: list[int]) -> None:
    joined = " ".join(names)
    shuffled = [names[i % len(names)] for i in order]
    assert (
        parse_marker_args((joined,), {}).scopes
        == parse_marker_args(tuple(shuffled + names), {}).scopes
    )


@given(
    st.lists(st.one_of(scope_names, junk), max_size=5),
    st.dictionaries(st.text(max_size=8), junk, max_size=2),
)
def test_any_input_is_accepted_exactly_or_refused_with_a_scope_error(
    args: list[object], kwargs: dict[str, object]
) -> None:
    try:
        request = parse_marker_args(tuple(args), kwargs)
    except ScopeError as exc:
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        assert refusal.startswith("mgmt_scopes")
        return
    assert set(kwargs) <= {"strict"}
    assert all(isinstance(a, str) and a.strip() for a in args)
    assert request.scopes == {word for a in args if isinstance(a, str) for word in a.split()}
    assert request.scopes <= set(SCOPES)
