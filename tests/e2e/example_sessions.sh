#!/usr/bin/env bash
# Each example's comment block holds a copy-paste session against the bundled emulator. This runs
# every one of them as written (in a copy of examples/) and checks that it works: every command
# succeeds and the last plan finds nothing to do. The README's five-minute tutorial is run the
# same way.
#
# Only two things are changed in a session: the emulator listens on a port the kernel picks (so no
# other test can hold it) and its output goes to a file, which the next line waits on; 8787
# elsewhere becomes that port. Each session runs with a time limit, its output in a file, and any
# process it left behind is killed, so a failing step is reported rather than hanging the test.
# Usage: example_sessions.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1
bin_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0

# run_session NAME SESSION: runs SESSION's lines in $work/repo, prints "ok" or "FAIL" with its output.
run_session() {
  local name=$1 session=$2 script="$work/$1.sh" out="$work/$1.out"
  session=${session//--listen 127.0.0.1:8787/--listen 127.0.0.1:0}
  session=${session//8787/\$emulator_port}
  {
    echo 'set -euo pipefail'
    echo "trap 'kill \$(jobs -p) 2>/dev/null || true' EXIT"
    echo "cd '$work/repo'"
    printf '%s\n' "$session"
  } >"$script"
  # The line that starts the emulator ends in "&" (after ">/dev/null" in the README).
  sed -i -E 's#^(.*[^ ])( >/dev/null)? \&$#\1 >emulator.out 2>\&1 \&\
for _ in $(seq 200); do grep -qs "listening on" emulator.out \&\& break; sleep 0.05; done\
emulator_port=$(sed -n "s|^listening on http://127.0.0.1:||p" emulator.out)\
[[ -n $emulator_port ]] || { echo "the emulator did not start:"; cat emulator.out; exit 1; }#' "$script"
  if ! timeout -k 5 90 bash "$script" >"$out" 2>&1 </dev/null; then
    echo "FAIL $name: the session failed:"
    cat "$out"
    failed=1
  elif [[ $(tail -n 1 "$out") != "No changes. Account "*" matches the configuration." ]]; then
    echo "FAIL $name: the last plan has changes:"
    cat "$out"
    failed=1
  else
    echo "ok   $name: $(grep -c '' <<<"$session") lines"
  fi
}

for yaml in "$source_dir"/examples/*/cfsync.yaml; do
  name=$(basename "$(dirname "$yaml")")
  # The session: the comment lines indented by three spaces after the "Against the bundled
  # emulator" paragraph.
  session=$(awk '/^# Against the bundled emulator/ { on = 1; next }
                 on && /^#   / { sub(/^#   /, ""); print; next }
                 on && /^#$/ { exit }' "$yaml")
  if [[ -z $session ]]; then
    echo "FAIL $name: no session in its comment block"
    failed=1
    continue
  fi
  rm -rf "$work/repo"
  mkdir -p "$work/repo/build"
  cp -r "$source_dir/examples" "$work/repo/"
  ln -s "$bin_dir" "$work/repo/build/bin"
  run_session "$name" "$session"
done

# The README's five-minute tutorial (its configuration in a directory of the test's).
tutorial=$(awk '/^## Five-minute tutorial/ { on = 1 } on && /^```$/ { n++; next } on && n == 1 { print }' \
  "$source_dir/README.md")
rm -rf "$work/repo"
mkdir -p "$work/repo/build"
ln -s "$bin_dir" "$work/repo/build/bin"
run_session README-tutorial "${tutorial//\/tmp\/my-config/$work/my-config}"
exit $failed
