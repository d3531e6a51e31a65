// The emulator's profiles and entries, without sockets: what each endpoint does to the state,
// and what it refuses.
#include "tests/emulator/emulator.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>
#include <boost/json/serialize.hpp>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;
using namespace testing;

constexpr const char* k_credit_cards = "a7fa0471-2169-447c-8e9d-a2a9b34f6fc5";
constexpr const char* k_visa = "1fa4a9bf-9303-48a0-9faf-121a65181898";

const std::string k_profile_body = R"({"name": "Employee IDs", "allowed_match_count": 3,
  "data_tags": ["56a8c060-01bb-4f89-ba1e-3ad42770a342"],
  "entries": [{"name": "Employee number", "enabled": true, "pattern": {"regex": "EMP-[0-9]{6}"}},
              {"name": "Badge words", "enabled": true, "words": ["badge", "lanyard"]}],
  "shared_entries": [{"entry_id": "1fa4a9bf-9303-48a0-9faf-121a65181898", "enabled": true}]})";

json::object create_profile(Emulator& emulator) {
  const Response response = call(emulator, "POST", k_dlp + "/profiles/custom", k_profile_body);
  REQUIRE(response.status == 200);
  return result_of(response).as_object();
}

json::array custom_profiles(Emulator& emulator) {
  return result_of(call(emulator, "GET", k_dlp + "/profiles/custom")).as_array();
}

TEST_CASE("a new account has the predefined profiles, with stable ids, and no custom ones") {
  Emulator emulator = make();
  const json::array all = result_of(call(emulator, "GET", k_dlp + "/profiles")).as_array();
  CHECK(all.size() == 3);
  const json::object cards =
      result_of(call(emulator, "GET", k_dlp + "/profiles/" + k_credit_cards)).as_object();
  CHECK(cards.at("name") == "Credit Card Numbers");
  CHECK(cards.at("type") == "predefined");
  CHECK(cards.at("entries").as_array().at(0).at("id") == k_visa);
  CHECK(cards.at("entries").as_array().at(0).at("enabled") == false);
  CHECK(custom_profiles(emulator).empty());
}

TEST_CASE("creating a custom profile creates its entries and shows its shared entries") {
  Emulator emulator = make();
  const json::object profile = create_profile(emulator);
  CHECK(profile.at("type") == "custom");
  CHECK(profile.at("confidence_threshold") == "low");  // the default
  CHECK(profile.at("ocr_enabled") == false);
  const json::array& entries = profile.at("entries").as_array();
  REQUIRE(entries.size() == 2);
  CHECK(entries.at(0).at("type") == "custom");
  CHECK(entries.at(0).at("profile_id") == profile.at("id"));
  CHECK(entries.at(1).at("type") == "word_list");
  CHECK(entries.at(1).at("word_list").at("words").as_array().size() == 2);
  const json::array& shared = profile.at("shared_entries").as_array();
  REQUIRE(shared.size() == 1);
  CHECK(shared.at(0).at("name") == "Visa Card Number");
  CHECK(shared.at(0).at("enabled") == true);  // the profile's switch, not the entry's own

  const json::array all_entries = result_of(call(emulator, "GET", k_dlp + "/entries")).as_array();
  CHECK(all_entries.size() == 10 + 2);  // the predefined ones and the two new ones
}

TEST_CASE("PUT replaces the profile's fields, but keeps undeclared lists and its entries") {
  Emulator emulator = make();
  const json::object created = create_profile(emulator);
  const std::string path = k_dlp + "/profiles/custom/" + std::string(created.at("id").as_string());
  const Response response =
      call(emulator, "PUT", path, R"({"name": "Renamed", "ocr_enabled": true})");
  REQUIRE(response.status == 200);
  const json::object profile = result_of(response).as_object();
  CHECK(profile.at("name") == "Renamed");
  CHECK(profile.at("allowed_match_count") == 0);           // reset
  CHECK(profile.at("shared_entries").as_array().empty());  // reset: not sent
  CHECK(profile.at("data_tags").as_array().size() == 1);   // "If omitted, ... unchanged"
  CHECK(profile.at("entries").as_array().size() == 2);     // entries have their own API
  CHECK(profile.at("updated_at") != created.at("updated_at"));
}

TEST_CASE("DELETE removes the profile and the entries it owns") {
  Emulator emulator = make();
  const json::object created = create_profile(emulator);
  const std::string id(created.at("id").as_string());
  CHECK(call(emulator, "DELETE", k_dlp + "/profiles/custom/" + id).status == 200);
  CHECK(custom_profiles(emulator).empty());
  CHECK(result_of(call(emulator, "GET", k_dlp + "/entries")).as_array().size() == 10);
  CHECK(call(emulator, "GET", k_dlp + "/profiles/custom/" + id).status == 404);
  CHECK(call(emulator, "DELETE", k_dlp + "/profiles/custom/" + id).status == 404);
}

TEST_CASE("entries: create in a profile, update, delete") {
  Emulator emulator = make();
  const std::string profile_id(create_profile(emulator).at("id").as_string());
  const Response created =
      call(emulator, "POST", k_dlp + "/entries",
           R"({"name": "New", "enabled": false, "pattern": {"regex": "N{1,5}"},)"
           R"( "profile_id": ")" +
               profile_id + R"("})");
  REQUIRE(created.status == 200);
  const std::string entry_id(result_of(created).at("id").as_string());

  const Response updated =
      call(emulator, "PUT", k_dlp + "/entries/custom/" + entry_id,
           R"({"name": "New", "enabled": true, "pattern": {"regex": "M{1,5}"}})");
  REQUIRE(updated.status == 200);
  CHECK(result_of(updated).at("pattern").at("regex") == "M{1,5}");

  const json::object profile =
      result_of(call(emulator, "GET", k_dlp + "/profiles/custom/" + profile_id)).as_object();
  CHECK(profile.at("entries").as_array().size() == 3);

  CHECK(call(emulator, "DELETE", k_dlp + "/entries/" + entry_id).status == 200);
  CHECK(call(emulator, "GET", k_dlp + "/entries/" + entry_id).status == 404);
}

TEST_CASE("predefined entries and profiles are configured, never created or deleted") {
  Emulator emulator = make();
  const Response toggled =
      call(emulator, "PUT", k_dlp + "/entries/predefined/" + k_visa, R"({"enabled": true})");
  REQUIRE(toggled.status == 200);
  CHECK(result_of(toggled).at("enabled") == true);

  const Response settings = call(emulator, "PUT", k_dlp + "/profiles/predefined/" + k_credit_cards,
                                 R"({"allowed_match_count": 2, "confidence_threshold": "high"})");
  REQUIRE(settings.status == 200);
  CHECK(result_of(settings).at("allowed_match_count") == 2);
  CHECK(result_of(settings).at("ocr_enabled") == false);  // not sent: unchanged

  const json::object config =
      result_of(call(emulator, "GET", k_dlp + "/profiles/predefined/" + k_credit_cards + "/config"))
          .as_object();
  CHECK(config.at("enabled_entries") == json::array{k_visa});

  CHECK(call(emulator, "DELETE", k_dlp + "/entries/" + k_visa).status == 404);  // not custom
  CHECK(call(emulator, "DELETE", k_dlp + "/profiles/predefined/" + k_credit_cards).status == 200);
  CHECK(result_of(call(emulator, "GET", k_dlp + "/profiles")).as_array().size() == 3);
}

TEST_CASE("invalid profile and entry bodies get a specific 400 and change nothing") {
  struct Row {
    std::string method;
    std::string path;
    std::string body;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"POST", "/profiles/custom", R"({"allowed_match_count": 1})",
       "Invalid request body: name is required"},
      {"POST", "/profiles/custom", R"({"name": "P", "allowed_match_count": 1001})",
       "Invalid request body: allowed_match_count must be an integer from 0 to 1000, got 1001"},
      {"POST", "/profiles/custom", R"({"name": "P", "confidence_threshold": "extreme"})",
       "Invalid request body: confidence_threshold must be one of low, medium, high, very_high, "
       "got \"extreme\""},
      {"POST", "/profiles/custom", R"({"name": "P", "entries": [{"name": "E", "enabled": true}]})",
       "Invalid request body: entries[0].pattern is required"},
      {"POST", "/profiles/custom",
       R"({"name": "P", "shared_entries": [{"entry_id": "00000000-0000-4000-8000-000000000000", "enabled": true}]})",
       "Invalid request body: shared_entries: entry 00000000-0000-4000-8000-000000000000 does "
       "not exist"},
      {"POST", "/entries", R"({"name": "E", "enabled": true, "words": ["a"]})",
       "Invalid request body: pattern is required"},
      // Cloudflare refuses a regex that can match text of unbounded length.
      {"POST", "/profiles/custom",
       R"({"name": "P", "entries": [{"name": "E", "enabled": true, "pattern": {"regex": "EMP-[0-9]+"}}]})",
       "Invalid request body: entries[0].pattern.regex can match a string of unbounded length "
       "(character 10); the regex will be rejected if it uses * or +, bound it with a range such "
       "as {1,100}"},
      {"POST", "/entries", R"({"name": "E", "enabled": true, "pattern": {"regex": "[*+]{3,}"}})",
       "Invalid request body: pattern.regex can match a string of unbounded length (character 5); "
       "the regex will be rejected if it uses * or +, bound it with a range such as {1,100}"},
      {"PUT", std::string("/entries/predefined/") + k_visa, R"({"enabled": "yes"})",
       "Invalid request body: enabled must be a boolean, got a string"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.body);
    Emulator emulator = make();
    const std::string before = json::serialize(emulator.state());
    const Response response = call(emulator, row.method, k_dlp + row.path, row.body);
    CHECK(response.status == 400);
    CHECK(error_of(response) == row.message);
    CHECK(json::serialize(emulator.state()) == before);
  }
}

TEST_CASE("ids that do not exist") {
  Emulator emulator = make();
  const std::string missing = "00000000-0000-4000-8000-000000000000";
  CHECK(call(emulator, "PUT", k_dlp + "/profiles/custom/" + missing, R"({"name": "x"})").status ==
        404);
  CHECK(call(emulator, "PUT", k_dlp + "/entries/custom/" + missing,
             R"({"name": "x", "enabled": true, "pattern": {"regex": "x"}})")
            .status == 404);
  CHECK(call(emulator, "POST", k_dlp + "/entries",
             R"({"name": "x", "enabled": true, "pattern": {"regex": "x"}, "profile_id": ")" +
                 missing + "\"}")
            .status == 404);
  CHECK(error_of(call(emulator, "GET", k_dlp + "/profiles/" + missing)) ==
        "profile " + missing + " not found");
}

TEST_CASE("profiles and entries survive a restart with --state") {
  test::TempDir dir;
  const auto file = dir.path() / "state.json";
  std::string id;
  {
    Emulator emulator = make(file);
    id = std::string(create_profile(emulator).at("id").as_string());
  }
  Emulator restarted = make(file);
  const json::array profiles = custom_profiles(restarted);
  REQUIRE(profiles.size() == 1);
  CHECK(profiles.at(0).at("id") == id.c_str());
  CHECK(profiles.at(0).at("entries").as_array().size() == 2);
  CHECK(result_of(call(restarted, "GET", k_dlp + "/profiles")).as_array().size() == 4);
}

}  // namespace
}  // namespace cfsync::emulator
