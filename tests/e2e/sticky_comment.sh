#!/usr/bin/env bash
# deploy/ci/sticky-comment.sh against a fake GitHub and GitLab on loopback: the first run adds
# the plan comment, the next edits that same comment (found past the first page of 100), other
# comments stay as they were, a wrong token fails, and the token is never printed.
# Usage: sticky_comment.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
token=forge-token-0123456789abcdef
python3 "$source_dir/tests/support/fake_forge.py" "$work/port" "$work/state.json" "$token" &
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.05; done
port=$(cat "$work/port")
script=$source_dir/deploy/ci/sticky-comment.sh

fail() { echo "FAIL: $*"; exit 1; }
marked() {  # FORGE: the bodies of the comments that carry the marker
  jq -r --arg forge "$1" '.[$forge][] | select(.body | startswith("<!-- cfsync-plan -->")) | .body' \
    "$work/state.json"
}

for forge in github gitlab; do
  if [[ $forge == github ]]; then
    env=(GITHUB_API_URL="http://127.0.0.1:$port" GITHUB_TOKEN="$token" GITHUB_REPOSITORY=acme/config
         PR_NUMBER=7)
  else
    env=(CI_API_V4_URL="http://127.0.0.1:$port" GITLAB_TOKEN="$token" CI_PROJECT_ID=42
         CI_MERGE_REQUEST_IID=7)
  fi
  printf '## cfsync plan\n\nfirst | plan\n' >"$work/plan.md"
  out=$(env "${env[@]}" "$script" "$forge" "$work/plan.md" 2>&1) || fail "$forge: first run: $out"
  [[ $out == "sticky-comment: added comment "* ]] || fail "$forge: first run said: $out"
  printf '## cfsync plan\n\nsecond plan\n' >"$work/plan.md"
  out=$(env "${env[@]}" "$script" "$forge" "$work/plan.md" 2>&1) || fail "$forge: second run: $out"
  [[ $out == "sticky-comment: updated comment "* ]] || fail "$forge: second run said: $out"
  [[ $(marked "$forge" | grep -c '^<!-- cfsync-plan -->') == 1 ]] || fail "$forge: not one plan comment"
  marked "$forge" | grep -qx 'second plan' || fail "$forge: the comment was not updated"
  [[ $(jq --arg f "$forge" '.[$f] | length' "$work/state.json") == 151 ]] || fail "$forge: comments added"
  [[ $(jq -r --arg f "$forge" '.[$f][0].body' "$work/state.json") == "a review comment 0" ]] ||
    fail "$forge: another comment changed"
  [[ $out != *"$token"* ]] || fail "$forge: the token was printed"
  # A wrong token: the run fails, without printing either token.
  wrong=("${env[@]/$token/not-the-token}")
  if out=$(env "${wrong[@]}" "$script" "$forge" "$work/plan.md" 2>&1); then
    fail "$forge: a wrong token did not fail"
  fi
  [[ $out != *"$token"* && $out != *not-the-token* ]] || fail "$forge: a token was printed: $out"
  echo "ok   $forge"
done
