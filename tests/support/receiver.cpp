#include "tests/support/receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace cfsync::test {

namespace {

// How long a connection may stay silent while a request is read.
constexpr int k_read_timeout_ms = 5'000;
constexpr int k_poll_ms = 50;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Reads more into `data`; false at the end of the stream, an error or a silence too long.
bool read_more(int fd, std::string& data) {
  pollfd ready{fd, POLLIN, 0};
  if (::poll(&ready, 1, k_read_timeout_ms) <= 0) return false;
  char chunk[4096];
  const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
  if (got <= 0) return false;
  data.append(chunk, static_cast<std::size_t>(got));
  return true;
}

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

}  // namespace

Receiver::Receiver(std::vector<Answer> script, Answer then)
    : m_script(std::move(script)), m_then(std::move(then)) {
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(m_listen_fd, 16) != 0 ||
      ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(m_listen_fd);
    throw std::runtime_error("the receiver cannot listen on 127.0.0.1");
  }
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { serve(); });
}

Receiver::~Receiver() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  m_thread.join();
  ::close(m_listen_fd);
}

std::string Receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(m_port) + path;
}

std::vector<Receiver::Request> Receiver::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

bool Receiver::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, timeout, [&] { return m_requests.size() >= count; });
}

void Receiver::release() {
  {
    std::lock_guard lock(m_mutex);
    m_released = true;
  }
  m_changed.notify_all();
}

void Receiver::serve() {
  for (;;) {
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) return;
    }
    pollfd ready{m_listen_fd, POLLIN, 0};
    if (::poll(&ready, 1, k_poll_ms) <= 0) continue;
    const int connection = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    handle(connection);
    ::close(connection);
  }
}

void Receiver::handle(int connection) {
  std::string data;
  std::size_t head_end = std::string::npos;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more(connection, data)) return;
  }
  Request request;
  std::size_t line_end = data.find("\r\n");
  const std::string first = data.substr(0, line_end);
  const std::size_t space = first.find(' ');
  request.method = first.substr(0, space);
  request.target = first.substr(space + 1, first.rfind(' ') - space - 1);
  for (std::size_t at = line_end + 2; at < head_end;) {
    const std::size_t end = data.find("\r\n", at);
    const std::string line = data.substr(at, end - at);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const std::size_t value = line.find_first_not_of(' ', colon + 1);
      request.headers[lower(line.substr(0, colon))] =
          value == std::string::npos ? "" : line.substr(value);
    }
    at = end + 2;
  }
  const auto length_header = request.headers.find("content-length");
  const std::size_t length =
      length_header == request.headers.end() ? 0 : std::stoul(length_header->second);
  while (data.size() < head_end + 4 + length) {
    if (!read_more(connection, data)) return;
  }
  request.body = data.substr(head_end + 4, length);

  Answer answer;
  {
    std::unique_lock lock(m_mutex);
    const std::size_t index = m_requests.size();
    answer = index < m_script.size() ? m_script[index] : m_then;
    m_requests.push_back(std::move(request));
    m_changed.notify_all();
    if (answer.status == 0) {
      m_changed.wait(lock, [this] { return m_released || m_stopping; });
      if (!m_released) return;
      answer = Answer{};
    }
  }
  std::string reply = "HTTP/1.1 " + std::to_string(answer.status) + " " + reason(answer.status) +
                      "\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n";
  if (!answer.retry_after.empty()) reply += "Retry-After: " + answer.retry_after + "\r\n";
  reply += "\r\nok";
  (void)!::send(connection, reply.data(), reply.size(), MSG_NOSIGNAL);
}

}  // namespace cfsync::test
