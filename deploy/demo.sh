#!/usr/bin/env bash
# The main job end to end, on a fresh Debian 12 machine: install what building and running need,
# build the two programs (not the tests), start the bundled Cloudflare API emulator, and reconcile
# every example at once against it: DLP settings, custom profiles with entries, a predefined
# profile, a word list and an EDM dataset, and an AI Search namespace, instance and documents.
# Plan, apply, a clean plan; then an edit that shows a field-level diff, and a change made outside
# cfsync (drift) that the next apply corrects.
# --no-build: with what build/bin/ has already (the test suite runs the demo so).
set -euo pipefail
cd "$(dirname "$0")/.."
began=$SECONDS

if [[ ${1:-} != --no-build ]]; then
  deploy/install-deps.sh
  deploy/build.sh --binaries
fi

demo=build/demo
config=$demo/config
state=$demo/emulator-state.json
account=023e105f4ecef8ad9ca31a8372d0c353  # the account the examples name
export CLOUDFLARE_API_TOKEN=demo-token   # the one token the emulator accepts below
bin=${CFSYNC_BIN_DIR:-build/bin}  # the test suite names its own
cfsync=$bin/cfsync

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$1" "$plain"; }
# Runs a command as shown, and insists on its exit code (0 unless given first).
expect() {
  local wanted=0
  if [[ $1 =~ ^[0-9]+$ ]]; then wanted=$1; shift; fi
  printf '$ %s\n' "$*"
  local code=0
  "$@" || code=$?
  if ((code != wanted)); then
    echo "demo: \`$*\` exited $code, not $wanted" >&2
    exit 1
  fi
}

# The configuration: the four examples merged in one directory, copied so that the demo can edit
# it. Each example keeps its own files beside it (keys/, data/, docs/).
rm -rf "$demo"
mkdir -p "$config"
cp examples/basic/cfsync.yaml "$config/settings.yaml"
cp -r examples/basic/keys "$config/"
cp examples/profiles/cfsync.yaml "$config/profiles.yaml"
cp examples/datasets/cfsync.yaml "$config/datasets.yaml"
cp -r examples/datasets/data "$config/"
cp examples/ai-search/cfsync.yaml "$config/ai-search.yaml"
cp -r examples/ai-search/docs "$config/"

emulator_pid=
stop_emulator() {
  if [[ -n $emulator_pid ]]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
}
trap stop_emulator EXIT

# What the API cannot make, the dashboard does: the EDM dataset's columns (examples/datasets'
# fixture). Everything else starts empty.
"$bin/cfsync-emulator" --listen 127.0.0.1:0 --token "$CLOUDFLARE_API_TOKEN" \
  --account "$account" --state "$state" --fixture examples/datasets/fixture.json \
  >"$demo/emulator.out" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do
  if [[ -s $demo/emulator.out ]]; then break; fi
  sleep 0.05
done
read -r line <"$demo/emulator.out"
url=${line#listening on }
[[ $url == http://* ]] || { echo "demo: the emulator did not start: $line" >&2; exit 1; }
address=${url#http://}

# One request to the emulator, as the dashboard or another tool would make it: bash's /dev/tcp,
# so that the demo needs no HTTP client. Prints the status line.
api() {
  local method=$1 path=$2 body=${3:-}
  exec 3<>"/dev/tcp/${address%:*}/${address##*:}"
  printf '%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$method" "$path" "$address" "$CLOUDFLARE_API_TOKEN" "${#body}" "$body" >&3
  local status
  read -r status <&3
  exec 3<&-
  echo "${status%$'\r'}"
}

step "The bundled emulator serves $url: a new account (and the EDM dataset's columns)"
echo "The configuration: $config/ (examples/basic, profiles, datasets and ai-search, merged)"
ls "$config"

step "Plan: everything the configuration declares is missing"
expect 2 "$cfsync" plan --detailed-exitcode -c "$config" --api-url "$url"

step "Apply it (and wait until the documents are indexed)"
expect "$cfsync" apply -c "$config" --api-url "$url" --wait

step "Plan again: nothing left to do"
expect 0 "$cfsync" plan --detailed-exitcode -c "$config" --api-url "$url"

step "Edit one field: Employee IDs may now match 5 times before a policy triggers"
sed -i 's/allowed_match_count: 3\( *\)# policies trigger above 3/allowed_match_count: 5\1# policies trigger above 5/' \
  "$config/profiles.yaml"
grep -n 'allowed_match_count: 5' "$config/profiles.yaml"
expect 2 "$cfsync" plan --detailed-exitcode -c "$config" --api-url "$url"
expect "$cfsync" apply -c "$config" --api-url "$url"

step "Drift: someone turns OCR off in the dashboard"
printf '$ PATCH /accounts/%s/dlp/settings {"ocr":false}  -> ' "$account"
api PATCH "/accounts/$account/dlp/settings" '{"ocr":false}'
echo "The configuration is the one applied, so the plan is drift (--drift-exitcode: 3):"
expect 3 "$cfsync" plan --drift-exitcode -c "$config" --api-url "$url"
expect "$cfsync" apply -c "$config" --api-url "$url"
expect 0 "$cfsync" plan --detailed-exitcode -c "$config" --api-url "$url"

step "Done in $((SECONDS - began)) s"
echo "The account converged, an edit and a drift later. To explore further, start the emulator"
echo "again with the same state and point cfsync at it:"
echo "  build/bin/cfsync-emulator --listen 127.0.0.1:8787 --token demo-token --account $account \\"
echo "      --state $state &"
echo "  CLOUDFLARE_API_TOKEN=demo-token build/bin/cfsync plan -c $config --api-url http://127.0.0.1:8787"
