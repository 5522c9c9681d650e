"""``python -m pytest_auth0_m2m sweep|audit|diff``: the plugin's command-line tools."""

from __future__ import annotations

import sys

USAGE = """usage: python -m pytest_auth0_m2m COMMAND [ARGS]

commands:
  sweep   list (and with --yes delete) this plugin's leftover apps and grants in a tenant
  audit   check cassettes for anything that looks like a secret; exits 1 if one is found
  diff    replay cassettes recorded on a real tenant against a fresh emulator; report differences
"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE, end="")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "sweep":
        from pytest_auth0_m2m.provisioning.sweep import main as sweep_main

        return sweep_main(rest)
    if command == "audit":
        from pytest_auth0_m2m.cassettes.audit import main as audit_main

        return audit_main(rest)
    if command == "diff":
        from pytest_auth0_m2m.fake.diff import main as diff_main

        return diff_main(rest)
    print(f"unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
