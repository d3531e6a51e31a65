// The real Transport: HTTP/1.1 over Beast, a pool of keep-alive connections, TLS via OpenSSL.
// The shape follows Beast's awaitable-ssl client example: a deadline armed before every network
// phase (connecting as a whole, then each write of the request, then the response), full TLS
// verification, bounded response bodies.
#include "api/transport.hpp"

#include "api/tls.hpp"

#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace cfsync::api {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

http::verb to_verb(Method method) {
  switch (method) {
    case Method::get:
      return http::verb::get;
    case Method::put:
      return http::verb::put;
    case Method::patch:
      return http::verb::patch;
    case Method::post:
      return http::verb::post;
    case Method::delete_:
      return http::verb::delete_;
  }
  return http::verb::get;
}

// What the server does to an idle keep-alive connection: the request may never have been read.
bool closed_by_peer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted;
}

// A network phase as messages name it: "<gerund> <preposition> <origin> failed".
struct Phase {
  std::string_view gerund;
  std::string_view preposition;
};
constexpr Phase k_resolving{"resolving", "the host of"};
constexpr Phase k_connecting{"connecting", "to"};
constexpr Phase k_handshaking{"the TLS handshake", "with"};
constexpr Phase k_sending{"sending the request", "to"};
constexpr Phase k_reading{"reading the response", "from"};

// A Beast body that sends head, then the source in chunks, then tail, with the Content-Length of
// the three: uploads never hold a whole file in memory. When the source fails, the write stops
// and `failure` says why.
struct SourceBody {
  struct value_type {
    std::string head;
    std::unique_ptr<BodyReader> reader;
    std::uint64_t source_size = 0;
    std::string tail;
    std::optional<Error> failure;
  };

  static std::uint64_t size(const value_type& body) {
    return body.head.size() + body.source_size + body.tail.size();
  }

  class writer {
   public:
    using const_buffers_type = net::const_buffer;

    template <bool is_request, class Fields>
    writer(http::header<is_request, Fields>&, value_type& body) : m_body(body) {}

    void init(beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      switch (m_part) {
        case Part::head:
          m_part = Part::source;
          if (!m_body.head.empty()) return {{net::buffer(m_body.head), true}};
          [[fallthrough]];
        case Part::source: {
          Result<std::size_t> read = m_body.reader->read(m_chunk);
          if (!read) {
            m_body.failure = std::move(read.error());
            ec = http::error::short_read;
            return boost::none;
          }
          if (*read > 0) return {{net::buffer(m_chunk.data(), *read), true}};
          m_part = Part::tail;
          [[fallthrough]];
        }
        case Part::tail:
          m_part = Part::done;
          return {{net::buffer(m_body.tail), false}};
        case Part::done:
          break;
      }
      return boost::none;
    }

   private:
    enum class Part { head, source, tail, done };
    value_type& m_body;
    Part m_part = Part::head;
    std::array<char, 64 * 1024> m_chunk{};
  };
};

struct Attempt {
  Result<HttpResponse> result;
  bool stale = false;  // failed on a reused connection before any response byte
};

// One keep-alive connection: plain or TLS, with the buffer of what was read past a response.
struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  [[nodiscard]] bool open() const { return plain || secure; }

  void close() {
    beast::error_code ignored;
    if (secure) {
      beast::get_lowest_layer(*secure).socket().shutdown(tcp::socket::shutdown_both, ignored);
      secure.reset();
    }
    if (plain) {
      plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
      plain.reset();
    }
    buffer.clear();
  }
};

// Exchanges run as coroutines on one io_context, on a thread of its own; callers on any thread
// wait for their answer. Each exchange takes an idle connection or opens one, and gives it back
// when it stays open, so that as many connections exist as requests were in flight at once.
class HttpTransport final : public Transport {
 public:
  HttpTransport(ClientSettings settings, std::shared_ptr<spdlog::logger> logger)
      : m_settings(std::move(settings)),
        m_logger(std::move(logger)),
        m_work(net::make_work_guard(m_io)),
        m_tls(ssl::context::tls_client) {}

  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  ~HttpTransport() override {
    net::post(m_io, [this] {
      for (auto& connection : m_idle) connection->close();
      m_idle.clear();
    });
    m_work.reset();
    if (m_thread.joinable()) m_thread.join();
  }

  Result<void> init() {
    CFSYNC_TRY_VOID(trust(m_tls, m_settings.ca_file));
    m_thread = std::thread([this] { m_io.run(); });
    return {};
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::promise<Result<HttpResponse>> answer;
    std::future<Result<HttpResponse>> answered = answer.get_future();
    net::co_spawn(
        m_io, exchange(request),
        [&answer](std::exception_ptr failure, Result<HttpResponse> result) {
          if (!failure) {
            answer.set_value(std::move(result));
            return;
          }
          try {
            std::rethrow_exception(failure);
          } catch (const std::exception& e) {
            answer.set_value(Error(ErrorKind::network, std::string("request failed: ") + e.what()));
          }
        });
    return answered.get();
  }

 private:
  net::awaitable<Result<HttpResponse>> exchange(const HttpRequest& request) {
    const auto started = Clock::now();
    std::unique_ptr<Connection> connection = take_idle();
    Attempt attempt = co_await attempt_once(*connection, request);
    if (attempt.stale && request.idempotent) {
      m_logger->debug("keep-alive connection closed by the server; sending on a new one");
      attempt = co_await attempt_once(*connection, request);
    }
    if (connection->open() && m_idle.size() < k_max_idle) m_idle.push_back(std::move(connection));
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (attempt.result) {
      m_logger->debug("{} {} -> {} ({} ms)", to_string(request.method), request.target,
                      attempt.result->status, elapsed);
    } else {
      m_logger->debug("{} {} failed after {} ms: {}", to_string(request.method), request.target,
                      elapsed, attempt.result.error().message());
    }
    co_return std::move(attempt.result);
  }

  std::unique_ptr<Connection> take_idle() {
    if (m_idle.empty()) return std::make_unique<Connection>();
    std::unique_ptr<Connection> connection = std::move(m_idle.back());
    m_idle.pop_back();
    return connection;
  }

  net::awaitable<Attempt> attempt_once(Connection& connection, const HttpRequest& request) {
    const bool reused = connection.open();
    if (!reused) {
      Result<void> connected = co_await connect(connection);
      if (!connected) co_return Attempt{connected.error()};
    }
    if (request.streamed_body) {
      const StreamedBody& streamed = *request.streamed_body;
      http::request<SourceBody> message{to_verb(request.method),
                                        m_settings.endpoint.path_prefix + request.target, 11};
      prepare(message, request);
      SourceBody::value_type& body = message.body();
      Result<std::unique_ptr<BodyReader>> reader = streamed.source->open();
      if (!reader) co_return Attempt{reader.error()};
      body.reader = std::move(*reader);
      body.source_size = streamed.source->size();
      body.head = streamed.head;
      body.tail = streamed.tail;
      message.prepare_payload();
      Attempt attempt = co_await send_on(connection, message, reused);
      // The body, not the network, stopped the request.
      if (body.failure) co_return Attempt{std::move(*body.failure)};
      co_return attempt;
    }
    http::request<http::string_body> message{to_verb(request.method),
                                             m_settings.endpoint.path_prefix + request.target, 11};
    prepare(message, request);
    message.body() = request.body;
    message.prepare_payload();
    co_return co_await send_on(connection, message, reused);
  }

  template <class Body>
  net::awaitable<Attempt> send_on(Connection& connection, http::request<Body>& message,
                                  bool reused) {
    if (connection.secure) {
      co_return co_await round_trip(connection, *connection.secure, message, reused);
    }
    co_return co_await round_trip(connection, *connection.plain, message, reused);
  }

  // The headers every request carries: host, agent, credentials, content type.
  template <class Body>
  void prepare(http::request<Body>& message, const HttpRequest& request) const {
    message.set(http::field::host, host_header());
    message.set(http::field::user_agent, m_settings.user_agent);
    message.set(http::field::accept, request.accept);
    const Credentials& credentials = m_settings.credentials;
    if (credentials.uses_token()) {
      message.set(http::field::authorization, "Bearer " + credentials.token.reveal());
    } else {
      message.set("X-Auth-Email", credentials.email);
      message.set("X-Auth-Key", credentials.key.reveal());
    }
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
    message.keep_alive(true);
  }

  template <class Stream, class Body>
  net::awaitable<Attempt> round_trip(Connection& connection, Stream& stream,
                                     http::request<Body>& message, bool reused) {
    // A large body may take longer than one timeout to send: the time limit is for each write
    // that makes no progress, and then for the response.
    http::request_serializer<Body> serializer(message);
    std::size_t sent = 0;
    while (!serializer.is_done()) {
      beast::get_lowest_layer(stream).expires_after(m_settings.request_timeout);
      auto [write_error, written] = co_await http::async_write_some(stream, serializer, use_tuple);
      sent += written;
      if (write_error) {
        connection.close();
        const bool stale = reused && closed_by_peer(write_error);
        Error error = failure(k_sending, write_error);
        error.request_sent = sent > 0 && !stale;
        co_return Attempt{std::move(error), stale};
      }
    }
    beast::get_lowest_layer(stream).expires_after(m_settings.request_timeout);
    http::response_parser<http::string_body> parser;
    parser.body_limit(m_settings.max_response_bytes);
    auto [read_error, read] =
        co_await http::async_read(stream, connection.buffer, parser, use_tuple);
    if (read_error) {
      const bool nothing_read = !parser.got_some();
      connection.close();
      const bool stale = reused && nothing_read && closed_by_peer(read_error);
      Error error = failure(k_reading, read_error);
      // The whole request went out. A server closing an idle connection unread looks the same
      // as one that acted and then dropped the connection: only an idempotent request is sent
      // again on that guess (exchange); for the caller, it may have been applied.
      error.request_sent = true;
      co_return Attempt{std::move(error), stale};
    }
    http::response<http::string_body> response = parser.release();
    if (!response.keep_alive()) connection.close();

    HttpResponse out;
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(response.body());
    co_return Attempt{std::move(out)};
  }

  net::awaitable<Result<void>> connect(Connection& connection) {
    const Endpoint& endpoint = m_settings.endpoint;
    const auto deadline = Clock::now() + m_settings.request_timeout;
    tcp::resolver resolver(m_io);
    auto [resolve_error, addresses] =
        co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), use_tuple);
    if (resolve_error) co_return failure(k_resolving, resolve_error);

    if (!endpoint.tls) {
      connection.plain.emplace(m_io);
      connection.plain->expires_at(deadline);
      auto [connect_error, peer] = co_await connection.plain->async_connect(addresses, use_tuple);
      if (connect_error) {
        connection.close();
        co_return failure(k_connecting, connect_error);
      }
      connection.plain->socket().set_option(tcp::no_delay(true));
      co_return Result<void>();
    }

    connection.secure.emplace(m_io, m_tls);
    auto& secure = *connection.secure;
    if (!expect_peer(secure.native_handle(), endpoint.host)) {
      connection.close();
      co_return Error(ErrorKind::network, "cannot set up TLS for \"" + endpoint.host + "\"");
    }
    beast::get_lowest_layer(secure).expires_at(deadline);
    auto [connect_error, peer] =
        co_await beast::get_lowest_layer(secure).async_connect(addresses, use_tuple);
    if (connect_error) {
      connection.close();
      co_return failure(k_connecting, connect_error);
    }
    beast::get_lowest_layer(secure).socket().set_option(tcp::no_delay(true));
    auto [handshake_error] = co_await secure.async_handshake(ssl::stream_base::client, use_tuple);
    if (handshake_error) {
      Error error = failure(k_handshaking, handshake_error);
      const long verify = SSL_get_verify_result(secure.native_handle());
      if (verify != X509_V_OK) {
        error = Error(ErrorKind::network,
                      error.message() + ": " + X509_verify_cert_error_string(verify));
      }
      connection.close();
      co_return error;
    }
    co_return Result<void>();
  }

  // "connecting to https://api.cloudflare.com failed: Connection refused",
  // "request to https://api.cloudflare.com timed out after 30000 ms while connecting".
  Error failure(Phase phase, const beast::error_code& ec) const {
    const std::string where = m_settings.endpoint.origin();
    if (ec == beast::error::timeout) {
      return Error(ErrorKind::network, "request to " + where + " timed out after " +
                                           std::to_string(m_settings.request_timeout.count()) +
                                           " ms while " + std::string(phase.gerund));
    }
    if (ec == http::error::body_limit) {
      return Error(ErrorKind::protocol, "response from " + where + " is larger than " +
                                            std::to_string(m_settings.max_response_bytes) +
                                            " bytes");
    }
    return Error(ErrorKind::network, std::string(phase.gerund) + " " +
                                         std::string(phase.preposition) + " " + where +
                                         " failed: " + ec.message());
  }

  std::string host_header() const {
    const Endpoint& endpoint = m_settings.endpoint;
    const std::string origin = endpoint.origin();
    return origin.substr(origin.find("://") + 3);
  }

  // More idle connections than this are closed rather than kept.
  static constexpr std::size_t k_max_idle = 32;

  ClientSettings m_settings;
  std::shared_ptr<spdlog::logger> m_logger;
  net::io_context m_io;
  net::executor_work_guard<net::io_context::executor_type> m_work;
  ssl::context m_tls;
  std::vector<std::unique_ptr<Connection>> m_idle;  // touched on the io_context's thread only
  std::thread m_thread;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_http_transport(const ClientSettings& settings,
                                                       std::shared_ptr<spdlog::logger> logger) {
  auto transport = std::make_unique<HttpTransport>(settings, std::move(logger));
  CFSYNC_TRY_VOID(transport->init());
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace cfsync::api
