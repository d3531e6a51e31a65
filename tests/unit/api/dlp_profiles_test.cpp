// Profiles and entries without sockets: the responses read, the requests built, and what the
// provider sends for them.
#include "api/dlp_profiles.hpp"

#include "api/client.hpp"
#include "api/provider.hpp"
#include "reconcile/planner.hpp"
#include "tests/support/printers.hpp"
#include "tests/unit/api/fake_clock.hpp"
#include "tests/unit/api/fake_transport.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace cfsync::api {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";

std::string envelope(const std::string& result) {
  return R"({"success":true,"errors":[],"messages":[],"result":)" + result + "}";
}

const std::string k_custom = R"({
  "id": "p-1", "name": "Employee IDs", "type": "custom", "description": null,
  "allowed_match_count": 3, "confidence_threshold": "medium", "ocr_enabled": true,
  "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
  "context_awareness": {"enabled": true, "skip": {"files": false}},
  "entries": [
    {"id": "e-1", "name": "Employee number", "type": "custom", "enabled": true,
     "pattern": {"regex": "EMP-[0-9]{6}", "validation": "luhn"}, "description": "HR",
     "created_at": "x", "updated_at": "x"},
    {"id": "e-2", "name": "Badge words", "type": "word_list", "enabled": true,
     "word_list": {"words": ["lanyard", "badge"]}, "created_at": "x", "updated_at": "x"},
    {"id": "e-3", "name": "Bare words", "type": "word_list", "enabled": false,
     "word_list": ["b", "a"], "created_at": "x", "updated_at": "x"},
    {"id": "e-4", "name": "Prompt topic", "type": "custom_prompt_topic", "enabled": true,
     "created_at": "x", "updated_at": "x"}
  ],
  "shared_entries": [{"id": "S-1", "name": "Visa", "type": "predefined", "enabled": false,
                      "confidence": {"available": true, "ai_context_available": false}}],
  "data_classes": ["c-1"], "sensitivity_levels": [{"group_id": "g", "level_id": "l"}]
})";

const std::string k_predefined = R"({
  "id": "pd-1", "name": "Credit Card Numbers", "type": "predefined", "allowed_match_count": 0,
  "entries": [{"id": "v-1", "name": "Visa Card Number", "type": "predefined", "enabled": true,
               "confidence": {"available": true, "ai_context_available": false}}]
})";

const std::string k_integration = R"({"id": "i-1", "name": "Microsoft", "type": "integration",
  "created_at": "x", "updated_at": "x", "entries": [], "shared_entries": []})";

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

TEST_CASE("the profile list: custom, predefined, and the others kept by name") {
  const std::string untyped = R"({"id": "u-1", "name": "Untyped"})";
  const auto listing =
      parse_profiles_response({.status = 200,
                               .body = envelope("[" + k_custom + "," + k_predefined + "," +
                                                k_integration + "," + untyped + "]")});
  REQUIRE(listing);
  CHECK(listing->without_entries.empty());
  REQUIRE(listing->profiles.custom.size() == 1);
  const LiveProfile& profile = listing->profiles.custom.front();
  CHECK(profile.description.empty());
  CHECK(profile.allowed_match_count == 3);
  CHECK(profile.confidence_threshold == Confidence::medium);
  CHECK(profile.ocr_enabled);
  CHECK_FALSE(profile.ai_context_enabled);     // absent: the spec's default
  REQUIRE(profile.entries.size() == 3);        // the prompt topic is not an entry cfsync manages,
  REQUIRE(profile.other_entries.size() == 1);  // but its name is taken
  CHECK(profile.other_entries.front().type == "custom_prompt_topic");
  CHECK(profile.entries.at(0).regex.reveal() == "EMP-[0-9]{6}");
  CHECK(profile.entries.at(0).validation == "luhn");
  CHECK(profile.entries.at(1).kind == EntryKind::words);
  CHECK(profile.entries.at(1).words == WordList{"badge", "lanyard"});
  CHECK(profile.entries.at(2).words == WordList{"a", "b"});  // word_list as a bare array
  CHECK(profile.shared_entries == std::vector<SharedEntry>{{"S-1", false}});
  CHECK(profile.data_classes == std::vector<std::string>{"c-1"});
  CHECK(profile.sensitivity_levels.size() == 1);
  CHECK(profile.context_awareness == ContextAwareness{true, false});
  REQUIRE(listing->profiles.predefined.size() == 1);
  CHECK(listing->profiles.predefined.front().entries.front().enabled);
  REQUIRE(listing->profiles.others.size() == 2);
  CHECK(listing->profiles.others.at(0).type == "integration");
  CHECK(listing->profiles.others.at(1) == LiveOther{"u-1", "Untyped", ""});
}

TEST_CASE("profiles listed without their entries get them from the entries list") {
  std::string bare = k_custom;
  bare.erase(bare.find("\"entries\""), bare.find("\"shared_entries\"") - bare.find("\"entries\""));
  auto listing = parse_profiles_response({.status = 200, .body = envelope("[" + bare + "]")});
  REQUIRE(listing);
  CHECK(listing->without_entries == std::vector<std::string>{"p-1"});
  CHECK(listing->profiles.custom.front().entries.empty());

  const std::string entries = R"([
    {"id": "e-1", "name": "Employee number", "type": "custom", "enabled": true, "profile_id": "p-1",
     "pattern": {"regex": "EMP"}, "created_at": "x", "updated_at": "x"},
    {"id": "e-9", "name": "Other", "type": "custom", "enabled": true, "profile_id": "p-2",
     "pattern": {"regex": "X"}, "created_at": "x", "updated_at": "x"}])";
  REQUIRE(add_listed_entries({.status = 200, .body = envelope(entries)}, *listing));
  REQUIRE(listing->profiles.custom.front().entries.size() == 1);
  CHECK(listing->profiles.custom.front().entries.front().id == "e-1");
}

TEST_CASE("responses that cannot be trusted") {
  for (
      const std::string& body :
      {envelope(R"([{"id":"p","name":"n","type":"custom"}])"),
       envelope(
           R"([{"id":"p","name":"n","type":"custom","allowed_match_count":0,"confidence_threshold":"extreme"}])"),
       envelope(
           R"([{"id":"p","name":"n","type":"custom","allowed_match_count":0,"entries":[{"id":"e","name":"w","type":"word_list","enabled":true}]}])"),
       envelope(R"({"not":"a list"})")}) {
    CAPTURE(body);
    const auto listing = parse_profiles_response({.status = 200, .body = body});
    REQUIRE_FALSE(listing);
    CHECK(listing.error().kind() == ErrorKind::protocol);
  }
}

simdjson::dom::element parsed(simdjson::dom::parser& parser, const HttpRequest& request) {
  return parser.parse(request.body);
}

TEST_CASE("create: declared fields only, entries inline") {
  CreateProfile create{
      {.name = "P",
       .allowed_match_count = 2,
       .entries =
           std::vector<DesiredEntry>{{.name = "R", .regex = Sensitive("a+"), .description = "d"},
                                     {.name = "W", .words = WordList{"x", "y"}, .enabled = false}},
       .shared_entries = std::vector<SharedEntry>{{"s-1", true}}}};
  const HttpRequest request = create_profile_request(k_account, create);
  CHECK(request.method == Method::post);
  CHECK(request.target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/profiles/custom");
  CHECK_FALSE(request.idempotent);
  simdjson::dom::parser parser;
  const auto body = parsed(parser, request);
  CHECK(std::string_view(body["name"]) == "P");
  CHECK(int64_t(body["allowed_match_count"]) == 2);
  CHECK(body["description"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(body["ocr_enabled"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(body["data_classes"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(std::string_view(body["entries"].at(0)["pattern"]["regex"]) == "a+");
  CHECK(std::string_view(body["entries"].at(0)["description"]) == "d");
  CHECK(std::string_view(body["entries"].at(1)["words"].at(1)) == "y");
  CHECK(bool(body["entries"].at(1)["enabled"]) == false);
  CHECK(std::string_view(body["shared_entries"].at(0)["entry_id"]) == "s-1");
}

TEST_CASE("update: every scalar, null description, no entries, lists only when set") {
  UpdateProfile update{"p-1",
                       {.name = "P",
                        .allowed_match_count = 0,
                        .confidence_threshold = Confidence::high,
                        .ocr_enabled = false,
                        .ai_context_enabled = true,
                        .shared_entries = std::vector<SharedEntry>{},
                        .data_tags = std::vector<std::string>{"t-1"}},
                       ContextAwareness{false, true}};
  const HttpRequest request = update_profile_request(k_account, update);
  CHECK(request.method == Method::put);
  CHECK(request.target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/profiles/custom/p-1");
  simdjson::dom::parser parser;
  const auto body = parsed(parser, request);
  CHECK(body["description"].is_null());
  CHECK(int64_t(body["allowed_match_count"]) == 0);
  CHECK(std::string_view(body["confidence_threshold"]) == "high");
  CHECK(bool(body["ai_context_enabled"]));
  CHECK(simdjson::dom::array(body["shared_entries"]).size() == 0);
  CHECK(body["entries"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(body["data_classes"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(std::string_view(body["data_tags"].at(0)) == "t-1");
  CHECK(bool(body["context_awareness"]["skip"]["files"]));
}

TEST_CASE("entry and predefined requests") {
  simdjson::dom::parser parser;
  const HttpRequest create =
      create_entry_request(k_account, {"p-1", {.name = "R", .regex = Sensitive("x")}});
  CHECK(create.target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/entries");
  CHECK_FALSE(create.idempotent);
  CHECK(std::string_view(parsed(parser, create)["profile_id"]) == "p-1");

  const HttpRequest update =
      update_entry_request(k_account, {"e-1", {.name = "R", .regex = Sensitive("y")}, "luhn"});
  CHECK(update.target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/entries/custom/e-1");
  CHECK(std::string_view(parsed(parser, update)["pattern"]["validation"]) == "luhn");
  CHECK(parsed(parser, update)["description"].is_null());

  CHECK(delete_entry_request(k_account, {"e/1"}).target ==
        "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/entries/e%2F1");
  CHECK(toggle_entry_request(k_account, {"v-1", true}).body == R"({"enabled":true})");
  CHECK(update_predefined_request(k_account, {"pd-1", 1, Confidence::high, false, true}).body ==
        R"({"allowed_match_count":1,"confidence_threshold":"high","ocr_enabled":false,)"
        R"("ai_context_enabled":true})");
}

TEST_CASE("populate: one read, two when profiles come without entries") {
  test::FakeTransport transport;
  CloudflareProvider provider(transport, k_account, quiet());
  DesiredState desired{.account_id = k_account, .profiles = {{.name = "Employee IDs"}}};
  transport.answer(200, envelope("[" + k_custom + "," + k_predefined + "]"));
  REQUIRE(provider.populate(desired));
  CHECK(transport.sent.size() == 1);

  std::string bare = k_custom;
  bare.erase(bare.find("\"entries\""), bare.find("\"shared_entries\"") - bare.find("\"entries\""));
  transport.answer(200, envelope("[" + bare + "]"));
  transport.answer(200, envelope("[]"));
  REQUIRE(provider.populate(desired));
  REQUIRE(transport.sent.size() == 3);
  CHECK(transport.sent.at(2).target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/entries");
}

TEST_CASE("apply checks a created profile against what was asked") {
  test::FakeTransport transport;
  CloudflareProvider provider(transport, k_account, quiet());
  Plan plan;
  plan.changes.push_back(
      {.kind = ResourceKind::dlp_profile,
       .name = "Employee IDs",
       .action = Action::create,
       .payload = CreateProfile{{.name = "Employee IDs", .allowed_match_count = 5}}});
  transport.answer(200, envelope(k_custom));  // reports 3
  const ApplyReport report = provider.apply(plan);
  REQUIRE_FALSE(report.ok());
  CHECK(report.outcomes.front().error->message() ==
        "the API accepted the change but still reports different allowed_match_count");
}

TEST_CASE("a created profile answered with another name or other entries failed") {
  for (const DesiredProfile& sent :
       {DesiredProfile{.name = "Employees"}, DesiredProfile{.name = "Employee IDs",
                                             .entries = std::vector<DesiredEntry>{{.name = "Badge",
                                                        .regex = Sensitive("B-[0-9]{4}")}}}}) {
    CAPTURE(sent.name);
    test::FakeTransport transport;
    CloudflareProvider provider(transport, k_account, quiet());
    Plan plan;
    plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                            .name = sent.name,
                            .action = Action::create,
                            .payload = CreateProfile{sent}});
    transport.answer(200, envelope(k_custom));  // "Employee IDs", with its own entries
    const ApplyReport report = provider.apply(plan);
    REQUIRE_FALSE(report.ok());
    CHECK(report.outcomes.front().error->message() ==
          std::string("the API accepted the change but still reports different ") +
              (sent.entries ? "entries" : "name"));
  }
}

// A client that retries at once, over the fake transport.
struct Retrying {
  test::FakeTransport transport;
  test::FakeClock clock;
  Client client{transport, {.retry = {.attempts = 2}}, clock, [] { return 0.0; }, quiet()};
};

Error lost_answer() {
  Error error(ErrorKind::network, "reading the response failed: Connection reset by peer");
  error.request_sent = true;
  return error;
}

TEST_CASE("a profile create whose answer was lost is found, not made twice") {
  Retrying setup;
  CloudflareProvider provider(setup.client, k_account, quiet());
  Plan plan;
  plan.changes.push_back(
      {.kind = ResourceKind::dlp_profile,
       .name = "Employee IDs",
       .action = Action::create,
       .payload = CreateProfile{{.name = "Employee IDs", .allowed_match_count = 3}}});
  setup.transport.fail(lost_answer());
  setup.transport.answer(200, envelope("[" + k_custom + "]"));  // the create happened
  const ApplyReport report = provider.apply(plan);
  CHECK_MESSAGE(report.ok(), report.outcomes.front().error->describe());
  REQUIRE(setup.transport.sent.size() == 2);
  CHECK(setup.transport.sent.at(0).method == Method::post);
  CHECK(setup.transport.sent.at(1).method == Method::get);
}

TEST_CASE("a change that gives up fails alone, the others are applied") {
  Retrying setup;
  CloudflareProvider provider(setup.client, k_account, quiet());
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                          .name = "Old",
                          .id = "p-9",
                          .action = Action::delete_,
                          .payload = DeleteProfile{"p-9"}});
  plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                          .name = "Older",
                          .id = "p-8",
                          .action = Action::delete_,
                          .payload = DeleteProfile{"p-8"}});
  const std::string unavailable =
      R"({"success":false,"errors":[{"code":10002,"message":"Service unavailable"}]})";
  setup.transport.answer(503, unavailable);
  setup.transport.answer(503, unavailable);
  setup.transport.answer(200, envelope("null"));
  const ApplyReport report = provider.apply(plan);
  CHECK_FALSE(report.ok());
  REQUIRE(report.outcomes.at(0).error);
  CHECK(report.outcomes.at(0).error->describe() ==
        "gave up after 2 attempts: the API answered HTTP 503 [10002: Service unavailable]");
  CHECK_FALSE(report.outcomes.at(1).error);
  CHECK(setup.transport.sent.size() == 3);
}

}  // namespace
}  // namespace cfsync::api
