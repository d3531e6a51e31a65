// TLS as cfsync's clients make it (the API transport, the notifier): peers verified against the
// system's store and --ca-file, TLS 1.2 at least, SNI, and OpenSSL's own check of the host.
#pragma once

#include "reconcile/result.hpp"

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace cfsync::api {

// Sets `tls` to verify peers against the system's store and `ca_file` too, TLS 1.2 at least; the
// error says which file could not be read.
[[nodiscard]] Result<void> trust(boost::asio::ssl::context& tls,
                                 const std::optional<std::filesystem::path>& ca_file);

// Sends SNI for host names (RFC 6066 has none for IP addresses) and has OpenSSL check the
// certificate against the host, name or IP address. OpenSSL's own check rather than Asio's
// host_name_verification callback, so that a failure's verify result says what was wrong
// ("hostname mismatch", "self-signed certificate"). False when OpenSSL refuses the host.
[[nodiscard]] bool expect_peer(SSL* ssl, const std::string& host);

}  // namespace cfsync::api
