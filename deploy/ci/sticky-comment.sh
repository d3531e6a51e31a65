#!/usr/bin/env bash
# Posts BODY_FILE as the plan comment of a pull request (GitHub) or merge request (GitLab), and
# on later runs edits that same comment in place instead of adding another: the comment carries a
# hidden marker, and the first comment with it is the one updated.
#
#   deploy/ci/sticky-comment.sh github plan.md   # GITHUB_TOKEN, GITHUB_REPOSITORY, PR_NUMBER
#                                                 # (GITHUB_API_URL: GitHub Enterprise)
#   deploy/ci/sticky-comment.sh gitlab plan.md   # GITLAB_TOKEN (api scope), CI_API_V4_URL,
#                                                 # CI_PROJECT_ID, CI_MERGE_REQUEST_IID
#
# Needs curl and jq. The token is sent in a header and never printed. CFSYNC_COMMENT_MARKER
# names the marker, for two cfsync jobs (two accounts) commenting on one request.
set -euo pipefail
forge=${1:?usage: sticky-comment.sh github|gitlab BODY_FILE}
body_file=${2:?usage: sticky-comment.sh github|gitlab BODY_FILE}
marker="<!-- ${CFSYNC_COMMENT_MARKER:-cfsync-plan} -->"
# GitHub and GitLab take at most 65536 characters; a plan longer than that is cut, saying so.
limit=60000
body=$(cat "$body_file")
if ((${#body} > limit)); then
  body="${body:0:limit}"$'\n\n'"… (cut at $limit characters: the job's log has the whole plan)"
fi
payload=$(jq -n --arg body "$marker"$'\n'"$body" '{body: $body}')

case "$forge" in
  github)
    api=${GITHUB_API_URL:-https://api.github.com}
    auth="Authorization: Bearer ${GITHUB_TOKEN:?GITHUB_TOKEN is not set}"
    list="$api/repos/${GITHUB_REPOSITORY:?}/issues/${PR_NUMBER:?}/comments"
    edit() { echo "$api/repos/$GITHUB_REPOSITORY/issues/comments/$1"; }
    edit_method=PATCH
    ;;
  gitlab)
    api=${CI_API_V4_URL:?CI_API_V4_URL is not set}
    auth="PRIVATE-TOKEN: ${GITLAB_TOKEN:?GITLAB_TOKEN is not set}"
    list="$api/projects/${CI_PROJECT_ID:?}/merge_requests/${CI_MERGE_REQUEST_IID:?}/notes"
    edit() { echo "$list/$1"; }
    edit_method=PUT
    ;;
  *)
    echo "sticky-comment: github or gitlab, not \"$forge\"" >&2
    exit 2
    ;;
esac

call() {  # METHOD URL [DATA]: the answer's body; a status other than 2xx fails
  local method=$1 url=$2
  shift 2
  # Reads are retried; a write is not, so that a lost answer cannot post the comment twice.
  local retry=()
  if [[ $method == GET ]]; then retry=(--retry 3); fi
  curl --silent --show-error --fail-with-body --max-time 30 "${retry[@]}" \
    -X "$method" -H "$auth" -H "Content-Type: application/json" -H "Accept: application/json" \
    "$@" "$url"
}

# The comment with the marker, looked for page by page (100 a page).
existing=
for page in $(seq 1 50); do
  comments=$(call GET "$list?per_page=100&page=$page")
  existing=$(jq -r --arg marker "$marker" \
    '[.[] | select(.body | startswith($marker))][0].id // empty' <<<"$comments")
  if [[ -n $existing ]] || [[ $(jq length <<<"$comments") -lt 100 ]]; then break; fi
done

if [[ -n $existing ]]; then
  call "$edit_method" "$(edit "$existing")" --data "$payload" >/dev/null
  echo "sticky-comment: updated comment $existing"
else
  created=$(call POST "$list" --data "$payload")
  echo "sticky-comment: added comment $(jq -r .id <<<"$created")"
fi
