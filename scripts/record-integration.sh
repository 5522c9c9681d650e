#!/usr/bin/env bash
# Re-records the project's own integration suite (tests/integration) into cassettes/, in the
# plugin's live mode, then audits the cassettes and replays them offline to check them.
#
#   bash scripts/record-integration.sh [pytest args...]
#
# Where it records:
# - by default, on the CLI emulator (python -m pytest_auth0_m2m.fake --tls), which this script
#   starts on 127.0.0.1 and stops; nothing leaves the machine and no account is needed;
# - on a real dev tenant when AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET are all set
#   (the provisioner app's credentials). The tenant must match auth0_allowed_domains in
#   pyproject.toml ([tool.pytest.ini_options]): any other is refused before the first request.
#   The provisioner needs read:clients, create:clients, update:clients, read:client_keys,
#   read:client_grants, create:client_grants, update:client_grants and delete:client_grants.
#   The tests' auth0_arrange creates and deletes users, roles and organizations there with its
#   own setup app: use a dev tenant only.
#
# The old cassettes of the suite are removed first (git still has them: `git diff --stat
# cassettes` shows what changed), so a renamed test leaves no stale cassette.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

SUITE=tests/integration
CASSETTES=cassettes/tests/integration
RECORD=("$PY" -m pytest "$SUITE" --record-mode=rewrite -p no:cacheprovider)

tenant_vars=0
for name in AUTH0_DOMAIN AUTH0_CLIENT_ID AUTH0_CLIENT_SECRET; do
  if [ -n "${!name:-}" ]; then tenant_vars=$((tenant_vars + 1)); fi
done
if [ "$tenant_vars" -ne 0 ] && [ "$tenant_vars" -ne 3 ]; then
  echo "record-integration: set all of AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET" \
    "(a dev tenant) or none of them (the emulator)" >&2
  exit 2
fi

rm -rf "$CASSETTES"
if [ "$tenant_vars" -eq 3 ]; then
  echo "== recording $SUITE on the dev tenant in AUTH0_DOMAIN (live mode)"
  "${RECORD[@]}" "$@"
else
  workdir=$(mktemp -d)  # 0700: the emulator's throwaway provisioner secret is printed there
  emulator=""
  cleanup() {
    if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; wait "$emulator" || true; fi
    rm -rf "$workdir"
  }
  trap cleanup EXIT
  "$PY" -m pytest_auth0_m2m.fake --tls >"$workdir/emulator.out" 2>&1 &
  emulator=$!
  for _ in $(seq 100); do
    if grep -q "Press Ctrl-C to stop." "$workdir/emulator.out"; then break; fi
    if ! kill -0 "$emulator" 2>/dev/null; then break; fi
    sleep 0.1
  done
  field() { sed -n "s/^$1: *//p" "$workdir/emulator.out"; }
  domain=$(field "domain")
  if [ -z "$domain" ]; then
    echo "record-integration: the emulator did not start:" >&2
    cat "$workdir/emulator.out" >&2
    exit 1
  fi
  ca=$(field "CA bundle")
  echo "== recording $SUITE on the CLI emulator at $domain (live mode)"
  # Live mode pointed at the emulator, as at a tenant: only that loopback host is allowed, and
  # tokens stay in memory (they die with the emulator).
  env AUTH0_DOMAIN="$domain" \
    AUTH0_CLIENT_ID="$(field "provisioner client id")" \
    AUTH0_CLIENT_SECRET="$(field "provisioner client secret")" \
    SSL_CERT_FILE="$ca" REQUESTS_CA_BUNDLE="$ca" \
    "${RECORD[@]}" -o "auth0_allowed_domains=$domain" --auth0-no-token-cache "$@"
fi

echo "== auditing cassettes/"
"$PY" -m pytest_auth0_m2m audit cassettes
echo "== replaying $SUITE offline (--block-network, no AUTH0_* variable)"
env -u AUTH0_DOMAIN -u AUTH0_CLIENT_ID -u AUTH0_CLIENT_SECRET -u AUTH0_PREVIOUS_CLIENT_SECRET \
  "$PY" -m pytest "$SUITE" --block-network -p no:cacheprovider -q
