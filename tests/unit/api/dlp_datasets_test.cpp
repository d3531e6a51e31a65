// Datasets without sockets: the requests built, the responses read, the bodies streamed, and
// what the provider sends for each change.
#include "api/dlp_datasets.hpp"

#include "api/provider.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/api/fake_clock.hpp"
#include "tests/unit/api/fake_transport.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace cfsync::api {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";
const std::string k_datasets = std::string("/accounts/") + k_account + "/dlp/datasets";

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::string envelope(const std::string& result) {
  return R"({"success":true,"errors":[],"messages":[],"result":)" + result + "}";
}

std::string column_json(std::string_view id, std::string_view header, std::string_view status,
                        int cells = 2) {
  return R"({"entry_id":")" + std::string(id) + R"(","header_name":")" + std::string(header) +
         R"(","num_cells":)" + std::to_string(cells) + R"(,"upload_status":")" +
         std::string(status) + R"("})";
}

std::string dataset_json(std::string_view id, std::string_view name, int encoding,
                         std::string_view uploads, std::string_view columns = "[]",
                         std::string_view status = "complete") {
  return R"({"id":")" + std::string(id) + R"(","name":")" + std::string(name) +
         R"(","description":null,"secret":false,"case_sensitive":true,"encoding_version":)" +
         std::to_string(encoding) + R"(,"num_cells":3,"status":")" + std::string(status) +
         R"(","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","uploads":)" +
         std::string(uploads) + R"(,"columns":)" + std::string(columns) + "}";
}

// Everything a streamed body would send.
std::string drain(const StreamedBody& body) {
  auto reader = body.source->open();
  REQUIRE(reader);
  std::string out = body.head;
  std::array<char, 7> chunk{};  // small, to cross every boundary
  for (;;) {
    auto read = (*reader)->read(chunk);
    REQUIRE(read);
    if (*read == 0) break;
    out.append(chunk.data(), *read);
  }
  return out + body.tail;
}

TEST_CASE("the dataset list: uploads give the latest version, columns are read") {
  const auto datasets = parse_datasets_response(
      {.status = 200,
       .body = envelope("[" +
                        dataset_json("ds-1", "terms", 1,
                                     R"([{"version":1,"status":"complete","num_cells":3},)"
                                     R"({"version":3,"status":"failed","num_cells":4},)"
                                     R"({"version":2,"status":"complete","num_cells":5}])") +
                        "," +
                        dataset_json("ds-2", "customers", 2, "[]",
                                     "[" + column_json("e-1", "email", "empty") + "]", "empty") +
                        "]")});
  REQUIRE(datasets);
  REQUIRE(datasets->size() == 2);
  const LiveDataset& terms = datasets->at(0);
  CHECK(terms.id == "ds-1");
  CHECK_FALSE(terms.description);
  CHECK(terms.case_sensitive == true);
  CHECK(terms.latest_version == 3);
  CHECK(terms.latest_status == UploadStatus::failed);
  CHECK(terms.uploads.size() == 3);
  CHECK_FALSE(terms.multi_column());
  const LiveDataset& customers = datasets->at(1);
  CHECK(customers.multi_column());
  CHECK_FALSE(customers.latest_version);
  REQUIRE(customers.columns.size() == 1);
  CHECK(customers.columns[0].entry_id == "e-1");
  CHECK(customers.columns[0].upload_status == UploadStatus::empty);
}

TEST_CASE("dataset responses that cannot be trusted") {
  CHECK(parse_datasets_response({.status = 200, .body = envelope("{}")}).error().message() ==
        "unexpected response: result is not an array of datasets");
  CHECK(parse_dataset_response(
            {.status = 200, .body = envelope(dataset_json("d", "n", 1, "[]", "[]", "done"))})
            .error()
            .message() ==
        "unexpected response: result.status \"done\" is not a known upload "
        "status");
  CHECK(parse_new_version_response({.status = 200, .body = envelope("{}")}).error().message() ==
        "unexpected response: result.version is missing or not an integer");
}

TEST_CASE("requests: a plaintext word list, settings by PUT, octet-stream uploads") {
  const DesiredDataset dataset{.name = "terms",
                               .description = "Terms",
                               .case_sensitive = false,
                               .file = DatasetFile{.path = "/c/t.txt", .size = 12}};
  const HttpRequest create = create_dataset_request(k_account, dataset);
  CHECK(create.method == Method::post);
  CHECK(create.target == k_datasets);
  CHECK(create.body ==
        R"({"name":"terms","secret":false,"encoding_version":1,"description":"Terms",)"
        R"("case_sensitive":false})");
  CHECK_FALSE(create.idempotent);

  const HttpRequest update =
      update_dataset_request(k_account, {.id = "ds-1", .case_sensitive = true});
  CHECK(update.method == Method::put);
  CHECK(update.target == k_datasets + "/ds-1");
  CHECK(update.body == R"({"case_sensitive":true})");

  const HttpRequest version = new_version_request(k_account, "ds-1");
  CHECK(version.method == Method::post);
  CHECK(version.target == k_datasets + "/ds-1/upload");
  CHECK(version.body.empty());
  CHECK_FALSE(version.idempotent);

  const HttpRequest upload = upload_version_request(k_account, "ds-1", 7, *dataset.file);
  CHECK(upload.target == k_datasets + "/ds-1/upload/7");
  CHECK(upload.content_type == "application/octet-stream");
  REQUIRE(upload.streamed_body);
  CHECK(upload.streamed_body->source->size() == 12);

  CHECK(delete_dataset_request(k_account, {"ds-1"}).method == Method::delete_);
}

TEST_CASE("EDM columns: entry_id for a known header, entry_name for a new one") {
  const DatasetFile file{.path = "/c/c.csv", .columns = {{"email", 2, 20}, {"phone", 1, 4}}};
  const HttpRequest define = define_columns_request(k_account, "ds-2", 4, file, {"e-1", ""});
  CHECK(define.target == k_datasets + "/ds-2/versions/4");
  CHECK(define.body == R"([{"header_name":"email","num_cells":2,"entry_id":"e-1"},)"
                       R"({"header_name":"phone","num_cells":1,"entry_name":"phone"}])");
  const HttpRequest column = upload_column_request(k_account, "ds-2", 4, "e-9", file, 1);
  CHECK(column.target == k_datasets + "/ds-2/versions/4/entries/e-9");
  CHECK(column.content_type == "application/octet-stream");
  CHECK(column.streamed_body->source->size() == 4);
}

TEST_CASE("a column body is that column's non-empty cells, one per line") {
  test::TempDir dir;
  const std::string csv =
      "\xEF\xBB\xBF"
      "email,account\r\na@x.com,1\r\n\r\n\"b,\"\"q\"\"@x.com\",\r\n,3";
  const auto file = dir.write("c.csv", csv);
  CHECK(drain({"", csv_column_source(file, 0, 8 + 12), ""}) == "a@x.com\nb,\"q\"@x.com\n");
  CHECK(drain({"", csv_column_source(file, 1, 4), ""}) == "1\n3\n");
  CHECK(drain({"", file_source(file, csv.size()), ""}) == csv);
}

TEST_CASE("a body whose file changed since the scan fails instead of sending something else") {
  test::TempDir dir;
  const auto file = dir.write("c.csv", "email\na@x.com\n");
  for (std::uint64_t announced : {4u, 100u}) {
    auto reader = csv_column_source(file, 0, announced)->open();
    REQUIRE(reader);
    std::array<char, 64> chunk{};
    Result<std::size_t> read = std::size_t{1};
    while (read && *read > 0) read = (*reader)->read(chunk);
    REQUIRE_FALSE(read);
    CHECK(read.error().message() ==
          "\"" + file.string() + "\" changed while it was being uploaded; run cfsync again");
  }
  CHECK_FALSE(csv_column_source(dir.path() / "gone.csv", 0, 1)->open());
}

Change change_of(ChangePayload payload, std::string name) {
  return {
      .kind = ResourceKind::dlp_dataset, .name = std::move(name), .payload = std::move(payload)};
}

TEST_CASE("a PUT sends case_sensitive beside the description, and trusts an answer without it") {
  const UpdateDataset update{.id = "ds-1", .description = "Terms", .case_sensitive = false};
  CHECK(update_dataset_request(k_account, update).body ==
        R"({"description":"Terms","case_sensitive":false})");

  // The answer's case_sensitive: left out (the spec does not require it), as sent, or not.
  const std::string field = R"("case_sensitive":true,)";
  std::string silent = dataset_json("ds-1", "terms", 1, "[]");
  silent.erase(silent.find(field), field.size());
  silent.replace(silent.find("null"), 4, R"("Terms")");
  std::string reported = silent;
  reported.insert(reported.find(R"("secret")"), R"("case_sensitive":false,)");
  std::string contradicted = silent;
  contradicted.insert(contradicted.find(R"("secret")"), field);
  test::FakeTransport transport;
  for (const std::string& answer : {silent, reported, contradicted}) {
    transport.answer(200, envelope(answer));
  }
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(Plan{{change_of(update, "terms")}});
  CHECK(report.ok());
  CHECK(provider.apply(Plan{{change_of(update, "terms")}}).ok());
  const ApplyReport refused = provider.apply(Plan{{change_of(update, "terms")}});
  REQUIRE(refused.outcomes.at(0).error);
  CHECK(refused.outcomes[0].error->describe() ==
        "the API accepted the change but still reports different case_sensitive");
}

TEST_CASE("creating a word list is two writes: the dataset, then its file into version 1") {
  test::TempDir dir;
  const auto path = dir.write("t.txt", "a\nb\n");
  test::FakeTransport transport;
  transport.answer(200, envelope(R"({"version":1,"max_cells":1000,"encoding_version":1,)"
                                 R"("dataset":)" +
                                 dataset_json("ds-1", "terms", 1, "[]") + "}"));
  transport.answer(200,
                   envelope(dataset_json("ds-1", "terms", 1,
                                         R"([{"version":1,"status":"uploading","num_cells":2}])")));
  CloudflareProvider provider(transport, k_account, quiet());
  const DesiredDataset dataset{.name = "terms",
                               .file = DatasetFile{.path = path, .size = 4, .cells = 2}};
  const Plan plan{{change_of(CreateDataset{dataset}, "terms")}};
  const ApplyReport report = provider.apply(plan);
  CHECK(report.ok());
  REQUIRE(transport.sent.size() == 2);
  CHECK(transport.sent[1].target == k_datasets + "/ds-1/upload/1");
  REQUIRE(report.outcomes.size() == 1);
  CHECK(report.outcomes[0].dataset_id == "ds-1");
  CHECK(report.outcomes[0].dataset_version == 1);
}

TEST_CASE("an EDM upload is a version, its columns, then one upload per column") {
  test::TempDir dir;
  const auto path = dir.write("c.csv", "email,account,phone\na,1,5\nb,2,\n");
  const DesiredDataset dataset{
      .name = "customers",
      .kind = DatasetKind::edm,
      .file = DatasetFile{.path = path,
                          .columns = {{"email", 2, 4}, {"account", 2, 4}, {"phone", 1, 2}}}};
  const UploadDataset upload{.id = "ds-2", .dataset = dataset, .entry_ids = {"e-1", "e-2", ""}};
  test::FakeTransport transport;
  transport.answer(200, envelope(R"({"version":5,"max_cells":1000,"encoding_version":2})"));
  transport.answer(200, envelope("[" + column_json("e-1", "email", "empty") + "," +
                                 column_json("e-2", "account", "empty") + "," +
                                 column_json("e-3", "phone", "empty") + "]"));
  for (const char* id : {"e-1", "e-2", "e-3"}) {
    transport.answer(200, envelope(column_json(id, "x", "uploading")));
  }
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(Plan{{change_of(upload, "customers")}});
  CHECK(report.ok());
  std::vector<std::string> targets;
  for (const HttpRequest& request : transport.sent) targets.push_back(request.target);
  CHECK(targets == std::vector<std::string>{k_datasets + "/ds-2/upload",
                                            k_datasets + "/ds-2/versions/5",
                                            k_datasets + "/ds-2/versions/5/entries/e-1",
                                            k_datasets + "/ds-2/versions/5/entries/e-2",
                                            k_datasets + "/ds-2/versions/5/entries/e-3"});
  CHECK(drain(*transport.sent[4].streamed_body) == "5\n");
  CHECK(report.outcomes[0].dataset_version == 5);
}

TEST_CASE("a failed column upload names the column and what is left behind") {
  test::TempDir dir;
  const auto path = dir.write("c.csv", "email\na\n");
  const DesiredDataset dataset{.name = "customers",
                               .kind = DatasetKind::edm,
                               .file = DatasetFile{.path = path, .columns = {{"email", 1, 2}}}};
  test::FakeTransport transport;
  transport.answer(200, envelope(R"({"version":5,"max_cells":1000,"encoding_version":2})"));
  transport.answer(200, envelope("[" + column_json("e-1", "email", "empty") + "]"));
  transport.answer(413, R"({"success":false,"errors":[{"code":1001,"message":"too large"}],)"
                        R"("messages":[],"result":null})");
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(Plan{{change_of(
      UploadDataset{.id = "ds-2", .dataset = dataset, .entry_ids = {"e-1"}}, "customers")}});
  CHECK_FALSE(report.ok());
  REQUIRE(report.outcomes[0].error);
  CHECK(report.outcomes[0].error->describe() ==
        "version 5 is incomplete and the next run uploads a new one: uploading column \"email\": "
        "the API answered HTTP 413 [1001: too large]");
  CHECK_FALSE(report.outcomes[0].dataset_version);
}

TEST_CASE("a dataset delete accepts the empty body the spec declares, and a 404") {
  test::FakeTransport transport;
  transport.answer(200, "");
  transport.answer(404, R"({"success":false,"errors":[{"code":7002,"message":"not found"}]})");
  CloudflareProvider provider(transport, k_account, quiet());
  const Plan plan{{change_of(DeleteDataset{"ds-1"}, "a"), change_of(DeleteDataset{"ds-2"}, "b")}};
  CHECK(provider.apply(plan).ok());
  CHECK(transport.sent[0].target == k_datasets + "/ds-1");
}

// What the wait after an apply makes of the datasets `applied` uploaded to.
Result<ProcessingReport> processing_of(CloudflareProvider& provider, const Plan& plan,
                                       ApplyReport applied, std::chrono::milliseconds timeout,
                                       Clock& clock) {
  const std::vector<Error> failed =
      provider.after_apply(plan, applied, {.timeout = timeout, .clock = &clock});
  if (!failed.empty()) return failed.front();
  return *applied.processing;
}

TEST_CASE("waiting for processing: polls the dataset until its columns are final") {
  const std::string edm_uploads = R"([{"version":5,"status":"processing","num_cells":3}])";
  test::FakeTransport transport;
  transport.answer(200,
                   envelope(dataset_json("ds-2", "customers", 2, edm_uploads,
                                         "[" + column_json("e-1", "email", "complete") + "," +
                                             column_json("e-2", "account", "processing") + "]")));
  transport.answer(200, envelope(dataset_json("ds-2", "customers", 2, edm_uploads,
                                              "[" + column_json("e-1", "email", "complete") + "," +
                                                  column_json("e-2", "account", "failed") + "]")));
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  const Plan plan{{change_of(DeleteDataset{}, "customers")}};
  ApplyReport applied;
  applied.outcomes.push_back({.change = 0, .dataset_id = "ds-2", .dataset_version = 5});
  const auto processing = processing_of(provider, plan, applied, std::chrono::minutes(1), clock);
  REQUIRE(processing);
  CHECK_FALSE(processing->ok());
  REQUIRE(processing->datasets.size() == 1);
  const ProcessedDataset& done = processing->datasets.front();
  CHECK(done.name == "customers");
  CHECK(done.status == UploadStatus::failed);
  CHECK(done.failed_columns == std::vector<std::string>{"account"});
  CHECK(clock.slept == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(250)});
  CHECK(transport.sent.front().target == k_datasets + "/ds-2");
}

TEST_CASE("a word list's version status decides, a timeout leaves it unfinished") {
  test::FakeTransport transport;
  for (int i = 0; i < 10; ++i) {
    transport.answer(
        200, envelope(dataset_json("ds-1", "terms", 1,
                                   R"([{"version":2,"status":"processing","num_cells":3}])")));
  }
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  ApplyReport applied;
  applied.outcomes.push_back({.change = 0, .dataset_id = "ds-1", .dataset_version = 2});
  const auto processing = processing_of(provider, Plan{{change_of(DeleteDataset{}, "terms")}},
                                        applied, std::chrono::seconds(1), clock);
  REQUIRE(processing);
  CHECK(processing->timed_out);
  CHECK(processing->datasets.front().status == UploadStatus::processing);
}

}  // namespace
}  // namespace cfsync::api
