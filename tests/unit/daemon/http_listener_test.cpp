// The health and metrics listener, on a real socket on port 0 with routes that answer fixed text.
#include "daemon/http_listener.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

namespace cfsync::daemon {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Generous: only a broken listener comes near it.
constexpr auto k_client_timeout = std::chrono::seconds(10);

std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// The routes a daemon would have, with what they were asked.
struct Routes {
  std::atomic<int> calls = 0;
  std::mutex mutex;
  std::string last_path;
  std::string last_body;
  std::string last_signature;

  HttpRoutes get() {
    return [this](const HttpRequest& request) {
      ++calls;
      const std::string_view path = request.path;
      {
        std::lock_guard lock(mutex);
        last_path = path;
        last_body = request.body;
        last_signature = request.header("x-hub-signature-256");
      }
      if (path == "/hooks/git") return HttpAnswer{.status = 202, .body = "fetching\n"};
      if (path == "/healthz") return HttpAnswer{.body = "ok\n"};
      if (path == "/metrics") {
        return HttpAnswer{.content_type = "text/plain; version=0.0.4; charset=utf-8",
                          .body = "cfsync_up 1\n"};
      }
      if (path == "/boom") throw std::runtime_error("the route failed");
      if (path == "/empty") return HttpAnswer{.status = 204, .body = "dropped"};
      return HttpAnswer{.status = 404, .body = "not found\n"};
    };
  }

  std::string path() {
    std::lock_guard lock(mutex);
    return last_path;
  }
};

// /hooks/git takes POST bodies up to 64 KiB.
constexpr std::uint64_t k_hook_body_limit = 64 * 1024;

std::unique_ptr<HttpListener> start(Routes& routes,
                                    std::shared_ptr<spdlog::logger> logger = quiet_logger()) {
  auto listener =
      HttpListener::start("127.0.0.1:0", routes.get(), std::move(logger),
                          {{.path = "/hooks/git", .max_body_bytes = k_hook_body_limit}});
  REQUIRE(listener);
  REQUIRE((*listener)->port() != 0);
  return std::move(*listener);
}

// One keep-alive connection, for what the support client cannot do: HEAD, several requests on a
// connection, watching the server close it. Reads are asynchronous so that a deadline holds.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    m_stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  http::response<http::string_body> exchange(http::verb method, const std::string& target,
                                             const std::string& body = {},
                                             bool expect_continue = false) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!body.empty()) request.body() = body;
    request.prepare_payload();
    if (expect_continue) {
      // As curl does for a larger body: the headers, then the body once the server says so.
      request.set(http::field::expect, "100-continue");
      http::request_serializer<http::string_body> serializer(request);
      http::write_header(m_stream, serializer);
      http::response_parser<http::empty_body> proceed;
      const beast::error_code ec = read(proceed);
      REQUIRE_MESSAGE(!ec, ec.message());
      REQUIRE(proceed.get().result() == http::status::continue_);
      http::write(m_stream, serializer);
    } else {
      http::write(m_stream, request);
    }
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);  // a HEAD answer's Content-Length has no body
    const beast::error_code ec = read(parser);
    REQUIRE_MESSAGE(!ec, ec.message());
    return parser.release();
  }

  // What ends a read when the server closes the connection: eof or a reset, never a timeout.
  beast::error_code wait_for_close() {
    http::response_parser<http::string_body> parser;
    return read(parser);
  }

 private:
  template <class Body>
  beast::error_code read(http::response_parser<Body>& parser) {
    beast::error_code result;
    m_stream.expires_after(k_client_timeout);
    http::async_read(m_stream, m_buffer, parser,
                     [&result](beast::error_code ec, std::size_t) { result = ec; });
    m_io.restart();
    m_io.run();
    return result;
  }

  net::io_context m_io;
  beast::tcp_stream m_stream{m_io};
  beast::flat_buffer m_buffer;
};

TEST_CASE("GET answers with the route's status, body and content type") {
  Routes routes;
  const auto listener = start(routes);
  const int port = listener->port();

  const test::HttpReply health = test::http_request(port, "GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  CHECK(health.headers.at("content-type") == "text/plain; charset=utf-8");
  CHECK(health.headers.at("content-length") == "3");

  const test::HttpReply metrics = test::http_request(port, "GET", "/metrics?name[]=cfsync_up");
  CHECK(metrics.status == 200);
  CHECK(metrics.body == "cfsync_up 1\n");
  CHECK(metrics.headers.at("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(routes.path() == "/metrics");  // without the query

  const test::HttpReply missing = test::http_request(port, "GET", "/nothing/here");
  CHECK(missing.status == 404);
  CHECK(missing.body == "not found\n");
}

TEST_CASE("other methods than GET and HEAD get 405 with Allow, without asking the routes") {
  Routes routes;
  const auto listener = start(routes);
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    CAPTURE(method);
    const test::HttpReply reply = test::http_request(listener->port(), method, "/healthz", {}, "x");
    CHECK(reply.status == 405);
    CHECK(reply.headers.at("allow") == "GET, HEAD");
  }
  // A POST path takes POST only.
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    CAPTURE(method);
    const test::HttpReply reply = test::http_request(listener->port(), method, "/hooks/git");
    CHECK(reply.status == 405);
    CHECK(reply.headers.at("allow") == "POST");
  }
  CHECK(routes.calls == 0);
}

TEST_CASE("a POST path gets the body and headers, up to its own limit") {
  Routes routes;
  const auto listener = start(routes);
  const std::string payload = R"({"ref":"refs/heads/main"})" + std::string(20 * 1024, ' ');
  const test::HttpReply reply = test::http_request(listener->port(), "POST", "/hooks/git?x=1",
                                                   {{"X-Hub-Signature-256", "sha256=ab"}}, payload);
  CHECK(reply.status == 202);
  {
    std::lock_guard lock(routes.mutex);
    CHECK(routes.last_path == "/hooks/git");
    CHECK(routes.last_body == payload);           // larger than a GET may send
    CHECK(routes.last_signature == "sha256=ab");  // header names in lower case
  }
  Client client(listener->port());
  const auto waited = client.exchange(http::verb::post, "/hooks/git", payload, true);
  CHECK(waited.result_int() == 202);
  const auto refused =
      client.exchange(http::verb::post, "/hooks/git", std::string(k_hook_body_limit + 1, 'x'));
  CHECK(refused.result_int() == 413);
  CHECK_FALSE(refused.keep_alive());
  CHECK(routes.calls == 2);
}

TEST_CASE("HEAD has GET's headers and no body") {
  Routes routes;
  const auto listener = start(routes);
  Client client(listener->port());
  const auto head = client.exchange(http::verb::head, "/metrics");
  CHECK(head.result_int() == 200);
  CHECK(head[http::field::content_length] == "12");
  CHECK(head[http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(head.body().empty());
  // The connection is still in step: the next answer is read whole.
  const auto get = client.exchange(http::verb::get, "/metrics");
  CHECK(get.body() == "cfsync_up 1\n");
}

TEST_CASE("a keep-alive connection carries several requests") {
  Routes routes;
  const auto listener = start(routes);
  Client client(listener->port());
  for (int i = 0; i < 3; ++i) {
    const auto reply = client.exchange(http::verb::get, "/healthz");
    CHECK(reply.result_int() == 200);
    CHECK(reply.keep_alive());
    CHECK(reply.body() == "ok\n");
  }
  CHECK(routes.calls == 3);
}

TEST_CASE("a small request body is ignored, a large one refused with 413") {
  Routes routes;
  const auto listener = start(routes);
  Client client(listener->port());
  CHECK(client.exchange(http::verb::get, "/healthz", "small").result_int() == 200);
  const auto refused = client.exchange(http::verb::get, "/healthz", std::string(16 * 1024, 'x'));
  CHECK(refused.result_int() == 413);
  CHECK_FALSE(refused.keep_alive());
  CHECK(client.wait_for_close() != beast::error::timeout);
}

TEST_CASE("a route that throws gets 500, one without a body keeps none") {
  Routes routes;
  const auto listener = start(routes);
  const test::HttpReply failed = test::http_request(listener->port(), "GET", "/boom");
  CHECK(failed.status == 500);
  CHECK(failed.body == "internal error\n");
  // The listener goes on.
  CHECK(test::http_request(listener->port(), "GET", "/healthz").status == 200);
  const test::HttpReply empty = test::http_request(listener->port(), "GET", "/empty");
  CHECK(empty.status == 204);
  CHECK(empty.body.empty());
}

TEST_CASE("each request is logged at debug level") {
  Routes routes;
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_level(spdlog::level::debug);
  {
    const auto listener = start(routes, logger);
    CHECK(test::http_request(listener->port(), "GET", "/healthz?verbose=1").status == 200);
  }  // joined: the log is complete
  const std::string log = out.str();
  CHECK(log.find("GET /healthz from 127.0.0.1:") != std::string::npos);
  CHECK(log.find("-> 200") != std::string::npos);
  CHECK(log.find("verbose") == std::string::npos);
}

TEST_CASE("destruction closes open connections and returns promptly") {
  Routes routes;
  auto listener = start(routes);
  const std::uint16_t port = listener->port();
  Client idle(port);  // connected, no request: the listener waits for one
  Client used(port);
  CHECK(used.exchange(http::verb::get, "/healthz").result_int() == 200);

  const auto before = std::chrono::steady_clock::now();
  listener.reset();
  // Far below the 30 s idle timeout that would otherwise close the connections.
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(5));
  const beast::error_code idle_end = idle.wait_for_close();
  CHECK(idle_end != beast::error::timeout);
  CHECK(idle_end);
  const beast::error_code used_end = used.wait_for_close();
  CHECK(used_end != beast::error::timeout);
  CHECK(used_end);

  // The port is free again at once, as for a restarted daemon.
  auto again =
      HttpListener::start("127.0.0.1:" + std::to_string(port), routes.get(), quiet_logger());
  REQUIRE(again);
  CHECK((*again)->port() == port);
}

TEST_CASE("a port in use is a usage error naming the address") {
  Routes routes;
  const auto first = start(routes);
  const std::string address = "127.0.0.1:" + std::to_string(first->port());
  const auto second = HttpListener::start(address, routes.get(), quiet_logger());
  REQUIRE_FALSE(second);
  CHECK(second.error().kind() == ErrorKind::usage);
  CHECK(second.error().message().find("\"" + address + "\"") != std::string::npos);
}

TEST_CASE("addresses other than IP:PORT are usage errors naming them") {
  Routes routes;
  for (const char* address : {"", "9464", "localhost:9464", "127.0.0.1:", "127.0.0.1:65536",
                              "127.0.0.1:94x", "::1:9464", "[127.0.0.1]:9464", "[::1]"}) {
    CAPTURE(address);
    const auto listener = HttpListener::start(address, routes.get(), quiet_logger());
    REQUIRE_FALSE(listener);
    CHECK(listener.error().kind() == ErrorKind::usage);
    CHECK(listener.error().message().find("\"" + std::string(address) + "\"") != std::string::npos);
  }
}

}  // namespace
}  // namespace cfsync::daemon
