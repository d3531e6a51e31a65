#include "api/provider.hpp"

#include "api/ai_search.hpp"
#include "api/dlp_profiles.hpp"
#include "api/dlp_settings.hpp"
#include "api/json_read.hpp"
#include "reconcile/planner.hpp"
#include "reconcile/schedule.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace cfsync::api {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Names the fields of a settings patch, for messages.
std::string field_names(const DesiredDlpSettings& patch) {
  std::vector<std::string> names;
  if (patch.ai_context_analysis) names.emplace_back("ai_context_analysis");
  if (patch.ocr) names.emplace_back("ocr");
  if (patch.masking_level) names.emplace_back("payload_logging.masking_level");
  if (patch.public_key) names.emplace_back("payload_logging.public_key");
  return joined(names);
}

std::string field_names(const std::vector<FieldChange>& changes) {
  std::vector<std::string> names;
  for (const FieldChange& change : changes) names.push_back(change.field);
  return joined(names);
}

// The answer to a write did not show what was written.
Error not_applied(const std::string& what) {
  return Error(ErrorKind::apply, "the API accepted the change but still reports different " + what);
}

// An entry as the API answered it, against the entry that was sent.
Result<void> check_entry(const DesiredEntry& sent, const LiveEntry& answered) {
  std::vector<std::string> different;
  if (answered.name != sent.name) different.emplace_back("name");
  if (sent.regex && answered.regex.reveal() != sent.regex->reveal())
    different.emplace_back("regex");
  if (answered.enabled != sent.enabled) different.emplace_back("enabled");
  if (sent.description && answered.description != *sent.description) {
    different.emplace_back("description");
  }
  if (!different.empty()) return not_applied(joined(different));
  return {};
}

// What a created profile's answer shows that differs from what was sent: its name, its entries
// (by name, then each one's fields) and the profile's fields.
std::vector<std::string> created_differences(const DesiredProfile& sent,
                                             const LiveProfile& created) {
  std::vector<std::string> different;
  if (created.name != sent.name) different.emplace_back("name");
  if (sent.entries) {
    std::map<std::string, const LiveEntry*> answered;
    for (const LiveEntry& entry : created.entries) answered.emplace(entry.name, &entry);
    bool entries_differ = answered.size() != sent.entries->size();
    for (const DesiredEntry& entry : *sent.entries) {
      const auto found = answered.find(entry.name);
      entries_differ = entries_differ || found == answered.end() ||
                       (entry.words ? found->second->kind != EntryKind::words
                                    : !check_entry(entry, *found->second));
    }
    if (entries_differ) different.emplace_back("entries");
  }
  for (const FieldChange& change :
       reconcile::profile_field_changes(sent, reconcile::normalised(created))) {
    different.push_back(change.field);
  }
  return different;
}

// "profile / entry" for entries and items, else the name.
std::string subject(const Change& change) {
  return change.parent.empty() ? change.name : change.parent + " / " + change.name;
}

// What a refused request means for the person running cfsync.
Error explained(Error error, const std::string& account_id) {
  if (error.http_status == 401 || error.http_status == 403) {
    error.details.push_back(
        "the API refused the credentials: check that the token is valid and "
        "may read (plan) or edit (apply) Zero Trust settings of account " +
        account_id);
  }
  return error;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 15];
  }
  return out;
}

// Multipart boundaries: random, so that no file contains one.
std::string random_boundary() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char text[48];
  std::snprintf(text, sizeof text, "cfsync-%016llx%016llx",
                static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return text;
}

}  // namespace

bool IndexingReport::ok() const {
  return !timed_out && std::none_of(items.begin(), items.end(), [](const IndexedItem& item) {
    return item.status == ItemStatus::error;
  });
}

bool ApplyReport::ok() const {
  return std::all_of(outcomes.begin(), outcomes.end(),
                     [](const ChangeOutcome& outcome) { return !outcome.error; }) &&
         (!indexing || indexing->ok()) && (!processing || processing->ok());
}

CloudflareProvider::CloudflareProvider(Transport& transport, std::string account_id,
                                       std::shared_ptr<spdlog::logger> logger,
                                       std::size_t max_in_flight)
    : m_transport(transport),
      m_account_id(std::move(account_id)),
      m_logger(std::move(logger)),
      m_max_in_flight(std::max<std::size_t>(1, max_in_flight)) {}

Result<HttpResponse> CloudflareProvider::send(const HttpRequest& request) {
  Result<HttpResponse> response = m_transport.send(request);
  if (m_populating && response)
    m_reads += request.target + "\n" + sha256_hex(response->body) + "\n";
  return response;
}

Result<std::optional<HttpResponse>> CloudflareProvider::send_unique(
    const HttpRequest& request, const Transport::Landed& landed) {
  return m_transport.send_unique(request, landed);
}

Result<LiveState> CloudflareProvider::populate(const DesiredState& desired) {
  m_populating = true;
  m_reads.clear();
  auto live = read_live(desired);
  m_populating = false;
  m_live_digest = sha256_hex(m_reads);
  return live;
}

Result<LiveState> CloudflareProvider::read_live(const DesiredState& desired) {
  LiveState live;
  if (desired.dlp_settings) {
    auto settings = read_settings();
    if (!settings) {
      return explained(settings.error().context("reading dlp settings: "), m_account_id);
    }
    live.dlp_settings = std::move(*settings);
  }
  if (desired.manages_profiles()) {
    auto profiles = read_profiles();
    if (!profiles) {
      return explained(profiles.error().context("reading dlp profiles: "), m_account_id);
    }
    live.profiles = std::move(*profiles);
  }
  if (desired.manages_datasets()) {
    auto datasets = read_datasets();
    if (!datasets) {
      return explained(datasets.error().context("reading dlp datasets: "), m_account_id);
    }
    live.datasets = std::move(*datasets);
  }
  if (!desired.ai_search_instances.empty()) {
    std::vector<LiveInstance> instances;
    for (const DesiredInstance& instance : desired.ai_search_instances) {
      auto items = read_instance(instance.namespace_name, instance.id);
      if (!items) {
        return explained(
            items.error().context("reading AI Search instance " + instance.label() + ": "),
            m_account_id);
      }
      for (const LiveItem& item : items->items) {
        if (item.odd.empty()) continue;
        m_logger->warn(
            "AI Search instance {}: item \"{}\": {}; its content is compared by what "
            "this machine recorded when it uploaded it",
            instance.label(), item.key, item.odd);
      }
      instances.push_back(std::move(*items));
    }
    live.ai_search_instances = std::move(instances);
  }
  return live;
}

Result<LiveInstance> CloudflareProvider::read_instance(const std::string& namespace_name,
                                                       const std::string& instance_id) {
  LiveInstance live{namespace_name, instance_id, {}};
  std::set<std::string> seen;  // item ids: a page that repeats them means the list shifted
  for (int page = 1;; ++page) {
    CFSYNC_TRY(HttpResponse response,
               send(list_items_request(m_account_id, namespace_name, instance_id, page)));
    CFSYNC_TRY(ItemPage items, parse_items_page(response));
    const std::size_t page_size = items.items.size();
    bool advanced = false;
    for (LiveItem& item : items.items) {
      if (!seen.insert(item.id).second) continue;
      advanced = true;
      live.items.push_back(std::move(item));
    }
    if (page_size > 0 && !advanced) {
      return Error(ErrorKind::protocol, "unexpected response: page " + std::to_string(page) +
                                            " of the items repeats the previous ones");
    }
    if (is_last_page(page_size, live.items.size(), items.total_count)) return live;
  }
}

Result<LiveDlpSettings> CloudflareProvider::read_settings() {
  CFSYNC_TRY(HttpResponse response, send(read_settings_request(m_account_id)));
  return parse_settings_response(response);
}

Result<LiveProfiles> CloudflareProvider::read_profiles() {
  CFSYNC_TRY(HttpResponse response, send(list_profiles_request(m_account_id)));
  CFSYNC_TRY(ProfileListing listing, parse_profiles_response(response));
  // One more read only when the profile list left some profile's entries out.
  if (!listing.without_entries.empty()) {
    m_logger->debug("{} custom profiles came without their entries; listing entries",
                    listing.without_entries.size());
    CFSYNC_TRY(HttpResponse entries, send(list_entries_request(m_account_id)));
    CFSYNC_TRY_VOID(add_listed_entries(entries, listing));
  }
  return std::move(listing.profiles);
}

Result<void> CloudflareProvider::write(const DesiredDlpSettings& patch,
                                       ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(patch_settings_request(m_account_id, patch)));
  CFSYNC_TRY(LiveDlpSettings after, parse_settings_response(response));
  // The response holds the settings as stored: anything of the patch still different was not
  // applied, whatever the status said.
  const DesiredDlpSettings left = reconcile::settings_patch(patch, after);
  if (left != DesiredDlpSettings{}) return not_applied(field_names(left));
  return {};
}

Result<void> CloudflareProvider::write(const CreateProfile& create, ChangeOutcome& /*outcome*/) {
  std::optional<LiveProfile> found;
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(create_profile_request(m_account_id, create), [&]() -> Result<bool> {
               CFSYNC_TRY(LiveProfiles live, read_profiles());
               for (LiveProfile& profile : live.custom) {
                 if (profile.name == create.profile.name) found = std::move(profile);
               }
               return found.has_value();
             }));
  LiveProfile created;
  if (response) {
    CFSYNC_TRY(created, parse_profile_response(*response));
  } else {
    created = std::move(*found);
  }
  const std::vector<std::string> different = created_differences(create.profile, created);
  if (!different.empty()) return not_applied(joined(different));
  return {};
}

Result<void> CloudflareProvider::write(const UpdateProfile& update, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_profile_request(m_account_id, update)));
  CFSYNC_TRY(LiveProfile updated, parse_profile_response(response));
  const auto left = reconcile::profile_field_changes(update.body, reconcile::normalised(updated));
  if (!left.empty()) return not_applied(field_names(left));
  return {};
}

Result<void> CloudflareProvider::write(const DeleteProfile& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_profile_request(m_account_id, remove)));
  // Gone already: what the change wanted (a retried delete whose first answer was lost).
  if (response.status == 404) return {};
  simdjson::dom::parser parser;
  CFSYNC_TRY_VOID(read_envelope(parser, response));
  return {};
}

Result<void> CloudflareProvider::write(const CreateEntry& create, ChangeOutcome& /*outcome*/) {
  std::optional<LiveEntry> found;
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(create_entry_request(m_account_id, create), [&]() -> Result<bool> {
               CFSYNC_TRY(LiveProfiles live, read_profiles());
               for (LiveProfile& profile : live.custom) {
                 if (profile.id != create.profile_id) continue;
                 for (LiveEntry& entry : profile.entries) {
                   if (entry.name == create.entry.name) found = std::move(entry);
                 }
               }
               return found.has_value();
             }));
  if (!response) return check_entry(create.entry, *found);
  CFSYNC_TRY(LiveEntry created, parse_entry_response(*response));
  return check_entry(create.entry, created);
}

Result<void> CloudflareProvider::write(const UpdateEntry& update, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_entry_request(m_account_id, update)));
  CFSYNC_TRY(LiveEntry updated, parse_entry_response(response));
  return check_entry(update.entry, updated);
}

Result<void> CloudflareProvider::write(const DeleteEntry& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_entry_request(m_account_id, remove)));
  if (response.status == 404) return {};  // gone already, as for profiles
  simdjson::dom::parser parser;
  CFSYNC_TRY_VOID(read_envelope(parser, response));
  return {};
}

Result<void> CloudflareProvider::write(const UpdatePredefinedProfile& update,
                                       ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_predefined_request(m_account_id, update)));
  CFSYNC_TRY(LivePredefinedProfile updated, parse_predefined_response(response));
  std::vector<std::string> different;
  if (updated.allowed_match_count != update.allowed_match_count) {
    different.emplace_back("allowed_match_count");
  }
  if (updated.confidence_threshold != update.confidence_threshold) {
    different.emplace_back("confidence_threshold");
  }
  if (updated.ocr_enabled != update.ocr_enabled) different.emplace_back("ocr_enabled");
  if (updated.ai_context_enabled != update.ai_context_enabled) {
    different.emplace_back("ai_context_enabled");
  }
  if (!different.empty()) return not_applied(joined(different));
  return {};
}

Result<void> CloudflareProvider::write(const TogglePredefinedEntry& toggle,
                                       ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(toggle_entry_request(m_account_id, toggle)));
  CFSYNC_TRY(LiveEntry toggled, parse_entry_response(response));
  if (toggled.enabled != toggle.enabled) return not_applied("enabled");
  return {};
}

Result<void> CloudflareProvider::write(const UploadItem& upload, ChangeOutcome& outcome) {
  std::optional<LiveItem> found;
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(upload_item_request(m_account_id, upload, random_boundary()),
                         [&]() -> Result<bool> {
                           CFSYNC_TRY(KeyHolders holders, key_holders(upload));
                           found = std::move(holders.same);
                           return found.has_value();
                         }));
  if (!response) {
    outcome.item_id = found->id;
    return {};
  }
  // Upload never overwrites: a 409 means an item has this key already. It is never retried
  // blindly; the key is listed again to see what is there.
  if (response->status == 409) return resolve_conflict(upload, outcome);
  CFSYNC_TRY(LiveItem item, parse_item_response(*response));
  if (item.key != upload.document.key ||
      (item.file_size && *item.file_size != upload.document.size)) {
    return not_applied("key or size");
  }
  outcome.item_id = item.id;
  return {};
}

Result<CloudflareProvider::KeyHolders> CloudflareProvider::key_holders(const UploadItem& upload) {
  const DesiredDocument& document = upload.document;
  CFSYNC_TRY(HttpResponse response, send(find_item_request(m_account_id, upload.namespace_name,
                                                           upload.instance_id, document.key)));
  CFSYNC_TRY(ItemPage found, parse_items_page(response));
  KeyHolders holders;
  for (LiveItem& item : found.items) {
    if (item.key != document.key) continue;
    holders.any = true;
    if (item.deleting) {
      holders.deleted = true;
      continue;
    }
    if (item.file_size && *item.file_size != document.size) continue;
    const bool same_metadata =
        std::all_of(document.metadata.begin(), document.metadata.end(), [&](const auto& field) {
          const auto live = item.metadata.find(field.first);
          return live != item.metadata.end() && live->second == field.second;
        });
    if (same_metadata && !holders.same) holders.same = std::move(item);
  }
  return holders;
}

Result<void> CloudflareProvider::resolve_conflict(const UploadItem& upload,
                                                  ChangeOutcome& outcome) {
  CFSYNC_TRY(KeyHolders holders, key_holders(upload));
  if (holders.same) {
    // The size and metadata are this document's: most likely an earlier attempt whose answer
    // was lost. The next plan compares checksums.
    m_logger->info("{} / {}: already uploaded", upload.instance_id, upload.document.key);
    outcome.item_id = holders.same->id;
    return {};
  }
  // Held by a deleted item, or freed since the 409: try again.
  if (holders.deleted || !holders.any) return upload_when_key_freed(upload, outcome);
  return Error(ErrorKind::apply,
               "an item with this key appeared during the apply, with other "
               "content; it is left as it is, and the next run replaces it");
}

// Deletes may be queued (next_action "DELETE"): the deleted item keeps its key for a while, and
// an upload of that key gets 409 until it is freed. Tried again with a backoff, within the wait
// timeout.
Result<void> CloudflareProvider::upload_when_key_freed(const UploadItem& upload,
                                                       ChangeOutcome& outcome) {
  m_logger->info("{} / {}: the deleted item still holds the key; waiting for it to be freed",
                 upload.instance_id, upload.document.key);
  std::optional<Error> failed;
  CFSYNC_TRY(const bool done, poll_with_backoff(*m_clock, m_wait_timeout, [&]() -> Result<bool> {
               std::optional<LiveItem> landed;
               CFSYNC_TRY(std::optional<HttpResponse> answer,
                          send_unique(upload_item_request(m_account_id, upload, random_boundary()),
                                      [&]() -> Result<bool> {
                                        CFSYNC_TRY(KeyHolders holders, key_holders(upload));
                                        landed = std::move(holders.same);
                                        return landed.has_value();
                                      }));
               if (!answer) {  // its answer was lost, and it landed
                 outcome.item_id = landed->id;
                 return true;
               }
               const HttpResponse& response = *answer;
               if (response.status != 409) {
                 CFSYNC_TRY(LiveItem item, parse_item_response(response));
                 if (item.key != upload.document.key ||
                     (item.file_size && *item.file_size != upload.document.size)) {
                   failed = not_applied("key or size");
                 }
                 outcome.item_id = item.id;
                 return true;
               }
               CFSYNC_TRY(KeyHolders holders, key_holders(upload));
               if (holders.same) {
                 outcome.item_id = holders.same->id;
                 return true;
               }
               if (holders.deleted || !holders.any) return false;  // not yet, or just freed
               failed = Error(ErrorKind::apply,
                              "an item with this key appeared during the apply, with other "
                              "content; it is left as it is, and the next run replaces it");
               return true;
             }));
  if (failed) return *failed;
  if (!done) {
    return Error(ErrorKind::apply,
                 "the deleted item still held the key after --wait-timeout; the next run "
                 "uploads it");
  }
  return {};
}

Result<void> CloudflareProvider::write(const DeleteItem& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_item_request(m_account_id, remove)));
  if (response.status == 404) {
    m_logger->debug("{}: already deleted", remove.key);  // what the change wanted
    return {};
  }
  simdjson::dom::parser parser;
  CFSYNC_TRY_VOID(read_envelope(parser, response));
  return {};
}

Result<void> CloudflareProvider::write(const ReplaceItem& replace, ChangeOutcome& outcome) {
  auto removed = write(replace.remove, outcome);
  if (!removed) return removed.error().context("deleting the old item: ");
  auto uploaded = write(replace.upload, outcome);
  if (!uploaded) return uploaded.error().context("uploading the new content (the old is gone): ");
  return {};
}

Result<IndexingReport> CloudflareProvider::wait_for_indexing(const Plan& plan,
                                                             const ApplyReport& report,
                                                             std::chrono::milliseconds timeout,
                                                             Clock& clock) {
  struct Pending {
    std::string namespace_name;
    std::string instance_id;
    IndexedItem item;
  };
  std::map<std::string, Pending> pending;  // by item id
  for (const ChangeOutcome& outcome : report.outcomes) {
    if (outcome.error || outcome.item_id.empty()) continue;
    const Change& change = plan.changes.at(outcome.change);
    const UploadItem* upload = std::get_if<UploadItem>(&change.payload);
    if (upload == nullptr) upload = &std::get<ReplaceItem>(change.payload).upload;
    pending.emplace(outcome.item_id,
                    Pending{upload->namespace_name,
                            upload->instance_id,
                            {change.parent, upload->document.key, ItemStatus::queued, {}}});
  }
  IndexingReport indexing;
  CFSYNC_TRY(const bool done, poll_with_backoff(clock, timeout, [&]() -> Result<bool> {
               std::set<std::pair<std::string, std::string>> instances;
               for (const auto& [id, entry] : pending) {
                 instances.emplace(entry.namespace_name, entry.instance_id);
               }
               for (const auto& [namespace_name, instance_id] : instances) {
                 CFSYNC_TRY(LiveInstance live, read_instance(namespace_name, instance_id));
                 for (const LiveItem& item : live.items) {
                   const auto found = pending.find(item.id);
                   if (found == pending.end()) continue;
                   found->second.item.status = item.status;
                   found->second.item.error = item.error;
                   if (!is_final(item.status)) continue;
                   indexing.items.push_back(std::move(found->second.item));
                   pending.erase(found);
                 }
               }
               return pending.empty();
             }));
  if (done) return indexing;
  indexing.timed_out = true;
  for (auto& [id, entry] : pending) indexing.items.push_back(std::move(entry.item));
  return indexing;
}

ChangeOutcome CloudflareProvider::apply_one(const Change& change, std::size_t index) {
  ChangeOutcome outcome{.change = index};
  Result<void> done = std::visit(
      [this, &outcome](const auto& payload) { return write(payload, outcome); }, change.payload);
  if (done) {
    m_logger->info("{} {} {}: applied", to_string(change.action), to_string(change.kind),
                   subject(change));
  } else {
    m_logger->error("{} {} {}: {}", to_string(change.action), to_string(change.kind),
                    subject(change), done.error().describe());
    outcome.error = explained(done.error(), m_account_id);
  }
  return outcome;
}

ApplyReport CloudflareProvider::apply(const Plan& plan,
                                      const std::function<void(const ChangeOutcome&)>& applied,
                                      const std::atomic<bool>* stop) {
  ApplyReport report;
  report.outcomes.resize(plan.changes.size());
  Schedule schedule(plan);
  std::mutex mutex;  // guards schedule and report, and serialises `applied`
  std::condition_variable changed;
  const auto finished = [&](ChangeOutcome outcome) {
    const std::size_t index = outcome.change;
    const Change& change = plan.changes[index];
    for (std::size_t skipped : schedule.finish(index, !outcome.error)) {
      const Change& later = plan.changes[skipped];
      ChangeOutcome not_attempted{.change = skipped};
      not_attempted.error = Error(ErrorKind::apply, "not attempted: it needs " + subject(change) +
                                                        ", which could not be created");
      m_logger->error("{} {} {}: {}", to_string(later.action), to_string(later.kind),
                      subject(later), not_attempted.error->message());
      if (applied) applied(not_attempted);
      report.outcomes[skipped] = std::move(not_attempted);
    }
    if (applied) applied(outcome);
    report.outcomes[index] = std::move(outcome);
  };
  // Each worker takes the next change the schedule allows and runs it without the lock.
  const auto work = [&] {
    std::unique_lock lock(mutex);
    while (!schedule.done()) {
      if (stop != nullptr && stop->load()) {
        for (std::size_t left : schedule.cancel()) {
          ChangeOutcome not_attempted{.change = left};
          not_attempted.error = Error(ErrorKind::apply, "not attempted: cfsync is stopping");
          if (applied) applied(not_attempted);
          report.outcomes[left] = std::move(not_attempted);
        }
        if (schedule.done()) break;
        changed.wait(lock);  // for the changes still running
        continue;
      }
      const std::optional<std::size_t> next = schedule.next();
      if (!next) {
        changed.wait(lock);
        continue;
      }
      lock.unlock();
      ChangeOutcome outcome = apply_one(plan.changes[*next], *next);
      lock.lock();
      finished(std::move(outcome));
      changed.notify_all();
    }
    changed.notify_all();
  };
  const std::size_t workers = std::min(m_max_in_flight, plan.changes.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  return report;
}

}  // namespace cfsync::api
