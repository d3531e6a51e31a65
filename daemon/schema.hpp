// `cfsync schema`: a JSON Schema (draft 2020-12) of the configuration file, for editors' YAML
// language servers. The loader stays the authority (it also checks files, regexes and cross-
// references); the schema gives completion and catches typos while typing.
#pragma once

#include <string_view>

namespace cfsync::daemon {

[[nodiscard]] std::string_view config_schema();

}  // namespace cfsync::daemon
