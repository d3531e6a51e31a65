#include "reconcile/result.hpp"

#include <cstdio>
#include <cstdlib>

namespace cfsync {

std::string Error::describe() const {
  std::string text = m_message;
  for (const ApiMessage& m : api_errors) {
    text += " [";
    text += std::to_string(m.code);
    text += ": ";
    text += m.message;
    text += "]";
  }
  return text;
}

Error Error::context(const std::string& prefix) const {
  Error copy = *this;
  copy.m_message = prefix + m_message;
  return copy;
}

void throw_exception_from_error(const Error& error, const boost::source_location& loc) {
  std::fprintf(stderr, "cfsync: internal error: value() of a failed result at %s:%u: %s\n",
               loc.file_name(), static_cast<unsigned>(loc.line()), error.message().c_str());
  std::abort();
}

}  // namespace cfsync
