#include "tests/emulator/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace cfsync::emulator {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The value of `name=` in a header's parameters: `form-data; name="file"; filename="a.md"`.
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  std::size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    std::string_view rest = trim(header.substr(at + 1));
    at += 1;
    const std::size_t equals = rest.find('=');
    if (equals == std::string_view::npos || lower(trim(rest.substr(0, equals))) != name) continue;
    std::string_view value = trim(rest.substr(equals + 1));
    if (!value.empty() && value.front() == '"') {
      const std::size_t close = value.find('"', 1);
      return std::string(
          value.substr(1, close == std::string_view::npos ? value.size() - 1 : close - 1));
    }
    return std::string(value.substr(0, value.find(';')));
  }
  return std::nullopt;
}

std::string decoded(std::string text) {
  for (const auto& [code, character] :
       {std::pair{"%22", "\""}, std::pair{"%0D", "\r"}, std::pair{"%0A", "\n"}}) {
    for (std::size_t at; (at = text.find(code)) != std::string::npos;)
      text.replace(at, 3, character);
  }
  return text;
}

}  // namespace

const FormPart* FormData::find(std::string_view name) const {
  const auto it = std::find_if(parts.begin(), parts.end(),
                               [&](const FormPart& part) { return part.name == name; });
  return it == parts.end() ? nullptr : &*it;
}

FormData parse_form_data(std::string_view content_type, std::string_view body) {
  FormData form;
  if (lower(content_type).find("multipart/form-data") != 0) {
    form.problem = "expected multipart/form-data";
    return form;
  }
  const auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty()) {
    form.problem = "the multipart content type has no boundary";
    return form;
  }
  const std::string delimiter = "--" + *boundary;
  std::size_t at = body.find(delimiter);
  if (at == std::string_view::npos) {
    form.problem = "the body has no part";
    return form;
  }
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return form;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") break;
    at += 2;
    // The headers end at a blank line; a part may have none at all.
    const std::size_t headers_end =
        body.substr(at, 2) == "\r\n" ? at - 2 : body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) break;
    FormPart part;
    for (std::size_t line = at; line < headers_end;) {
      const std::size_t end = std::min(body.find("\r\n", line), headers_end);
      const std::string_view header = body.substr(line, end - line);
      const std::size_t colon = header.find(':');
      if (colon != std::string_view::npos) {
        const std::string field = lower(trim(header.substr(0, colon)));
        const std::string_view value = trim(header.substr(colon + 1));
        if (field == "content-disposition") {
          part.name = parameter(value, "name").value_or("");
          if (auto filename = parameter(value, "filename")) part.filename = decoded(*filename);
        } else if (field == "content-type") {
          part.content_type = std::string(value);
        }
      }
      line = end + 2;
    }
    const std::size_t content = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, content);
    if (next == std::string_view::npos) break;
    part.body = body.substr(content, next - content);
    if (part.name.empty()) {
      form.problem = "a part has no name";
      return form;
    }
    form.parts.push_back(std::move(part));
    at = next + 2;
  }
  form.problem = "the multipart body is cut short";
  return form;
}

}  // namespace cfsync::emulator
