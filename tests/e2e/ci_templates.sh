#!/usr/bin/env bash
# The CI templates (deploy/ci/): both are YAML; every shell snippet in them parses (bash -n, and
# sh -n for GitHub's, which a container without bash runs with sh); the pull or merge request
# plan is saved and kept, and the apply on main finds it and applies it (GitHub) or does so when
# turned on (GitLab), and a run by hand plans afresh; the apply snippets run against a stub cfsync.
# deploy/ci/reviewed-plan.sh runs against a fake GitHub and GitLab API on loopback: it finds the
# request merged as the commit and its plan, fails saying why when there is none, and never
# prints the token.
# Usage: ci_templates.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
github=$source_dir/deploy/ci/github-actions.yml
gitlab=$source_dir/deploy/ci/gitlab-ci.yml
script=$source_dir/deploy/ci/reviewed-plan.sh

fail() { echo "FAIL: $*"; exit 1; }

# 1. Structure, and every snippet written out to $work/snippets/ (GitHub's ${{ }} expressions
# replaced by a word, as the runner does before the shell sees them).
mkdir "$work/snippets"
python3 - "$github" "$gitlab" "$work/snippets" <<'EOF' || fail "the templates' structure (above)"
import re, sys, yaml
github_file, gitlab_file, out = sys.argv[1:]
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)
def expressions(text):
    return re.sub(r"\$\{\{[^}]*\}\}", "EXPRESSION", text)

gh = yaml.safe_load(open(github_file))
gl = yaml.safe_load(open(gitlab_file))
check(gh["env"]["CFSYNC_REF"] == "main" and gl["variables"]["CFSYNC_REF"] == "main",
      "CFSYNC_REF defaults to main")
for name, job in gh["jobs"].items():
    for i, step in enumerate(job.get("steps", [])):
        if "run" in step:
            open(f"{out}/github-{name}-{i}.sh", "w").write(expressions(step["run"]))
def step(job, predicate):
    found = [s for s in gh["jobs"][job]["steps"] if predicate(s)]
    check(len(found) == 1, f"GitHub {job}: one step of a kind, found {len(found)}")
    return found[0] if found else {}
build = step("build", lambda s: "Build" in s.get("name", ""))
check("deploy/ci/reviewed-plan.sh" in build.get("run", ""), "GitHub build: keeps reviewed-plan.sh")
plan = step("plan", lambda s: s.get("id") == "plan")
check("--out ./plan.json" in plan.get("run", ""), "GitHub plan: saves the plan")
keep = step("plan", lambda s: s.get("uses") == "actions/upload-artifact@v4")
check(keep.get("with", {}).get("name") == "cfsync-plan-${{ github.event.pull_request.head.sha }}"
      and keep["with"].get("path") == "plan.json", "GitHub plan: uploads plan.json by head commit")
check("exitcode == '2'" in keep.get("if", ""), "GitHub plan: keeps a plan with changes")
apply = gh["jobs"]["apply"]
check(apply.get("permissions", {}).get("actions") == "read"
      and apply["permissions"].get("pull-requests") == "read", "GitHub apply: may read runs and pulls")
found = step("apply", lambda s: s.get("id") == "reviewed")
check("reviewed-plan.sh github" in found.get("run", "") and found.get("if") == "github.event_name == 'push'",
      "GitHub apply: a push looks the reviewed plan up")
fetch = step("apply", lambda s: s.get("uses") == "actions/download-artifact@v4" and "run-id" in s.get("with", {}))
check(fetch.get("with", {}).get("run-id") == "${{ steps.reviewed.outputs.run-id }}"
      and fetch["with"].get("name") == "cfsync-plan-${{ steps.reviewed.outputs.head }}"
      and fetch["with"].get("path") == "reviewed-plan"
      and "github-token" in fetch["with"], "GitHub apply: downloads the plan of that run")
run = step("apply", lambda s: s.get("name") == "cfsync apply")
check("reviewed-plan/plan.json" in run.get("run", ""), "GitHub apply: applies the downloaded plan")
names = [s.get("name", s.get("uses")) for s in apply["steps"]]
check(names.index("Restore the state directory") < names.index("cfsync apply"),
      "GitHub apply: the state directory (and its key) before apply")
open(f"{out}/github-apply-cfsync.sh", "w").write(run.get("run", "").replace(
    "${{ steps.reviewed.outputs.pr }}", "7"))

for name, job in gl.items():
    if not isinstance(job, dict) or not ("script" in job or "before_script" in job):
        continue
    lines = job.get("before_script", []) + job.get("script", [])
    open(f"{out}/gitlab-{name}.sh", "w").write("\n".join(lines) + "\n")
check(gl["variables"].get("CFSYNC_APPLY_REVIEWED_PLAN") == "false", "GitLab: reviewed plans off by default")
check("--out ./plan.json" in "\n".join(gl["plan"]["script"]), "GitLab plan: saves the plan")
check("plan.json" in gl["plan"]["artifacts"]["paths"], "GitLab plan: keeps the plan")
check("reviewed-plan.sh gitlab reviewed-plan.json" in "\n".join(gl["apply"]["script"]),
      "GitLab apply: looks the reviewed plan up")
check("deploy/ci/reviewed-plan.sh" in "\n".join(gl["build"]["script"]), "GitLab build: keeps reviewed-plan.sh")
open(f"{out}/gitlab-apply-only.sh", "w").write("\n".join(gl["apply"]["script"]) + "\n")
for problem in problems:
    print("template:", problem)
sys.exit(1 if problems else 0)
EOF
count=0
for snippet in "$work"/snippets/*.sh; do
  bash -n "$snippet" || fail "$(basename "$snippet") does not parse in bash"
  if [[ $(basename "$snippet") == github-* ]]; then
    sh -n "$snippet" || fail "$(basename "$snippet") does not parse in sh"
  fi
  count=$((count + 1))
done
((count >= 10)) || fail "only $count snippets found"
echo "ok   templates: YAML, the saved plan's steps, $count snippets parse"

# 2. The apply snippets, with stubs for cfsync, reviewed-plan.sh and apt-get on PATH.
mkdir "$work/bin" "$work/run"
cat >"$work/bin/cfsync" <<'EOF'
#!/bin/sh
echo "cfsync $*" >>"$STUB_LOG"
echo "applied"
exit "${STUB_CODE:-0}"
EOF
cat >"$work/bin/reviewed-plan.sh" <<'EOF'
#!/bin/sh
echo "reviewed-plan.sh $*" >>"$STUB_LOG"
exit "${STUB_REVIEWED_CODE:-0}"
EOF
printf '#!/bin/sh\nexit 0\n' >"$work/bin/apt-get"
chmod +x "$work"/bin/*
apply_github() {  # EVENT [CODE]: runs GitHub's apply step as its runner does (bash -eo pipefail)
  : >"$work/log"
  (cd "$work/run" && PATH="$work/bin:$PATH" STUB_LOG="$work/log" STUB_CODE=${2:-0} \
    GITHUB_EVENT_NAME=$1 GITHUB_STEP_SUMMARY="$work/summary" CFSYNC_CONFIG=cloudflare \
    CFSYNC_STATE_DIR=.cfsync-state bash --noprofile --norc -eo pipefail \
    "$work/snippets/github-apply-cfsync.sh" >/dev/null 2>&1)
}
apply_github push || fail "GitHub apply on a push failed"
grep -qx 'cfsync apply -c cloudflare --state-dir .cfsync-state --log-level info reviewed-plan/plan.json' \
  "$work/log" || fail "GitHub apply on a push: $(cat "$work/log")"
grep -q 'The plan reviewed in pull request #7' "$work/summary" || fail "GitHub summary: $(cat "$work/summary")"
apply_github workflow_dispatch || fail "GitHub apply by hand failed"
grep -qx 'cfsync apply -c cloudflare --state-dir .cfsync-state --log-level info' "$work/log" ||
  fail "GitHub apply by hand: $(cat "$work/log")"
if apply_github push 1; then fail "GitHub apply: a refused plan did not fail the step"; fi
apply_gitlab() {  # ENABLED SOURCE [REVIEWED_CODE]: runs GitLab's apply script as bash -e
  : >"$work/log"
  (cd "$work/run" && PATH="$work/bin:$PATH" STUB_LOG="$work/log" STUB_REVIEWED_CODE=${3:-0} \
    CFSYNC_APPLY_REVIEWED_PLAN=$1 CI_PIPELINE_SOURCE=$2 CFSYNC_CONFIG=cloudflare \
    bash -eo pipefail "$work/snippets/gitlab-apply-only.sh" >/dev/null 2>&1)
}
apply_gitlab true push || fail "GitLab reviewed apply failed"
[[ $(cat "$work/log") == "reviewed-plan.sh gitlab reviewed-plan.json
cfsync apply -c cloudflare --state-dir .cfsync-state --log-level info reviewed-plan.json" ]] ||
  fail "GitLab reviewed apply: $(cat "$work/log")"
if apply_gitlab true push 1; then fail "GitLab: no reviewed plan did not fail the job"; fi
[[ $(cat "$work/log") == "reviewed-plan.sh gitlab reviewed-plan.json" ]] ||
  fail "GitLab: applied without the reviewed plan: $(cat "$work/log")"
for case in "true web" "false push"; do
  # shellcheck disable=SC2086
  apply_gitlab $case || fail "GitLab apply ($case) failed"
  [[ $(cat "$work/log") == "cfsync apply -c cloudflare --state-dir .cfsync-state --log-level info" ]] ||
    fail "GitLab apply ($case): $(cat "$work/log")"
done
echo "ok   the apply snippets: a push applies the reviewed plan, a run by hand plans afresh"

# 3. reviewed-plan.sh against the fake API.
token=ci-token-0123456789abcdef
python3 "$source_dir/tests/support/fake_ci_api.py" "$work/port" "$token" &
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.05; done
port=$(cat "$work/port")
github_env=(GITHUB_API_URL="http://127.0.0.1:$port" GITHUB_TOKEN="$token" GITHUB_REPOSITORY=acme/config
            GITHUB_REF_NAME=main GITHUB_RUN_ID=999)
gitlab_env=(CI_API_V4_URL="http://127.0.0.1:$port" GITLAB_TOKEN="$token" CI_PROJECT_ID=42
            CI_DEFAULT_BRANCH=main)
reviewed() {  # FORGE SHA [FILE]: out holds stdout and stderr
  local env
  if [[ $1 == github ]]; then env=("${github_env[@]}" GITHUB_SHA="$2"); else env=("${gitlab_env[@]}" CI_COMMIT_SHA="$2"); fi
  out=$(env "${env[@]}" "$script" "$1" ${3:+"$3"} 2>"$work/err") && code=0 || code=$?
  out+=$(cat "$work/err")
  [[ $out != *"$token"* ]] || fail "the token was printed: $out"
  return "$code"
}
reviewed github m1 || fail "github merge commit: $out"
[[ $out == "pr=7
head=h7
run-id=530reviewed-plan: pull request #7, head commit h7, planned in run 530" ]] || fail "github merge commit said: $out"
for sha in s1 r1 c1 d1; do
  if reviewed github $sha; then fail "github $sha: found a plan: $out"; fi
  [[ $out == "reviewed-plan: "*"nothing reviewed to apply; run the workflow by hand"* ]] || fail "github $sha said: $out"
done
if env "${github_env[@]}" GITHUB_SHA=m1 GITHUB_TOKEN=not-the-token "$script" github >"$work/out" 2>&1; then
  fail "github: a wrong token did not fail"
fi
! grep -q not-the-token "$work/out" || fail "github: the token was printed"
echo "ok   reviewed-plan.sh github"

reviewed gitlab g1 "$work/plan.json" || fail "gitlab merge commit: $out"
[[ $(cat "$work/plan.json") == '{"kind":"cfsync saved plan","from":"job 7002"}' ]] ||
  fail "gitlab merge commit: downloaded $(cat "$work/plan.json")"
[[ $out == "reviewed-plan: merge request !5, pipeline 902, job 7002: $work/plan.json" ]] || fail "gitlab said: $out"
rm "$work/plan.json"
if reviewed gitlab g2 "$work/plan.json"; then fail "gitlab g2: found a plan: $out"; fi
[[ $out == *"merge request !6: job 7100 has no plan.json"* && ! -e $work/plan.json ]] || fail "gitlab g2 said: $out"
for sha in g3 g4; do
  if reviewed gitlab $sha "$work/plan.json"; then fail "gitlab $sha: found a plan: $out"; fi
  [[ $out == *"nothing reviewed to apply; run a pipeline on main by hand"* ]] || fail "gitlab $sha said: $out"
done
if env "${gitlab_env[@]}" CI_COMMIT_SHA=g1 GITLAB_TOKEN=not-the-token "$script" gitlab "$work/x" >"$work/out" 2>&1; then
  fail "gitlab: a wrong token did not fail"
fi
! grep -q not-the-token "$work/out" || fail "gitlab: the token was printed"
echo "ok   reviewed-plan.sh gitlab"
