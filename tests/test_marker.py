"""The mgmt_scopes marker, as a user meets it: a run of pytest on a generated project."""

from __future__ import annotations

import re

import pytest

# Runs pytest or the emulator end to end: the slow tier (pytest -m 'not e2e' skips it).
pytestmark = pytest.mark.e2e

# These projects make no request: without cassettes, a replay session would (rightly) fail
# their mgmt_scopes tests for having no cassette.
NO_CASSETTES = ("--disable-recording",)

SHOW_SCOPES = """
import pytest
from pytest_auth0_m2m.plugin.state import declared_scopes

@pytest.fixture
def show(request):
    declared = declared_scopes(request.node)
    print("SCOPES", request.node.name, None if declared is None else sorted(declared.scopes))
"""


def _scopes_lines(result: pytest.RunResult) -> list[str]:
    # Printed with -s, so a line may share the screen line with pytest's progress output.
    return sorted(re.findall(r"SCOPES \S+ (?:None|\[[^\]]*\])", result.stdout.str()))


def test_closest_marker_wins_function_over_class_over_module(project: pytest.Pytester) -> None:
    project.makeconftest(SHOW_SCOPES)
    project.makepyfile(
        """
        import pytest
        pytestmark = pytest.mark.mgmt_scopes("read:users")

        def test_module_level(show): pass

        @pytest.mark.mgmt_scopes("read:roles")
        class TestClass:
            def test_class_level(self, show): pass

            @pytest.mark.mgmt_scopes("delete:users")
            def test_function_over_class(self, show): pass

        @pytest.mark.mgmt_scopes()
        def test_empty_narrows_module(show): pass
        """
    )
    result = project.runpytest("-s", *NO_CASSETTES)
    result.assert_outcomes(passed=4)
    assert _scopes_lines(result) == [
        "SCOPES test_class_level ['read:roles']",
        "SCOPES test_empty_narrows_module []",
        "SCOPES test_function_over_class ['delete:users']",
        "SCOPES test_module_level ['read:users']",
    ]


def test_no_marker_means_no_declaration(project: pytest.Pytester) -> None:
    project.makeconftest(SHOW_SCOPES)
    project.makepyfile("def test_plain(show): pass")
    result = project.runpytest("-s", *NO_CASSETTES)
    result.assert_outcomes(passed=1)
    assert _scopes_lines(result) == ["SCOPES test_plain None"]


def test_duplicates_collapse_and_space_separated_strings_split(project: pytest.Pytester) -> None:
    project.makeconftest(SHOW_SCOPES)
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:users", "read:users", "update:users read:users")
        def test_dupes(show): pass
        """
    )
    result = project.runpytest("-s", *NO_CASSETTES)
    result.assert_outcomes(passed=1)
    assert _scopes_lines(result) == ["SCOPES test_dupes ['read:users', 'update:users']"]


def test_parametrized_marks_are_per_case(project: pytest.Pytester) -> None:
    project.makeconftest(SHOW_SCOPES)
    project.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", [
            1,
            pytest.param(2, marks=pytest.mark.mgmt_scopes("read:roles")),
        ])
        @pytest.mark.mgmt_scopes("read:users")
        def test_case(show, n): pass
        """
    )
    result = project.runpytest("-s", *NO_CASSETTES)
    result.assert_outcomes(passed=2)
    assert _scopes_lines(result) == [
        "SCOPES test_case[1] ['read:users']",
        "SCOPES test_case[2] ['read:roles']",
    ]


def test_unknown_scope_is_a_collection_error_with_suggestions(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_typo="""
        import pytest

        def test_fine(): pass

        @pytest.mark.mgmt_scopes("read:user")
        def test_typo(): pass
        """
    )
    result = project.runpytest("--collect-only")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_typo.py*",
            "test_typo.py::test_typo: mgmt_scopes: 'read:user' is not a Management API scope;"
            " did you mean 'read:users'*",
        ]
    )


def test_unknown_scope_stops_the_run_before_any_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_a="def test_ran(): print('RAN')",
        test_b="""
        import pytest
        pytestmark = pytest.mark.mgmt_scopes("read:usres")
        def test_b(): pass
        """,
    )
    result = project.runpytest("-s", *NO_CASSETTES)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "RAN" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*'read:usres' is not a Management API scope; did you mean*"])


def test_unknown_scope_on_a_class_names_each_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:rolez")
        class TestRoles:
            def test_one(self): pass
        """
    )
    result = project.runpytest("--collect-only")
    result.stdout.fnmatch_lines(
        ["*::TestRoles::test_one: mgmt_scopes: 'read:rolez' is not a Management API scope*"]
    )


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        (
            "mgmt_scopes(42)",
            "*mgmt_scopes arguments must be scope strings, got 42 (int). Expected form: "
            '@pytest.mark.mgmt_scopes("read:users", "update:users", strict=True|False)',
        ),
        (
            'mgmt_scopes(["read:users"])',
            "*mgmt_scopes arguments must be scope strings, got [[]'read:users'[]] (list).*",
        ),
        (
            'mgmt_scopes("")',
            "*mgmt_scopes got an empty scope string. Expected form: *; use "
            "@pytest.mark.mgmt_scopes() for a token with no scope",
        ),
        (
            'mgmt_scopes("read:users", scopes="x")',
            "*mgmt_scopes got unknown keyword argument(s) scopes; the only keyword is strict=.*",
        ),
        (
            'mgmt_scopes("read:users", strict="yes")',
            "*mgmt_scopes strict= must be True or False, got 'yes'.*",
        ),
    ],
)
def test_bad_marker_arguments_are_collection_errors(
    project: pytest.Pytester, marker: str, expected: str
) -> None:
    project.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_bad(): pass
        """
    )
    result = project.runpytest("--collect-only")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([expected])


def test_strict_keyword_is_accepted(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:users", strict=False)
        def test_ok(): pass
        """
    )
    project.runpytest(*NO_CASSETTES).assert_outcomes(passed=1)


def test_marker_is_registered_for_markers_and_strict_markers(project: pytest.Pytester) -> None:
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.mgmt_scopes(*scopes, strict=None): the Auth0 Management API scopes*"]
    )
    project.makepyfile(
        """
        import pytest

        @pytest.mark.mgmt_scopes("read:users")
        def test_ok(): pass
        """
    )
    project.runpytest("--strict-markers", *NO_CASSETTES).assert_outcomes(passed=1)


ADDS_MARKERS = (
    SHOW_SCOPES
    + """

def pytest_collection_modifyitems(items):
    for item in items:
        if "admin" in item.name:
            item.add_marker(pytest.mark.mgmt_scopes("read:users", "delete:users"))
        elif "narrowed" in item.name:
            # First among the item's own markers: closer than its decorator (pytest's order).
            item.add_marker(pytest.mark.mgmt_scopes("read:roles"), append=False)
"""
)


def test_a_marker_added_by_a_conftest_hook_is_declared(project: pytest.Pytester) -> None:
    # Noticed last session: a marker added in pytest_collection_modifyitems (after collection
    # parsed the decorators) was not seen, so the test had no declared scopes.
    project.makeconftest(ADDS_MARKERS)
    project.makepyfile(
        """
        import jwt
        import pytest

        def test_admin(show): pass

        @pytest.mark.mgmt_scopes("read:users")
        def test_narrowed(show): pass

        @pytest.mark.mgmt_scopes("read:clients")
        def test_untouched(show): pass

        def test_admin_token(mgmt_token):
            claim = jwt.decode(mgmt_token, options={"verify_signature": False})["scope"]
            assert set(claim.split()) == {"read:users", "delete:users"}
        """
    )
    result = project.runpytest("-s", "--auth0-fake")
    result.assert_outcomes(passed=4)
    assert _scopes_lines(result) == [
        "SCOPES test_admin ['delete:users', 'read:users']",
        "SCOPES test_narrowed ['read:roles']",
        "SCOPES test_untouched ['read:clients']",
    ]


def test_a_bad_marker_added_by_a_conftest_hook_stops_the_run(project: pytest.Pytester) -> None:
    project.makeconftest(ADDS_MARKERS.replace('"delete:users"', '"delete:user"'))
    project.makepyfile("def test_admin(): pass\ndef test_other(): pass")
    result = project.runpytest(*NO_CASSETTES)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: pytest-auth0-m2m: markers added at collection are not valid:",
            "test_a_bad_marker*.py::test_admin: mgmt_scopes: 'delete:user' is not a Management "
            "API scope; did you mean*",
        ]
    )
    assert "passed" not in result.stdout.str()
