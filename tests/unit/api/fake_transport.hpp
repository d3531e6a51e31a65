// A Transport that records requests and answers from a queue, for tests without sockets. Safe to
// call from several threads; with more than one request in flight, which answer goes to which
// request is up to the order they arrive in.
#pragma once

#include "api/transport.hpp"

#include <deque>
#include <mutex>
#include <vector>

namespace cfsync::test {

class FakeTransport final : public api::Transport {
 public:
  void answer(int status, std::string body) {
    m_answers.push_back(api::HttpResponse{.status = status, .body = std::move(body)});
  }
  void answer(api::HttpResponse response) { m_answers.push_back(std::move(response)); }
  void fail(Error error) { m_answers.push_back(std::move(error)); }

  Result<api::HttpResponse> send(const api::HttpRequest& request) override {
    const std::lock_guard lock(m_mutex);
    sent.push_back(request);
    if (m_answers.empty()) return Error(ErrorKind::network, "fake transport: no answer queued");
    Result<api::HttpResponse> next = std::move(m_answers.front());
    m_answers.pop_front();
    return next;
  }

  std::vector<api::HttpRequest> sent;

 private:
  std::deque<Result<api::HttpResponse>> m_answers;
  std::mutex m_mutex;
};

}  // namespace cfsync::test
