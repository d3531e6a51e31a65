// A webhook receiver on 127.0.0.1, for notification tests: a plain-socket HTTP/1.1 server on a
// thread of its own that records every request and answers as its script says, one connection at
// a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cfsync::test {

// What the receiver answers to one request.
struct ReceiverAnswer {
  int status = 200;         // 0: no answer; the connection is held until release() or the end
  std::string retry_after;  // a Retry-After header, when not empty
};

class Receiver {
 public:
  using Answer = ReceiverAnswer;

  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };

  // The n-th request gets script[n], and those after the script `then`.
  explicit Receiver(std::vector<ReceiverAnswer> script = {}, ReceiverAnswer then = {});
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  [[nodiscard]] int port() const { return m_port; }
  // "http://127.0.0.1:PORT" + path.
  [[nodiscard]] std::string url(const std::string& path) const;
  [[nodiscard]] std::vector<Request> requests() const;
  // Whether `count` requests have arrived within `timeout`.
  [[nodiscard]] bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;
  // Held requests, and those to come, are answered 200 from now on.
  void release();

 private:
  void serve();
  void handle(int connection);

  int m_listen_fd = -1;
  int m_port = 0;
  std::vector<Answer> m_script;
  Answer m_then;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_changed;
  std::vector<Request> m_requests;
  bool m_released = false;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace cfsync::test
