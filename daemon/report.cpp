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

// What an id in the field's path names, as a comment after its values; nothing when unknown.
std::string noted(const FieldChange& field) {
  return field.note.empty() ? "" : "  # " + printable(field.note);
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
    out += fmt::format("      {} {:<{}} = {}{}\n", mark, paths[i], width, values, noted(field));
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
    if (!field.note.empty()) entry["note"] = field.note;
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

// The live resources left alone, kind by kind in the order the families list them: `write` gets
// each kind that has any, and its resources.
template <class Write>
void for_each_unmanaged_kind(const Plan& plan, Write write) {
  for (const reconcile::Family* family : reconcile::families()) {
    for (const reconcile::KindTraits& kind : family->kinds) {
      std::vector<const Unmanaged*> items;
      for (const Unmanaged& item : plan.unmanaged) {
        if (item.kind == kind.kind) items.push_back(&item);
      }
      if (!items.empty()) write(kind, items);
    }
  }
}

// `"Employee IDs" / "Legacy entry"`, or the name alone.
std::string qualified_name(const Unmanaged& item) {
  const std::string parent = item.parent.empty() ? "" : json_quoted(item.parent) + " / ";
  return parent + json_quoted(item.name);
}

// Live resources left alone, by kind, each with the setting that would delete them.
std::string unmanaged_text(const Plan& plan) {
  std::string out;
  for_each_unmanaged_kind(
      plan, [&](const reconcile::KindTraits& kind, const std::vector<const Unmanaged*>& items) {
        out += fmt::format("Not in the configuration, left alone ({}):\n", kind.left_alone_hint);
        for (const Unmanaged* item : items) {
          out += fmt::format("  {} {} (id {})\n", kind.name, qualified_name(*item),
                             printable(item->id));
        }
        out += "\n";
      });
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

std::string_view kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::config:
      return "config";
    case ErrorKind::io:
      return "io";
    case ErrorKind::network:
      return "network";
    case ErrorKind::http:
      return "http";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::plan:
      return "plan";
    case ErrorKind::apply:
      return "apply";
    case ErrorKind::state:
      return "state";
  }
  return "unknown";
}

std::string error_object(std::string_view kind, std::string_view message,
                         const std::vector<std::string>& details) {
  const json::object error{{"kind", kind},
                           {"message", message},
                           {"details", json::array(details.begin(), details.end())}};
  return json::serialize(json::object{{"error", error}}) + "\n";
}

// Apply's last line: "Apply complete" or "Apply failed", and the counts.
struct Verdict {
  bool ok;
  std::string head;
  std::string rest;
};

Verdict verdict_of(const Plan& plan, const api::ApplyReport& report) {
  PlanSummary done;
  int failed = 0;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    if (outcome.error) {
      ++failed;
    } else {
      done.add(plan.changes.at(outcome.change).action);
    }
  }
  const std::string replaced = done.replace > 0 ? fmt::format("{} replaced, ", done.replace) : "";
  const std::string moved = done.move > 0 ? fmt::format("{} moved, ", done.move) : "";
  const std::string counts = fmt::format("{} created, {} updated, {}{}{} deleted", done.create,
                                         done.update, replaced, moved, done.delete_);
  if (report.ok()) return {true, "Apply complete", counts + "."};
  if (failed == 0) {
    const bool processed = !report.processing || report.processing->ok();
    return {false, "Apply failed",
            fmt::format("{}, but {} did not succeed.", counts,
                        processed ? "indexing" : "dataset processing")};
  }
  return {false, "Apply failed", fmt::format("{}, {} failed.", counts, failed)};
}

}  // namespace

std::string error_json(const Error& error) {
  return error_object(kind_name(error.kind()), error.describe(), error.details);
}

std::string error_json(std::string_view kind, std::string_view message) {
  return error_object(kind, message, {});
}

std::string validate_json(const std::string& account_id, std::size_t files,
                          const std::vector<std::string>& declares) {
  const json::object root{{"valid", true},
                          {"account_id", account_id},
                          {"files", files},
                          {"declares", json::array(declares.begin(), declares.end())}};
  return json::serialize(root) + "\n";
}

std::string digest_of(const Protected& value, const MaskKey* key) {
  const std::size_t size = value.size();
  const bool words_form = value.form == Protected::Form::words;
  const std::string length =
      fmt::format("({} {}{})", size, words_form ? "word" : "char", size == 1 ? "" : "s");
  if (key == nullptr) return length;
  return fmt::format("hmac:{}… {}", key->digest(value.value.reveal()).substr(0, 8), length);
}

std::string digest_of(const Content& value, const MaskKey* key) {
  std::vector<std::string> parts;
  if (key && !value.digest.empty()) {
    parts.push_back("hmac:" + key->digest(value.digest).substr(0, 8) + "…");
  }
  if (value.size)
    parts.push_back(fmt::format("({} byte{})", *value.size, *value.size == 1 ? "" : "s"));
  if (value.version) {
    parts.push_back(fmt::format("version {}{}", *value.version, value.failed ? " (failed)" : ""));
  }
  return parts.empty() ? "(content)" : fmt::format("{}", fmt::join(parts, " "));
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
  std::string safety;
  if (!origin.safety.empty()) {
    safety =
        fmt::format("{}: apply will refuse this plan without --force:\n", paint("Safety", "31"));
    for (const std::string& line : origin.safety) safety += "  " + printable(line) + "\n";
    safety += "\n";
  }
  if (plan.empty()) {
    return header + unmanaged_text(plan) + warnings + safety +
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
  out += safety;
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
    root["safety"] = json::array(origin->safety.begin(), origin->safety.end());
  }
  return json::serialize(root) + "\n";
}

std::string apply_text(const Plan& plan, const api::ApplyReport& report, RenderOptions options) {
  const Paint paint{options.color};
  std::string out;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    const Change& change = plan.changes.at(outcome.change);
    if (outcome.error) {
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
  }
  if (report.processing) out += processing_text(*report.processing, paint);
  if (report.indexing) out += indexing_text(*report.indexing, paint);
  const Verdict verdict = verdict_of(plan, report);
  return out + fmt::format("\n{}: {}\n", verdict.ok ? verdict.head : paint(verdict.head, "31"),
                           verdict.rest);
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

namespace {

// Markdown, for a pull request's comment. What comes from names and values goes through one of
// three escapes: md_text in Markdown (a backslash before each character that could start markup,
// a mention or a reference), html_text inside the <summary> HTML blocks (where Markdown is not
// read) and fenced() for code blocks (a fence longer than any run of backticks inside).

std::string md_text(std::string_view text) {
  std::string out;
  for (const char c : printable(text)) {
    if (std::string_view("\\`*_[]<>|&~@#!").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string html_text(std::string_view text) {
  std::string out;
  for (const char c : printable(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '@':  // no mention
        out += "&#64;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fenced(std::string_view info, const std::string& body) {
  std::size_t run = 0;
  std::size_t longest = 0;
  for (const char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fmt::format("{}{}\n{}{}\n", fence, info, body, fence);
}

// A quoted block: a bold headline, then one item per line.
std::string md_callout(std::string_view headline, const std::vector<std::string>& lines) {
  if (lines.empty()) return "";
  std::string out = fmt::format("> {}\n", headline);
  for (const std::string& line : lines) out += "> - " + md_text(line) + "\n";
  return out + "\n";
}

// What the plan's origin, warnings and safety refusals say, above the changes.
std::string md_notes(const Plan& plan, const PlanOrigin& origin) {
  std::string out;
  if (origin.revision) out += fmt::format("Revision: {}\n\n", md_text(*origin.revision));
  if (origin.suspended) {
    out += "> **Suspended:** the configuration says `suspend: true`; nothing is applied.\n\n";
  }
  out += md_callout("**:warning: Safety: apply will refuse this plan without `--force`:**",
                    origin.safety);
  out += md_callout("**Warnings:**", plan.warnings);
  return out;
}

struct Tally {
  PlanSummary done;
  int failed = 0;
};

// The changes by kind (rows, in the families' order) and action (columns), with the totals.
std::string tally_table(const std::map<ResourceKind, Tally>& tallies, bool with_failed) {
  std::string out = fmt::format("| Kind | Create | Update | Replace | Move | Delete |{}\n",
                                with_failed ? " Failed |" : "");
  out += fmt::format("| :-- | --: | --: | --: | --: | --: |{}\n", with_failed ? " --: |" : "");
  Tally total;
  const auto row = [&](std::string_view name, const Tally& tally) {
    const PlanSummary& s = tally.done;
    out += fmt::format("| {} | {} | {} | {} | {} | {} |", name, s.create, s.update, s.replace,
                       s.move, s.delete_);
    if (with_failed) out += fmt::format(" {} |", tally.failed);
    out += "\n";
  };
  for (const reconcile::Family* family : reconcile::families()) {
    for (const reconcile::KindTraits& kind : family->kinds) {
      const auto found = tallies.find(kind.kind);
      if (found == tallies.end()) continue;
      row(fmt::format("`{}`", to_string(kind.kind)), found->second);
      const PlanSummary& s = found->second.done;
      total.done.create += s.create;
      total.done.update += s.update;
      total.done.replace += s.replace;
      total.done.move += s.move;
      total.done.delete_ += s.delete_;
      total.failed += found->second.failed;
    }
  }
  row("**Total**", total);
  return out + "\n";
}

// The fields as a diff: a line taken away for the old value, one added for the new.
std::string fields_diff(const Change& change, RenderOptions options) {
  std::size_t width = 0;
  std::vector<std::string> paths;
  for (const FieldChange& field : change.fields) paths.push_back(printable(field.field));
  for (const std::string& path : paths) width = std::max(width, path.size());
  std::string out;
  for (std::size_t i = 0; i < change.fields.size(); ++i) {
    const FieldChange& field = change.fields[i];
    if (change.action != Action::create) {
      out += fmt::format("- {:<{}} = {}{}\n", paths[i], width, shown(field.before, options),
                         noted(field));
    }
    if (change.action != Action::delete_) {
      out += fmt::format("+ {:<{}} = {}{}\n", paths[i], width, shown(field.after, options),
                         noted(field));
    }
  }
  return out;
}

// One collapsible section: `summary` (HTML, escaped by the caller), the fields, then `more`.
std::string md_section(const std::string& summary, const Change& change, RenderOptions options,
                       const std::string& more = {}) {
  std::string out = fmt::format("<details><summary>{}</summary>\n\n", summary);
  const std::string diff = fields_diff(change, options);
  out += diff.empty() ? "No fields.\n" : fenced("diff", diff);
  return out + more + "\n</details>\n\n";
}

std::string md_change_title(const Change& change) {
  return fmt::format("<code>{} {}</code>", html_text(words(change.action).mark),
                     html_text(title(change)));
}

std::string md_unmanaged(const Plan& plan) {
  std::string out;
  for_each_unmanaged_kind(
      plan, [&](const reconcile::KindTraits& kind, const std::vector<const Unmanaged*>& items) {
        out += fmt::format("**Not in the configuration, left alone** ({}):\n\n",
                           md_text(kind.left_alone_hint));
        for (const Unmanaged* item : items) {
          out += fmt::format("- `{}` {} (id {})\n", to_string(kind.kind),
                             md_text(qualified_name(*item)), md_text(item->id));
        }
        out += "\n";
      });
  return out;
}

}  // namespace

std::string plan_markdown(const Plan& plan, const std::string& account_id, RenderOptions options,
                          const PlanOrigin& origin) {
  options.color = false;
  if (plan.empty()) {
    // One line, unless there is more to say.
    std::string out = fmt::format(
        "**cfsync plan:** no changes. Account `{}` matches the "
        "configuration{}{}.\n",
        md_text(account_id), origin.revision ? " at " + md_text(*origin.revision) : "",
        origin.suspended ? " (suspended)" : "");
    PlanOrigin rest = origin;
    rest.revision.reset();
    rest.suspended = false;
    const std::string notes = md_notes(plan, rest) + md_unmanaged(plan);
    return notes.empty() ? out : out + "\n" + notes;
  }
  std::string out = fmt::format("### cfsync plan for account `{}`\n\n", md_text(account_id));
  out += md_notes(plan, origin);
  std::map<ResourceKind, Tally> tallies;
  for (const Change& change : plan.changes) tallies[change.kind].done.add(change.action);
  out += tally_table(tallies, false);
  for (const Change& change : plan.changes) {
    std::string summary = md_change_title(change) + " " + html_text(words(change.action).headline);
    if (!change.reason.empty()) summary += " (" + html_text(change.reason) + ")";
    if (change.origin == Origin::drift) summary += " (drift: changed outside cfsync)";
    out += md_section(summary, change, options);
  }
  out += md_unmanaged(plan);
  return out + fmt::format("**Plan:** {}.\n", summary_line(plan.summary()));
}

std::string apply_markdown(const Plan& plan, const api::ApplyReport& report,
                           const std::string& account_id, RenderOptions options) {
  options.color = false;
  std::string out = fmt::format("### cfsync apply to account `{}`\n\n", md_text(account_id));
  std::map<ResourceKind, Tally> tallies;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    const Change& change = plan.changes.at(outcome.change);
    Tally& tally = tallies[change.kind];
    if (outcome.error) {
      ++tally.failed;
    } else {
      tally.done.add(change.action);
    }
  }
  out += tally_table(tallies, true);
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    const Change& change = plan.changes.at(outcome.change);
    if (!outcome.error) {
      out += md_section(md_change_title(change) + " " + std::string(words(change.action).done),
                        change, options);
      continue;
    }
    std::string error = printable(outcome.error->describe()) + "\n";
    for (const std::string& line : outcome.error->details) error += printable(line) + "\n";
    out += md_section(
        fmt::format("{} {} <b>failed</b>", md_change_title(change), to_string(change.action)),
        change, options, "\n" + fenced("text", error));
  }
  const Paint plain{false};
  std::string waits;
  if (report.processing) waits += processing_text(*report.processing, plain);
  if (report.indexing) waits += indexing_text(*report.indexing, plain);
  if (!waits.empty()) out += fenced("text", waits.substr(1)) + "\n";
  const Verdict verdict = verdict_of(plan, report);
  return out + fmt::format("**{}:** {}\n", verdict.head, verdict.rest);
}

}  // namespace cfsync::daemon
