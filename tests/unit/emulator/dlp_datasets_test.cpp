// The emulator's DLP datasets, without sockets: word lists, EDMv2 from the fixture, versions,
// the upload lifecycle, and what each endpoint refuses.
#include "tests/emulator/emulator.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>
#include <boost/json/serialize.hpp>

#include <set>
#include <stdexcept>
#include <vector>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;
using namespace testing;

const std::string k_datasets = k_dlp + "/datasets";
const std::string k_fixture =
    R"({"dlp":{"datasets":[{"name":"customer-records","encoding_version":2,)"
    R"("columns":["email","account"],"description":"From the CRM"}]}})";

// The fields of the spec's response schemas, exactly: nothing of the emulator's own leaks.
const std::set<std::string> k_dataset_fields = {
    "id",        "name",   "description", "secret",     "case_sensitive", "encoding_version",
    "num_cells", "status", "created_at",  "updated_at", "uploads",        "columns"};
const std::set<std::string> k_column_fields = {"entry_id", "header_name", "num_cells",
                                               "upload_status"};
const std::set<std::string> k_upload_fields = {"version", "status", "num_cells"};

std::set<std::string> fields_of(const json::value& value) {
  std::set<std::string> out;
  for (const auto& field : value.as_object()) out.emplace(field.key());
  return out;
}

Emulator make_with(const test::TempDir& dir, Options options = {},
                   Emulator::Clock clock = ticking()) {
  options.token = "tok";
  options.accounts = {k_account};
  options.fixture_file = dir.write("fixture.json", k_fixture);
  return Emulator(std::move(options), std::move(clock));
}

// An octet-stream body, as cfsync sends word lists and columns.
Response upload(Emulator& emulator, const std::string& path, std::string body) {
  Request request{.method = "POST", .path = path, .body = std::move(body)};
  request.headers["authorization"] = "Bearer tok";
  request.headers["content-type"] = "application/octet-stream";
  return emulator.handle(request);
}

json::object create(Emulator& emulator, const std::string& body) {
  const Response response = call(emulator, "POST", k_datasets, body);
  REQUIRE(response.status == 200);
  return result_of(response).as_object();
}

json::object dataset(Emulator& emulator, const std::string& id) {
  const Response response = call(emulator, "GET", k_datasets + "/" + id);
  REQUIRE(response.status == 200);
  return result_of(response).as_object();
}

json::object named(Emulator& emulator, std::string_view name) {
  const json::value all = result_of(call(emulator, "GET", k_datasets));
  for (const json::value& item : all.as_array()) {
    if (item.at("name").as_string() == name) return item.as_object();
  }
  FAIL("no dataset named " << name);
  return {};
}

std::string id_of(const json::value& value, std::string_view key = "id") {
  return std::string(value.at(key).as_string());
}

json::array uploads(std::initializer_list<std::tuple<int, const char*, int>> rows) {
  json::array out;
  for (const auto& [version, status, cells] : rows) {
    out.push_back(json::object{{"version", version}, {"status", status}, {"num_cells", cells}});
  }
  return out;
}

TEST_CASE("a word list: creation reserves version 1, an upload fills it") {
  Emulator emulator = make();
  const json::object created =
      create(emulator, R"({"name": "Project names", "secret": false, "case_sensitive": false})");
  CHECK(fields_of(created) ==
        std::set<std::string>{"dataset", "version", "max_cells", "encoding_version"});
  CHECK(created.at("version") == 1);
  CHECK(created.at("encoding_version") == 1);  // 0 (omitted) reads as 1
  CHECK(created.at("max_cells").as_int64() > 0);
  const json::object& fresh = created.at("dataset").as_object();
  CHECK(fields_of(fresh) == k_dataset_fields);
  CHECK(fresh.at("name") == "Project names");
  CHECK(fresh.at("description").is_null());
  CHECK(fresh.at("secret") == false);
  CHECK(fresh.at("case_sensitive") == false);
  CHECK(fresh.at("encoding_version") == 1);
  CHECK(fresh.at("status") == "empty");
  CHECK(fresh.at("num_cells") == 0);
  CHECK(fresh.at("uploads") == uploads({{1, "empty", 0}}));
  CHECK(fresh.at("columns").as_array().empty());

  const std::string id = id_of(fresh);
  const Response uploaded =
      upload(emulator, k_datasets + "/" + id + "/upload/1", "apollo\r\ngemini\n\n\r\nmercury");
  REQUIRE(uploaded.status == 200);
  const json::object filled = result_of(uploaded).as_object();
  CHECK(fields_of(filled) == k_dataset_fields);
  CHECK(filled.at("num_cells") == 3);  // blank lines are not cells; CR LF is one newline
  CHECK(filled.at("status") == "complete");
  CHECK(filled.at("uploads") == uploads({{1, "complete", 3}}));
  CHECK(filled.at("created_at") == fresh.at("created_at"));
  CHECK(filled.at("updated_at") != fresh.at("updated_at"));
  CHECK(dataset(emulator, id) == filled);
  CHECK(result_of(call(emulator, "GET", k_datasets)).as_array() == json::array{filled});
}

TEST_CASE("a new version is the latest: the dataset shows its status and cells") {
  Emulator emulator = make();
  const std::string id = id_of(create(emulator, R"({"name": "Words"})").at("dataset"));
  REQUIRE(upload(emulator, k_datasets + "/" + id + "/upload/1", "a\nb\nc\n").status == 200);

  const Response made = call(emulator, "POST", k_datasets + "/" + id + "/upload");
  REQUIRE(made.status == 200);
  const json::object version = result_of(made).as_object();
  CHECK(fields_of(version) ==
        std::set<std::string>{"version", "max_cells", "encoding_version", "case_sensitive"});
  CHECK(version.at("version") == 2);
  CHECK(version.at("case_sensitive") == true);  // the default
  const json::object pending = dataset(emulator, id);
  CHECK(pending.at("status") == "empty");
  CHECK(pending.at("num_cells") == 0);
  CHECK(pending.at("uploads") == uploads({{1, "complete", 3}, {2, "empty", 0}}));

  REQUIRE(upload(emulator, k_datasets + "/" + id + "/upload/2", "x\ny").status == 200);
  const json::object done = dataset(emulator, id);
  CHECK(done.at("num_cells") == 2);
  CHECK(done.at("uploads") == uploads({{1, "complete", 3}, {2, "complete", 2}}));

  // A version takes one body; the next one takes a new version.
  const Response again = upload(emulator, k_datasets + "/" + id + "/upload/1", "z");
  CHECK(again.status == 409);
  CHECK(error_of(again) == "version 1 of dataset " + id +
                               " already has an upload; make a new version with POST /upload");
  CHECK(upload(emulator, k_datasets + "/" + id + "/upload/3", "z").status == 404);
}

TEST_CASE("a secret dataset shows its secret once") {
  Emulator emulator = make();
  const json::object created = create(emulator, R"({"name": "EDM", "secret": true})");
  REQUIRE(created.contains("secret"));
  const std::string secret(created.at("secret").as_string());
  CHECK(secret.size() >= 16);
  CHECK(created.at("dataset").at("secret") == true);
  CHECK(create(emulator, R"({"name": "EDM 2", "secret": true})").at("secret") != secret.c_str());
  CHECK(json::serialize(emulator.state()).find(secret) == std::string::npos);
  const std::string path = k_datasets + "/" + id_of(created.at("dataset"));
  CHECK(dataset(emulator, id_of(created.at("dataset"))).at("secret") == true);  // a flag only
  CHECK_FALSE(result_of(call(emulator, "POST", path + "/upload")).as_object().contains("secret"));
  const Response insensitive = call(emulator, "PUT", path, R"({"case_sensitive": false})");
  CHECK(insensitive.status == 400);
  CHECK(error_of(insensitive) ==
        "Invalid request body: case_sensitive cannot be false on a secret dataset");
}

TEST_CASE("EDMv2 from the fixture: columns defined per version, then uploaded one by one") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  const json::object records = named(emulator, "customer-records");
  CHECK(fields_of(records) == k_dataset_fields);
  CHECK(records.at("encoding_version") == 2);
  CHECK(records.at("secret") == false);
  CHECK(records.at("description") == "From the CRM");
  CHECK(records.at("status") == "empty");
  CHECK(records.at("uploads") == uploads({{1, "empty", 0}}));
  const json::array& columns = records.at("columns").as_array();
  REQUIRE(columns.size() == 2);
  CHECK(fields_of(columns.at(0)) == k_column_fields);
  CHECK(columns.at(0).at("header_name") == "email");
  CHECK(columns.at(1).at("header_name") == "account");
  CHECK(columns.at(1).at("upload_status") == "empty");
  CHECK(columns.at(1).at("num_cells") == 0);
  // Ids come from the account and the names: the same in every run, different per column.
  test::TempDir other;
  Emulator again = make_with(other);
  CHECK(named(again, "customer-records") == records);
  CHECK(columns.at(0).at("entry_id") != columns.at(1).at("entry_id"));

  const std::string id = id_of(records);
  const std::string email_id = id_of(columns.at(0), "entry_id");
  const std::string version = k_datasets + "/" + id + "/versions/1";
  const Response defined = call(emulator, "POST", version,
                                R"([{"entry_name": "Phone", "header_name": "phone", "num_cells": 7},
                                    {"entry_id": ")" +
                                    email_id + R"(", "header_name": "e-mail", "num_cells": 5}])");
  REQUIRE(defined.status == 200);
  const json::array defined_columns = result_of(defined).as_array();
  REQUIRE(defined_columns.size() == 2);  // in request order
  CHECK(fields_of(defined_columns.at(0)) == k_column_fields);
  CHECK(defined_columns.at(0).at("header_name") == "phone");
  CHECK(defined_columns.at(0).at("num_cells") == 7);  // as declared, until uploaded
  CHECK(defined_columns.at(0).at("upload_status") == "empty");
  const std::string phone_id = id_of(defined_columns.at(0), "entry_id");
  CHECK(phone_id != email_id);
  CHECK(defined_columns.at(1).at("entry_id") == email_id.c_str());
  CHECK(defined_columns.at(1).at("header_name") == "e-mail");
  // "account" was not listed: it is not a column of this version any more.
  CHECK(dataset(emulator, id).at("columns") == defined_columns);

  const Response email = upload(emulator, version + "/entries/" + email_id, "a@x.test\nb@x.test\n");
  REQUIRE(email.status == 200);
  CHECK(fields_of(result_of(email)) == k_column_fields);
  CHECK(result_of(email).at("num_cells") == 2);  // counted, not declared
  CHECK(result_of(email).at("upload_status") == "complete");
  json::object partial = dataset(emulator, id);
  CHECK(partial.at("status") == "empty");  // the phone column has no body yet
  CHECK(partial.at("num_cells") == 2 + 7);

  REQUIRE(upload(emulator, version + "/entries/" + phone_id, "555-0100\r\n").status == 200);
  const json::object complete = dataset(emulator, id);
  CHECK(complete.at("status") == "complete");
  CHECK(complete.at("num_cells") == 3);
  CHECK(complete.at("uploads") == uploads({{1, "complete", 3}}));
  CHECK(upload(emulator, version + "/entries/" + phone_id, "555-0101").status == 409);
  CHECK(call(emulator, "POST", version,
             R"([{"entry_name": "x", "header_name": "x", "num_cells": 1}])")
            .status == 409);

  // A new version starts from the latest columns, without cells.
  const Response next = call(emulator, "POST", k_datasets + "/" + id + "/upload");
  REQUIRE(next.status == 200);
  const json::object made = result_of(next).as_object();
  CHECK(made.at("version") == 2);
  CHECK(made.at("encoding_version") == 2);
  const json::array& carried = made.at("columns").as_array();
  REQUIRE(carried.size() == 2);
  CHECK(carried.at(0).at("entry_id") == phone_id.c_str());
  CHECK(carried.at(0).at("num_cells") == 0);
  CHECK(carried.at(0).at("upload_status") == "empty");
  REQUIRE(upload(emulator, k_datasets + "/" + id + "/versions/2/entries/" + email_id, "c@x.test")
              .status == 200);
  const json::object second = dataset(emulator, id);
  CHECK(second.at("uploads") == uploads({{1, "complete", 3}, {2, "empty", 1}}));
  CHECK(second.at("columns").at(1).at("num_cells") == 1);
}

TEST_CASE("uploads go uploading, processing, then complete, matching cells end in failed") {
  test::TempDir dir;
  StoppedClock clock;
  Emulator emulator = make_with(
      dir, {.dataset_delay_ms = 1000, .dataset_fail_pattern = "*@blocked.test"}, clock.clock());
  const std::string good = id_of(create(emulator, R"({"name": "Good"})").at("dataset"));
  const std::string bad = id_of(create(emulator, R"({"name": "Bad"})").at("dataset"));
  CHECK(result_of(upload(emulator, k_datasets + "/" + good + "/upload/1", "ok@a.test"))
            .at("status") == "uploading");
  REQUIRE(
      upload(emulator, k_datasets + "/" + bad + "/upload/1", "ok@a.test\nno@blocked.test").status ==
      200);
  auto status = [&](const std::string& id) {
    return std::string(dataset(emulator, id).at("status").as_string());
  };
  clock.advance(499);
  CHECK(status(good) == "uploading");
  clock.advance(1);
  CHECK(status(good) == "processing");
  CHECK(status(bad) == "processing");  // failing shows once processing ends
  clock.advance(500);
  CHECK(status(good) == "complete");
  CHECK(status(bad) == "failed");
  CHECK(dataset(emulator, bad).at("uploads") == uploads({{1, "failed", 2}}));

  // EDMv2: the least advanced column, or failed as soon as a column has failed.
  const json::object records = named(emulator, "customer-records");
  const std::string id = id_of(records);
  const std::string version = k_datasets + "/" + id + "/versions/1/entries/";
  const std::string email = id_of(records.at("columns").at(0), "entry_id");
  const std::string account = id_of(records.at("columns").at(1), "entry_id");
  REQUIRE(upload(emulator, version + email, "a@a.test").status == 200);
  CHECK(status(id) == "empty");  // the account column has no body yet
  clock.advance(600);
  REQUIRE(upload(emulator, version + account, "1001").status == 200);
  CHECK(dataset(emulator, id).at("columns").at(0).at("upload_status") == "processing");
  CHECK(status(id) == "uploading");
  clock.advance(500);
  CHECK(status(id) == "processing");
  clock.advance(500);
  CHECK(status(id) == "complete");

  REQUIRE(call(emulator, "POST", k_datasets + "/" + id + "/upload").status == 200);
  const std::string next = k_datasets + "/" + id + "/versions/2/entries/";
  REQUIRE(upload(emulator, next + email, "x@blocked.test").status == 200);
  clock.advance(1000);
  REQUIRE(upload(emulator, next + account, "1002").status == 200);
  CHECK(status(id) == "failed");  // the other column is still uploading
  CHECK(dataset(emulator, id).at("uploads") == uploads({{1, "complete", 2}, {2, "failed", 2}}));
}

TEST_CASE("invalid requests get a specific 4XX and change nothing") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  const std::string words = id_of(create(emulator, R"({"name": "Words"})").at("dataset"));
  const std::string edm = id_of(named(emulator, "customer-records"));
  const std::string email =
      id_of(named(emulator, "customer-records").at("columns").at(0), "entry_id");
  const std::string missing = "00000000-0000-4000-8000-000000000000";
  const std::string words_path = k_datasets + "/" + words;
  const std::string edm_path = k_datasets + "/" + edm;
  struct Row {
    std::string method;
    std::string path;
    std::string body;
    int status;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"POST", k_datasets, R"({"secret": false})", 400, "Invalid request body: name is required"},
      {"POST", k_datasets, R"({"name": 5})", 400,
       "Invalid request body: name must be a string, got a number"},
      {"POST", k_datasets, R"({"name": ""})", 400, "Invalid request body: name must not be empty"},
      {"POST", k_datasets, R"({"name": "N", "secret": "no"})", 400,
       "Invalid request body: secret must be a boolean, got a string"},
      {"POST", k_datasets, R"({"name": "N", "description": 1})", 400,
       "Invalid request body: description must be a string or null, got a number"},
      {"POST", k_datasets, R"({"name": "N", "encoding_version": 3})", 400,
       "Invalid request body: encoding_version must be an integer from 0 to 2, got 3"},
      {"POST", k_datasets, R"({"name": "N", "encoding_version": -1})", 400,
       "Invalid request body: encoding_version must be an integer from 0 to 2, got -1"},
      {"POST", k_datasets, R"({"name": "N", "case_sensitive": false})", 400,
       "Invalid request body: case_sensitive can be false only with secret: false"},
      {"POST", k_datasets, R"({"name": "N", "secret": true, "case_sensitive": false})", 400,
       "Invalid request body: case_sensitive can be false only with secret: false"},
      {"POST", k_datasets, "[1]", 400,
       "Invalid request body: expected a JSON object, got an array"},
      {"POST", k_datasets, R"({"name": "Words"})", 409, "a dataset named \"Words\" already exists"},
      {"POST", k_datasets, R"({"name": "customer-records"})", 409,
       "a dataset named \"customer-records\" already exists"},
      {"PUT", words_path, R"({"name": "customer-records"})", 409,
       "a dataset named \"customer-records\" already exists"},
      {"PUT", words_path, R"({"case_sensitive": null})", 400,
       "Invalid request body: case_sensitive must be a boolean, got null"},
      {"PUT", k_datasets + "/" + missing, R"({"name": "x"})", 404,
       "dataset " + missing + " not found"},
      {"GET", k_datasets + "/" + missing, "", 404, "dataset " + missing + " not found"},
      {"POST", k_datasets + "/" + missing + "/upload", "", 404,
       "dataset " + missing + " not found"},
      {"POST", words_path + "/upload/2", "a", 404, "version 2 of dataset " + words + " not found"},
      {"POST", words_path + "/upload/one", "a", 400, "version must be an integer, got \"one\""},
      {"POST", words_path + "/upload/1", "caf\xc3", 400,
       "Invalid request body: the dataset must be UTF-8 text"},
      {"POST", words_path + "/upload/1", "", 400,
       "Invalid request body: a body is required: the cells, one per line"},
      {"POST", edm_path + "/upload/1", "a", 400,
       "dataset " + edm +
           " has encoding_version 2: define its columns with /versions/{version} and upload "
           "each with /versions/{version}/entries/{entry_id}"},
      {"POST", words_path + "/versions/1",
       R"([{"entry_name": "a", "header_name": "a",)"
       R"( "num_cells": 1}])",
       400,
       "dataset " + words +
           " is a single-column dataset (encoding_version 1): upload it with /upload/{version}"},
      {"POST", edm_path + "/versions/1", R"({"header_name": "a"})", 400,
       "Invalid request body: expected a JSON array of columns"},
      {"POST", edm_path + "/versions/1", "[]", 400,
       "Invalid request body: at least one column is required"},
      {"POST", edm_path + "/versions/1", R"([{"entry_name": "a", "num_cells": 1}])", 400,
       "Invalid request body: [0].header_name is required"},
      {"POST", edm_path + "/versions/1",
       R"([{"entry_name": "a", "header_name": "a",)"
       R"( "num_cells": -1}])",
       400,
       "Invalid request body: [0].num_cells must be an integer from 0 to 9223372036854775807, "
       "got -1"},
      {"POST", edm_path + "/versions/1", R"([{"header_name": "a", "num_cells": 1}])", 400,
       "Invalid request body: [0] needs entry_id (an existing column) or entry_name (a new "
       "column)"},
      {"POST", edm_path + "/versions/1",
       R"([{"entry_id": ")" + missing + R"(", "header_name": "a", "num_cells": 1}])", 400,
       "Invalid request body: [0].entry_id " + missing + " is not a column of this dataset"},
      {"POST", edm_path + "/versions/1",
       R"([{"entry_id": "not-a-uuid", "header_name": "a", "num_cells": 1}])", 400,
       "Invalid request body: [0].entry_id must be a uuid"},
      {"POST", edm_path + "/versions/1",
       R"([{"entry_name": "a", "header_name": "h", "num_cells": 1},)"
       R"( {"entry_name": "b", "header_name": "h", "num_cells": 1}])",
       400, "Invalid request body: [1].header_name \"h\" is given twice"},
      {"POST", edm_path + "/versions/1",
       R"([{"entry_id": ")" + email + R"(", "header_name": "a", "num_cells": 1},)" +
           R"( {"entry_id": ")" + email + R"(", "header_name": "b", "num_cells": 1}])",
       400, "Invalid request body: [1].entry_id " + email + " is given twice"},
      {"POST", edm_path + "/versions/9", "[]", 404, "version 9 of dataset " + edm + " not found"},
      {"POST", edm_path + "/versions/1/entries/" + missing, "a", 404,
       "column " + missing + " is not in version 1 of dataset " + edm},
      {"POST", edm_path + "/versions/1/entries/" + email, "\xff", 400,
       "Invalid request body: the dataset must be UTF-8 text"},
      {"POST", edm_path + "/versions/1/entries/" + email, "", 400,
       "Invalid request body: a body is required: the cells, one per line"},
      {"POST", words_path + "/versions/1/entries/" + email, "a", 400,
       "dataset " + words +
           " is a single-column dataset (encoding_version 1): upload it with /upload/{version}"},
      {"DELETE", k_datasets + "/" + missing, "", 404, "dataset " + missing + " not found"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.path);
    CAPTURE(row.body);
    const std::string before = json::serialize(emulator.state());
    const Response response = call(emulator, row.method, row.path, row.body);
    CHECK(response.status == row.status);
    CHECK(json::parse(response.body).at("success") == false);
    CHECK(error_of(response) == row.message);
    CHECK(json::serialize(emulator.state()) == before);
  }
}

TEST_CASE("PUT changes what it is sent, null and missing keep the value") {
  Emulator emulator = make();
  const json::object created =
      create(emulator, R"({"name": "Words", "description": "first", "secret": false,)"
                       R"( "case_sensitive": false})")
          .at("dataset")
          .as_object();
  const std::string path = k_datasets + "/" + id_of(created);
  const Response renamed =
      call(emulator, "PUT", path, R"({"name": "Renamed", "description": null})");
  REQUIRE(renamed.status == 200);
  const json::object updated = result_of(renamed).as_object();
  CHECK(fields_of(updated) == k_dataset_fields);
  CHECK(updated.at("name") == "Renamed");
  CHECK(updated.at("description") == "first");
  CHECK(updated.at("case_sensitive") == false);
  CHECK(updated.at("updated_at") != created.at("updated_at"));

  const json::object flipped =
      result_of(call(emulator, "PUT", path, R"({"case_sensitive": true, "description": "second"})"))
          .as_object();
  CHECK(flipped.at("name") == "Renamed");
  CHECK(flipped.at("description") == "second");
  CHECK(flipped.at("case_sensitive") == true);
  CHECK(call(emulator, "PUT", path, R"({"name": "Renamed"})").status == 200);       // its own name
  CHECK(call(emulator, "POST", k_datasets, R"({"name": "Words"})").status == 200);  // now free
}

TEST_CASE("--dataset-omit-case-sensitive: no dataset answer carries case_sensitive") {
  test::TempDir dir;
  Emulator emulator = make_with(dir, {.dataset_omit_case_sensitive = true});
  std::set<std::string> without = k_dataset_fields;
  without.erase("case_sensitive");
  const json::object created =
      create(emulator, R"({"name": "Words", "secret": false, "case_sensitive": false})");
  const std::string id = id_of(created.at("dataset"));
  const std::string path = k_datasets + "/" + id;
  CHECK(fields_of(created.at("dataset")) == without);
  CHECK(fields_of(result_of(upload(emulator, path + "/upload/1", "a\n"))) == without);
  CHECK(fields_of(dataset(emulator, id)) == without);
  CHECK(fields_of(named(emulator, "customer-records")) == without);
  CHECK(fields_of(result_of(call(emulator, "PUT", path, R"({"case_sensitive": true})"))) ==
        without);
  CHECK_FALSE(
      result_of(call(emulator, "POST", path + "/upload")).as_object().contains("case_sensitive"));
  // Kept all the same: only the answers leave it out.
  const json::value& stored = emulator.state().at("accounts").at(k_account).at("dlp");
  CHECK(stored.at("datasets").at(1).at("name") == "Words");
  CHECK(stored.at("datasets").at(1).at("case_sensitive") == true);
}

TEST_CASE("--dataset-put-without-case-sensitive: keep, refuse or false, for word lists only") {
  struct Row {
    std::string mode;
    int status;
    bool case_sensitive;  // after the PUT
  };
  for (const Row& row :
       {Row{"keep", 200, true}, Row{"refuse", 400, true}, Row{"false", 200, false}}) {
    CAPTURE(row.mode);
    test::TempDir dir;
    Emulator emulator = make_with(dir, {.dataset_put_without_case_sensitive = row.mode});
    const std::string words = id_of(create(emulator, R"({"name": "Words"})").at("dataset"));
    const Response put = call(emulator, "PUT", k_datasets + "/" + words, R"({"description": "d"})");
    CHECK(put.status == row.status);
    if (row.status == 400) {
      CHECK(error_of(put) ==
            "Invalid request body: case_sensitive is required for custom word lists");
    }
    CHECK(dataset(emulator, words).at("case_sensitive") == row.case_sensitive);
    // Sent, it is what it says; an EDM dataset's PUT never needs it.
    REQUIRE(call(emulator, "PUT", k_datasets + "/" + words,
                 R"({"description": "e", "case_sensitive": true})")
                .status == 200);
    CHECK(dataset(emulator, words).at("case_sensitive") == true);
    const std::string edm = id_of(named(emulator, "customer-records"));
    CHECK(call(emulator, "PUT", k_datasets + "/" + edm, R"({"description": "d"})").status == 200);
    CHECK(dataset(emulator, edm).at("case_sensitive") == true);
  }
}

TEST_CASE("DELETE answers 200 with no body, and the dataset is gone") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  const std::string id = id_of(create(emulator, R"({"name": "Words"})").at("dataset"));
  const Response removed = call(emulator, "DELETE", k_datasets + "/" + id);
  CHECK(removed.status == 200);
  CHECK(removed.body.empty());
  CHECK(removed.content_type.empty());
  CHECK(call(emulator, "GET", k_datasets + "/" + id).status == 404);
  CHECK(call(emulator, "DELETE", k_datasets + "/" + id).status == 404);
  const json::array left = result_of(call(emulator, "GET", k_datasets)).as_array();
  REQUIRE(left.size() == 1);
  CHECK(left.at(0).at("name") == "customer-records");
}

std::string fixture_error(const test::TempDir& dir, std::string_view text) {
  try {
    Emulator emulator(Options{
        .token = "t", .accounts = {k_account}, .fixture_file = dir.write("bad.json", text)});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST_CASE("a fixture whose datasets are not right is refused at start, saying why") {
  test::TempDir dir;
  const std::string prefix = "fixture " + (dir.path() / "bad.json").string() + ": ";
  struct Row {
    std::string fixture;
    std::string message;
  };
  const std::vector<Row> rows = {
      {R"({"dlp": []})", "dlp.datasets must be a list"},
      {R"({"dlp": {"datasets": {}}})", "dlp.datasets must be a list"},
      {R"({"dlp": {"datasets": ["x"]}})", "dlp.datasets[0] must be an object"},
      {R"({"dlp": {"datasets": [{"encoding_version": 1}]}})",
       "dlp.datasets[0].name must be a non-empty string"},
      {R"({"dlp": {"datasets": [{"name": "a", "colums": ["x"]}]}})",
       "dlp.datasets[0] has an unknown field \"colums\" (known: name, encoding_version, columns, "
       "secret, description)"},
      {R"({"dlp": {"datasets": [{"name": "a", "encoding_version": "2"}]}})",
       "dlp.datasets[0].encoding_version must be an integer from 0 to 2, got a string"},
      {R"({"dlp": {"datasets": [{"name": "a", "encoding_version": 2}]}})",
       "dlp.datasets[0].columns must be a non-empty list of distinct names"},
      {R"({"dlp": {"datasets": [{"name": "a", "encoding_version": 2, "columns": ["x", "x"]}]}})",
       "dlp.datasets[0].columns must be a non-empty list of distinct names"},
      {R"({"dlp": {"datasets": [{"name": "a", "columns": ["x"]}]}})",
       "dlp.datasets[0].columns are only for encoding_version 2"},
      {R"({"dlp": {"datasets": [{"name": "a", "secret": 1}]}})",
       "dlp.datasets[0].secret must be a boolean, got a number"},
      {R"({"dlp": {"datasets": [{"name": "a"}, {"name": "a"}]}})",
       "dlp.datasets[1].name \"a\" is given twice"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.fixture);
    CHECK(fixture_error(dir, row.fixture) == prefix + row.message);
  }
  CHECK(fixture_error(dir, R"({"dlp": {"datasets": [{"name": "words", "secret": true}]}})") ==
        "(accepted)");
}

TEST_CASE("datasets survive a restart with --state, the fixture adds only missing ones") {
  test::TempDir dir;
  const auto file = dir.path() / "state.json";
  auto start = [&] {
    return Emulator({.token = "tok",
                     .accounts = {k_account},
                     .state_file = file,
                     .fixture_file = dir.write("fixture.json", k_fixture)},
                    ticking());
  };
  std::string words;
  json::object before_words;
  json::object before_records;
  {
    Emulator emulator = start();
    words = id_of(create(emulator, R"({"name": "Words"})").at("dataset"));
    REQUIRE(upload(emulator, k_datasets + "/" + words + "/upload/1", "a\nb").status == 200);
    REQUIRE(call(emulator, "POST", k_datasets + "/" + words + "/upload").status == 200);
    const json::object records = named(emulator, "customer-records");
    REQUIRE(call(emulator, "PUT", k_datasets + "/" + id_of(records),
                 R"({"description": "renamed columns"})")
                .status == 200);
    REQUIRE(upload(emulator,
                   k_datasets + "/" + id_of(records) + "/versions/1/entries/" +
                       id_of(records.at("columns").at(0), "entry_id"),
                   "a@x.test")
                .status == 200);
    before_words = dataset(emulator, words);
    before_records = named(emulator, "customer-records");
  }
  Emulator restarted = start();
  CHECK(dataset(restarted, words) == before_words);
  CHECK(before_words.at("uploads") == uploads({{1, "complete", 2}, {2, "empty", 0}}));
  CHECK(named(restarted, "customer-records") == before_records);  // not made again
  CHECK(before_records.at("description") == "renamed columns");
  CHECK(result_of(call(restarted, "GET", k_datasets)).as_array().size() == 2);
  // The next version number continues from the saved ones.
  CHECK(result_of(call(restarted, "POST", k_datasets + "/" + words + "/upload")).at("version") ==
        3);
}

}  // namespace
}  // namespace cfsync::emulator
