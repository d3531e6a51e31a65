// Reads side by side. Populate, listings, export (its listings in api/, its downloads in
// daemon/export.cpp) and the waits after an apply run their independent requests through
// `side_by_side`, and `LimitedTransport` keeps the reads in flight at once within
// --max-in-flight however those calls nest.
#pragma once

#include "api/transport.hpp"
#include "reconcile/result.hpp"

#include <cstddef>
#include <functional>
#include <semaphore>

namespace cfsync::api {

// Runs `task(0)` … `task(count - 1)` on up to `width` threads (the calling one included). Once a
// task fails, the tasks not yet started are not; returns the error of the first failed task by
// index, after every started task has finished.
[[nodiscard]] Result<void> side_by_side(std::size_t count, std::size_t width,
                                        const std::function<Result<void>(std::size_t)>& task);

// A Transport that lets at most `limit` reads be in flight at once. Writes pass through without
// waiting: the worker pool bounds them, and a write's `landed` may itself read.
class LimitedTransport final : public Transport {
 public:
  LimitedTransport(Transport& inner, std::size_t limit);

  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;
  [[nodiscard]] Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                                const Landed& landed) override;

 private:
  Transport& m_inner;
  std::counting_semaphore<> m_slots;
};

}  // namespace cfsync::api
