#!/usr/bin/env bash
# Each example's comment block holds a copy-paste session against the bundled emulator. This runs
# every one of them as written (in a copy of examples/, with the emulator on a free port instead of
# 8787) and checks that it works: every command succeeds and the last plan finds nothing to do.
# The README's five-minute tutorial is run the same way.
# Usage: example_sessions.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1
bin_dir=$2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

failed=0
for yaml in "$source_dir"/examples/*/cfsync.yaml; do
  name=$(basename "$(dirname "$yaml")")
  # The session: the comment lines indented by three spaces after the "Against the bundled
  # emulator" paragraph, continuation lines joined.
  session=$(awk '/^# Against the bundled emulator/ { on = 1; next }
                 on && /^#   / { sub(/^#   /, ""); print; next }
                 on && /^#$/ { exit }' "$yaml")
  if [[ -z $session ]]; then
    echo "FAIL $name: no session in its comment block"
    failed=1
    continue
  fi
  port=$(free_port)
  rm -rf "$work/repo"
  mkdir -p "$work/repo/build"
  cp -r "$source_dir/examples" "$work/repo/"
  ln -s "$bin_dir" "$work/repo/build/bin"
  script="$work/$name.sh"
  {
    echo 'set -euo pipefail'
    echo "cd '$work/repo'"
    printf '%s\n' "${session//8787/$port}"
  } >"$script"
  # The emulator's first line says it listens; the commands after it must not race it.
  sed -i -E 's#^(.*)( \&)$#\1 >emulator.out 2>\&1\2\nfor _ in $(seq 100); do [[ -s emulator.out ]] \&\& break; sleep 0.05; done#' "$script"
  if ! out=$(bash "$script" 2>&1); then
    echo "FAIL $name: the session failed:"
    echo "$out"
    failed=1
    continue
  fi
  if [[ $(tail -n 1 <<<"$out") != "No changes. Account "*" matches the configuration." ]]; then
    echo "FAIL $name: the last plan has changes:"
    echo "$out"
    failed=1
    continue
  fi
  echo "ok   $name: $(grep -c '' <<<"$session") lines"
done
# The README's five-minute tutorial, the same way (its configuration in a directory of the test's).
port=$(free_port)
tutorial=$(awk '/^## Five-minute tutorial/ { on = 1 } on && /^```$/ { n++; next } on && n == 1 { print }' \
  "$source_dir/README.md")
rm -rf "$work/repo"
mkdir -p "$work/repo/build"
ln -s "$bin_dir" "$work/repo/build/bin"
{
  echo 'set -euo pipefail'
  echo "cd '$work/repo'"
  tutorial=${tutorial//8787/$port}
  printf '%s\n' "${tutorial//\/tmp\/my-config/$work/my-config}"
} >"$work/tutorial.sh"
sed -i -E 's#^(.*>/dev/null) \&$#\1 \&\nfor _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/'"$port"') 2>/dev/null \&\& break; sleep 0.05; done#' \
  "$work/tutorial.sh"
if ! out=$(bash "$work/tutorial.sh" 2>&1); then
  echo "FAIL README tutorial: the session failed:"
  echo "$out"
  failed=1
elif [[ $(tail -n 1 <<<"$out") != "No changes. Account "*" matches the configuration." ]]; then
  echo "FAIL README tutorial: the last plan has changes:"
  echo "$out"
  failed=1
else
  echo "ok   README tutorial"
fi
exit $failed
