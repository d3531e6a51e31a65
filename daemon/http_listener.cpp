// The listener follows the emulator's server (tests/emulator/server.cpp) and Beast's coroutine
// examples: an accept loop and one coroutine per connection on one io_context, a deadline armed
// before every read and write, bounded requests. Everything below runs on the listener's thread
// except start() and the destructor, which reach it by posting.
#include "daemon/http_listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace cfsync::daemon {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// A connection without a request for this long is closed; also the limit for writing an answer.
constexpr auto k_idle_timeout = std::chrono::seconds(30);
// Scrapers and probes send no bodies: a small one is read and ignored, a larger one refused. A
// POST path names its own limit.
constexpr std::uint64_t k_max_request_body_bytes = 4 * 1024;
constexpr std::uint32_t k_max_header_bytes = 8 * 1024;
// Probes and a scraper or two: more connections than this at once are closed on arrival.
constexpr std::size_t k_max_connections = 64;
// get_from_listener(): the largest answer read (a /status or /metrics page is a few KiB).
constexpr std::uint64_t k_max_answer_bytes = 1024 * 1024;
// After an accept fails for want of resources (EMFILE), before accepting again.
constexpr auto k_accept_retry_pause = std::chrono::milliseconds(100);

constexpr std::string_view k_get_methods = "GET, HEAD";
constexpr std::string_view k_post_methods = "POST";
constexpr std::string_view k_text = "text/plain; charset=utf-8";

// "127.0.0.1:9464" or "[::1]:9464": an IP address (IPv6 in brackets) and a port.
std::optional<tcp::endpoint> parse_listen(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(host, ec);
  // Brackets around IPv6 and only there: "::1:9464" reads as an address either way.
  if (ec || bracketed != address.is_v6()) return std::nullopt;
  const std::string port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const unsigned long port = std::stoul(port_text);
  if (port > 65535) return std::nullopt;
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string peer_of(const beast::tcp_stream& stream) {
  beast::error_code ec;
  const tcp::endpoint peer = stream.socket().remote_endpoint(ec);
  if (ec) return "an unknown peer";
  const std::string address = peer.address().to_string();
  return (peer.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(peer.port());
}

// Statuses a final answer can have; a route returning another is a bug, answered with 500.
bool is_final_status(int status) { return status >= 200 && status <= 599; }

// 204 and 304 carry no body, and Beast refuses to frame one for them.
bool allows_body(int status) { return status != 204 && status != 304; }

// Logs what escaped a coroutine instead of letting it out of io_context::run().
struct LogFailure {
  spdlog::logger* logger;
  std::string_view what;

  void operator()(const std::exception_ptr& failure) const {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      logger->error("http listener: {} failed: {}", what, e.what());
    }
  }
};

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

struct HttpListener::Impl {
  Impl(HttpRoutes routes_, std::shared_ptr<spdlog::logger> logger_,
       std::vector<HttpPostPath> post_paths_)
      : routes(std::move(routes_)),
        logger(std::move(logger_)),
        post_paths(std::move(post_paths_)) {}

  net::awaitable<void> accept_loop();
  net::awaitable<void> session(beast::tcp_stream stream);
  http::response<http::string_body> respond(const http::request<http::string_body>& request,
                                            const std::string& peer);
  HttpAnswer route(const HttpRequest& request);
  // The POST path `target` names, if it is one.
  [[nodiscard]] const HttpPostPath* post_path(std::string_view target) const;
  void stop();

  HttpRoutes routes;
  std::shared_ptr<spdlog::logger> logger;
  std::vector<HttpPostPath> post_paths;
  std::uint16_t port = 0;
  // Declared before what uses it, so destroyed after: the acceptor and the connections' streams.
  net::io_context io;
  tcp::acceptor acceptor{io};
  // Touched on the listener's thread only.
  bool stopping = false;
  std::unordered_set<beast::tcp_stream*> connections;
  std::thread thread;
};

namespace {

// A connection's place in Impl::connections, for as long as its session runs.
class Tracked {
 public:
  Tracked(std::unordered_set<beast::tcp_stream*>& connections, beast::tcp_stream& stream)
      : m_connections(connections), m_stream(&stream) {
    m_connections.insert(m_stream);
  }
  ~Tracked() { m_connections.erase(m_stream); }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;

 private:
  std::unordered_set<beast::tcp_stream*>& m_connections;
  beast::tcp_stream* m_stream;
};

http::response<http::string_body> refusal(http::status status, std::string_view body) {
  http::response<http::string_body> reply{status, 11};
  reply.set(http::field::content_type, k_text);
  reply.keep_alive(false);
  reply.body() = std::string(body);
  reply.prepare_payload();
  return reply;
}

}  // namespace

net::awaitable<void> HttpListener::Impl::accept_loop() {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(use_tuple);
    if (stopping || error == net::error::operation_aborted) co_return;
    if (error) {
      // Out of file descriptors, usually: accepting again at once would spin.
      logger->warn("http listener: accepting a connection failed: {}", error.message());
      net::steady_timer pause(io, k_accept_retry_pause);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (connections.size() >= k_max_connections) {
      logger->warn("http listener: {} connections open already; closing a new one",
                   connections.size());
      continue;  // the socket closes here
    }
    net::co_spawn(io, session(beast::tcp_stream(std::move(socket))),
                  LogFailure{logger.get(), "a connection"});
  }
}

net::awaitable<void> HttpListener::Impl::session(beast::tcp_stream stream) {
  const Tracked tracked(connections, stream);
  if (stopping) co_return;
  const std::string peer = peer_of(stream);
  std::uint64_t largest_body = k_max_request_body_bytes;
  for (const HttpPostPath& post : post_paths) {
    largest_body = std::max(largest_body, post.max_body_bytes);
  }
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(k_max_header_bytes);
    // The largest any path takes, until the headers say which path this is.
    parser.body_limit(largest_body);
    stream.expires_after(k_idle_timeout);
    auto [read_error, read] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (!read_error && !parser.is_done()) {
      const auto& header = parser.get();
      const HttpPostPath* post =
          header.method() == http::verb::post ? post_path(header.target()) : nullptr;
      const std::uint64_t limit = post != nullptr ? post->max_body_bytes : k_max_request_body_bytes;
      // Beast checks a Content-Length against the limit as it reads the header, which was read
      // under the largest one: checked here again. (A chunked body counts against the limit set
      // now as it is read.)
      parser.body_limit(limit);
      if (parser.content_length() && *parser.content_length() > limit) {
        read_error = http::error::body_limit;
      } else if (post != nullptr) {
        // curl and others wait for this before a larger body.
        if (beast::iequals(header[http::field::expect], "100-continue")) {
          http::response<http::empty_body> proceed{http::status::continue_, header.version()};
          auto [continue_error, sent] = co_await http::async_write(stream, proceed, use_tuple);
          if (continue_error) break;
        }
      }
      if (!read_error) {
        std::tie(read_error, read) = co_await http::async_read(stream, buffer, parser, use_tuple);
      }
    }
    std::optional<http::response<http::string_body>> reply;
    if (read_error == http::error::body_limit) {
      reply = refusal(http::status::payload_too_large, "request body too large\n");
    } else if (read_error == http::error::header_limit) {
      reply = refusal(http::status::request_header_fields_too_large, "request header too large\n");
    } else if (read_error) {
      break;  // the client closed, went idle, sent something unreadable, or we are stopping
    } else {
      reply = respond(parser.get(), peer);
    }
    if (read_error) {
      logger->debug("http listener: refused a request from {}: {}", peer, read_error.message());
    }
    stream.expires_after(k_idle_timeout);
    auto [write_error, written] = co_await http::async_write(stream, *reply, use_tuple);
    if (write_error || !reply->keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

http::response<http::string_body> HttpListener::Impl::respond(
    const http::request<http::string_body>& request, const std::string& peer) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const bool head = request.method() == http::verb::head;
  const bool post_only = post_path(target) != nullptr;
  HttpRequest asked{
      .method = head ? std::string_view("GET") : std::string_view(request.method_string()),
      .path = path,
      .body = request.method() == http::verb::post ? std::string_view(request.body())
                                                   : std::string_view(),
      .peer = peer,
      .headers = {}};
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    asked.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  HttpAnswer answer;
  if ((asked.method == "POST") != post_only || (asked.method != "GET" && asked.method != "POST")) {
    answer = HttpAnswer{.status = 405, .body = "method not allowed\n"};
  } else {
    answer = route(asked);
  }

  http::response<http::string_body> reply{static_cast<http::status>(answer.status),
                                          request.version()};
  if (answer.status == 405) {
    reply.set(http::field::allow, post_only ? k_post_methods : k_get_methods);
  }
  if (!answer.content_type.empty()) reply.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers) reply.set(name, value);
  reply.keep_alive(request.keep_alive());
  if (allows_body(answer.status)) reply.body() = std::move(answer.body);
  reply.prepare_payload();
  // HEAD: the headers GET would have, Content-Length included, and no body.
  if (head) reply.body().clear();
  logger->debug("http listener: {} {} from {} -> {}", request.method_string(), path, peer,
                answer.status);
  return reply;
}

const HttpPostPath* HttpListener::Impl::post_path(std::string_view target) const {
  const std::string_view path = target.substr(0, target.find('?'));
  for (const HttpPostPath& post : post_paths) {
    if (post.path == path) return &post;
  }
  return nullptr;
}

HttpAnswer HttpListener::Impl::route(const HttpRequest& request) {
  const std::string_view path = request.path;
  HttpAnswer answer;
  try {
    answer = routes(request);
  } catch (const std::exception& e) {
    logger->error("http listener: answering {} failed: {}", path, e.what());
    return HttpAnswer{.status = 500, .body = "internal error\n"};
  }
  if (!is_final_status(answer.status)) {
    logger->error("http listener: the answer to {} has status {}, not a final one", path,
                  answer.status);
    return HttpAnswer{.status = 500, .body = "internal error\n"};
  }
  return answer;
}

void HttpListener::Impl::stop() {
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  // Their reads and writes end with operation_aborted, and so do their sessions.
  for (beast::tcp_stream* stream : connections) stream->close();
}

HttpListener::HttpListener(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

HttpListener::~HttpListener() {
  // With the acceptor and every connection closed, io_context::run() runs out of work.
  net::post(m_impl->io, [impl = m_impl.get()] { impl->stop(); });
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

std::uint16_t HttpListener::port() const { return m_impl->port; }

Result<std::unique_ptr<HttpListener>> HttpListener::start(const std::string& listen,
                                                          HttpRoutes routes,
                                                          std::shared_ptr<spdlog::logger> logger,
                                                          std::vector<HttpPostPath> post_paths) {
  const std::optional<tcp::endpoint> endpoint = parse_listen(listen);
  if (!endpoint) {
    return Error(ErrorKind::usage, "listen address \"" + listen +
                                       "\" is not IP:PORT (like 127.0.0.1:9464 or [::1]:9464)");
  }
  auto impl = std::make_unique<Impl>(std::move(routes), std::move(logger), std::move(post_paths));
  tcp::acceptor& acceptor = impl->acceptor;
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  // Lets a restarted daemon listen again while the old connections sit in TIME_WAIT; a port
  // that another socket listens on is still refused.
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  tcp::endpoint bound;
  if (!ec) bound = acceptor.local_endpoint(ec);
  if (ec) return Error(ErrorKind::usage, "cannot listen on \"" + listen + "\": " + ec.message());
  impl->port = bound.port();
  impl->logger->debug("http listener: listening on {} (port {})", listen, impl->port);

  net::co_spawn(impl->io, impl->accept_loop(), LogFailure{impl->logger.get(), "accepting"});
  impl->thread = std::thread([io = &impl->io] { io->run(); });
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
}

Result<HttpAnswer> get_from_listener(const std::string& listen, std::string_view path,
                                     std::chrono::milliseconds timeout) {
  const std::optional<tcp::endpoint> endpoint = parse_listen(listen);
  if (!endpoint) {
    return Error(ErrorKind::usage, "listen address \"" + listen +
                                       "\" is not IP:PORT (like 127.0.0.1:9464 or [::1]:9464)");
  }
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, listen);
  http::response_parser<http::string_body> parser;
  parser.body_limit(k_max_answer_bytes);
  beast::error_code failure;
  stream.expires_after(timeout);
  stream.async_connect(*endpoint, [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code written, std::size_t) {
      if (written) {
        failure = written;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read, std::size_t) { failure = read; });
    });
  });
  io.run();
  if (failure) {
    return Error(ErrorKind::network,
                 "cannot ask the daemon at " + listen + ": " +
                     (failure == beast::error::timeout
                          ? "no answer within " + std::to_string(timeout.count()) + " ms"
                          : failure.message()));
  }
  const auto& reply = parser.get();
  return HttpAnswer{.status = static_cast<int>(reply.result_int()),
                    .content_type = std::string(reply[http::field::content_type]),
                    .body = reply.body(),
                    .headers = {}};
}

}  // namespace cfsync::daemon
