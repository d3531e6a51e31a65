// The real transport against a scripted server on loopback: keep-alive reuse, a connection the
// server closed, timeouts, body limits, and the credentials it sends.
#include "api/transport.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace cfsync::api {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

using ServerRequest = http::request<http::string_body>;

// Accepts connections one after the other and runs the next handler on each.
class ScriptedServer {
 public:
  using Handler = std::function<void(ScriptedServer&, beast::tcp_stream&)>;

  explicit ScriptedServer(std::vector<Handler> handlers)
      : m_acceptor(m_io, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {
    m_thread = std::thread([this, handlers = std::move(handlers)] {
      for (const Handler& handler : handlers) {
        tcp::socket socket(m_io);
        beast::error_code ec;
        m_acceptor.accept(socket, ec);
        if (ec || m_stopping) return;
        ++m_connections;
        beast::tcp_stream stream(std::move(socket));
        handler(*this, stream);
      }
    });
  }

  ~ScriptedServer() {
    // Wake an accept() that waits for a connection the test never makes.
    m_stopping = true;
    net::io_context io;
    tcp::socket poke(io);
    beast::error_code ignored;
    poke.connect(m_acceptor.local_endpoint(), ignored);
    m_thread.join();
  }

  [[nodiscard]] int port() const { return m_acceptor.local_endpoint().port(); }
  [[nodiscard]] int connections() const { return m_connections; }
  [[nodiscard]] std::vector<ServerRequest> requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

  // Handler steps.
  bool read(beast::tcp_stream& stream) {
    ServerRequest request;
    beast::error_code ec;
    http::read(stream, m_buffer, request, ec);
    if (ec) return false;
    std::lock_guard lock(m_mutex);
    m_requests.push_back(std::move(request));
    return true;
  }
  static void answer(beast::tcp_stream& stream, std::string body, bool keep_alive = true) {
    http::response<http::string_body> response{http::status::ok, 11};
    response.set(http::field::content_type, "application/json");
    response.keep_alive(keep_alive);
    response.body() = std::move(body);
    response.prepare_payload();
    beast::error_code ignored;
    http::write(stream, response, ignored);
  }
  static void close(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
  // Blocks until the client goes away.
  void wait_for_close(beast::tcp_stream& stream) {
    ServerRequest ignored_request;
    beast::error_code ignored;
    http::read(stream, m_buffer, ignored_request, ignored);
  }

 private:
  net::io_context m_io;
  tcp::acceptor m_acceptor;
  std::thread m_thread;
  std::atomic<int> m_connections = 0;
  std::atomic<bool> m_stopping = false;
  beast::flat_buffer m_buffer;
  std::mutex m_mutex;
  std::vector<ServerRequest> m_requests;
};

ClientSettings settings_for(const ScriptedServer& server) {
  ClientSettings settings;
  settings.endpoint =
      *parse_base_url("http://127.0.0.1:" + std::to_string(server.port()) + "/client/v4", false);
  settings.credentials.token = Sensitive("token-123");
  settings.user_agent = "cfsync-test";
  return settings;
}

std::unique_ptr<Transport> transport_for(const ClientSettings& settings) {
  auto logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto transport = make_http_transport(settings, logger);
  REQUIRE(transport);
  return std::move(*transport);
}

const HttpRequest k_get{.method = Method::get, .target = "/accounts/a/dlp/settings"};

TEST_CASE("consecutive requests share one keep-alive connection") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    for (int i = 0; i < 3 && s.read(stream); ++i) ScriptedServer::answer(stream, "{}");
  }});
  auto transport = transport_for(settings_for(server));
  for (int i = 0; i < 3; ++i) {
    const auto response = transport->send(k_get);
    REQUIRE(response);
    CHECK(response->status == 200);
  }
  CHECK(server.connections() == 1);
}

TEST_CASE("requests carry the path prefix, the token and the user agent") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    if (s.read(stream)) ScriptedServer::answer(stream, "{}");
  }});
  auto transport = transport_for(settings_for(server));
  REQUIRE(transport->send({.method = Method::patch,
                           .target = "/accounts/a/dlp/settings",
                           .content_type = "application/json",
                           .body = R"({"ocr":true})"}));
  const ServerRequest request = server.requests().at(0);
  CHECK(request.method() == http::verb::patch);
  CHECK(request.target() == "/client/v4/accounts/a/dlp/settings");
  CHECK(request[http::field::authorization] == "Bearer token-123");
  CHECK(request[http::field::user_agent] == "cfsync-test");
  CHECK(request[http::field::content_type] == "application/json");
  CHECK(request.body() == R"({"ocr":true})");
}

TEST_CASE("a global API key goes in X-Auth-Email and X-Auth-Key") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    if (s.read(stream)) ScriptedServer::answer(stream, "{}");
  }});
  ClientSettings settings = settings_for(server);
  settings.credentials = {.email = "ops@example.com", .key = Sensitive("global")};
  REQUIRE(transport_for(settings)->send(k_get));
  const ServerRequest request = server.requests().at(0);
  CHECK(request["X-Auth-Email"] == "ops@example.com");
  CHECK(request["X-Auth-Key"] == "global");
  CHECK(request[http::field::authorization].empty());
}

TEST_CASE("a keep-alive connection the server closed is replaced for an idempotent request") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
                           if (s.read(stream)) ScriptedServer::answer(stream, "{}");
                           ScriptedServer::close(stream);  // as an idle timeout would
                         },
                         [](ScriptedServer& s, beast::tcp_stream& stream) {
                           if (s.read(stream)) ScriptedServer::answer(stream, "{}");
                         }});
  auto transport = transport_for(settings_for(server));
  REQUIRE(transport->send(k_get));
  const auto second = transport->send(k_get);
  REQUIRE(second);
  CHECK(second->status == 200);
  CHECK(server.connections() == 2);
}

TEST_CASE("a request that must not be sent twice is not resent on a closed connection") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
                           if (s.read(stream)) ScriptedServer::answer(stream, "{}");
                           ScriptedServer::close(stream);
                         },
                         [](ScriptedServer& s, beast::tcp_stream& stream) {
                           if (s.read(stream)) ScriptedServer::answer(stream, "{}");
                         }});
  auto transport = transport_for(settings_for(server));
  REQUIRE(transport->send(k_get));
  const auto create = transport->send({.method = Method::post,
                                       .target = "/accounts/a/dlp/profiles/custom",
                                       .body = "{}",
                                       .idempotent = false});
  REQUIRE_FALSE(create);
  CHECK(create.error().kind() == ErrorKind::network);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a server that does not answer hits the request timeout") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    if (s.read(stream)) s.wait_for_close(stream);
  }});
  ClientSettings settings = settings_for(server);
  settings.request_timeout = std::chrono::milliseconds(200);
  const auto response = transport_for(settings)->send(k_get);
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == ErrorKind::network);
  CHECK(response.error().message() ==
        "request to http://127.0.0.1:" + std::to_string(server.port()) +
            " timed out after 200 ms while reading the response");
}

TEST_CASE("a response larger than the limit is refused") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    if (s.read(stream)) ScriptedServer::answer(stream, std::string(4096, 'x'));
  }});
  ClientSettings settings = settings_for(server);
  settings.max_response_bytes = 1024;
  const auto response = transport_for(settings)->send(k_get);
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == ErrorKind::protocol);
  CHECK(response.error().message().ends_with("is larger than 1024 bytes"));
}

TEST_CASE("a streamed body sends head, source and tail, with their length") {
  test::TempDir dir;
  std::string content(200 * 1024, 'x');  // several chunks
  content.back() = 'y';
  const auto file = dir.write("upload.bin", content);
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    if (s.read(stream)) ScriptedServer::answer(stream, "{}");
  }});
  const auto response = transport_for(settings_for(server))
                            ->send({.method = Method::post,
                                    .target = "/upload",
                                    .content_type = "multipart/form-data; boundary=B",
                                    .streamed_body = StreamedBody{"HEAD|", file_source(file, content.size()), "|TAIL"},
                                    .idempotent = false});
  REQUIRE(response);
  const ServerRequest request = server.requests().at(0);
  CHECK(request[http::field::content_length] == std::to_string(content.size() + 10));
  CHECK(request.body() == "HEAD|" + content + "|TAIL");
}

TEST_CASE("a file that changed since it was sized fails the request, not the network") {
  test::TempDir dir;
  const auto file = dir.write("upload.bin", std::string(1000, 'x'));
  for (const std::uint64_t announced : {2000u, 500u}) {
    CAPTURE(announced);
    ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
      if (s.read(stream)) ScriptedServer::answer(stream, "{}");
    }});
    const auto response =
        transport_for(settings_for(server))
            ->send({.method = Method::post,
                    .target = "/upload",
                    .streamed_body = StreamedBody{"", file_source(file, announced), ""},
                    .idempotent = false});
    REQUIRE_FALSE(response);
    CHECK(response.error().kind() == ErrorKind::io);
    CHECK(response.error().message() ==
          "\"" + file.string() + "\" changed while it was being uploaded; run cfsync again");
  }
}

TEST_CASE("a streamed body that cannot be read fails before anything is sent") {
  ScriptedServer server({[](ScriptedServer& s, beast::tcp_stream& stream) {
    if (s.read(stream)) ScriptedServer::answer(stream, "{}");
  }});
  const auto response = transport_for(settings_for(server))
                            ->send({.method = Method::post,
                                    .target = "/upload",
                                    .streamed_body = StreamedBody{"", file_source("/nonexistent/file", 1), ""}});
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == ErrorKind::io);
  CHECK(server.requests().empty());
}

TEST_CASE("an unreadable CA file is a set-up error") {
  ClientSettings settings;
  settings.endpoint = *parse_base_url("https://api.cloudflare.com/client/v4", false);
  settings.ca_file = "/nonexistent/ca.pem";
  auto logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  const auto transport = make_http_transport(settings, logger);
  REQUIRE_FALSE(transport);
  CHECK(transport.error().message().starts_with(
      "cannot set up TLS trust from \"/nonexistent/ca.pem\""));
}

}  // namespace
}  // namespace cfsync::api
