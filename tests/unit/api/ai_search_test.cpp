// AI Search items without sockets: pages read, pagination that trusts no total, the multipart
// upload, conflicts, and waiting for indexing on a fake clock.
#include "api/ai_search.hpp"

#include "api/provider.hpp"
#include "tests/support/printers.hpp"
#include "tests/unit/api/fake_clock.hpp"
#include "tests/unit/api/fake_transport.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace cfsync::api {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::string item_json(const std::string& id, const std::string& key,
                      std::string_view status = "completed", std::string_view extra = "") {
  return R"({"id":")" + id + R"(","key":")" + key +
         R"(","checksum":"0CC175B9C0F1B6A831C399E269772661","file_size":1,"status":")" +
         std::string(status) +
         R"(","namespace":"default","chunks_count":null,"next_action":null,"source_id":"builtin",)"
         R"("last_seen_at":"x","created_at":"x","metadata":{"team":"support","rank":2,"public":true})" +
         std::string(extra) + "}";
}

// A page of `count` items starting at `first`, with the total given (or none).
std::string page_json(int first, int count, std::optional<int> total) {
  std::string items;
  for (int i = first; i < first + count; ++i) {
    items +=
        (items.empty() ? "" : ",") + item_json("i-" + std::to_string(i), "k" + std::to_string(i));
  }
  std::string info = R"({"count":)" + std::to_string(count) + R"(,"page":1,"per_page":50)";
  if (total) info += R"(,"total_count":)" + std::to_string(*total);
  return R"({"success":true,"result":[)" + items + R"(],"result_info":)" + info + "}}";
}

TEST_CASE("an items page: every field, checksums in lower case") {
  const auto page = parse_items_page({.status = 200, .body = page_json(0, 2, 2)});
  REQUIRE(page);
  CHECK(page->total_count == 2);
  REQUIRE(page->items.size() == 2);
  const LiveItem& item = page->items.front();
  CHECK(item.id == "i-0");
  CHECK(item.key == "k0");
  CHECK(item.checksum == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(item.file_size == 1);
  CHECK(item.status == ItemStatus::completed);
  CHECK(item.metadata.at("team") == MetadataValue(std::string("support")));
  CHECK(item.metadata.at("rank") == MetadataValue(2.0));
  CHECK(item.metadata.at("public") == MetadataValue(true));
}

TEST_CASE("items whose fields cannot be trusted") {
  for (const std::string& item : {item_json("i", "k", "indexing"),
                                  std::string(R"({"id":"i","key":"k","status":"completed"})")}) {
    CAPTURE(item);
    const auto page = parse_items_page(
        {.status = 200, .body = R"({"success":true,"result":[)" + item + R"(],"result_info":{}})"});
    REQUIRE_FALSE(page);
    CHECK(page.error().kind() == ErrorKind::protocol);
  }
}

TEST_CASE("when the listing ends") {
  struct Row {
    std::size_t page_items;
    std::size_t read;
    std::optional<std::int64_t> total;
    bool last;
  };
  for (const Row& row : std::initializer_list<Row>{
           {49, 49, 49, true},  // short page
           {0, 100, std::nullopt, true},
           {50, 100, 100, true},            // full page, and the total agrees
           {50, 100, std::nullopt, false},  // no total: read on
           {50, 100, 10, false},            // a total that cannot be right
           {50, 100, 500, false},
       }) {
    CAPTURE(row.read);
    CHECK(is_last_page(row.page_items, row.read, row.total) == row.last);
  }
}

TEST_CASE("list and find requests") {
  CHECK(list_items_request(k_account, "default", "support-docs", 3).target ==
        "/accounts/023e105f4ecef8ad9ca31a8372d0c353/ai-search/namespaces/default/instances/"
        "support-docs/items?per_page=50&source=builtin&sort_by=modified_at&page=3");
  CHECK(find_item_request(k_account, "default", "docs", "guides/a b&c.md").target ==
        "/accounts/023e105f4ecef8ad9ca31a8372d0c353/ai-search/namespaces/default/instances/"
        "docs/items?key=guides/a%20b%26c.md&source=builtin");
}

TEST_CASE("the upload: metadata part, file part named by the key, streamed from the file") {
  UploadItem upload{
      "default",
      "docs",
      {.key = "guides/say \"hi\".md",
       .file = "/data/hi.md",
       .size = 3,
       .metadata = {{"team", std::string("support")}, {"rank", 2.0}, {"ratio", 0.5}}}};
  const HttpRequest request = upload_item_request(k_account, upload, "BOUNDARY");
  CHECK(request.method == Method::post);
  CHECK_FALSE(request.idempotent);
  CHECK(request.content_type == "multipart/form-data; boundary=BOUNDARY");
  REQUIRE(request.streamed_body);
  CHECK(request.streamed_body->source->size() == 3);
  CHECK(request.streamed_body->head ==
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
        R"({"rank":2,"ratio":5E-1,"team":"support"})"
        "\r\n--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"guides/say %22hi%22.md\"\r\nContent-Type: text/markdown\r\n\r\n");
  CHECK(request.streamed_body->tail == "\r\n--BOUNDARY--\r\n");

  upload.document.metadata.clear();
  CHECK(
      upload_item_request(k_account, upload, "B")
          .streamed_body->head.starts_with("--B\r\nContent-Disposition: form-data; name=\"file\""));
}

TEST_CASE("media types follow the extension") {
  CHECK(media_type_of("a/Manual.PDF") == "application/pdf");
  CHECK(media_type_of("notes.txt") == "text/plain");
  CHECK(media_type_of("archive.tar.gz") == "application/octet-stream");
}

DesiredState one_instance() {
  return {.account_id = k_account,
          .ai_search_instances = {{.namespace_name = "default", .id = "docs"}}};
}

TEST_CASE("populate reads page after page, and one more only when the total is missing or wrong") {
  struct Row {
    std::string name;
    std::vector<std::string> pages;
    std::size_t requests;
  };
  const std::vector<Row> rows = {
      {"an exact total: no empty page", {page_json(0, 50, 100), page_json(50, 50, 100)}, 2},
      {"no total: an empty page ends it",
       {page_json(0, 50, std::nullopt), page_json(50, 50, std::nullopt),
        page_json(0, 0, std::nullopt)},
       3},
      {"a wrong total: short page ends it", {page_json(0, 50, 7), page_json(50, 20, 7)}, 2},
      {"one short page", {page_json(0, 3, 3)}, 1},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    test::FakeTransport transport;
    for (const std::string& page : row.pages) transport.answer(200, page);
    CloudflareProvider provider(transport, k_account, quiet());
    const auto live = provider.populate(one_instance());
    REQUIRE(live);
    CHECK(transport.sent.size() == row.requests);
    CHECK(transport.sent.back().target.ends_with("page=" + std::to_string(row.requests)));
  }
}

TEST_CASE("a page that repeats the last one stops the listing with an error") {
  test::FakeTransport transport;
  transport.answer(200, page_json(0, 50, std::nullopt));
  transport.answer(200, page_json(0, 50, std::nullopt));
  CloudflareProvider provider(transport, k_account, quiet());
  const auto live = provider.populate(one_instance());
  REQUIRE_FALSE(live);
  CHECK(live.error().describe().find("repeats the previous ones") != std::string::npos);
}

Plan upload_plan(std::uint64_t size) {
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::ai_search_item,
                          .name = "k0",
                          .parent = "default/docs",
                          .action = Action::create,
                          .payload = UploadItem{"default",
                                                "docs",
                                                {.key = "k0",
                                                 .file = "/nonexistent",
                                                 .size = size,
                                                 .metadata = {{"team", std::string("support")}}}}});
  return plan;
}

const std::string k_conflict =
    R"({"success":false,"errors":[{"code":7008,"message":"Item key already exist."}]})";

TEST_CASE("a 409 is resolved by listing the key: this document already there is success") {
  test::FakeTransport transport;
  transport.answer(409, k_conflict);
  transport.answer(200, page_json(0, 1, 1));
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(upload_plan(1));
  CHECK(report.ok());
  CHECK(report.outcomes.front().item_id == "i-0");
  REQUIRE(transport.sent.size() == 2);
  CHECK(transport.sent.at(1).target.find("key=k0") != std::string::npos);
}

TEST_CASE("a 409 for an item with other content fails the change and writes nothing more") {
  test::FakeTransport transport;
  transport.answer(409, k_conflict);
  transport.answer(200, page_json(0, 1, 1));  // size 1, not 9
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(upload_plan(9));
  REQUIRE_FALSE(report.ok());
  CHECK(report.outcomes.front().error->message().find("appeared during the apply") !=
        std::string::npos);
  CHECK(transport.sent.size() == 2);
}

// A page listing the deleted item i-old, still holding key k0 (next_action "DELETE").
std::string held_by_deleted() {
  std::string item = item_json("i-old", "k0");
  item.replace(item.find(R"("next_action":null)"), 18, R"("next_action":"DELETE")");
  return R"({"success":true,"result":[)" + item +
         R"(],"result_info":{"count":1,"page":1,"per_page":50,"total_count":1}})";
}

TEST_CASE("a key a queued delete still holds: the upload is tried again until it is freed") {
  test::FakeTransport transport;
  transport.answer(409, k_conflict);
  transport.answer(200, held_by_deleted());
  transport.answer(409, k_conflict);  // first round: still held
  transport.answer(200, held_by_deleted());
  transport.answer(200, R"({"success":true,"result":)" + item_json("i-new", "k0") + "}");
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  provider.set_wait(std::chrono::minutes(1), clock);
  const ApplyReport report = provider.apply(upload_plan(1));
  CHECK(report.ok());
  CHECK(report.outcomes.front().item_id == "i-new");
  CHECK(transport.sent.size() == 5);
  CHECK(clock.slept == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(250)});
}

TEST_CASE("a key still held after the wait timeout fails the change, and says so") {
  test::FakeTransport transport;
  for (int i = 0; i < 20; ++i) {
    transport.answer(409, k_conflict);
    transport.answer(200, held_by_deleted());
  }
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  provider.set_wait(std::chrono::seconds(2), clock);
  const ApplyReport report = provider.apply(upload_plan(1));
  REQUIRE_FALSE(report.ok());
  CHECK(report.outcomes.front().error->message() ==
        "the deleted item still held the key after --wait-timeout; the next run uploads it");
}

TEST_CASE("an item's odd file_size is kept out of comparisons and said, and next_action read") {
  std::string item = item_json("i-0", "k0");
  item.replace(item.find(R"("file_size":1)"), 13, R"("file_size":12.5)");
  item.replace(item.find(R"("next_action":null)"), 18, R"("next_action":"DELETE")");
  const auto page = parse_items_page(
      {.status = 200,
       .body = R"({"success":true,"result":[)" + item +
               R"(],"result_info":{"count":1,"page":1,"per_page":50,"total_count":1}})"});
  REQUIRE(page);
  CHECK_FALSE(page->items.at(0).file_size);
  CHECK(page->items.at(0).odd == "file_size 12.5 is not a whole number of bytes");
  CHECK(page->items.at(0).deleting);
}

TEST_CASE("deleting an item that is already gone is what was wanted") {
  test::FakeTransport transport;
  transport.answer(404,
                   R"({"success":false,"errors":[{"code":7002,"message":"Item not found."}]})");
  CloudflareProvider provider(transport, k_account, quiet());
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::ai_search_item,
                          .action = Action::delete_,
                          .payload = DeleteItem{"default", "docs", "i-1", "k"}});
  CHECK(provider.apply(plan).ok());
}

ApplyReport uploaded(const std::string& id) { return {{{.change = 0, .item_id = id}}}; }

std::string listing(std::string_view status, std::string_view extra = "") {
  return R"({"success":true,"result":[)" + item_json("i-0", "k0", status, extra) +
         R"(],"result_info":{"count":1,"page":1,"per_page":50,"total_count":1}})";
}

// What the wait for indexing after an apply (--wait) makes of the items `applied` uploaded.
Result<IndexingReport> indexing_of(CloudflareProvider& provider, const Plan& plan,
                                   ApplyReport applied, std::chrono::milliseconds timeout,
                                   Clock& clock) {
  const std::vector<Error> failed = provider.after_apply(
      plan, applied, {.timeout = timeout, .clock = &clock, .wait_for_indexing = true});
  if (!failed.empty()) return failed.front();
  return *applied.indexing;
}

TEST_CASE("waiting for indexing: polls with growing pauses until the item is done") {
  test::FakeTransport transport;
  transport.answer(200, listing("queued"));
  transport.answer(200, listing("running"));
  transport.answer(200, listing("completed"));
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  const auto indexing =
      indexing_of(provider, upload_plan(1), uploaded("i-0"), std::chrono::minutes(1), clock);
  REQUIRE(indexing);
  CHECK(indexing->ok());
  REQUIRE(indexing->items.size() == 1);
  CHECK(indexing->items.front().status == ItemStatus::completed);
  CHECK(clock.slept == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(250),
                                                              std::chrono::milliseconds(500)});
}

TEST_CASE("an indexing error is reported with the API's text") {
  test::FakeTransport transport;
  transport.answer(200, listing("error", R"(,"error":"cannot parse PDF")"));
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  const auto indexing =
      indexing_of(provider, upload_plan(1), uploaded("i-0"), std::chrono::minutes(1), clock);
  REQUIRE(indexing);
  CHECK_FALSE(indexing->ok());
  CHECK(indexing->items.front().error == "cannot parse PDF");
}

TEST_CASE("a wait that outlives its timeout says which items were not done") {
  test::FakeTransport transport;
  for (int i = 0; i < 10; ++i) transport.answer(200, listing("running"));
  CloudflareProvider provider(transport, k_account, quiet());
  test::FakeClock clock;
  const auto indexing =
      indexing_of(provider, upload_plan(1), uploaded("i-0"), std::chrono::seconds(2), clock);
  REQUIRE(indexing);
  CHECK(indexing->timed_out);
  CHECK_FALSE(indexing->ok());
  CHECK(indexing->items.front().status == ItemStatus::running);
  // 250 + 500 + 1000 ms, then the 250 ms left of the two seconds.
  CHECK(clock.slept.size() == 4);
  CHECK(clock.slept.back() == std::chrono::milliseconds(250));
}

TEST_CASE("export finds every instance, namespace by namespace, page after page") {
  test::FakeTransport transport;
  std::string namespaces;
  for (int i = 0; i < 100; ++i) {
    namespaces += (namespaces.empty() ? "" : ",") +
                  (R"({"name":"ns-)" + std::to_string(i) + R"(","created_at":"x"})");
  }
  // A full page of namespaces with no total, then the empty page that ends it.
  transport.answer(200, R"({"success":true,"result":[)" + namespaces + "]}");
  transport.answer(200, R"({"success":true,"result":[],"result_info":{"total_count":100}})");
  for (int i = 0; i < 100; ++i) {
    const std::string instances =
        i == 7 ? R"({"id":"kb","namespace":"ns-7"},{"id":"docs","namespace":"ns-7"})" : "";
    transport.answer(200,
                     R"({"success":true,"result":[)" + instances +
                         R"(],"result_info":{"count":0,"page":1,"per_page":100,"total_count":)" +
                         (i == 7 ? "2" : "0") + "}}");
  }
  CloudflareProvider provider(transport, k_account, quiet());
  const auto stack = provider.list_ai_search();
  REQUIRE(stack);
  CHECK(stack->namespaces.size() == 100);
  REQUIRE(stack->instances.size() == 2);
  CHECK(stack->instances.at(0).namespace_name + "/" + stack->instances.at(0).id == "ns-7/kb");
  CHECK(stack->instances.at(1).namespace_name + "/" + stack->instances.at(1).id == "ns-7/docs");
  CHECK(transport.sent.size() == 102);
  CHECK(transport.sent.at(0).target ==
        std::string("/accounts/") + k_account + "/ai-search/namespaces?per_page=100&page=1");
  CHECK(transport.sent.at(2).target ==
        std::string("/accounts/") + k_account +
            "/ai-search/namespaces/ns-0/instances?per_page=100&page=1");
}

TEST_CASE("a download asks for the raw bytes and hands them back as they came") {
  test::FakeTransport transport;
  transport.answer(200, std::string("\x00\xff{", 3));
  transport.answer(
      400,
      R"({"success":false,"errors":[{"code":7001,"message":"Content download not available for external source items."}]})");
  CloudflareProvider provider(transport, k_account, quiet());
  const auto content = provider.download_item("default", "kb", "i/1");
  REQUIRE(content);
  CHECK(*content == std::string("\x00\xff{", 3));
  CHECK(transport.sent.at(0).target ==
        std::string("/accounts/") + k_account +
            "/ai-search/namespaces/default/instances/kb/items/i%2F1/download");
  CHECK(transport.sent.at(0).accept == "application/octet-stream");
  const auto refused = provider.download_item("default", "kb", "i-2");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().http_status == 400);
  CHECK(refused.error().describe().find("external source items") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::api
