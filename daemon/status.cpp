#include "daemon/status.hpp"

#include "daemon/http_listener.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <ctime>
#include <ostream>

namespace cfsync::daemon {

namespace {

// How long `cfsync status` waits for the daemon's answer.
constexpr std::chrono::milliseconds k_status_timeout{5000};

boost::json::value time_or_null(const std::optional<DaemonStatus::Time>& time) {
  return time ? boost::json::value(rfc3339(*time)) : boost::json::value(nullptr);
}

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
}

// "in 4m 51s", "12s ago": a moment relative to now, to the second.
std::string relative(std::int64_t seconds) {
  const std::int64_t magnitude = seconds < 0 ? -seconds : seconds;
  std::string span;
  if (magnitude >= 3600)
    span = fmt::format("{}h {}m", magnitude / 3600, magnitude % 3600 / 60);
  else if (magnitude >= 60)
    span = fmt::format("{}m {}s", magnitude / 60, magnitude % 60);
  else
    span = fmt::format("{}s", magnitude);
  return seconds < 0 ? span + " ago" : "in " + span;
}

// A JSON time ("2026-11-30T18:02:31Z") as seconds from now; nullopt when it is not one.
std::optional<std::int64_t> seconds_from_now(std::string_view text) {
  std::tm parts{};
  const std::string copy(text);
  const char* end = ::strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&parts)) -
         static_cast<std::int64_t>(std::time(nullptr));
}

// Reads fields of the daemon's JSON leniently: a daemon of another version may have more or fewer.
struct Reader {
  simdjson::dom::element element;

  std::string text(std::string_view key) const {
    std::string_view value;
    if (element[key].get_string().get(value) != simdjson::SUCCESS) return {};
    return std::string(value);
  }
  bool flag(std::string_view key) const {
    bool value = false;
    return element[key].get_bool().get(value) == simdjson::SUCCESS && value;
  }
  std::optional<Reader> child(std::string_view key) const {
    simdjson::dom::element inner;
    if (element[key].get(inner) != simdjson::SUCCESS || !inner.is_object()) return std::nullopt;
    return Reader{inner};
  }
};

std::string when(const std::string& time) {
  const auto seconds = seconds_from_now(time);
  return seconds ? time + " (" + relative(*seconds) + ")" : time;
}

void print_status(std::string_view json, const std::string& listen, std::ostream& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS || !root.is_object()) {
    out << "cfsync daemon at " << listen << " answered something that is not a status\n";
    return;
  }
  const Reader status{root};
  const std::string revision = status.text("revision");
  const std::optional<Reader> source = status.child("source");
  std::string source_line;
  if (source) {
    const std::string fetched = source->text("fetched");
    const std::string last_fetch = source->text("last_fetch");
    const std::string result = source->text("last_fetch_result");
    const std::string error = source->text("last_fetch_error");
    source_line = "following " + source->text("ref");
    if (!last_fetch.empty()) source_line += "; last fetch " + result + " " + when(last_fetch);
    if (!fetched.empty() && fetched != revision) source_line += "; fetched " + fetched;
    if (!error.empty()) source_line += "\n              " + error;
  }
  std::string pass_line = "none yet";
  if (const std::optional<Reader> pass = status.child("last_pass")) {
    const std::string finished = pass->text("finished");
    const std::string result = pass->text("result");
    const std::string summary = pass->text("summary");
    pass_line = result + ", finished " + when(finished) + "\n              " + summary;
  }
  const bool running = status.flag("running");
  const std::string next = status.text("next_pass");
  const std::string last_error = status.text("last_error");
  const std::string config_error = status.text("config_error");
  const bool suspended = status.flag("suspended");
  const bool ready = status.flag("ready");

  out << "cfsync daemon at " << listen << ": " << (ready ? "ready" : "not ready") << "\n";
  out << "  revision:   " << (revision.empty() ? "(not a git checkout)" : revision) << "\n";
  if (!source_line.empty()) out << "  source:     " << source_line << "\n";
  out << "  last pass:  " << pass_line << "\n";
  out << "  next pass:  "
      << (running        ? "running now"
          : next.empty() ? "not scheduled"
                         : when(next))
      << "\n";
  out << "  suspended:  "
      << (suspended ? "yes: `suspend: true` in the configuration; plans only, no writes" : "no")
      << "\n";
  if (!config_error.empty()) out << "  config:     " << config_error << "\n";
  out << "  last error: " << (last_error.empty() ? "none" : last_error) << "\n";
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string status_json(const DaemonStatus& status) {
  boost::json::object json;
  json["revision"] = status.revision ? boost::json::value(*status.revision) : nullptr;
  if (status.source) {
    const DaemonStatus::Source& source = *status.source;
    json["source"] = boost::json::object{
        {"ref", source.ref},
        {"fetched", source.fetched ? boost::json::value(*source.fetched) : nullptr},
        {"last_fetch", time_or_null(source.last_fetch)},
        {"last_fetch_result", text_or_null(source.last_fetch_result)},
        {"last_fetch_error", text_or_null(source.last_fetch_error)}};
  }
  if (status.last_pass) {
    const DaemonStatus::Pass& pass = *status.last_pass;
    json["last_pass"] = boost::json::object{{"started", rfc3339(pass.started)},
                                            {"finished", rfc3339(pass.finished)},
                                            {"result", pass.result},
                                            {"summary", pass.summary},
                                            {"changes_planned", pass.planned},
                                            {"changes_applied", pass.applied},
                                            {"drift", pass.drift},
                                            {"suspended", pass.suspended}};
  } else {
    json["last_pass"] = nullptr;
  }
  json["running"] = status.running;
  json["next_pass"] = time_or_null(status.next_pass);
  json["last_error"] = text_or_null(status.last_error);
  json["config_error"] = text_or_null(status.config_error);
  json["suspended"] = status.suspended;
  json["ready"] = status.ready;
  return boost::json::serialize(json) + "\n";
}

int status_command(const Options& options, std::ostream& out) {
  if (options.output == OutputFormat::markdown) {
    std::fprintf(stderr,
                 "cfsync: error: status prints text or json; --output markdown is for plan and "
                 "apply\n");
    return 1;
  }
  const std::string& listen = options.listen.value_or("");
  auto answer = get_from_listener(listen, "/status", k_status_timeout);
  if (!answer) {
    std::fprintf(stderr, "cfsync: error: %s\n", answer.error().describe().c_str());
    return 1;
  }
  if (answer->status != 200) {
    std::fprintf(stderr,
                 "cfsync: error: the daemon at %s answered /status with %d (is it cfsync run?)\n",
                 listen.c_str(), answer->status);
    return 1;
  }
  if (options.output == OutputFormat::json) {
    out << answer->body;
  } else {
    print_status(answer->body, listen, out);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool ready = false;
  if (parser.parse(answer->body).get(root) == simdjson::SUCCESS) ready = Reader{root}.flag("ready");
  return ready ? 0 : 3;
}

}  // namespace cfsync::daemon
