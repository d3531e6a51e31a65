#include "daemon/schema.hpp"

namespace cfsync::daemon {

namespace {

// Kept beside config/'s readers: a key added there is added here, and the e2e test validates
// every example against this schema.
constexpr std::string_view k_schema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://github.com/cfsync/cfsync/config.schema.json",
  "title": "cfsync configuration",
  "description": "Desired state of a Cloudflare account's DLP and AI Search configuration (README, Configuration).",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "account_id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "The account; or CLOUDFLARE_ACCOUNT_ID."},
    "dlp": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "settings": {
          "type": ["object", "null"],
          "additionalProperties": false,
          "properties": {
            "ai_context_analysis": {"type": "boolean"},
            "ocr": {"type": "boolean"},
            "payload_logging": {
              "type": ["object", "null"],
              "additionalProperties": false,
              "properties": {
                "masking_level": {"enum": ["full", "partial", "clear", "default"]},
                "public_key": {"type": ["string", "null"], "description": "Base64; \"\" or null disables payload logging."},
                "public_key_file": {"type": "string", "description": "A file holding the key, relative to this file."}
              }
            }
          }
        },
        "profiles": {"type": ["array", "null"], "items": {"$ref": "#/$defs/profile"}},
        "predefined_profiles": {"type": ["array", "null"], "items": {"$ref": "#/$defs/predefined_profile"}},
        "datasets": {"type": ["array", "null"], "items": {"$ref": "#/$defs/dataset"}}
      }
    },
    "ai_search": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "instances": {"type": ["array", "null"], "items": {"$ref": "#/$defs/instance"}}
      }
    },
    "prune": {
      "type": ["object", "null"],
      "additionalProperties": false,
      "properties": {
        "profiles": {"type": "boolean", "description": "Delete custom profiles the configuration does not declare."},
        "datasets": {"type": "boolean", "description": "Delete datasets the configuration does not declare."}
      }
    },
    "safety": {
      "type": ["object", "null"],
      "additionalProperties": false,
      "properties": {
        "dlp_profile": {"$ref": "#/$defs/safety_limits"},
        "dlp_profile_entry": {"$ref": "#/$defs/safety_limits"},
        "dlp_dataset": {"$ref": "#/$defs/safety_limits"},
        "ai_search_item": {"$ref": "#/$defs/safety_limits"}
      }
    }
  },
  "$defs": {
    "uuid": {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
    "confidence": {"enum": ["low", "medium", "high", "very_high"]},
    "profile": {
      "type": "object",
      "additionalProperties": false,
      "required": ["name"],
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": ["string", "null"]},
        "allowed_match_count": {"type": "integer", "minimum": 0, "maximum": 1000},
        "confidence_threshold": {"$ref": "#/$defs/confidence"},
        "ocr_enabled": {"type": "boolean"},
        "ai_context_enabled": {"type": "boolean"},
        "entries": {
          "type": ["array", "null"],
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
              "name": {"type": "string", "minLength": 1},
              "regex": {"type": "string", "minLength": 1},
              "words": {"type": "array", "items": {"type": "string"}},
              "enabled": {"type": "boolean"},
              "description": {"type": ["string", "null"]}
            },
            "oneOf": [{"required": ["regex"]}, {"required": ["words"]}]
          }
        },
        "shared_entries": {
          "type": ["array", "null"],
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["entry_id"],
            "properties": {"entry_id": {"$ref": "#/$defs/uuid"}, "enabled": {"type": "boolean"}}
          }
        },
        "data_classes": {"type": ["array", "null"], "items": {"$ref": "#/$defs/uuid"}},
        "data_tags": {"type": ["array", "null"], "items": {"$ref": "#/$defs/uuid"}},
        "sensitivity_levels": {
          "type": ["array", "null"],
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["group_id", "level_id"],
            "properties": {"group_id": {"$ref": "#/$defs/uuid"}, "level_id": {"$ref": "#/$defs/uuid"}}
          }
        }
      }
    },
    "predefined_profile": {
      "type": "object",
      "additionalProperties": false,
      "anyOf": [{"required": ["name"]}, {"required": ["id"]}],
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "id": {"$ref": "#/$defs/uuid"},
        "allowed_match_count": {"type": "integer", "minimum": 0, "maximum": 1000},
        "confidence_threshold": {"$ref": "#/$defs/confidence"},
        "ocr_enabled": {"type": "boolean"},
        "ai_context_enabled": {"type": "boolean"},
        "entries": {
          "type": ["array", "null"],
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "enabled"],
            "properties": {"name": {"type": "string", "minLength": 1}, "enabled": {"type": "boolean"}}
          }
        }
      }
    },
    "dataset": {
      "type": "object",
      "additionalProperties": false,
      "required": ["name", "kind"],
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": ["string", "null"]},
        "kind": {"enum": ["word_list", "edm"]},
        "file": {"type": "string", "minLength": 1, "description": "UTF-8; a word list has one entry per line, an EDM file is CSV with a header row. Left out: the content is not managed (an adopted dataset), only the description and case sensitivity are."},
        "case_sensitive": {"type": "boolean", "description": "Word lists only."},
        "secret": {"const": false, "description": "Hashed (secret) datasets need the dashboard's encoder: refused."}
      }
    },
    "instance": {
      "type": "object",
      "additionalProperties": false,
      "required": ["id"],
      "properties": {
        "namespace": {"type": "string", "minLength": 1, "default": "default"},
        "id": {"type": "string", "minLength": 1},
        "documents": {
          "type": ["array", "null"],
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["dir"],
            "properties": {
              "dir": {"type": "string", "minLength": 1},
              "include": {"type": "array", "items": {"type": "string"}},
              "exclude": {"type": "array", "items": {"type": "string"}},
              "metadata": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
            }
          }
        },
        "prune": {"type": "boolean", "description": "Delete uploaded items no file declares."}
      }
    },
    "safety_limits": {
      "type": ["object", "null"],
      "additionalProperties": false,
      "properties": {
        "max_delete_percent": {"type": "integer", "minimum": 0, "maximum": 100, "default": 30},
        "max_delete_count": {"type": "integer", "minimum": 0, "default": 100},
        "allow_empty": {"type": "boolean", "default": false}
      }
    }
  }
}
)json";

}  // namespace

std::string_view config_schema() { return k_schema; }

}  // namespace cfsync::daemon
