// A value that must never reach a log, a plan, an error or test output: API tokens and keys,
// the payload-logging public key, dataset contents. It has no stream or fmt support on purpose;
// code that needs the text says so with reveal().
#pragma once

#include <string>
#include <utility>

namespace cfsync {

class Sensitive {
 public:
  Sensitive() = default;
  explicit Sensitive(std::string value) : m_value(std::move(value)) {}

  [[nodiscard]] const std::string& reveal() const { return m_value; }
  [[nodiscard]] bool empty() const { return m_value.empty(); }

  friend bool operator==(const Sensitive&, const Sensitive&) = default;

 private:
  std::string m_value;
};

}  // namespace cfsync
