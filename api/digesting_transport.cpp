#include "api/digesting_transport.hpp"

#include "reconcile/digest.hpp"

namespace cfsync::api {

Result<HttpResponse> DigestingTransport::send(const HttpRequest& request) {
  Result<HttpResponse> response = m_inner.send(request);
  if (!response) return response;
  const std::lock_guard lock(m_mutex);
  if (m_recording) m_reads += request.target + "\n" + sha256_hex(response->body) + "\n";
  return response;
}

Result<std::optional<HttpResponse>> DigestingTransport::send_unique(const HttpRequest& request,
                                                                    const Landed& landed) {
  return m_inner.send_unique(request, landed);
}

void DigestingTransport::start() {
  const std::lock_guard lock(m_mutex);
  m_reads.clear();
  m_recording = true;
}

std::string DigestingTransport::finish() {
  const std::lock_guard lock(m_mutex);
  m_recording = false;
  return sha256_hex(m_reads);
}

}  // namespace cfsync::api
