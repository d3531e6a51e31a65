#include "api/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

namespace cfsync::api {

Result<void> trust(boost::asio::ssl::context& tls,
                   const std::optional<std::filesystem::path>& ca_file) {
  boost::system::error_code ec;
  tls.set_verify_mode(boost::asio::ssl::verify_peer, ec);
  if (!ec) tls.set_default_verify_paths(ec);
  if (!ec && ca_file) tls.load_verify_file(ca_file->string(), ec);
  if (ec) {
    return Error(ErrorKind::usage,
                 "cannot set up TLS trust" +
                     (ca_file ? " from \"" + ca_file->string() + "\"" : std::string()) + ": " +
                     ec.message());
  }
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  return {};
}

bool expect_peer(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // SSL_set_tlsext_host_name is a C macro
  const bool sni = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
#pragma GCC diagnostic pop
  return sni && SSL_set1_host(ssl, host.c_str()) == 1;
}

}  // namespace cfsync::api
