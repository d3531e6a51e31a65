#include "daemon/report.hpp"

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>

namespace cfsync::daemon {

namespace {

constexpr int k_format_version = 1;
constexpr std::string_view k_masked = "(sensitive value)";

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
  static constexpr std::array<ActionWords, 3> k_words = {{
      {"+", "32", "will be created", "created"},
      {"~", "33", "will be updated in place", "updated"},
      {"-", "31", "will be deleted", "deleted"},
  }};
  return k_words.at(static_cast<std::size_t>(action));
}

std::string shown(const FieldValue& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t n) const { return std::to_string(n); }
    std::string operator()(const std::string& s) const {
      return boost::json::serialize(boost::json::string_view(s));
    }
    std::string operator()(Masked) const { return std::string(k_masked); }
  };
  return std::visit(Visitor{}, value);
}

boost::json::value json_value(const FieldValue& value) {
  struct Visitor {
    boost::json::value operator()(std::monostate) const { return nullptr; }
    boost::json::value operator()(bool b) const { return b; }
    boost::json::value operator()(std::int64_t n) const { return n; }
    boost::json::value operator()(const std::string& s) const { return boost::json::string(s); }
    boost::json::value operator()(Masked) const { return boost::json::string(k_masked); }
  };
  return std::visit(Visitor{}, value);
}

bool is_masked(const FieldChange& field) {
  return std::holds_alternative<Masked>(field.before) ||
         std::holds_alternative<Masked>(field.after);
}

// `# dlp settings will be updated in place` / `~ dlp_settings {` ... `}`
void change_text(const Change& change, const Paint& paint, std::string& out) {
  const ActionWords& word = words(change.action);
  const std::string mark = paint(word.mark, word.colour);
  out += fmt::format("  # {} {}\n", change.name, word.headline);
  std::string title(to_string(change.kind));
  if (change.kind != ResourceKind::dlp_settings) {
    title += " " + boost::json::serialize(boost::json::string_view(change.name));
  }
  out += fmt::format("  {} {} {{\n", mark, title);
  std::size_t width = 0;
  for (const FieldChange& field : change.fields) width = std::max(width, field.field.size());
  for (const FieldChange& field : change.fields) {
    std::string values;
    switch (change.action) {
      case Action::create:
        values = shown(field.after);
        break;
      case Action::delete_:
        values = shown(field.before) + " → null";
        break;
      case Action::update:
        values = shown(field.before) + " → " + shown(field.after);
        break;
    }
    out += fmt::format("      {} {:<{}} = {}\n", mark, field.field, width, values);
  }
  out += "    }\n";
}

std::string summary_line(const PlanSummary& summary) {
  return fmt::format("{} to create, {} to update, {} to delete", summary.create, summary.update,
                     summary.delete_);
}

boost::json::object change_json(const Change& change) {
  boost::json::array fields;
  for (const FieldChange& field : change.fields) {
    boost::json::object entry{{"field", field.field},
                              {"before", json_value(field.before)},
                              {"after", json_value(field.after)}};
    if (is_masked(field)) entry["sensitive"] = true;
    fields.push_back(std::move(entry));
  }
  boost::json::object object{{"kind", to_string(change.kind)},
                             {"name", change.name},
                             {"action", to_string(change.action)},
                             {"fields", std::move(fields)}};
  object["id"] = change.id.empty() ? boost::json::value(nullptr) : boost::json::value(change.id);
  return object;
}

boost::json::object summary_json(const PlanSummary& summary) {
  return {{"create", summary.create}, {"update", summary.update}, {"delete", summary.delete_}};
}

}  // namespace

std::string plan_text(const Plan& plan, const std::string& account_id, TextStyle style) {
  if (plan.empty()) {
    return fmt::format("No changes. Account {} matches the configuration.\n", account_id);
  }
  const Paint paint{style.color};
  std::string out = fmt::format("cfsync will make these changes to account {}:\n\n", account_id);
  for (const Change& change : plan.changes) {
    change_text(change, paint, out);
    out += "\n";
  }
  out += fmt::format("Plan: {}.\n", summary_line(plan.summary()));
  return out;
}

std::string plan_json(const Plan& plan, const std::string& account_id) {
  boost::json::array changes;
  for (const Change& change : plan.changes) changes.push_back(change_json(change));
  boost::json::object root{{"format_version", k_format_version},
                           {"account_id", account_id},
                           {"changes", std::move(changes)},
                           {"summary", summary_json(plan.summary())}};
  return boost::json::serialize(root) + "\n";
}

std::string apply_text(const Plan& plan, const api::ApplyReport& report, TextStyle style) {
  const Paint paint{style.color};
  std::string out;
  PlanSummary done;
  int failed = 0;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    const Change& change = plan.changes.at(outcome.change);
    if (outcome.error) {
      ++failed;
      out += fmt::format("{}: {} {}: {}\n", change.name, to_string(change.action),
                         paint("failed", "31"), outcome.error->describe());
      for (const std::string& line : outcome.error->details) out += "  " + line + "\n";
      continue;
    }
    std::string fields;
    for (const FieldChange& field : change.fields) {
      fields += (fields.empty() ? "" : ", ") + field.field;
    }
    out += fmt::format("{}: {}{}\n", change.name, words(change.action).done,
                       fields.empty() ? "" : " (" + fields + ")");
    done.add(change.action);
  }
  const std::string counts =
      fmt::format("{} created, {} updated, {} deleted", done.create, done.update, done.delete_);
  if (failed == 0) return out + fmt::format("\nApply complete: {}.\n", counts);
  return out + fmt::format("\n{}: {}, {} failed.\n", paint("Apply failed", "31"), counts, failed);
}

std::string apply_json(const Plan& plan, const api::ApplyReport& report,
                       const std::string& account_id) {
  boost::json::array changes;
  int failed = 0;
  for (const api::ChangeOutcome& outcome : report.outcomes) {
    boost::json::object entry = change_json(plan.changes.at(outcome.change));
    entry["status"] = outcome.error ? "failed" : "applied";
    if (outcome.error) {
      ++failed;
      entry["error"] = outcome.error->describe();
    }
    changes.push_back(std::move(entry));
  }
  boost::json::object summary = summary_json(plan.summary());
  summary["failed"] = failed;
  boost::json::object root{{"format_version", k_format_version},
                           {"account_id", account_id},
                           {"changes", std::move(changes)},
                           {"summary", std::move(summary)}};
  return boost::json::serialize(root) + "\n";
}

}  // namespace cfsync::daemon
