#include "tests/emulator/dlp_store.hpp"

#include "tests/emulator/envelope.hpp"
#include "tests/emulator/json_body.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace cfsync::emulator::dlp {

namespace json = boost::json;

namespace {

// Both lists are created together: inserting a key into a Boost.JSON object may move its other
// values, and handlers hold a reference to one list while they use the other.
json::array& list(json::object& account, std::string_view name) {
  json::value& dlp = account["dlp"];
  if (!dlp.is_object()) dlp = json::object();
  json::object& lists = dlp.as_object();
  for (std::string_view key : {"profiles", "entries"}) {
    if (!lists.contains(key)) lists[key] = json::array();
  }
  return lists.at(name).as_array();
}

constexpr std::array<std::string_view, 1> k_validations = {"luhn"};

// Where the regex repeats without an upper bound, if it does: '*' or '+' that is neither escaped
// nor in a character class, or a {n,} repetition.
std::optional<std::size_t> unbounded_at(std::string_view regex) {
  bool in_class = false;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < regex.size() && regex[i + 1] == '^') ++i;
      if (i + 1 < regex.size() && regex[i + 1] == ']') ++i;  // a leading ']' is a literal
    } else if (c == '*' || c == '+') {
      return i;
    } else if (c == '{') {
      std::size_t end = i + 1;
      while (end < regex.size() && std::isdigit(static_cast<unsigned char>(regex[end]))) ++end;
      if (end > i + 1 && regex.substr(end, 2) == ",}") return i;
    }
  }
  return std::nullopt;
}

json::object* find(json::array& items, std::string_view id, std::string_view type) {
  for (json::value& item : items) {
    json::object& object = item.as_object();
    if (object.at("id").as_string() != id) continue;
    if (!type.empty() && object.at("type").as_string() != type) continue;
    return &object;
  }
  return nullptr;
}

// Cloudflare's catalogue, abridged: enough profiles and entries to configure and share.
struct SeedProfile {
  std::string_view id;
  std::string_view name;
  std::vector<std::pair<std::string_view, std::string_view>> entries;  // id, name
};

const std::vector<SeedProfile>& seed() {
  static const std::vector<SeedProfile> k_seed = {
      {"a7fa0471-2169-447c-8e9d-a2a9b34f6fc5",
       "Credit Card Numbers",
       {{"1fa4a9bf-9303-48a0-9faf-121a65181898", "Visa Card Number"},
        {"86cf3a93-547e-4c86-9bf7-89d337acf832", "Mastercard Card Number"},
        {"c34623a1-7e41-4a61-8963-5527913688c0", "American Express Card Number"},
        {"4ea74697-d310-473b-b9cf-5f6e5cc7bce3", "Discover Card Number"}}},
      {"f79b64d4-1cb4-4245-9a14-92be4c5297ed",
       "Social Security, Insurance, Tax, and Identifier Numbers",
       {{"aa601e70-a79b-446d-9a39-f767fa97fbad", "USA Social Security Number"},
        {"dd27a399-b5d8-4599-9be8-b31fb5297aee", "Canada Social Insurance Number"},
        {"3476ec82-b80c-4a2d-9e98-0bc392ec433d", "UK National Insurance Number"}}},
      {"ce7ce87e-5db8-4c25-9a7b-29eb99ef6093",
       "Credentials and Secrets",
       {{"4542bb51-5dcc-4a71-a7fc-7fb0882ed972", "AWS Secret Key"},
        {"85ea1429-0e05-4d22-a293-c178ee381119", "Google GCP API Key"},
        {"5e15fed4-d44a-477c-b2be-50b37d9c781a", "GitHub Personal Access Token"}}},
  };
  return k_seed;
}

}  // namespace

json::array& profiles(json::object& account) { return list(account, "profiles"); }
json::array& entries(json::object& account) { return list(account, "entries"); }

json::object* find_profile(json::object& account, std::string_view id, std::string_view type) {
  return find(profiles(account), id, type);
}

json::object* find_entry(json::object& account, std::string_view id, std::string_view type) {
  return find(entries(account), id, type);
}

json::object profile_json(json::object& account, const json::object& profile) {
  json::object out = profile;
  const std::string_view id = profile.at("id").as_string();
  const bool custom = profile.at("type").as_string() == "custom";
  json::array own;
  for (const json::value& item : entries(account)) {
    const json::object& entry = item.as_object();
    const json::value* owner = entry.if_contains("profile_id");
    if (owner == nullptr || !owner->is_string() || owner->as_string() != id) continue;
    own.push_back(entry);
  }
  out["entries"] = std::move(own);
  if (custom) {
    json::array shared;
    for (const json::value& reference : profile.at("shared_entries").as_array()) {
      const json::object& ref = reference.as_object();
      json::object* entry = find_entry(account, ref.at("entry_id").as_string());
      if (entry == nullptr) continue;  // deleted since; the real API drops it too
      json::object shown = *entry;
      shown["enabled"] = ref.at("enabled");
      shared.push_back(std::move(shown));
    }
    out["shared_entries"] = std::move(shared);
  }
  return out;
}

Response not_found(std::string_view what, std::string_view id) {
  return failure(404, code::not_found, std::string(what) + " " + std::string(id) + " not found");
}

std::optional<std::string> pattern_problem(const json::object& holder, const std::string& path) {
  const std::string at = path.empty() ? "pattern" : path + ".pattern";
  if (auto problem = check_object(holder, "pattern", at, false)) return problem;
  const json::object& pattern = holder.at("pattern").as_object();
  if (auto problem = check_required(pattern, at, {"regex"})) return problem;
  if (auto problem = check_string(pattern, "regex", at + ".regex", false)) return problem;
  const std::string_view regex = pattern.at("regex").as_string();
  if (regex.empty()) return at + ".regex must not be empty";
  if (auto index = unbounded_at(regex)) {
    return at + ".regex can match a string of unbounded length (character " +
           std::to_string(*index + 1) +
           "); the regex will be rejected if it uses * or +, bound it with a range such as "
           "{1,100}";
  }
  return check_enum(pattern, "validation", at + ".validation", k_validations, false);
}

void forget_shared(json::object& account, std::string_view entry_id) {
  for (json::value& profile : profiles(account)) {
    json::value* shared = profile.as_object().if_contains("shared_entries");
    if (shared == nullptr || !shared->is_array()) continue;
    json::array& list = shared->as_array();
    const auto gone = std::remove_if(list.begin(), list.end(), [&](const json::value& item) {
      return item.as_object().at("entry_id").as_string() == entry_id;
    });
    list.erase(gone, list.end());
  }
}

void remove_owned_entries(json::object& account, std::string_view profile_id) {
  json::array& all = entries(account);
  json::array kept;
  std::vector<std::string> removed;
  for (json::value& item : all) {
    const json::value* owner = item.as_object().if_contains("profile_id");
    if (owner != nullptr && owner->is_string() && owner->as_string() == profile_id) {
      removed.emplace_back(item.as_object().at("id").as_string());
      continue;
    }
    kept.push_back(std::move(item));
  }
  all = std::move(kept);
  for (const std::string& id : removed) forget_shared(account, id);
}

void init_profiles(json::object& account) {
  json::array& all = profiles(account);
  for (const SeedProfile& profile : seed()) {
    if (find(all, profile.id, {}) != nullptr) continue;
    all.push_back(json::object{{"id", profile.id},
                               {"name", profile.name},
                               {"type", "predefined"},
                               {"allowed_match_count", 0},
                               {"confidence_threshold", "low"},
                               {"ocr_enabled", false},
                               {"ai_context_enabled", false},
                               {"open_access", false}});
    for (const auto& [entry_id, entry_name] : profile.entries) {
      entries(account).push_back(json::object{
          {"id", entry_id},
          {"name", entry_name},
          {"type", "predefined"},
          {"enabled", false},
          {"profile_id", profile.id},
          {"confidence", json::object{{"available", true}, {"ai_context_available", false}}},
          {"variant", json::object{{"type", "General"}, {"description", nullptr}}}});
    }
  }
}

}  // namespace cfsync::emulator::dlp
