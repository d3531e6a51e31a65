// Reading multipart/form-data request bodies (RFC 7578), as the AI Search upload takes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::emulator {

struct FormPart {
  std::string name;
  std::optional<std::string> filename;  // %22, %0D and %0A decoded, as WHATWG encodes them
  std::string content_type;
  std::string_view body;  // into the request body
};

// The parts, or what is wrong with the body (no boundary, a part without a name...).
struct FormData {
  std::vector<FormPart> parts;
  std::string problem;

  [[nodiscard]] const FormPart* find(std::string_view name) const;
};

[[nodiscard]] FormData parse_form_data(std::string_view content_type, std::string_view body);

}  // namespace cfsync::emulator
