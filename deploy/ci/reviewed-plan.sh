#!/usr/bin/env bash
# For the CI templates' apply job on the default branch: finds the plan that was reviewed in the
# pull request (GitHub) or merge request (GitLab) that this push merged, as `cfsync plan --out`
# saved it in the request's pipeline. `cfsync apply PLAN_FILE` then applies it only while it is
# still exactly the plan the merged configuration and the account yield, and otherwise refuses.
#
#   deploy/ci/reviewed-plan.sh github
#       GITHUB_TOKEN (actions: read, pull-requests: read), GITHUB_REPOSITORY, GITHUB_SHA,
#       GITHUB_REF_NAME, GITHUB_RUN_ID (GITHUB_API_URL: GitHub Enterprise). Prints, for
#       $GITHUB_OUTPUT, `pr=N`, `head=SHA` (the request's head commit) and `run-id=ID`: the newest
#       successful run of this workflow for that commit, whose artifact cfsync-plan-SHA holds the
#       plan (actions/download-artifact fetches it with run-id).
#   deploy/ci/reviewed-plan.sh gitlab FILE
#       GITLAB_TOKEN (read_api), CI_API_V4_URL, CI_PROJECT_ID, CI_COMMIT_SHA, CI_DEFAULT_BRANCH;
#       CFSYNC_PLAN_JOB (default plan) and CFSYNC_PLAN_ARTIFACT (default plan.json). Downloads to
#       FILE that file of that job in the request's newest successful pipeline.
#
# Fails, saying why, when there is no such plan: a push that no merged request made (a direct
# push), a request whose plan never succeeded (from a fork: no secrets, so no plan), or an
# artifact that expired. Needs curl and jq. The token is sent in a header and never printed.
set -euo pipefail
forge=${1:?usage: reviewed-plan.sh github | reviewed-plan.sh gitlab FILE}

fail() {
  echo "reviewed-plan: $*" >&2
  exit 1
}

call() {  # URL [CURL ARGS]: the answer's body; a status other than 2xx fails
  local url=$1
  shift
  curl --silent --show-error --fail-with-body --max-time 60 --retry 3 -H "$auth" \
    -H "Accept: application/json" "$@" "$url"
}

case "$forge" in
  github)
    api=${GITHUB_API_URL:-https://api.github.com}
    auth="Authorization: Bearer ${GITHUB_TOKEN:?GITHUB_TOKEN is not set}"
    repo=$api/repos/${GITHUB_REPOSITORY:?}
    sha=${GITHUB_SHA:?}
    # The pull request merged into this branch as this very commit (a merge commit, the squashed
    # commit, or the last commit rebased onto the branch).
    pr=$(call "$repo/commits/$sha/pulls" | jq -c --arg sha "$sha" --arg base "${GITHUB_REF_NAME:?}" \
      '[.[] | select(.merged_at != null and .base.ref == $base and .merge_commit_sha == $sha)][0]
       // empty')
    [[ -n $pr ]] || fail "no pull request was merged into $GITHUB_REF_NAME as $sha (a direct push?): nothing reviewed to apply; run the workflow by hand to plan and apply main"
    number=$(jq -r .number <<<"$pr")
    head=$(jq -r .head.sha <<<"$pr")
    workflow=$(call "$repo/actions/runs/${GITHUB_RUN_ID:?}" | jq -r .workflow_id)
    run=$(call "$repo/actions/workflows/$workflow/runs?event=pull_request&status=success&head_sha=$head&per_page=1" |
      jq -r '.workflow_runs[0].id // empty')
    [[ -n $run ]] || fail "pull request #$number: no successful plan run for its head commit $head (a fork, or a failed plan): nothing reviewed to apply; run the workflow by hand to plan and apply main"
    echo "reviewed-plan: pull request #$number, head commit $head, planned in run $run" >&2
    printf 'pr=%s\nhead=%s\nrun-id=%s\n' "$number" "$head" "$run"
    ;;
  gitlab)
    out=${2:?usage: reviewed-plan.sh gitlab FILE}
    api=${CI_API_V4_URL:?CI_API_V4_URL is not set}
    auth="PRIVATE-TOKEN: ${GITLAB_TOKEN:?GITLAB_TOKEN is not set (the apply job needs it to find the reviewed plan)}"
    project=$api/projects/${CI_PROJECT_ID:?}
    sha=${CI_COMMIT_SHA:?}
    job_name=${CFSYNC_PLAN_JOB:-plan}
    artifact=${CFSYNC_PLAN_ARTIFACT:-plan.json}
    # The merge request merged into the default branch as this very commit (a merge commit, the
    # squashed commit, or, fast-forwarded, its own head).
    mr=$(call "$project/repository/commits/$sha/merge_requests" |
      jq -c --arg sha "$sha" --arg target "${CI_DEFAULT_BRANCH:?}" \
        '[.[] | select(.state == "merged" and .target_branch == $target and
           ($sha == .merge_commit_sha or $sha == .squash_commit_sha or $sha == .sha))][0] // empty')
    [[ -n $mr ]] || fail "no merge request was merged into $CI_DEFAULT_BRANCH as $sha (a direct push?): nothing reviewed to apply; run a pipeline on $CI_DEFAULT_BRANCH by hand to plan and apply it"
    iid=$(jq -r .iid <<<"$mr")
    # Its pipelines, newest first; "success" includes a plan that exited 2 (allowed to fail).
    pipeline=$(call "$project/merge_requests/$iid/pipelines?per_page=100" |
      jq -r '[.[] | select(.status == "success")][0].id // empty')
    [[ -n $pipeline ]] || fail "merge request !$iid: no successful pipeline: nothing reviewed to apply; run a pipeline on $CI_DEFAULT_BRANCH by hand to plan and apply it"
    job=$(call "$project/pipelines/$pipeline/jobs?per_page=100" |
      jq -r --arg name "$job_name" '[.[] | select(.name == $name)][0].id // empty')
    [[ -n $job ]] || fail "merge request !$iid: pipeline $pipeline has no job $job_name"
    if ! call "$project/jobs/$job/artifacts/$artifact" --output "$out"; then
      rm -f "$out"
      fail "merge request !$iid: job $job has no $artifact (expired, or the plan failed)"
    fi
    echo "reviewed-plan: merge request !$iid, pipeline $pipeline, job $job: $out" >&2
    ;;
  *)
    fail "github or gitlab, not \"$forge\""
    ;;
esac
