// DLP profiles and their entries, desired and live (API.md §3 and §6).
#pragma once

#include "reconcile/sensitive.hpp"

#include <compare>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync {

// dlp_Confidence.
enum class Confidence { low, medium, high, very_high };

[[nodiscard]] std::string_view to_string(Confidence confidence);
[[nodiscard]] std::optional<Confidence> parse_confidence(std::string_view text);
[[nodiscard]] std::span<const std::string_view> confidence_names();

// A sorted list of distinct words: a word list is a set, so order never makes a change.
using WordList = std::vector<std::string>;
[[nodiscard]] WordList make_word_list(std::vector<std::string> words);

// An entry that belongs to a custom profile: a regex entry, or a word-list entry.
struct DesiredEntry {
  std::string name;                // identity within the profile
  std::optional<Sensitive> regex;  // exactly one of regex and words is set
  std::optional<WordList> words;
  bool enabled = true;
  std::optional<std::string> description;  // unset: not managed
};

// An entry of another profile (predefined, integration, dataset) used by a custom profile.
struct SharedEntry {
  std::string entry_id;  // lower-case uuid
  bool enabled = true;

  friend auto operator<=>(const SharedEntry&, const SharedEntry&) = default;
};

struct SensitivityLevel {
  std::string group_id;  // lower-case uuids
  std::string level_id;

  friend auto operator<=>(const SensitivityLevel&, const SensitivityLevel&) = default;
};

// A custom profile. Unset optionals are not managed: their live value is kept.
struct DesiredProfile {
  std::string name;  // identity: unique in the configuration
  std::optional<std::string> description;
  std::optional<int> allowed_match_count;
  std::optional<Confidence> confidence_threshold;
  std::optional<bool> ocr_enabled;
  std::optional<bool> ai_context_enabled;
  std::optional<std::vector<DesiredEntry>> entries;  // set: exactly these, by name
  std::optional<std::vector<SharedEntry>> shared_entries;
  std::optional<std::vector<std::string>> data_classes;  // lower-case uuids
  std::optional<std::vector<std::string>> data_tags;
  std::optional<std::vector<SensitivityLevel>> sensitivity_levels;
};

// A predefined entry switched on or off, by name.
struct DesiredEntryToggle {
  std::string name;
  bool enabled = true;
};

// A predefined profile: configured, never created. Identity: name, or id when given.
struct DesiredPredefinedProfile {
  std::string name;
  std::string id;  // lower-case uuid, or empty
  std::optional<int> allowed_match_count;
  std::optional<Confidence> confidence_threshold;
  std::optional<bool> ocr_enabled;
  std::optional<bool> ai_context_enabled;
  std::vector<DesiredEntryToggle> entries;
};

// context_awareness is deprecated and not managed; it is carried so that a PUT keeps it.
struct ContextAwareness {
  bool enabled = false;
  bool skip_files = false;

  friend bool operator==(const ContextAwareness&, const ContextAwareness&) = default;
};

enum class EntryKind { regex, words };

struct LiveEntry {
  std::string id;
  std::string name;
  EntryKind kind = EntryKind::regex;
  Sensitive regex;
  std::optional<std::string> validation;  // the deprecated "luhn", kept on update
  WordList words;
  bool enabled = true;
  std::string description;  // null reads as ""
};

// A live profile or entry of a kind cfsync does not manage (an integration profile, an entry of
// type custom_prompt_topic, or one whose type is missing or unknown): kept, so that cfsync never
// creates another with its name.
struct LiveOther {
  std::string id;
  std::string name;
  std::string type;  // as the API answered it; empty when it gave none

  friend bool operator==(const LiveOther&, const LiveOther&) = default;
};

struct LiveProfile {
  std::string id;
  std::string name;
  std::string created_at;   // RFC 3339, as the API wrote it; "" when it did not
  std::string description;  // null reads as ""
  int allowed_match_count = 0;
  Confidence confidence_threshold = Confidence::low;  // the server's default when absent
  bool ocr_enabled = false;
  bool ai_context_enabled = false;
  std::vector<LiveEntry> entries;        // the profile's own entries
  std::vector<LiveOther> other_entries;  // listed with them, but of a kind cfsync does not manage
  std::vector<SharedEntry> shared_entries;
  std::map<std::string, std::string> shared_entry_names;  // by id, as the API named them
  std::vector<std::string> data_classes;
  std::vector<std::string> data_tags;
  std::vector<SensitivityLevel> sensitivity_levels;
  std::optional<ContextAwareness> context_awareness;
};

struct LivePredefinedEntry {
  std::string id;
  std::string name;
  bool enabled = false;
};

struct LivePredefinedProfile {
  std::string id;
  std::string name;
  int allowed_match_count = 0;
  Confidence confidence_threshold = Confidence::low;
  bool ocr_enabled = false;
  bool ai_context_enabled = false;
  std::vector<LivePredefinedEntry> entries;
};

struct LiveProfiles {
  std::vector<LiveProfile> custom;
  std::vector<LivePredefinedProfile> predefined;
  std::vector<LiveOther> others;  // integration profiles, and profiles of no or unknown type
  // apply --dedupe: of custom profiles that share a declared name and are identical in what the
  // configuration declares, keep the oldest and delete the others.
  bool dedupe = false;
};

}  // namespace cfsync
