#include "daemon/saved_plan.hpp"

#include "config/digest.hpp"
#include "config/state_file.hpp"

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

constexpr int k_format_version = 1;

// A path as the configuration's root sees it, so that two checkouts of one commit agree.
std::string below_root(const std::filesystem::path& file, const std::filesystem::path& root) {
  return std::filesystem::absolute(file)
      .lexically_normal()
      .lexically_relative(root)
      .generic_string();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  config::Digest digest(config::Digest::algorithm_named("sha256"));
  digest.update(bytes);
  return digest.hex();
}

std::string desired_digest(const config::Config& config) {
  // By content, not modification time: a fresh checkout of the same commit (a CI job) must give
  // the same digest. Dataset files count by the digest the scan made; documents by path and size
  // (hashing every document on every plan would cost what the digest cache saves).
  config::Digest digest(config::Digest::algorithm_named("sha256"));
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
    if (datasets.contains(file)) continue;
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    digest.update(below_root(file, root) + "\n" + sha256_hex(content.str()) + "\n");
  }
  for (const DesiredInstance& instance : config.desired.ai_search_instances) {
    for (const DesiredDocument& document : instance.documents) {
      digest.update(below_root(document.file, root) + "\n" + std::to_string(document.size) + "\n");
    }
  }
  return digest.hex();
}

Result<void> write_saved_plan(const std::filesystem::path& file, const SavedPlan& saved) {
  json::object out{{"format_version", k_format_version},  {"kind", "cfsync saved plan"},
                   {"account_id", saved.account_id},      {"desired_sha256", saved.desired_sha256},
                   {"live_sha256", saved.live_sha256},    {"plan_sha256", saved.plan_sha256},
                   {"plan", json::parse(saved.plan_json)}};
  return config::write_atomically(file, json::serialize(out) + "\n", "the saved plan");
}

Result<SavedPlan> read_saved_plan(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const auto wrong = [&](const std::string& why) {
    return Error(ErrorKind::usage, "saved plan " + file.string() + ": " + why);
  };
  if (!in) return wrong("cannot be read");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.str()).get(root) != simdjson::SUCCESS) return wrong("is not JSON");
  std::int64_t version = 0;
  if (root["format_version"].get_int64().get(version) != simdjson::SUCCESS ||
      version != k_format_version) {
    return wrong("is not a cfsync saved plan of format_version " +
                 std::to_string(k_format_version) + " (write it with `cfsync plan --out`)");
  }
  SavedPlan saved;
  for (auto [key, target] : {std::pair{"account_id", &saved.account_id},
                             {"desired_sha256", &saved.desired_sha256},
                             {"live_sha256", &saved.live_sha256},
                             {"plan_sha256", &saved.plan_sha256}}) {
    std::string_view value;
    if (root[key].get_string().get(value) != simdjson::SUCCESS) {
      return wrong(std::string("has no \"") + key + "\"");
    }
    *target = std::string(value);
  }
  return saved;
}

std::optional<std::string> last_applied(const std::filesystem::path& state_dir,
                                        const std::string& account_id) {
  std::ifstream in(state_dir / "last-apply.json", std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view account, digest;
  if (parser.parse(text.str()).get(root) != simdjson::SUCCESS ||
      root["account_id"].get_string().get(account) != simdjson::SUCCESS ||
      root["desired_sha256"].get_string().get(digest) != simdjson::SUCCESS ||
      account != account_id) {
    return std::nullopt;
  }
  return std::string(digest);
}

Result<void> record_applied(const std::filesystem::path& state_dir, const std::string& account_id,
                            const std::string& desired_sha256) {
  const json::object record{
      {"version", 1}, {"account_id", account_id}, {"desired_sha256", desired_sha256}};
  return config::write_atomically(state_dir / "last-apply.json", json::serialize(record) + "\n",
                                  "the record of the last apply");
}

std::vector<std::string> saved_plan_drift(const SavedPlan& saved, const SavedPlan& now) {
  std::vector<std::string> moved;
  if (saved.account_id != now.account_id) {
    moved.push_back("it was made for account " + saved.account_id + ", not " + now.account_id);
  }
  if (saved.plan_sha256 == now.plan_sha256 && moved.empty()) return moved;
  if (saved.desired_sha256 != now.desired_sha256) {
    moved.emplace_back("the configuration changed since the plan was saved");
  }
  if (saved.live_sha256 != now.live_sha256) {
    moved.emplace_back(
        "the account changed since the plan was saved (an apply, or an edit "
        "in the dashboard)");
  }
  if (saved.plan_sha256 != now.plan_sha256) {
    moved.emplace_back(
        "the plan computed now differs from the saved one: run `cfsync plan --out` "
        "again and review it");
  }
  return moved;
}

}  // namespace cfsync::daemon
