// `cfsync schema`: a JSON Schema (draft 2020-12) of the configuration file, for editors' YAML
// language servers. The loader stays the authority (it also checks files, regexes and cross-
// references); the schema gives completion and catches typos while typing.
#pragma once

#include <string>

namespace cfsync::daemon {

// Composed from the parts each configuration section declares (config::schema_parts()).
[[nodiscard]] const std::string& config_schema();

}  // namespace cfsync::daemon
