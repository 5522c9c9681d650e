#!/usr/bin/env bash
# The whole test suite: lint, format check, type check, catalogue sync, then pytest.
# Sets itself up: creates .venv and installs the project with its dev extra when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

"$PY" -m ruff check .
"$PY" -m ruff format --check .
"$PY" -m mypy
"$PY" scripts/generate_catalogue.py --check
"$PY" scripts/generate_secret_fields.py --check
"$PY" scripts/generate_resource_facts.py --check

set +e
"$PY" -m pytest -n 2 -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
