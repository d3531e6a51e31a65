#include "daemon/saved_plan.hpp"

#include "config/state_file.hpp"
#include "reconcile/digest.hpp"
#include "reconcile/file.hpp"

#include <simdjson.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace cfsync::daemon {

namespace json = boost::json;

namespace {

constexpr int k_format_version = 2;  // 1: unkeyed SHA-256 digests

// A path as the configuration's root sees it, so that two checkouts of one commit agree.
std::string below_root(const std::filesystem::path& file, const std::filesystem::path& root) {
  return std::filesystem::absolute(file)
      .lexically_normal()
      .lexically_relative(root)
      .generic_string();
}

// `text` without its line `number` (1-based), newline included.
std::string without_line(const std::string& text, int number) {
  std::size_t start = 0;
  for (int line = 1; line < number && start != std::string::npos; ++line) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos || start > text.size()) return text;
  const std::size_t end = text.find('\n', start);
  return text.substr(0, start) + (end == std::string::npos ? "" : text.substr(end + 1));
}

}  // namespace

Result<std::string> desired_digest(const config::Config& config) {
  // By content, not modification time: a fresh checkout of the same commit (a CI job) must give
  // the same digest. Dataset files count by the digest the scan made; documents by path and size
  // (hashing every document on every plan would cost what the digest cache saves).
  Digest digest = Digest::sha256();
  const std::filesystem::path root = std::filesystem::absolute(config.root).lexically_normal();
  std::set<std::filesystem::path> datasets;
  for (const DesiredDataset& dataset : config.desired.datasets) {
    if (!dataset.file) {
      digest.update(dataset.name + "\n-\n");
      continue;
    }
    datasets.insert(dataset.file->path);
    digest.update(dataset.name + "\n" + dataset.file->sha256 + "\n");
  }
  for (const std::filesystem::path& file : config.files) {
    // A documents directory counts by the documents in it, below.
    if (datasets.contains(file) || std::filesystem::is_directory(file)) continue;
    CFSYNC_TRY(std::string content, read_file(file));
    if (config.suspend_line && config.suspend_line->first == file) {
      content = without_line(content, config.suspend_line->second);
    }
    digest.update(below_root(file, root) + "\n" + sha256_hex(content) + "\n");
  }
  for (const DesiredInstance& instance : config.desired.ai_search_instances) {
    for (const DesiredDocument& document : instance.documents) {
      digest.update(below_root(document.file, root) + "\n" + std::to_string(document.size) + "\n");
    }
  }
  return digest.hex();
}

Result<void> write_saved_plan(const std::filesystem::path& file, const SavedPlan& saved) {
  json::object out{
      {"format_version", k_format_version},     {"kind", "cfsync saved plan"},
      {"account_id", saved.account_id},         {"key_id", saved.key_id},
      {"desired_digest", saved.desired_digest}, {"live_digest", saved.live_digest},
      {"plan_digest", saved.plan_digest},       {"plan", json::parse(saved.plan_json)}};
  return config::write_atomically(file, json::serialize(out) + "\n", "the saved plan");
}

Result<SavedPlan> read_saved_plan(const std::filesystem::path& file) {
  const Result<std::string> text = read_file(file);
  const auto wrong = [&](const std::string& why) {
    return Error(ErrorKind::usage, "saved plan " + file.string() + ": " + why);
  };
  if (!text) return wrong("cannot be read");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*text).get(root) != simdjson::SUCCESS) return wrong("is not JSON");
  std::int64_t version = 0;
  if (root["format_version"].get_int64().get(version) != simdjson::SUCCESS ||
      version != k_format_version) {
    return wrong("is not a cfsync saved plan of format_version " +
                 std::to_string(k_format_version) + " (write it with `cfsync plan --out`)");
  }
  SavedPlan saved;
  for (auto [key, target] : {std::pair{"account_id", &saved.account_id},
                             {"key_id", &saved.key_id},
                             {"desired_digest", &saved.desired_digest},
                             {"live_digest", &saved.live_digest},
                             {"plan_digest", &saved.plan_digest}}) {
    std::string_view value;
    if (root[key].get_string().get(value) != simdjson::SUCCESS) {
      return wrong(std::string("has no \"") + key + "\"");
    }
    *target = std::string(value);
  }
  return saved;
}

namespace {

struct LastApply {
  std::string account_id;
  std::string desired_sha256;
};

std::optional<LastApply> read_last_apply(const std::filesystem::path& state_dir) {
  const Result<std::string> text = read_file(state_dir / "last-apply.json");
  if (!text) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view account, digest;
  if (parser.parse(*text).get(root) != simdjson::SUCCESS ||
      root["account_id"].get_string().get(account) != simdjson::SUCCESS ||
      root["desired_sha256"].get_string().get(digest) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return LastApply{std::string(account), std::string(digest)};
}

}  // namespace

std::optional<std::string> last_applied(const std::filesystem::path& state_dir,
                                        const std::string& account_id) {
  auto last = read_last_apply(state_dir);
  if (!last || last->account_id != account_id) return std::nullopt;
  return last->desired_sha256;
}

std::optional<std::string> last_applied_account(const std::filesystem::path& state_dir) {
  auto last = read_last_apply(state_dir);
  if (!last) return std::nullopt;
  return last->account_id;
}

Result<void> record_applied(const std::filesystem::path& state_dir, const std::string& account_id,
                            const std::string& desired_sha256, const std::string& revision) {
  json::object record{
      {"version", 1}, {"account_id", account_id}, {"desired_sha256", desired_sha256}};
  if (!revision.empty()) record["revision"] = revision;
  return config::write_atomically(state_dir / "last-apply.json", json::serialize(record) + "\n",
                                  "the record of the last apply");
}

std::vector<std::string> saved_plan_drift(const SavedPlan& saved, const SavedPlan& now) {
  std::vector<std::string> moved;
  if (saved.account_id != now.account_id) {
    moved.push_back("it was made for account " + saved.account_id + ", not " + now.account_id);
  }
  if (saved.key_id != now.key_id) {
    // Digests under another key say nothing about what moved.
    moved.push_back("it was made with another state directory (its digests are keyed by key " +
                    saved.key_id + ", this one's is " + now.key_id +
                    "): apply it with the --state-dir `cfsync plan --out` used, or plan again");
    return moved;
  }
  if (saved.plan_digest == now.plan_digest && moved.empty()) return moved;
  if (saved.desired_digest != now.desired_digest) {
    moved.emplace_back("the configuration changed since the plan was saved");
  }
  if (saved.live_digest != now.live_digest) {
    moved.emplace_back(
        "the account changed since the plan was saved (an apply, or an edit "
        "in the dashboard)");
  }
  if (saved.plan_digest != now.plan_digest) {
    moved.emplace_back(
        "the plan computed now differs from the saved one: run `cfsync plan --out` "
        "again and review it");
  }
  return moved;
}

}  // namespace cfsync::daemon
