// The one result type used across module boundaries, and the macros that propagate it.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cfsync {

// A closed set: callers branch on the kind, people read the message.
enum class ErrorKind {
  config,    // the desired state is invalid (details hold one line per problem)
  io,        // a local file could not be read or written
  network,   // connect, TLS, read or write failed, or a timeout
  http,      // the API answered with an error status (http_status, api_errors)
  protocol,  // the API answered something we cannot understand
  usage,     // bad command-line input or settings
  plan,      // the live state cannot be reconciled safely (ambiguous, conflicting)
  apply,     // a change could not be applied
  state,     // the state directory cannot keep what cfsync must remember (upload records)
};

struct ApiMessage {
  int code = 0;
  std::string message;

  friend bool operator==(const ApiMessage&, const ApiMessage&) = default;
};

class Error {
 public:
  Error() = default;
  Error(ErrorKind kind, std::string message) : m_kind(kind), m_message(std::move(message)) {}

  [[nodiscard]] ErrorKind kind() const { return m_kind; }
  [[nodiscard]] const std::string& message() const { return m_message; }

  // For ErrorKind::http: the status and the Cloudflare errors[] of the envelope.
  int http_status = 0;
  std::vector<ApiMessage> api_errors;
  // Further lines a person should read (one per config problem, for example).
  std::vector<std::string> details;
  // The same lines with nothing of the input in them, for where anyone may read them (the
  // daemon's /readyz): for config problems, each one's place and kind. Empty when the details
  // quote nothing.
  std::vector<std::string> redacted_details;
  // For ErrorKind::network: some of the request went out and no answer came back, so the API
  // may have applied it. False when the connection failed before anything was sent.
  bool request_sent = false;

  // The message with the API's own codes and messages appended, for one-line reports.
  [[nodiscard]] std::string describe() const;

  // Prefix context ("dlp settings: ") to the message, keeping everything else.
  [[nodiscard]] Error context(const std::string& prefix) const;

 private:
  ErrorKind m_kind = ErrorKind::protocol;
  std::string m_message;
};

template <class T>
using Result = boost::system::result<T, Error>;

// boost::system::result::value() reports errors through this hook; we never call value() on an
// error on purpose, so reaching it is a broken invariant.
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

}  // namespace cfsync

#define CFSYNC_CONCAT_INNER(a, b) a##b
#define CFSYNC_CONCAT(a, b) CFSYNC_CONCAT_INNER(a, b)

// CFSYNC_TRY(auto x, expression): return the error of a failed Result, else bind its value.
#define CFSYNC_TRY_IMPL(tmp, decl, expr)   \
  auto tmp = (expr);                       \
  if (!tmp) return std::move(tmp).error(); \
  decl = std::move(*tmp)
#define CFSYNC_TRY(decl, expr) CFSYNC_TRY_IMPL(CFSYNC_CONCAT(cfsync_try_, __COUNTER__), decl, expr)

// CFSYNC_TRY_VOID(expression): return the error of a failed Result<void>.
#define CFSYNC_TRY_VOID_IMPL(tmp, expr) \
  auto tmp = (expr);                    \
  if (!tmp) return std::move(tmp).error()
#define CFSYNC_TRY_VOID(expr) CFSYNC_TRY_VOID_IMPL(CFSYNC_CONCAT(cfsync_try_, __COUNTER__), expr)
