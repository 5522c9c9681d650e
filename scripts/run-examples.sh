#!/usr/bin/env bash
# The plugin's main job: the example project's suite, first on the embedded emulated tenant,
# then replayed offline from its committed cassettes with the network blocked and no AUTH0_*.
# Sets itself up: creates .venv and installs the project with its dev extra when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh
cd examples

check() {  # pytest's exit 5 (no test ran) is a failure here
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then echo "run-examples: no tests ran" >&2; return 1; fi
  return "$rc"
}

echo "== example suite on the embedded Auth0 emulator (--auth0-fake, two xdist workers)"
check env -u AUTH0_DOMAIN -u AUTH0_CLIENT_ID -u AUTH0_CLIENT_SECRET \
  "../$PY" -m pytest --auth0-fake -n 2 -p no:cacheprovider "$@"
echo "== example suite replayed offline from cassettes (--block-network, no credentials)"
check env -u AUTH0_DOMAIN -u AUTH0_CLIENT_ID -u AUTH0_CLIENT_SECRET \
  "../$PY" -m pytest --block-network -p no:cacheprovider "$@"
