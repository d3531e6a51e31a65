#include "api/side_by_side.hpp"

#include "api/provider_family.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace cfsync::api {

Result<void> side_by_side(std::size_t count, std::size_t width,
                          const std::function<Result<void>(std::size_t)>& task) {
  std::vector<std::optional<Error>> errors(count);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  const auto work = [&] {
    for (std::size_t index = next++; index < count && !failed; index = next++) {
      if (Result<void> done = task(index); !done) {
        errors[index] = done.error();
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < std::min(std::max<std::size_t>(width, 1), count); ++i) {
    threads.emplace_back(work);
  }
  work();
  for (std::thread& thread : threads) thread.join();
  for (std::optional<Error>& error : errors) {
    if (error) return std::move(*error);
  }
  return {};
}

Result<void> FamilyProvider::side_by_side(std::size_t count,
                                          const std::function<Result<void>(std::size_t)>& task) {
  return api::side_by_side(count, m_context.max_in_flight, task);
}

LimitedTransport::LimitedTransport(Transport& inner, std::size_t limit)
    : m_inner(inner), m_slots(static_cast<std::ptrdiff_t>(std::max<std::size_t>(limit, 1))) {}

Result<HttpResponse> LimitedTransport::send(const HttpRequest& request) {
  m_slots.acquire();
  Result<HttpResponse> response = m_inner.send(request);
  m_slots.release();
  return response;
}

Result<std::optional<HttpResponse>> LimitedTransport::send_unique(const HttpRequest& request,
                                                                  const Landed& landed) {
  return m_inner.send_unique(request, landed);
}

}  // namespace cfsync::api
