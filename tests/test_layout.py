"""The layout ARCHITECTURE.md draws, kept true: one direction of dependencies, pytest only in
plugin/. A change that breaks it fails here with the offending import."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_auth0_m2m"

# What each subpackage may import from the rest of the package.
ALLOWED = {
    "auth0": set(),
    "fake": {"auth0"},
    "cassettes": {"auth0"},
    "provisioning": {"auth0"},
    "least_privilege": {"auth0", "cassettes"},
    "own_apis": {"auth0", "cassettes", "least_privilege"},
    "plugin": {"auth0", "cassettes", "fake", "least_privilege", "own_apis", "provisioning"},
}
PYTEST_NAMES = ("pytest", "_pytest", "pytest_recording", "xdist")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, relative ones resolved."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def test_subpackages_import_only_downwards() -> None:
    wrong = []
    for sub, allowed in ALLOWED.items():
        for path in sorted((PACKAGE / sub).rglob("*.py")):
            for line, module in _imports(path):
                parts = module.split(".")
                if parts[0] != "pytest_auth0_m2m" or len(parts) < 2:
                    continue
                target = parts[1]
                if target != sub and target in ALLOWED and target not in allowed:
                    wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert wrong == []


def test_only_the_plugin_imports_pytest() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "plugin" not in path.relative_to(PACKAGE).parts
        for line, module in _imports(path)
        if module.split(".")[0] in PYTEST_NAMES
    ]
    assert wrong == []


def test_no_private_name_of_vcrpy_pytest_recording_or_werkzeug_is_imported() -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} imports {node.module}.{alias.name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").split(".")[0] in ("vcr", "pytest_recording", "werkzeug", "cheroot")
        for alias in node.names
        if alias.name.startswith("_") or any(p.startswith("_") for p in node.module.split("."))
    ]
    assert wrong == []
