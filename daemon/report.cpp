#include "daemon/report.hpp"

#include "daemon/printable.hpp"
#include "reconcile/family.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <map>

namespace cfsync::daemon {

namespace {

namespace json = boost::json;

constexpr int k_format_version = 1;

struct Paint {
  bool on;
  std::string operator()(std::string_view text, std::string_view code) const {
    if (!on) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
};

// How each action reads: its mark, the mark's colour (SGR), the plan's headline, apply's verb.
struct ActionWords {
  std::string_view mark;
  std::string_view colour;
  std::string_view headline;
  std::string_view done;
};

const ActionWords& words(Action action) {
  static constexpr std::array<ActionWords, 5> k_words = {{
      {"+", "32", "will be created", "created"},
      {"~", "33", "will be updated in place", "updated"},
      {"-/+", "35", "will be replaced (deleted, then uploaded again)", "replaced"},
      {">", "36", "will be moved to another namespace, with its items", "moved"},
      {"-", "31", "will be deleted", "deleted"},
  }};
  return k_words.at(static_cast<std::size_t>(action));
}

// Quoted as in JSON, and safe on a terminal (JSON leaves DEL and C1 controls raw).
std::string json_quoted(std::string_view text) {
  return printable(json::serialize(json::string_view(text)));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string listed(const std::vector<std::string>& items, bool quote) {
  std::string out = "[";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ", ";
    out += quote ? json_quoted(item) : item;
  }
  return out + "]";
}

std::string shown(const FieldValue& value, RenderOptions options) {
  struct Visitor {
    RenderOptions options;
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t n) const { return std::to_string(n); }
    std::string operator()(const std::string& s) const { return json_quoted(s); }
    std::string operator()(const StringList& list) const { return listed(list, true); }
    std::string operator()(const JsonText& json) const { return printable(json.text); }
    std::string operator()(const Masked& value) const {
      return digest_of(Protected::regex(value.value), options.mask_key);
    }
    std::string operator()(const Content& value) const {
      return digest_of(value, options.mask_key);
    }
    std::string operator()(const Protected& value) const {
      if (!options.show_sensitive) return digest_of(value, options.mask_key);
      if (value.form == Protected::Form::words) return listed(lines_of(value.value.reveal()), true);
      return json_quoted(value.value.reveal());
    }
  };
  return std::visit(Visitor{options}, value);
}

json::value json_value(const FieldValue& value, RenderOptions options) {
  struct Visitor {
    RenderOptions options;
    json::value operator()(std::monostate) const { return nullptr; }
    json::value operator()(bool b) const { return b; }
    json::value operator()(std::int64_t n) const { return n; }
    json::value operator()(const std::string& s) const { return json::string(s); }
    json::value operator()(const StringList& list) const {
      json::array out;
      for (const std::string& item : list) out.emplace_back(item);
      return out;
    }
    json::value operator()(const JsonText& text) const { return json::parse(text.text); }
    json::value operator()(const Masked& value) const {
      return json::string(digest_of(Protected::regex(value.value), options.mask_key));
    }
    json::value operator()(const Content& value) const {
      return json::string(digest_of(value, options.mask_key));
    }
    json::value operator()(const Protected& value) const {
      if (!options.show_sensitive) return json::string(digest_of(value, options.mask_key));
      if (value.form == Protected::Form::text) return json::string(value.value.reveal());
      return (*this)(lines_of(value.value.reveal()));
    }
  };
  return std::visit(Visitor{options}, value);
}

bool is_sensitive(const FieldValue& value) {
  return std::holds_alternative<Masked>(value) || std::holds_alternative<Protected>(value) ||
         std::holds_alternative<Content>(value);
}

// `dlp profile "Employee IDs"`, `entry "Visa" of predefined profile "Credit Card Numbers"`.
std::string described(const Change& change) { return reconcile::described(change, json_quoted); }

// `dlp_profile "Employee IDs"`, `dlp_profile_entry "Employee IDs" / "Employee number"`.
std::string title(const Change& change) {
  std::string out(to_string(change.kind));
  if (reconcile::traits_of(change.kind).singleton()) return out;
  if (!change.parent.empty()) out += " " + json_quoted(change.parent) + " /";
  return out + " " + json_quoted(change.name);
}

void change_text(const Change& change, const Paint& paint, RenderOptions options,
                 std::string& out) {
  const ActionWords& word = words(change.action);
  const std::string mark = paint(word.mark, word.colour);
  const std::string reason = change.reason.empty() ? "" : " (" + printable(change.reason) + ")";
  const std::string drift =
      change.origin == Origin::drift ? " (drift: changed outside cfsync)" : "";
  out += fmt::format("  # {} {}{}{}\n", described(change), word.headline, reason, drift);
  out += fmt::format("  {} {} {{\n", mark, title(change));
  std::size_t width = 0;
  std::vector<std::string> paths;  // field paths hold names: made printable
  for (const FieldChange& field : change.fields) paths.push_back(printable(field.field));
  for (const std::string& path : paths) width = std::max(width, path.size());
  for (std::size_t i = 0; i < change.fields.size(); ++i) {
    const FieldChange& field = change.fields[i];
    std::string values;
    switch (change.action) {
      case Action::create:
        values = shown(field.after, options);
        break;
      case Action::delete_:
        values = shown(field.before, options) + " → null";
        break;
      case Action::update:
      case Action::replace:
      case Action::move:
        values = shown(field.before, options) + " → " + shown(field.after, options);
        break;
    }
    out += fmt::format("      {} {:<{}} = {}\n", mark, paths[i], width, values);
  }
  out += "    }\n";
}

std::string summary_line(const PlanSummary& summary) {
  const std::string replaced =
      summary.replace > 0 ? fmt::format("{} to replace, ", summary.replace) : "";
  const std::string moved = summary.move > 0 ? fmt::format("{} to move, ", summary.move) : "";
  return fmt::format("{} to create, {} to update, {}{}{} to delete", summary.create, summary.update,
                     replaced, moved, summary.delete_);
}

json::object change_json(const Change& change, RenderOptions options) {
  json::array fields;
  for (const FieldChange& field : change.fields) {
    json::object entry{{"field", field.field},
                       {"before", json_value(field.before, options)},
                       {"after", json_value(field.after, options)}};
    if (is_sensitive(field.before) || is_sensitive(field.after)) entry["sensitive"] = true;
    fields.push_back(std::move(entry));
  }
  json::object object{{"kind", to_string(change.kind)},
                      {"name", change.name},
                      {"action", to_string(change.action)},
                      {"fields", std::move(fields)}};
  object["parent"] = change.parent.empty() ? json::value(nullptr) : json::value(change.parent);
  object["id"] = change.id.empty() ? json::value(nullptr) : json::value(change.id);
  object["reason"] = change.reason.empty() ? json::value(nullptr) : json::value(change.reason);
  object["origin"] = change.origin == Origin::drift ? "drift" : "pending";
  return object;
}

json::object summary_json(const PlanSummary& summary) {
  return {{"create", summary.create},
          {"update", summary.update},
          {"replace", summary.replace},
          {"move", summary.move},
          {"delete", summary.delete_}};
}

json::array unmanaged_json(const Plan& plan) {
  json::array out;
  for (const Unmanaged& item : plan.unmanaged) {
    json::object entry{{"kind", to_string(item.kind)}, {"name", item.name}, {"id", item.id}};
    entry["parent"] = item.parent.empty() ? json::value(nullptr) : json::value(item.parent);
    out.push_back(std::move(entry));
  }
  return out;
}

// Live resources left alone, by kind, each with the setting that would delete them.
std::string unmanaged_text(const Plan& plan) {
  std::string out;
  for (const reconcile::Family* family : reconcile::families()) {
    for (const reconcile::KindTraits& kind : family->kinds) {
      std::string lines;
      for (const Unmanaged& item : plan.unmanaged) {
        if (item.kind != kind.kind) continue;
        const std::string parent = item.parent.empty() ? "" : json_quoted(item.parent) + " / ";
        lines += fmt::format("  {} {}{} (id {})\n", kind.name, parent, json_quoted(item.name),
                             printable(item.id));
      }
      if (lines.empty()) continue;
      out += fmt::format("Not in the configuration, left alone ({}):\n{}\n", kind.left_alone_hint,
                         lines);
    }
  }
  return out;
}

std::string indexing_text(const api::IndexingReport& indexing, const Paint& paint) {
  std::map<ItemStatus, int> counts;
  for (const api::IndexedItem& item : indexing.items) ++counts[item.status];
  std::string out = "\nIndexing:";
  for (const auto& [status, count] : counts) {
    out += fmt::format(" {} {},", count, to_string(status));
  }
  out.back() = '.';
  out += "\n";
  for (const api::IndexedItem& item : indexing.items) {
    if (item.status == ItemStatus::error) {
      out += fmt::format("  {} {} / {}: {}\n", paint("error", "31"), json_quoted(item.instance),
                         json_quoted(item.key),
                         item.error.empty() ? "no reason given" : printable(item.error));
    } else if (!is_final(item.status)) {
      out += fmt::format("  {} {} / {}: still {}\n", paint("unfinished", "31"),
                         json_quoted(item.instance), json_quoted(item.key), to_string(item.status));
    }
  }
  if (indexing.timed_out) out += "Indexing did not finish within --wait-timeout.\n";
  return out;
}

json::object indexing_json(const api::IndexingReport& indexing) {
  json::array items;
  for (const api::IndexedItem& item : indexing.items) {
    json::object entry{
        {"instance", item.instance}, {"key", item.key}, {"status", to_string(item.status)}};
    if (!item.error.empty()) entry["error"] = item.error;
    items.push_back(std::move(entry));
  }
  return {{"timed_out", indexing.timed_out}, {"items", std::move(items)}};
}

std::string processing_text(const api::ProcessingReport& processing, const Paint& paint) {
  std::map<UploadStatus, int> counts;
  for (const api::ProcessedDataset& dataset : processing.datasets) ++counts[dataset.status];
  std::string out = "\nDataset processing:";
  for (const auto& [status, count] : counts) {
    out += fmt::format(" {} {},", count, to_string(status));
  }
  out.back() = '.';
  out += "\n";
  for (const api::ProcessedDataset& dataset : processing.datasets) {
    if (dataset.status == UploadStatus::failed) {
      const std::string columns =
          dataset.failed_columns.empty()
              ? std::string()
              : fmt::format(" (column{} {})", dataset.failed_columns.size() == 1 ? "" : "s",
                            listed(dataset.failed_columns, true));
      out += fmt::format("  {} dataset {} version {}{}\n", paint("failed", "31"),
                         json_quoted(dataset.name), dataset.version, columns);
    } else if (!is_final(dataset.status)) {
      out += fmt::format("  {} dataset {} version {}: still {}\n", paint("unfinished", "31"),
                         json_quoted(dataset.name), dataset.version, to_string(dataset.status));
    }
  }
  if (processing.timed_out) out += "Dataset processing did not finish within --wait-timeout.\n";
  return out;
}

json::object processing_json(const api::ProcessingReport& processing) {
  json::array datasets;
  for (const api::ProcessedDataset& dataset : processing.datasets) {
    json::array failed;
    for (const std::string& column : dataset.failed_columns) failed.emplace_back(column);
    datasets.push_back(json::object{{"name", dataset.name},
                                    {"version", dataset.version},
                                    {"status", to_string(dataset.status)},
                                    {"failed_columns", std::move(failed)}});
  }
  return {{"timed_out", processing.timed_out}, {"datasets", std::move(datasets)}};
}

}  // namespace

std::string digest_of(const Protected& value, const MaskKey* key) {
  const std::size_t size = value.size();
  const bool words_form = value.form == Protected::Form::words;
  const std::string length =
      fmt::format("({} {}{})", size, words_form ? "word" : "char", size == 1 ? "" : "s");
  if (key == nullptr) return length;
  return fmt::format("hmac:{}… {}", key->digest(value.value.reveal()).substr(0, 8), length);
}

std::string digest_of(const Content& value, const MaskKey* key) {
  std::string out = key ? "hmac:" + key->digest(value.sha256).substr(0, 8) + "…" : "";
  if (value.size) {
    out += fmt::format("{}({} byte{})", out.empty() ? "" : " ", *value.size,
                       *value.size == 1 ? "" : "s");
  }
  return out.empty() ? "(content)" : out;
}

std::string plan_text(const Plan& plan, const std::string& account_id, RenderOptions options,
                      const PlanOrigin& origin) {
  const Paint paint{options.color};
  std::string header;
  if (origin.revision) header += fmt::format("Revision: {}\n", printable(*origin.revision));
  if (origin.suspended) {
    header += fmt::format("{}: the configuration says `suspend: true`; nothing is applied\n",
                          paint("Suspended", "33"));
  }
  if (!header.empty()) header += "\n";
  std::string warnings;
  for (const std::string& warning : plan.warnings) {
    warnings += fmt::format("{}: {}\n", paint("Warning", "33"), printable(warning));
  }
  if (!warnings.empty()) warnings += "\n";
  if (plan.empty()) {
    return header + unmanaged_text(plan) + warnings +
           fmt::format("No changes. Account {} matches the configuration.\n", account_id);
  }
  std::string out = header + fmt::format("cfsync {} these changes to account {}:\n\n",
                                         origin.suspended ? "would make" : "will make", account_id);
  for (const Change& change : plan.changes) {
    change_text(change, paint, options, out);
    out += "\n";
  }
  out += unmanaged_text(plan);
  out += warnings;
  out += fmt::format("Plan: {}.\n", summary_line(plan.summary()));
  return out;
}

std::string plan_json(const Plan& plan, const std::string& account_id, RenderOptions options,
                      const std::optional<PlanOrigin>& origin) {
  json::array changes;
  for (const Change& change : plan.changes) changes.push_back(change_json(change, options));
  json::object root{{"format_version", k_format_version},
                    {"account_id", account_id},
                    {"changes", std::move(changes)},
                    {"unmanaged", unmanaged_json(plan)},
                    {"warnings", json::array(plan.warnings.begin(), plan.warnings.end())},
                    {"summary", summary_json(plan.summary())}};
  if (origin) {
    root["revision"] = origin->revision ? json::value(*origin->revision) : json::value(nullptr);
    root["suspended"] = origin->suspended;
  }
  return json::serialize(root) + "\n";
}

std::string apply_text(const Plan& plan, const api::ApplyReport& report, RenderOptions options) {
  const Paint paint{options.color};
  std::string out;
  PlanSummary done;
  int failed = 0;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    const Change& change = plan.changes.at(outcome.change);
    if (outcome.error) {
      ++failed;
      out += fmt::format("{}: {} {}: {}\n", described(change), to_string(change.action),
                         paint("failed", "31"), printable(outcome.error->describe()));
      for (const std::string& line : outcome.error->details) {
        out += "  " + printable(line) + "\n";
      }
      continue;
    }
    std::vector<std::string> names;
    for (const FieldChange& field : change.fields) names.push_back(printable(field.field));
    const std::string fields = fmt::format("{}", fmt::join(names, ", "));
    out +=
        fmt::format("{}: {}{}\n", described(change), words(change.action).done,
                    fields.empty() || change.action != Action::update ? "" : " (" + fields + ")");
    done.add(change.action);
  }
  const std::string replaced = done.replace > 0 ? fmt::format("{} replaced, ", done.replace) : "";
  const std::string moved = done.move > 0 ? fmt::format("{} moved, ", done.move) : "";
  const std::string counts = fmt::format("{} created, {} updated, {}{}{} deleted", done.create,
                                         done.update, replaced, moved, done.delete_);
  if (report.processing) out += processing_text(*report.processing, paint);
  if (report.indexing) out += indexing_text(*report.indexing, paint);
  if (report.ok()) return out + fmt::format("\nApply complete: {}.\n", counts);
  if (failed == 0) {
    const bool processed = !report.processing || report.processing->ok();
    return out + fmt::format("\n{}: {}, but {} did not succeed.\n", paint("Apply failed", "31"),
                             counts, processed ? "indexing" : "dataset processing");
  }
  return out + fmt::format("\n{}: {}, {} failed.\n", paint("Apply failed", "31"), counts, failed);
}

std::string apply_json(const Plan& plan, const api::ApplyReport& report,
                       const std::string& account_id, RenderOptions options) {
  json::array changes;
  int failed = 0;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    json::object entry = change_json(plan.changes.at(outcome.change), options);
    entry["status"] = outcome.error ? "failed" : "applied";
    if (outcome.error) {
      ++failed;
      entry["error"] = outcome.error->describe();
    }
    changes.push_back(std::move(entry));
  }
  json::object summary = summary_json(plan.summary());
  summary["failed"] = failed;
  json::object root{{"format_version", k_format_version},
                    {"account_id", account_id},
                    {"changes", std::move(changes)},
                    {"unmanaged", unmanaged_json(plan)},
                    {"summary", std::move(summary)}};
  if (report.processing) root["processing"] = processing_json(*report.processing);
  if (report.indexing) root["indexing"] = indexing_json(*report.indexing);
  return json::serialize(root) + "\n";
}

}  // namespace cfsync::daemon
