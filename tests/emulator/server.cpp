#include "tests/emulator/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>

namespace cfsync::emulator {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr auto k_idle_timeout = std::chrono::minutes(2);

// Takes the body over rather than copying it: dataset uploads can be hundreds of MiB.
Request to_request(http::request<http::string_body>& message) {
  Request request;
  request.method = std::string(message.method_string());
  const std::string_view target = message.target();
  const std::size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

http::response<http::string_body> to_reply(Response& response, unsigned version, bool keep_alive) {
  http::response<http::string_body> reply{static_cast<http::status>(response.status), version};
  reply.set(http::field::server, "cfsync-emulator");
  if (!response.content_type.empty()) {
    reply.set(http::field::content_type, response.content_type);  // empty: no content
  }
  for (const auto& [name, value] : response.headers) reply.set(name, value);
  reply.keep_alive(keep_alive);
  reply.body() = std::move(response.body);
  reply.prepare_payload();
  return reply;
}

// On a timer rather than a sleep: the other connections go on meanwhile (one thread).
net::awaitable<void> wait(std::int64_t ms) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(ms));
  co_await timer.async_wait(use_tuple);
}

// A TCP reset, as a dropped connection gives: SO_LINGER with a zero timeout makes close() send
// RST instead of FIN, so the client reads ECONNRESET rather than a clean end.
void reset(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().set_option(net::socket_base::linger(true, 0), ignored);
  stream.socket().close(ignored);
}

// The headers, with the full Content-Length, and only the first half of the body.
net::awaitable<void> send_truncated(beast::tcp_stream& stream,
                                    http::response<http::string_body>& reply) {
  http::response_serializer<http::string_body> serializer{reply};
  auto [header_error, header_bytes] =
      co_await http::async_write_header(stream, serializer, use_tuple);
  if (header_error) co_return;
  const std::string& body = reply.body();
  co_await net::async_write(stream, net::buffer(body.data(), body.size() / 2), use_tuple);
}

net::awaitable<void> session(beast::tcp_stream stream, Emulator& emulator, std::uint64_t connection,
                             std::size_t max_body_bytes) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(max_body_bytes);
    stream.expires_after(k_idle_timeout);
    auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (read_error) break;  // the client closed, went idle, or sent something unreadable
    // The string body reserves the Content-Length up front, so a large one is read in place.
    http::request<http::string_body> message = parser.release();

    Request request = to_request(message);
    request.connection = connection;
    // Handled now, answered after the delay: state changes do not wait for the latency.
    Response response = emulator.handle(request);
    if (response.delay_ms > 0) co_await wait(response.delay_ms);
    if (response.delivery == Delivery::reset) {
      reset(stream);
      co_return;
    }
    http::response<http::string_body> reply =
        to_reply(response, message.version(), message.keep_alive());
    stream.expires_after(k_idle_timeout);  // a long delay may have used up the read's
    if (response.delivery == Delivery::truncate) {
      co_await send_truncated(stream, reply);
      break;
    }
    // A client that gave up during the delay makes this fail, which ends the session.
    auto [write_error, written] = co_await http::async_write(stream, reply, use_tuple);
    if (write_error || !reply.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, Emulator& emulator,
                                 std::size_t max_body_bytes) {
  std::uint64_t connections = 0;
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(use_tuple);
    if (error == net::error::operation_aborted) co_return;
    if (error) continue;
    net::co_spawn(
        acceptor.get_executor(),
        session(beast::tcp_stream(std::move(socket)), emulator, ++connections, max_body_bytes),
        net::detached);
  }
}

bool parse_listen(const std::string& text, tcp::endpoint& endpoint) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(host, ec);
  if (ec) return false;
  const std::string port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const unsigned long port = std::stoul(port_text);
  if (port > 65535) return false;
  endpoint = tcp::endpoint(address, static_cast<unsigned short>(port));
  return true;
}

}  // namespace

int serve(Emulator& emulator, const std::string& listen, std::size_t max_body_bytes) {
  tcp::endpoint endpoint;
  if (!parse_listen(listen, endpoint)) {
    std::fprintf(stderr, "cfsync-emulator: --listen wants ADDRESS:PORT, got \"%s\"\n",
                 listen.c_str());
    return 2;
  }
  net::io_context io;
  tcp::acceptor acceptor(io);
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "cfsync-emulator: cannot listen on %s: %s\n", listen.c_str(),
                 ec.message().c_str());
    return 1;
  }
  const tcp::endpoint bound = acceptor.local_endpoint();
  const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                   : bound.address().to_string();
  std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(bound.port()));
  std::fflush(stdout);

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) {
    beast::error_code ignored;
    acceptor.close(ignored);
    io.stop();
  });
  net::co_spawn(io, accept_loop(acceptor, emulator, max_body_bytes), net::detached);
  io.run();
  return 0;
}

}  // namespace cfsync::emulator
