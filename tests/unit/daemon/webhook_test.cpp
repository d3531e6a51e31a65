// POST /hooks/git's decisions: who may trigger a fetch, for which ref, and how often.
#include "daemon/webhook.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <string>

namespace cfsync::daemon {
namespace {

using namespace std::chrono_literals;

// GitHub's documented example: this secret and body give this signature.
constexpr std::string_view k_secret = "It's a Secret to Everybody";
constexpr std::string_view k_hello = "Hello, World!";
constexpr std::string_view k_hello_signature =
    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

HttpRequest post(std::string_view body, std::vector<std::pair<std::string, std::string>> headers) {
  return HttpRequest{.method = "POST",
                     .path = "/hooks/git",
                     .body = body,
                     .peer = "127.0.0.1:1",
                     .headers = std::move(headers)};
}

const GitWebhook::Clock::time_point t0{};

TEST_CASE("GitHub's, GitLab's and the generic signature each trigger a fetch") {
  GitWebhook hook{std::string(k_secret)};
  const auto github = hook.handle(
      post(k_hello, {{"x-hub-signature-256", "sha256=" + std::string(k_hello_signature)},
                     {"x-github-event", "push"}}),
      "main", t0);
  CHECK(github.fetch);
  CHECK(github.answer.status == 202);
  const auto gitlab = hook.handle(
      post(k_hello, {{"x-gitlab-token", std::string(k_secret)}, {"x-gitlab-event", "Push Hook"}}),
      "main", t0);
  CHECK(gitlab.fetch);
  const std::string hex(k_hello_signature);
  for (const std::string& form : std::vector<std::string>{
           "sha256=" + hex, hex,
           "SHA256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"}) {
    CAPTURE(form);
    CHECK(hook.handle(post(k_hello, {{"x-signature-256", form}}), "main", t0).fetch);
  }
}

TEST_CASE("a wrong or missing signature gets 401 and triggers nothing") {
  GitWebhook hook{std::string(k_secret)};
  std::string wrong(k_hello_signature);
  wrong.back() = '0';
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {},
           {{"x-hub-signature-256", "sha256=" + wrong}},
           {{"x-hub-signature-256", std::string(k_hello_signature)}},  // without sha256=
           {{"x-gitlab-token", "It's a secret to everybody"}},
           {{"x-signature-256", "sha256="}},
           {{"x-signature-256", wrong}}}) {
    CAPTURE(headers.size());
    const WebhookVerdict verdict = hook.handle(post(k_hello, headers), "main", t0);
    CHECK(verdict.answer.status == 401);
    CHECK_FALSE(verdict.fetch);
    CHECK(verdict.answer.body.find(k_secret) == std::string::npos);
  }
  // Signed for another body.
  const auto other = hook.handle(
      post("Hello, World?", {{"x-hub-signature-256", "sha256=" + std::string(k_hello_signature)}}),
      "main", t0);
  CHECK(other.answer.status == 401);
}

TEST_CASE("a push to another ref gets 202 and triggers nothing, one to the ref followed fetches") {
  GitWebhook hook{"s"};
  auto signed_push = [&](std::string_view ref, std::string_view followed) {
    const std::string body = R"({"ref":")" + std::string(ref) + R"(","after":"0123"})";
    HttpRequest request = post(body, {{"x-gitlab-token", "s"}});
    return hook.handle(request, followed, t0);
  };
  const auto other = signed_push("refs/heads/feature", "main");
  CHECK(other.answer.status == 202);
  CHECK_FALSE(other.fetch);
  CHECK(other.answer.body == "ignored: a push to refs/heads/feature; following main\n");
  CHECK(signed_push("refs/heads/main", "main").fetch);
  CHECK(signed_push("refs/tags/v1", "v1").fetch);
  CHECK(signed_push("refs/heads/main", "").fetch);  // the remote's HEAD, not resolved yet
  CHECK_FALSE(signed_push("refs/heads/main", "0123456789abcdef0123456789abcdef01234567").fetch);
  // A body without a ref (a generic sender): fetch.
  CHECK(hook.handle(post("{}", {{"x-gitlab-token", "s"}}), "main", t0).fetch);
  CHECK(hook.handle(post("not json", {{"x-gitlab-token", "s"}}), "main", t0).fetch);
}

TEST_CASE("GitHub's ping and other events are answered without a fetch") {
  GitWebhook hook{"s"};
  const std::string body = "{}";
  auto github = [&](std::string event) {
    // GitLab's token proves the secret here; the event header is GitHub's.
    return hook.handle(post(body, {{"x-gitlab-token", "s"}, {"x-github-event", std::move(event)}}),
                       "main", t0);
  };
  const auto ping = github("ping");
  CHECK(ping.answer.status == 200);
  CHECK_FALSE(ping.fetch);
  const auto issue = github("issues");
  CHECK(issue.answer.status == 202);
  CHECK_FALSE(issue.fetch);
  const auto merge = hook.handle(
      post(body, {{"x-gitlab-token", "s"}, {"x-gitlab-event", "Merge Request Hook"}}), "main", t0);
  CHECK_FALSE(merge.fetch);
  const auto form = hook.handle(
      post("payload=%7B%7D",
           {{"x-gitlab-token", "s"}, {"content-type", "application/x-www-form-urlencoded"}}),
      "main", t0);
  CHECK(form.answer.status == 415);
  CHECK_FALSE(form.fetch);
}

TEST_CASE("after a burst of 10 requests, one passes every 3 s, the others get 429") {
  GitWebhook hook{"s"};
  const HttpRequest unsigned_request = post("{}", {});
  for (int i = 0; i < 10; ++i) {
    CHECK(hook.handle(unsigned_request, "main", t0).answer.status == 401);
  }
  const WebhookVerdict limited = hook.handle(post("{}", {{"x-gitlab-token", "s"}}), "main", t0);
  CHECK(limited.answer.status == 429);
  CHECK_FALSE(limited.fetch);
  REQUIRE(limited.answer.headers.size() == 1);
  CHECK(limited.answer.headers[0] == std::pair<std::string, std::string>("Retry-After", "3"));
  CHECK(hook.handle(post("{}", {{"x-gitlab-token", "s"}}), "main", t0 + 2s).answer.status == 429);
  CHECK(hook.handle(post("{}", {{"x-gitlab-token", "s"}}), "main", t0 + 3s).fetch);
  CHECK(hook.handle(post("{}", {{"x-gitlab-token", "s"}}), "main", t0 + 4s).answer.status == 429);
}

}  // namespace
}  // namespace cfsync::daemon
