// Custom profiles, their entries, and predefined profiles: desired + live -> changes.
#include "reconcile/planner.hpp"

#include "reconcile/family.hpp"
#include "reconcile/match.hpp"
#include "reconcile/profile_fields.hpp"

#include <fmt/ranges.h>

#include "reconcile/instant.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace cfsync::reconcile {

namespace {

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

// The live object of a kind cfsync does not manage that has this name, if there is one.
const LiveOther* named(const std::vector<LiveOther>& others, const std::string& name) {
  const auto found = std::find_if(others.begin(), others.end(),
                                  [&](const LiveOther& other) { return other.name == name; });
  return found == others.end() ? nullptr : &*found;
}

// Why cfsync will not make a second object of this name beside `other` (`what`: "a profile").
std::string taken_by(const LiveOther& other, std::string_view what) {
  const std::string kind = other.type.empty() ? "of no type" : "of type " + quoted(other.type);
  return "cannot be created: the account has " + std::string(what) + " " + kind +
         " with this name (id " + other.id +
         "), which cfsync does not manage, and it will not "
         "make a second one";
}

std::vector<std::string> sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  return values;
}

StringList level_names(std::vector<SensitivityLevel> levels) {
  std::sort(levels.begin(), levels.end());
  StringList out;
  for (const SensitivityLevel& level : levels) out.push_back(level.group_id + "/" + level.level_id);
  return out;
}

// The fields a new or deleted entry shows; `as_before` puts the values on the before side.
void entry_fields(const DesiredEntry& entry, const std::string& prefix, bool as_before,
                  std::vector<FieldChange>& out) {
  auto add = [&](std::string_view field, FieldValue value) {
    FieldChange change{prefix + std::string(field), {}, {}};
    (as_before ? change.before : change.after) = std::move(value);
    out.push_back(std::move(change));
  };
  if (entry.regex) add("regex", Protected::regex(*entry.regex));
  if (entry.words) add("words", Protected::words(*entry.words));
  add("enabled", entry.enabled);
  if (entry.description) add("description", shown_field(*entry.description));
}

DesiredEntry as_desired(const LiveEntry& live) {
  DesiredEntry entry{.name = live.name, .enabled = live.enabled, .description = live.description};
  if (live.kind == EntryKind::regex) {
    entry.regex = live.regex;
  } else {
    entry.words = live.words;
  }
  return entry;
}

// Every declared field of a profile about to be created.
std::vector<FieldChange> creation_fields(const DesiredProfile& profile) {
  LiveProfile nothing;
  std::vector<FieldChange> out;
  declared_fields(k_profile_fields, profile, out);
  for (const DesiredEntry& entry : profile.entries.value_or(std::vector<DesiredEntry>{})) {
    entry_fields(entry, "entries[" + quoted(entry.name) + "].", false, out);
  }
  // The lists: everything declared is new.
  DesiredProfile lists_only{.shared_entries = profile.shared_entries,
                            .data_classes = profile.data_classes,
                            .data_tags = profile.data_tags,
                            .sensitivity_levels = profile.sensitivity_levels};
  for (FieldChange& change : profile_field_changes(lists_only, nothing)) {
    out.push_back(std::move(change));
  }
  return out;
}

// The PUT body: declared values, else live ones. Lists the configuration does not declare are
// left out, which the API reads as "unchanged"; shared entries are always sent.
UpdateProfile update_payload(const DesiredProfile& desired, const LiveProfile& live) {
  DesiredProfile body;
  body.name = desired.name;
  fill_fields(k_profile_fields, desired, live, body);
  body.shared_entries = desired.shared_entries.value_or(live.shared_entries);
  body.data_classes = desired.data_classes;
  body.data_tags = desired.data_tags;
  body.sensitivity_levels = desired.sensitivity_levels;
  return {live.id, std::move(body), live.context_awareness};
}

class ProfilePlanner {
 public:
  ProfilePlanner(Plan& plan, std::vector<std::string>& problems)
      : m_plan(plan), m_problems(problems) {}

  void create(const DesiredProfile& desired) {
    m_plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                              .name = desired.name,
                              .action = Action::create,
                              .fields = creation_fields(desired),
                              .payload = CreateProfile{desired}});
  }

  void update(const DesiredProfile& desired, const LiveProfile& live) {
    std::vector<FieldChange> fields = profile_field_changes(desired, live);
    if (!fields.empty()) {
      m_plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                                .name = desired.name,
                                .id = live.id,
                                .action = Action::update,
                                .fields = std::move(fields),
                                .payload = update_payload(desired, live)});
    }
    if (desired.entries) plan_entries(desired, live);
  }

  void remove(const LiveProfile& live) {
    StringList entry_names;
    for (const LiveEntry& entry : live.entries) entry_names.push_back(entry.name);
    std::vector<FieldChange> fields = {
        {"description", shown_field(live.description), {}},
        {"allowed_match_count", shown_field(live.allowed_match_count), {}},
        {"entries", sorted(std::move(entry_names)), {}}};
    m_plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                              .name = live.name,
                              .id = live.id,
                              .action = Action::delete_,
                              .fields = std::move(fields),
                              .payload = DeleteProfile{live.id}});
  }

 private:
  void plan_entries(const DesiredProfile& desired, const LiveProfile& live) {
    std::map<std::string, const LiveEntry*> by_name;
    for (const LiveEntry& entry : live.entries) {
      auto [it, inserted] = by_name.emplace(entry.name, &entry);
      if (!inserted) {
        m_problems.push_back("dlp profile " + quoted(live.name) + " has two entries named " +
                             quoted(entry.name) + " (ids " + it->second->id + " and " + entry.id +
                             "); cfsync will not guess which one the configuration means: "
                             "rename or delete one of them");
      }
    }
    std::set<std::string> declared;
    for (const DesiredEntry& entry : *desired.entries) {
      declared.insert(entry.name);
      const auto found = by_name.find(entry.name);
      if (found == by_name.end()) {
        if (const LiveOther* other = named(live.other_entries, entry.name)) {
          m_problems.push_back("dlp profile " + quoted(desired.name) + ": entry " +
                               quoted(entry.name) + " " + taken_by(*other, "an entry") +
                               "; rename one of them");
          continue;
        }
        add_entry(desired.name, live.id, entry);
      } else {
        change_entry(desired.name, live.id, entry, *found->second);
      }
    }
    for (const LiveEntry& entry : live.entries) {
      if (!declared.contains(entry.name)) remove_entry(desired.name, entry);
    }
  }

  void add_entry(const std::string& profile, const std::string& profile_id,
                 const DesiredEntry& entry) {
    if (entry.words) {
      cannot_set_words(profile, entry.name, "is a new word-list entry");
      return;
    }
    std::vector<FieldChange> fields;
    entry_fields(entry, "", false, fields);
    m_plan.changes.push_back({.kind = ResourceKind::dlp_profile_entry,
                              .name = entry.name,
                              .parent = profile,
                              .action = Action::create,
                              .fields = std::move(fields),
                              .payload = CreateEntry{profile_id, entry}});
  }

  void change_entry(const std::string& profile, const std::string& profile_id,
                    const DesiredEntry& desired, const LiveEntry& live) {
    if (desired.words) {
      if (live.kind == EntryKind::regex) {
        cannot_set_words(profile, desired.name, "would become a word-list entry");
      } else if (*desired.words != live.words || desired.enabled != live.enabled) {
        cannot_set_words(
            profile, desired.name,
            *desired.words != live.words ? "has different words" : "is switched on or off");
      }
      return;
    }
    if (live.kind == EntryKind::words) {
      // A word-list entry that becomes a regex entry: the API can delete the one and add the
      // other, under the same name.
      remove_entry(profile, live);
      add_entry(profile, profile_id, desired);
      return;
    }
    std::vector<FieldChange> fields;
    if (desired.regex->reveal() != live.regex.reveal()) {
      fields.push_back({"regex", Protected::regex(live.regex), Protected::regex(*desired.regex)});
    }
    if (desired.enabled != live.enabled)
      fields.push_back({"enabled", live.enabled, desired.enabled});
    if (desired.description && *desired.description != live.description) {
      fields.push_back(
          {"description", shown_field(live.description), shown_field(*desired.description)});
    }
    if (fields.empty()) return;
    DesiredEntry body = desired;
    if (!body.description) body.description = live.description;
    m_plan.changes.push_back({.kind = ResourceKind::dlp_profile_entry,
                              .name = desired.name,
                              .parent = profile,
                              .id = live.id,
                              .action = Action::update,
                              .fields = std::move(fields),
                              .payload = UpdateEntry{live.id, std::move(body), live.validation}});
  }

  void remove_entry(const std::string& profile, const LiveEntry& live) {
    std::vector<FieldChange> fields;
    entry_fields(as_desired(live), "", true, fields);
    m_plan.changes.push_back({.kind = ResourceKind::dlp_profile_entry,
                              .name = live.name,
                              .parent = profile,
                              .id = live.id,
                              .action = Action::delete_,
                              .fields = std::move(fields),
                              .payload = DeleteEntry{live.id}});
  }

  void cannot_set_words(const std::string& profile, const std::string& entry,
                        const std::string& what) {
    m_problems.push_back(
        "dlp profile " + quoted(profile) + ": entry " + quoted(entry) + " " + what +
        "; the Cloudflare API sets a profile's word lists only when it creates the profile, so "
        "cfsync cannot make this change in place. Keep word lists that change in a DLP dataset "
        "and use its entry through shared_entries, or delete and re-create the profile yourself "
        "(its id changes, and the policies that use it must follow)");
  }

  Plan& m_plan;
  std::vector<std::string>& m_problems;
};

// Predefined profiles: their settings, and entries switched on or off.
void plan_predefined(const DesiredPredefinedProfile& desired,
                     const std::vector<LivePredefinedProfile>& live, Plan& plan,
                     std::vector<std::string>& problems) {
  const auto found = std::find_if(live.begin(), live.end(), [&](const LivePredefinedProfile& p) {
    return desired.id.empty() ? p.name == desired.name : lower(p.id) == desired.id;
  });
  const std::string label = desired.id.empty() ? quoted(desired.name) : desired.id;
  if (found == live.end()) {
    std::vector<std::string> names;
    for (const LivePredefinedProfile& profile : live) names.push_back(quoted(profile.name));
    const std::string known = fmt::format("{}", fmt::join(sorted(names), ", "));
    problems.push_back("predefined profile " + label +
                       " does not exist in the account (predefined profiles: " +
                       (known.empty() ? "none" : known) + ")");
    return;
  }
  const LivePredefinedProfile& profile = *found;

  std::vector<FieldChange> fields = field_changes(k_predefined_fields, desired, profile);
  // The spec bounds the count in requests only: an answer outside them would be sent back as it
  // is, and refused, by a PUT made for another field.
  const int count = profile.allowed_match_count;
  if (!fields.empty() && !desired.allowed_match_count && (count < 0 || count > 1000)) {
    plan.warnings.push_back("predefined profile " + quoted(profile.name) +
                            ": the account's allowed_match_count " + std::to_string(count) +
                            " is outside 0 to 1000, and this update sends it back as it is; "
                            "declare allowed_match_count if the API refuses it");
  }
  if (!fields.empty()) {
    UpdatePredefinedProfile update{.id = profile.id};
    for_each_field(k_predefined_fields, [&](const auto& field) {
      update.*field.sent = (desired.*field.desired).value_or(profile.*field.live);
    });
    plan.changes.push_back({.kind = ResourceKind::dlp_predefined_profile,
                            .name = profile.name,
                            .id = profile.id,
                            .action = Action::update,
                            .fields = std::move(fields),
                            .payload = std::move(update)});
  }

  for (const DesiredEntryToggle& toggle : desired.entries) {
    const auto entry = std::find_if(
        profile.entries.begin(), profile.entries.end(),
        [&](const LivePredefinedEntry& candidate) { return candidate.name == toggle.name; });
    if (entry == profile.entries.end()) {
      problems.push_back("predefined profile " + quoted(profile.name) + " has no entry named " +
                         quoted(toggle.name));
      continue;
    }
    if (entry->enabled == toggle.enabled) continue;
    plan.changes.push_back({.kind = ResourceKind::dlp_predefined_entry,
                            .name = entry->name,
                            .parent = profile.name,
                            .id = entry->id,
                            .action = Action::update,
                            .fields = {{"enabled", entry->enabled, toggle.enabled}},
                            .payload = TogglePredefinedEntry{entry->id, toggle.enabled}});
  }
}

}  // namespace

std::map<std::string, std::string> entry_notes(const LiveState& live) {
  std::map<std::string, std::string> notes;
  // The first to name an id wins: the most telling first.
  if (live.profiles) {
    for (const LivePredefinedProfile& profile : live.profiles->predefined) {
      for (const LivePredefinedEntry& entry : profile.entries) {
        notes.emplace(lower(entry.id),
                      quoted(entry.name) + " of predefined profile " + quoted(profile.name));
      }
    }
    for (const LiveProfile& profile : live.profiles->custom) {
      for (const LiveEntry& entry : profile.entries) {
        notes.emplace(lower(entry.id), quoted(entry.name) + " of profile " + quoted(profile.name));
      }
    }
  }
  if (live.datasets) {
    for (const LiveDataset& dataset : live.datasets->datasets) {
      for (const LiveDatasetColumn& column : dataset.columns) {
        notes.emplace(lower(column.entry_id), dataset.multi_column()
                                                  ? "column " + quoted(column.header_name) +
                                                        " of dataset " + quoted(dataset.name)
                                                  : "dataset " + quoted(dataset.name));
      }
    }
  }
  if (live.profiles) {
    // What the API lists with a profile's entries, or as its shared entries, names the rest.
    for (const LiveProfile& profile : live.profiles->custom) {
      for (const LiveOther& other : profile.other_entries) {
        if (other.name.empty()) continue;
        notes.emplace(lower(other.id),
                      quoted(other.name) + (other.type.empty() ? "" : " (" + other.type + ")"));
      }
      for (const auto& [id, name] : profile.shared_entry_names)
        notes.emplace(lower(id), quoted(name));
    }
  }
  return notes;
}

LiveProfile normalised(LiveProfile live) {
  for (SharedEntry& entry : live.shared_entries) entry.entry_id = lower(entry.entry_id);
  std::sort(live.shared_entries.begin(), live.shared_entries.end());
  for (std::string& id : live.data_classes) id = lower(id);
  for (std::string& id : live.data_tags) id = lower(id);
  live.data_classes = sorted(std::move(live.data_classes));
  live.data_tags = sorted(std::move(live.data_tags));
  for (SensitivityLevel& level : live.sensitivity_levels) {
    level.group_id = lower(level.group_id);
    level.level_id = lower(level.level_id);
  }
  std::sort(live.sensitivity_levels.begin(), live.sensitivity_levels.end());
  for (LiveEntry& entry : live.entries) entry.words = make_word_list(std::move(entry.words));
  return live;
}

std::vector<FieldChange> profile_field_changes(const DesiredProfile& desired,
                                               const LiveProfile& live) {
  std::vector<FieldChange> out = field_changes(k_profile_fields, desired, live);
  if (desired.shared_entries) {
    // A set keyed by entry id: one field per entry added, removed or switched.
    std::map<std::string, std::pair<FieldValue, FieldValue>> by_id;
    for (const SharedEntry& entry : live.shared_entries)
      by_id[entry.entry_id].first = entry.enabled;
    for (const SharedEntry& entry : *desired.shared_entries) {
      by_id[entry.entry_id].second = entry.enabled;
    }
    for (auto& [id, values] : by_id) {
      if (values.first == values.second) continue;
      out.push_back({"shared_entries[" + quoted(id) + "].enabled", std::move(values.first),
                     std::move(values.second)});
    }
  }
  if (desired.data_classes && sorted(*desired.data_classes) != live.data_classes) {
    out.push_back({"data_classes", live.data_classes, sorted(*desired.data_classes)});
  }
  if (desired.data_tags && sorted(*desired.data_tags) != live.data_tags) {
    out.push_back({"data_tags", live.data_tags, sorted(*desired.data_tags)});
  }
  if (desired.sensitivity_levels &&
      level_names(*desired.sensitivity_levels) != level_names(live.sensitivity_levels)) {
    out.push_back({"sensitivity_levels", level_names(live.sensitivity_levels),
                   level_names(*desired.sensitivity_levels)});
  }
  return out;
}

namespace {

// Which profiles, other than its owner, will still use an entry once the plan is applied: those
// that list it in shared_entries and are not managed, or are managed and keep listing it (or
// leave their shared_entries undeclared, so unchanged), and are not deleted themselves.
std::vector<std::string> other_users(const std::string& entry_id, const std::string& owner_id,
                                     const DesiredState& desired, const LiveProfiles& live,
                                     const std::set<std::string>& deleted_profiles) {
  std::map<std::string, const DesiredProfile*> declared;
  for (const DesiredProfile& profile : desired.profiles) declared[profile.name] = &profile;
  auto lists = [&entry_id](const std::vector<SharedEntry>& shared) {
    return std::any_of(shared.begin(), shared.end(),
                       [&entry_id](const SharedEntry& s) { return lower(s.entry_id) == entry_id; });
  };
  std::vector<std::string> users;
  for (const LiveProfile& profile : live.custom) {
    if (profile.id == owner_id || deleted_profiles.contains(profile.id)) continue;
    if (!lists(profile.shared_entries)) continue;
    const auto found = declared.find(profile.name);
    if (found == declared.end()) {
      users.push_back("profile " + quoted(profile.name) + " (not managed)");
    } else if (!found->second->shared_entries || lists(*found->second->shared_entries)) {
      users.push_back("profile " + quoted(profile.name) + " (its shared_entries keep it)");
    }
  }
  return users;
}

// Deleting a custom entry deletes it account-wide, from every profile that shares it: each such
// delete (of the entry, or of the profile that owns it) names who else uses it.
void mark_shared_deletes(const DesiredState& desired, const LiveProfiles& live, Plan& plan) {
  std::map<std::string, const LiveProfile*> by_id;
  std::map<std::string, std::pair<const LiveProfile*, const LiveEntry*>> entries;  // by entry id
  for (const LiveProfile& profile : live.custom) {
    by_id[profile.id] = &profile;
    for (const LiveEntry& entry : profile.entries) entries[lower(entry.id)] = {&profile, &entry};
  }
  std::set<std::string> deleted_profiles;
  for (const Change& change : plan.changes) {
    if (const auto* remove = std::get_if<DeleteProfile>(&change.payload)) {
      deleted_profiles.insert(remove->id);
    }
  }
  for (Change& change : plan.changes) {
    std::vector<std::pair<const LiveProfile*, const LiveEntry*>> deleted;
    if (const auto* remove = std::get_if<DeleteEntry>(&change.payload)) {
      const auto found = entries.find(lower(remove->id));
      if (found != entries.end()) deleted.push_back(found->second);
    } else if (const auto* remove_profile = std::get_if<DeleteProfile>(&change.payload)) {
      const auto found = by_id.find(remove_profile->id);
      if (found == by_id.end()) continue;
      for (const LiveEntry& entry : found->second->entries)
        deleted.emplace_back(found->second, &entry);
    }
    for (const auto& [owner, entry] : deleted) {
      const std::vector<std::string> users =
          other_users(lower(entry->id), owner->id, desired, live, deleted_profiles);
      if (users.empty()) continue;
      std::string line = "entry " + quoted(entry->name) + " is also used by ";
      for (std::size_t i = 0; i < users.size(); ++i) line += (i > 0 ? ", " : "") + users[i];
      change.reason += (change.reason.empty() ? "" : "; ") + line;
      change.shared_with.push_back(std::move(line));
    }
  }
}

// What a change does, without the ids that tell two copies apart: the same for every copy of a
// profile that the configuration would leave alike.
struct Effect {
  ResourceKind kind;
  Action action;
  std::string name;
  std::vector<FieldChange> fields;
  friend bool operator==(const Effect&, const Effect&) = default;
};

std::vector<Effect> effects_of_update(const DesiredProfile& desired, const LiveProfile& live) {
  Plan scratch;
  std::vector<std::string> problems;
  ProfilePlanner(scratch, problems).update(desired, live);
  std::vector<Effect> out;
  for (Change& change : scratch.changes) {
    out.push_back({change.kind, change.action, change.name, std::move(change.fields)});
  }
  return out;
}

// Which of several live profiles with one name --dedupe keeps: the oldest by created_at (ids
// break a tie), or nothing when a created_at cannot be read.
const LiveProfile* oldest(const std::vector<const LiveProfile*>& profiles) {
  const LiveProfile* kept = nullptr;
  std::optional<Instant> kept_at;
  for (const LiveProfile* profile : profiles) {
    const std::optional<Instant> at = parse_instant(profile->created_at);
    if (!at) return nullptr;
    if (!kept || *at < *kept_at || (*at == *kept_at && profile->id < kept->id)) {
      kept = profile;
      kept_at = at;
    }
  }
  return kept;
}

}  // namespace

void plan_profiles(const DesiredState& desired, const LiveProfiles& live, Plan& plan,
                   std::vector<std::string>& problems) {
  std::vector<LiveProfile> custom;
  for (const LiveProfile& profile : live.custom) custom.push_back(normalised(profile));
  const auto matching = match(
      desired.profiles, custom, [](const DesiredProfile& profile) { return profile.name; },
      [](const LiveProfile& profile) { return profile.name; });

  ProfilePlanner planner(plan, problems);
  // Two live profiles with one name: only a problem where cfsync would have to pick one. Copies
  // (two writers at once) that the configuration would leave alike can go with --dedupe.
  std::map<std::string, const LiveProfile*> kept;
  std::vector<const LiveProfile*> undeclared = matching.live_only;
  for (const auto& [name, declared, copies] : matching.ambiguous) {
    if (declared == nullptr) {
      undeclared.insert(undeclared.end(), copies.begin(), copies.end());
      if (!desired.prune.profiles) continue;
    }
    std::vector<std::string_view> ids;
    for (const LiveProfile* profile : copies) ids.push_back(profile->id);
    const std::string both = fmt::format("two live custom profiles are named {} (ids {})",
                                         quoted(name), fmt::join(ids, " and "));
    if (declared == nullptr) {
      problems.push_back(both +
                         "; cfsync will not guess which one to delete: delete them in "
                         "the dashboard, or declare the profile");
      continue;
    }
    const std::vector<Effect> first = effects_of_update(*declared, *copies.front());
    const bool alike = std::all_of(copies.begin() + 1, copies.end(), [&](const LiveProfile* other) {
      return effects_of_update(*declared, *other) == first;
    });
    const LiveProfile* keep = alike ? oldest(copies) : nullptr;
    if (!live.dedupe || !keep) {
      problems.push_back(
          both + "; cfsync will not guess which one the configuration means: " +
          (!alike  ? std::string("they differ in what the configuration declares, so rename or "
                                  "delete one of them in the dashboard")
           : !keep ? std::string("their created_at cannot be read, so delete the copies in the "
                                 "dashboard")
                   : std::string("they are alike in what the configuration declares, so "
                                 "`cfsync apply --dedupe` keeps the oldest and deletes the "
                                 "others (or delete them in the dashboard)")));
      continue;
    }
    kept[name] = keep;
  }

  for (const auto& [declared, identity, found] : matching.declared) {
    const DesiredProfile& profile = *declared;
    if (identity == Identity::matched) {
      planner.update(profile, *found);
    } else if (const auto keep = kept.find(profile.name); keep != kept.end()) {
      planner.update(profile, *keep->second);
    } else if (identity == Identity::desired_only) {
      if (const LiveOther* other = named(live.others, profile.name)) {
        problems.push_back("dlp profile " + quoted(profile.name) + " " +
                           taken_by(*other, "a profile") + "; rename one of them");
        continue;
      }
      planner.create(profile);
    }
  }
  for (const DesiredPredefinedProfile& profile : desired.predefined_profiles) {
    plan_predefined(profile, live.predefined, plan, problems);
  }
  // Deletes come last: a failure earlier in the apply leaves everything in place.
  for (const auto& [name, keep] : kept) {
    for (const LiveProfile* copy : matching.ambiguous_named(name)->live) {
      if (copy->id == keep->id) continue;
      planner.remove(*copy);
      plan.changes.back().reason = "a copy of profile " + keep->id + ", created " +
                                   keep->created_at + " (--dedupe keeps the oldest)";
    }
  }
  // In name order; a name several undeclared profiles share is not pruned (reported above).
  std::stable_sort(undeclared.begin(), undeclared.end(),
                   [](const LiveProfile* a, const LiveProfile* b) { return a->name < b->name; });
  for (const LiveProfile* profile : undeclared) {
    if (!desired.prune.profiles) {
      plan.unmanaged.push_back({ResourceKind::dlp_profile, profile->name, profile->id});
    } else if (matching.ambiguous_named(profile->name) == nullptr) {
      planner.remove(*profile);
    }
  }
  mark_shared_deletes(desired, live, plan);
}

}  // namespace cfsync::reconcile

namespace cfsync::reconcile {

namespace {

SafetyCount count_profiles(const DesiredState& desired, const LiveState& live) {
  return {.live = live.profiles ? live.profiles->custom.size() : 0,
          .desired = desired.profiles.size()};
}

// Entries are counted in the declared profiles whose entries are declared: the managed ones.
SafetyCount count_entries(const DesiredState& desired, const LiveState& live) {
  SafetyCount out;
  std::set<std::string> names;
  for (const DesiredProfile& profile : desired.profiles) {
    if (!profile.entries) continue;
    names.insert(profile.name);
    out.desired += profile.entries->size();
  }
  if (!live.profiles) return out;
  for (const LiveProfile& profile : live.profiles->custom) {
    if (names.contains(profile.name)) out.live += profile.entries.size();
  }
  return out;
}

constexpr KindTraits k_kinds[] = {
    {.kind = ResourceKind::dlp_profile,
     .name = "dlp_profile",
     .noun = "dlp profile",
     .count = count_profiles,
     .left_alone_hint = "set prune.profiles: true to delete them"},
    {.kind = ResourceKind::dlp_profile_entry,
     .name = "dlp_profile_entry",
     .noun = "entry",
     .parent_noun = "dlp profile",
     .count = count_entries},
    {.kind = ResourceKind::dlp_predefined_profile,
     .name = "dlp_predefined_profile",
     .noun = "predefined profile"},
    {.kind = ResourceKind::dlp_predefined_entry,
     .name = "dlp_predefined_entry",
     .noun = "entry",
     .parent_noun = "predefined profile"},
};

// A shared entry is declared and planned by its id: each field naming one says what it is.
void note_shared_entries(const std::map<std::string, std::string>& notes, Plan& plan) {
  constexpr std::string_view prefix = "shared_entries[\"";
  for (Change& change : plan.changes) {
    if (change.kind != ResourceKind::dlp_profile) continue;
    for (FieldChange& field : change.fields) {
      if (!field.field.starts_with(prefix)) continue;
      const std::size_t end = field.field.find('"', prefix.size());
      const auto found = notes.find(field.field.substr(prefix.size(), end - prefix.size()));
      if (found != notes.end()) field.note = found->second;
    }
  }
}

// After the datasets, whose entries a profile may use, and before their deletes.
constexpr int k_stage = 2;

Result<void> plan_step(const DesiredState& desired, const LiveState& live, Plan& plan,
                       std::vector<std::string>& problems) {
  if (!desired.manages_profiles()) return {};
  if (!live.profiles) {
    return Error(ErrorKind::plan, "dlp profiles are declared but were not read from the account");
  }
  plan_profiles(desired, *live.profiles, plan, problems);
  note_shared_entries(entry_notes(live), plan);
  return {};
}

constexpr PlanStep k_steps[] = {{.stage = k_stage, .run = plan_step}};

// An entry waits for its profile's changes (a PUT may reset what the API keeps of it), and each
// entry has a lane of its own: the entries of one profile are written side by side, and the
// delete and create that replace one entry one after the other.
Placement place(const Change& change) {
  const bool predefined = change.kind == ResourceKind::dlp_predefined_profile ||
                          change.kind == ResourceKind::dlp_predefined_entry;
  const std::string profile_lane = (predefined ? "predefined\n" : "profile\n") +
                                   (change.parent.empty() ? change.name : change.parent);
  if (change.parent.empty()) return {.stage = k_stage, .lane = profile_lane};
  return {.stage = k_stage, .lane = profile_lane + "\n" + change.name, .after = profile_lane};
}

void declared(const DesiredState& desired, std::vector<std::string>& parts) {
  if (!desired.profiles.empty()) {
    parts.push_back(std::to_string(desired.profiles.size()) + " dlp profile(s)");
  }
  if (!desired.predefined_profiles.empty()) {
    parts.push_back(std::to_string(desired.predefined_profiles.size()) + " predefined profile(s)");
  }
}

}  // namespace

// Listed in families.cpp: name, track, kinds, plan steps, place, declared.
extern constexpr Family k_dlp_profiles_family{"dlp_profiles", 0, k_kinds, k_steps, place, declared};

}  // namespace cfsync::reconcile
