#!/usr/bin/env bash
# The main job end to end, on a fresh Debian 12 machine: install what is needed, build, start the
# bundled emulator, and reconcile examples/basic/ against it: a plan with changes, the apply, then
# (after restarting the emulator from its saved state) a second plan with nothing left to do.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
deploy/build.sh

demo=build/demo
mkdir -p "$demo"
state=$demo/emulator-state.json
rm -f "$state"  # every demo starts from a new account
account=023e105f4ecef8ad9ca31a8372d0c353  # the account examples/basic/cfsync.yaml names
export CLOUDFLARE_API_TOKEN=demo-token   # the one token the emulator accepts below

emulator_pid=
start_emulator() {
  build/bin/cfsync-emulator --listen 127.0.0.1:0 --token "$CLOUDFLARE_API_TOKEN" \
    --account "$account" --state "$state" >"$demo/emulator.out" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 100); do
    if [[ -s $demo/emulator.out ]]; then break; fi
    sleep 0.05
  done
  read -r line <"$demo/emulator.out"
  url=${line#listening on }
  [[ $url == http://* ]] || { echo "demo: the emulator did not start: $line" >&2; exit 1; }
  echo "(cfsync-emulator is serving $url, state in $state)"
}
stop_emulator() {
  if [[ -n $emulator_pid ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  emulator_pid=
}
trap stop_emulator EXIT

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$1" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Start the bundled emulator: a new, empty account"
start_emulator

step "Plan: what examples/basic/ would change"
show build/bin/cfsync plan --config examples/basic --api-url "$url"

step "Apply it"
show build/bin/cfsync apply --config examples/basic --api-url "$url"

step "Restart the emulator from its saved state, and plan again: nothing left to do"
stop_emulator
start_emulator
show build/bin/cfsync plan --detailed-exitcode --config examples/basic --api-url "$url"

step "Done"
echo "The account converged. To explore further, start the emulator with the same state:"
echo "  build/bin/cfsync-emulator --token demo-token --account $account --state $state"
echo "and point cfsync at it: CLOUDFLARE_API_TOKEN=demo-token build/bin/cfsync plan -c examples/basic --api-url http://127.0.0.1:8787"
