#include "api/digesting_transport.hpp"

#include "reconcile/digest.hpp"

#include <algorithm>

namespace cfsync::api {

Result<HttpResponse> DigestingTransport::send(const HttpRequest& request) {
  Result<HttpResponse> response = m_inner.send(request);
  if (!response) return response;
  const std::lock_guard lock(m_mutex);
  if (m_recording) m_reads.push_back(request.target + "\n" + sha256_hex(response->body) + "\n");
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
  // Reads run side by side: their order is not part of what was read.
  std::sort(m_reads.begin(), m_reads.end());
  Digest digest = Digest::sha256();
  for (const std::string& read : m_reads) digest.update(read);
  return digest.hex();
}

}  // namespace cfsync::api
