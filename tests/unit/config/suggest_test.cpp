#include "config/suggest.hpp"

#include <doctest/doctest.h>

#include <array>

namespace cfsync::config {
namespace {

constexpr std::array<std::string_view, 3> k_keys = {"ai_context_analysis", "ocr",
                                                    "payload_logging"};

TEST_CASE("did you mean: close misspellings only") {
  CHECK(closest_match("ocrr", k_keys) == "ocr");
  CHECK(closest_match("orc", k_keys) == "ocr");  // a swap is one edit
  CHECK(closest_match("payload_loging", k_keys) == "payload_logging");
  CHECK(closest_match("ai_context_analysys", k_keys) == "ai_context_analysis");
  CHECK_FALSE(closest_match("x", k_keys));
  CHECK_FALSE(closest_match("colour", k_keys));
}

}  // namespace
}  // namespace cfsync::config
