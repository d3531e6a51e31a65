#!/usr/bin/env python3
"""A fake GitHub and GitLab API on 127.0.0.1, for deploy/ci/reviewed-plan.sh's test: the pull and
merge requests merged as a commit, workflow runs and pipelines, jobs and their artifacts.

Usage: fake_ci_api.py PORT_FILE TOKEN
Answers only with the token (GitHub: "Authorization: Bearer", GitLab: "PRIVATE-TOKEN"), from the
fixed story below, and writes the port it listens on to PORT_FILE.

GitHub (repository acme/config, this workflow is 77):
  m1  the merge commit of pull request 7 (head h7) into main; h7 also has a newer failed run, an
      older successful one, a successful run of another workflow and a push run
  s1  the squashed commit of pull request 8 (head h8) into main: no successful run
  r1  pull request 9 merged into release, not main
  c1  one of pull request 10's commits (merged as m10, its head h10 planned), pushed by itself
  d1  pushed directly: no pull request
GitLab (project 42):
  g1  the merge commit of merge request 5: pipelines 903 (failed), 902 and 901 (success); 902's
      plan job 7002 has plan.json
  g2  merge request 6 fast-forwarded (its head is g2): pipeline 910's plan job has no artifact
  g3  merge request 7 squashed as g3: no pipeline
  g4  pushed directly: no merge request
"""
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port_file, token = sys.argv[1], sys.argv[2]
MERGED = "2026-11-30T12:00:00Z"

github_pulls = {
    "m1": [
        {"number": 12, "merged_at": None, "base": {"ref": "main"}, "merge_commit_sha": "x12",
         "head": {"sha": "h12"}},
        {"number": 7, "merged_at": MERGED, "base": {"ref": "main"}, "merge_commit_sha": "m1",
         "head": {"sha": "h7"}},
    ],
    "s1": [{"number": 8, "merged_at": MERGED, "base": {"ref": "main"}, "merge_commit_sha": "s1",
            "head": {"sha": "h8"}}],
    "r1": [{"number": 9, "merged_at": MERGED, "base": {"ref": "release"},
            "merge_commit_sha": "r1", "head": {"sha": "h9"}}],
    "c1": [{"number": 10, "merged_at": MERGED, "base": {"ref": "main"}, "merge_commit_sha": "m10",
            "head": {"sha": "h10"}}],
}
# Newest first, as GitHub lists them.
github_runs = [
    {"id": 560, "workflow_id": 77, "event": "pull_request", "head_sha": "h7", "conclusion": "failure"},
    {"id": 550, "workflow_id": 88, "event": "pull_request", "head_sha": "h7", "conclusion": "success"},
    {"id": 540, "workflow_id": 77, "event": "push", "head_sha": "h7", "conclusion": "success"},
    {"id": 530, "workflow_id": 77, "event": "pull_request", "head_sha": "h7", "conclusion": "success"},
    {"id": 520, "workflow_id": 77, "event": "pull_request", "head_sha": "h7", "conclusion": "success"},
    {"id": 510, "workflow_id": 77, "event": "pull_request", "head_sha": "h8", "conclusion": "failure"},
    {"id": 500, "workflow_id": 77, "event": "pull_request", "head_sha": "h10", "conclusion": "success"},
]
gitlab_mrs = {
    "g1": [{"iid": 5, "state": "merged", "target_branch": "main", "merge_commit_sha": "g1",
            "squash_commit_sha": None, "sha": "gh5"},
           {"iid": 4, "state": "opened", "target_branch": "main", "merge_commit_sha": None,
            "squash_commit_sha": None, "sha": "g1"}],
    "g2": [{"iid": 6, "state": "merged", "target_branch": "main", "merge_commit_sha": None,
            "squash_commit_sha": None, "sha": "g2"}],
    "g3": [{"iid": 7, "state": "merged", "target_branch": "main", "merge_commit_sha": "gm7",
            "squash_commit_sha": "g3", "sha": "gh7"}],
}
gitlab_pipelines = {  # newest first
    5: [{"id": 903, "status": "failed"}, {"id": 902, "status": "success"},
        {"id": 901, "status": "success"}],
    6: [{"id": 910, "status": "success"}],
    7: [],
}
gitlab_jobs = {
    902: [{"id": 7001, "name": "build"}, {"id": 7002, "name": "plan"}],
    901: [{"id": 6002, "name": "plan"}],
    910: [{"id": 7100, "name": "plan"}],
}
gitlab_artifacts = {(7002, "plan.json"): b'{"kind":"cfsync saved plan","from":"job 7002"}\n',
                    (6002, "plan.json"): b'{"kind":"cfsync saved plan","from":"job 6002"}\n'}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, value):
        if value is None:
            return self.send(404, b'{"message":"Not Found"}')
        self.send(200, json.dumps(value).encode())

    def do_GET(self):
        url = urlparse(self.path)
        path, query = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        if path.startswith("/repos/"):
            if self.headers.get("Authorization") != f"Bearer {token}":
                return self.send(401, b'{"message":"Bad credentials"}')
            return self.answer(self.github(path, query))
        if path.startswith("/projects/"):
            if self.headers.get("PRIVATE-TOKEN") != token:
                return self.send(401, b'{"message":"401 Unauthorized"}')
            if m := re.fullmatch(r"/projects/42/jobs/(\d+)/artifacts/(.+)", path):
                content = gitlab_artifacts.get((int(m.group(1)), m.group(2)))
                if content is None:
                    return self.send(404, b'{"message":"404 Not Found"}')
                return self.send(200, content, "application/octet-stream")
            return self.answer(self.gitlab(path))
        self.send(404, b"{}")

    def github(self, path, query):
        if m := re.fullmatch(r"/repos/acme/config/commits/(\w+)/pulls", path):
            return github_pulls.get(m.group(1), [])
        if m := re.fullmatch(r"/repos/acme/config/actions/runs/(\d+)", path):
            return {"id": int(m.group(1)), "workflow_id": 77}
        if m := re.fullmatch(r"/repos/acme/config/actions/workflows/(\d+)/runs", path):
            runs = [r for r in github_runs if r["workflow_id"] == int(m.group(1))
                    and r["event"] == query.get("event", r["event"])
                    and r["conclusion"] == query.get("status", r["conclusion"])
                    and r["head_sha"] == query.get("head_sha", r["head_sha"])]
            runs = runs[: int(query.get("per_page", 30))]
            return {"total_count": len(runs), "workflow_runs": runs}
        return None

    def gitlab(self, path):
        if m := re.fullmatch(r"/projects/42/repository/commits/(\w+)/merge_requests", path):
            return gitlab_mrs.get(m.group(1), [])
        if m := re.fullmatch(r"/projects/42/merge_requests/(\d+)/pipelines", path):
            return gitlab_pipelines.get(int(m.group(1)))
        if m := re.fullmatch(r"/projects/42/pipelines/(\d+)/jobs", path):
            return gitlab_jobs.get(int(m.group(1)))
        return None


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
