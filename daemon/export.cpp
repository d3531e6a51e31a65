#include "daemon/export.hpp"

#include "reconcile/ai_search_stack.hpp"

#include "api/client.hpp"
#include "api/provider.hpp"
#include "api/side_by_side.hpp"
#include "config/export.hpp"
#include "config/load.hpp"
#include "config/state_file.hpp"

#include <spdlog/spdlog.h>

#include <stdlib.h>
#include <algorithm>
#include <ostream>
#include <set>

namespace cfsync::daemon {

namespace fs = std::filesystem;

namespace {

constexpr int k_exit_ok = 0;
constexpr int k_exit_error = 1;
constexpr std::string_view k_key_file = "keys/payload-log.pub";

int fail(spdlog::logger& log, const Error& error) {
  report_error(log, error);
  return k_exit_error;
}

// A new or empty directory: export never overwrites a configuration.
Result<void> prepare_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Error(ErrorKind::usage, "export: " + dir.string() +
                                       " is not empty; export writes a new configuration and "
                                       "overwrites nothing, so name a new or empty directory");
  }
  fs::create_directories(dir, ec);
  if (ec)
    return Error(ErrorKind::io, "export: cannot create " + dir.string() + ": " + ec.message());
  return {};
}

// Every parent directory of a '/'-separated key: "a/b/c" -> "a", "a/b".
std::vector<std::string> parents_of(const std::string& key) {
  std::vector<std::string> parents;
  for (std::size_t slash = key.find('/'); slash != std::string::npos;
       slash = key.find('/', slash + 1)) {
    parents.push_back(key.substr(0, slash));
  }
  return parents;
}

// Downloads the instance's items into `root`/`instance.dir`, each at its key, `in_flight` at
// once. Items that cannot be files there, or that the API will not hand out, are skipped with
// the reason; a download that fails otherwise (the network, after retries) fails the export.
Result<void> download_items(api::CloudflareProvider& provider, const LiveInstance& live,
                            const fs::path& root, std::size_t in_flight,
                            config::ExportedInstance& instance, spdlog::logger& log) {
  std::vector<const LiveItem*> items;
  for (const LiveItem& item : live.items) items.push_back(&item);
  // A key sorts before the keys below it ("a" before "a/b"), so conflicts are seen in order.
  std::sort(items.begin(), items.end(),
            [](const LiveItem* a, const LiveItem* b) { return a->key < b->key; });
  std::vector<const LiveItem*> wanted;
  std::set<std::string> files;
  std::set<std::string> dirs;
  for (const LiveItem* item : items) {
    const std::string& key = item->key;
    if (auto problem = config::document_key_problem(key)) {
      instance.skipped.push_back(key + ": " + *problem);
      continue;
    }
    const std::vector<std::string> parents = parents_of(key);
    if (dirs.contains(key) ||
        std::any_of(parents.begin(), parents.end(),
                    [&](const std::string& parent) { return files.contains(parent); })) {
      instance.skipped.push_back(key + ": another item's key makes it both a file and a directory");
      continue;
    }
    files.insert(key);
    dirs.insert(parents.begin(), parents.end());
    wanted.push_back(item);
  }

  // Each download's outcome: written (nothing), skipped (why), or an error that ends the export.
  std::vector<std::optional<std::string>> skipped(wanted.size());
  CFSYNC_TRY_VOID(api::side_by_side(wanted.size(), in_flight, [&](std::size_t i) -> Result<void> {
    const LiveItem& item = *wanted[i];
    auto content = provider.download_item(live.namespace_name, live.id, item.id);
    if (!content && content.error().kind() != ErrorKind::http) {
      return content.error().context("downloading item " + item.key + " of " + live.namespace_name +
                                     "/" + live.id + ": ");
    }
    if (!content) {
      skipped[i] = "the API did not hand out its content: " + content.error().describe();
    } else if (item.file_size && *item.file_size != content->size()) {
      skipped[i] = "downloaded " + std::to_string(content->size()) + " bytes, but the item has " +
                   std::to_string(*item.file_size);
    } else {
      CFSYNC_TRY_VOID(config::write_atomically(root / *instance.dir / item.key, *content,
                                               "a downloaded document"));
      log.debug("downloaded {} ({} bytes)", item.key, content->size());
    }
    return {};
  }));

  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (skipped[i]) {
      instance.skipped.push_back(wanted[i]->key + ": " + *skipped[i]);
    } else {
      instance.written.push_back(*wanted[i]);
    }
  }
  return {};
}

// The exported configuration must load: it is checked as `cfsync plan` would read it, so that
// nothing is written (or printed) that cfsync itself refuses.
Result<void> check_loads(const fs::path& file) {
  auto loaded = config::load({.path = file});
  if (loaded) return {};
  Error error(ErrorKind::config,
              "export: the configuration written for this account does not load (please report "
              "it): " +
                  loaded.error().message());
  error.details = loaded.error().details;
  return error;
}

std::string summary(const config::ExportInput& input) {
  const LiveState& live = input.live;
  std::size_t items = 0;
  std::size_t instances = 0;
  for (const config::ExportedInstance& instance : input.instances) {
    if (instance.written.empty()) continue;
    items += instance.written.size();
    ++instances;
  }
  return "dlp settings, " + std::to_string(live.profiles->custom.size()) + " custom profiles, " +
         std::to_string(live.profiles->predefined.size()) + " predefined profiles, " +
         std::to_string(live.datasets->datasets.size()) + " datasets (settings only), " +
         std::to_string(items) + " AI Search items in " + std::to_string(instances) + " instances";
}

}  // namespace

namespace {

// Everything cfsync manages, as the account holds it: the settings, every profile and dataset
// (as prune would ask), every instance's uploaded items.
Result<LiveState> read_everything(api::CloudflareProvider& provider, const std::string& account_id,
                                  spdlog::logger& log) {
  auto stack = provider.list_ai_search();
  if (!stack && stack.error().http_status == 403) {
    // A token for DLP alone: the rest of the account is still worth exporting.
    log.warn("AI Search not exported: the token may not read it ({})", stack.error().describe());
    stack = LiveAiSearchStack{};
  }
  if (!stack) return stack.error();
  // Names from the API become directories (--with-documents): one that does not match the spec's
  // own pattern ("../x") is never followed.
  std::vector<DesiredInstance> instances;
  for (const LiveInstanceInfo& info : stack->instances) {
    if (is_namespace_name(info.namespace_name) && is_instance_id(info.id)) {
      instances.push_back({.namespace_name = info.namespace_name, .id = info.id});
      continue;
    }
    log.warn(
        "AI Search instance {}/{} not exported: its namespace or id does not match the API's "
        "own pattern",
        info.namespace_name, info.id);
  }
  std::erase_if(stack->namespaces,
                [](const LiveNamespace& ns) { return !is_namespace_name(ns.name); });
  DesiredState everything{.account_id = account_id,
                          .dlp_settings = DesiredDlpSettings{},
                          .ai_search_instances = std::move(instances),
                          .prune = {.profiles = true, .datasets = true}};
  CFSYNC_TRY(LiveState live, provider.populate(everything));
  live.ai_search_stack = std::move(*stack);
  return live;
}

// What the YAML is made from; with --with-documents, the items' content is written under `root`,
// and with --dir, the payload-logging key beside the configuration.
Result<config::ExportInput> export_input(api::CloudflareProvider& provider, LiveState live,
                                         const Options& options, const std::string& account_id,
                                         spdlog::logger& log) {
  config::ExportInput input{.account_id = account_id};
  const fs::path root = options.export_dir.value_or(fs::path());
  if (live.ai_search_stack) input.namespaces = live.ai_search_stack->namespaces;
  for (LiveInstance& instance : *live.ai_search_instances) {
    // Deleted items still holding their key (next_action "DELETE") are gone.
    std::erase_if(instance.items, [](const LiveItem& item) { return item.deleting; });
    config::ExportedInstance exported{.namespace_name = instance.namespace_name,
                                      .id = instance.id,
                                      .items = instance.items.size()};
    if (live.ai_search_stack) {
      const LiveInstanceInfo* info =
          reconcile::find_instance(*live.ai_search_stack, instance.namespace_name, instance.id);
      if (info != nullptr) exported.settings = info->settings;
    }
    if (options.with_documents && !instance.items.empty()) {
      exported.dir = "ai-search/" + instance.namespace_name + "/" + instance.id;
      CFSYNC_TRY_VOID(
          download_items(provider, instance, root, options.max_in_flight, exported, log));
    }
    input.instances.push_back(std::move(exported));
  }
  live.ai_search_instances.reset();
  live.ai_search_stack.reset();
  input.live = std::move(live);
  const Sensitive& key = input.live.dlp_settings->public_key;
  if (options.export_dir && !key.empty() && config::key_exportable(key)) {
    const fs::path file = root / k_key_file;
    CFSYNC_TRY_VOID(config::write_atomically(file, key.reveal() + "\n", "the payload key"));
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    input.public_key_file = std::string(k_key_file);
  }
  return input;
}

// The YAML written to --dir, or printed; either way loaded back first.
Result<void> write_export(const config::Exported& exported, const config::ExportInput& input,
                          const Options& options, std::ostream& out, spdlog::logger& log) {
  if (options.export_dir) {
    const fs::path root = *options.export_dir;
    const fs::path file = root / "cfsync.yaml";
    CFSYNC_TRY_VOID(config::write_atomically(file, exported.yaml, "the configuration"));
    CFSYNC_TRY_VOID(check_loads(file));
    for (const std::string& warning : exported.warnings) log.warn("{}", warning);
    out << "Wrote " << file.string() << ": " << summary(input)
        << ".\nCheck it with: cfsync plan -c " << root.string() << "\n";
    return {};
  }
  // Checked in a scratch directory before anything is printed.
  std::string scratch = (fs::temp_directory_path() / "cfsync-export-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) {
    return Error(ErrorKind::io, "export: cannot create a scratch directory");
  }
  auto written = config::write_atomically(fs::path(scratch) / "cfsync.yaml", exported.yaml,
                                          "the configuration");
  Result<void> loads = written ? check_loads(fs::path(scratch) / "cfsync.yaml") : written;
  std::error_code ec;
  fs::remove_all(scratch, ec);
  CFSYNC_TRY_VOID(loads);
  for (const std::string& warning : exported.warnings) log.warn("{}", warning);
  out << exported.yaml;
  log.info("exported {}", summary(input));
  return {};
}

Result<void> export_account(const Options& options, const Environment& environment,
                            std::ostream& out, const std::shared_ptr<spdlog::logger>& logger) {
  const std::string account_id = options.export_account.value_or("");
  if (!config::is_account_id(account_id)) {
    return Error(ErrorKind::usage,
                 "export: --account must be 32 lower-case hex characters (the id in the "
                 "dashboard's URL)");
  }
  if (options.export_dir) {
    CFSYNC_TRY_VOID(prepare_dir(*options.export_dir));
  }
  CFSYNC_TRY(std::unique_ptr<api::Transport> transport,
             open_transport(options, environment, logger));
  std::unique_ptr<api::Client> client = make_client(*transport, options, logger);
  api::CloudflareProvider provider(*client, account_id, logger, options.max_in_flight);
  CFSYNC_TRY(LiveState live, read_everything(provider, account_id, *logger));
  CFSYNC_TRY(config::ExportInput input,
             export_input(provider, std::move(live), options, account_id, *logger));
  return write_export(config::render_export(input), input, options, out, *logger);
}

}  // namespace

int export_command(const Options& options, const Environment& environment, std::ostream& out,
                   const std::shared_ptr<spdlog::logger>& logger) {
  if (auto exported = export_account(options, environment, out, logger); !exported) {
    return fail(*logger, exported.error());
  }
  return k_exit_ok;
}

}  // namespace cfsync::daemon
