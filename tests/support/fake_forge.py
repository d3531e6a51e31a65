#!/usr/bin/env python3
"""A fake GitHub and GitLab comments API on 127.0.0.1, for deploy/ci/sticky-comment.sh's test.

Usage: fake_forge.py PORT_FILE STATE_FILE TOKEN
Serves, in memory, with the token required (GitHub: "Authorization: Bearer", GitLab:
"PRIVATE-TOKEN"):
  GET/POST  /repos/{owner}/{repo}/issues/{n}/comments     PATCH /repos/{o}/{r}/issues/comments/{id}
  GET/POST  /projects/{id}/merge_requests/{iid}/notes    PUT   .../notes/{id}
GET pages by per_page and page. Starts with 150 comments from someone else on each request, so
that the marked one is past the first page. Writes the port it listens on to PORT_FILE, and every
comment as JSON to STATE_FILE after each change.
"""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port_file, state_file, token = sys.argv[1], sys.argv[2], sys.argv[3]
comments = {"github": [], "gitlab": []}
next_id = [1000]
for forge in comments:
    for i in range(150):
        next_id[0] += 1
        comments[forge].append({"id": next_id[0], "body": f"a review comment {i}"})


def save():
    with open(state_file, "w") as out:
        json.dump(comments, out)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        path = urlparse(self.path).path
        if re.fullmatch(r"/repos/[^/]+/[^/]+/issues/\d+/comments", path):
            return "github", "list", None
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path):
            return "github", "one", int(m.group(1))
        if re.fullmatch(r"/projects/\d+/merge_requests/\d+/notes", path):
            return "gitlab", "list", None
        if m := re.fullmatch(r"/projects/\d+/merge_requests/\d+/notes/(\d+)", path):
            return "gitlab", "one", int(m.group(1))
        return None, None, None

    def authorized(self, forge):
        if forge == "github":
            return self.headers.get("Authorization") == f"Bearer {token}"
        return self.headers.get("PRIVATE-TOKEN") == token

    def handle_any(self, method):
        forge, kind, ident = self.route()
        if forge is None:
            return self.answer(404, {"message": "Not Found"})
        if not self.authorized(forge):
            return self.answer(401, {"message": "Bad credentials"})
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length) or b"{}") if length else {}
        listed = comments[forge]
        if kind == "list" and method == "GET":
            query = parse_qs(urlparse(self.path).query)
            per_page = int(query.get("per_page", ["30"])[0])
            page = int(query.get("page", ["1"])[0])
            return self.answer(200, listed[(page - 1) * per_page:page * per_page])
        if kind == "list" and method == "POST":
            next_id[0] += 1
            comment = {"id": next_id[0], "body": data["body"]}
            listed.append(comment)
            save()
            return self.answer(201, comment)
        edit = "PATCH" if forge == "github" else "PUT"
        if kind == "one" and method == edit:
            for comment in listed:
                if comment["id"] == ident:
                    comment["body"] = data["body"]
                    save()
                    return self.answer(200, comment)
            return self.answer(404, {"message": "Not Found"})
        return self.answer(405, {"message": "Method Not Allowed"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
save()
with open(port_file, "w") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
