// AI Search documents: files + items -> uploads, replaces, deletes; which files need hashing.
#include "reconcile/planner.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync {
namespace {

const std::string k_md5 = "0cc175b9c0f1b6a831c399e269772661";  // "a"
const std::string k_sha256 = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";

DesiredDocument document(std::string key, std::uint64_t size, Metadata metadata = {}) {
  return {.key = std::move(key), .file = "/docs/x", .size = size, .metadata = std::move(metadata)};
}

LiveItem item(std::string id, std::string key, std::uint64_t size, std::string checksum,
              Metadata metadata = {}) {
  return {.id = std::move(id),
          .key = std::move(key),
          .checksum = std::move(checksum),
          .file_size = size,
          .metadata = std::move(metadata),
          .status = ItemStatus::completed};
}

struct Outcome {
  Plan plan;
  std::vector<std::string> problems;
};

Outcome run(DesiredInstance desired, LiveInstance live) {
  DesiredState state{.account_id = "a", .ai_search_instances = {std::move(desired)}};
  Outcome out;
  reconcile::plan_ai_search(state, {std::move(live)}, out.plan, out.problems);
  return out;
}

DesiredInstance instance(std::vector<DesiredDocument> documents, bool prune = false) {
  return {.id = "support-docs", .documents = std::move(documents), .prune = prune};
}

LiveInstance live(std::vector<LiveItem> items) {
  return {.namespace_name = "default", .id = "support-docs", .items = std::move(items)};
}

DesiredDocument hashed(DesiredDocument doc, Digests digests) {
  doc.digests = std::move(digests);
  return doc;
}

TEST_CASE("a new file is one upload showing its size and metadata") {
  const Outcome out =
      run(instance({document("guides/a.md", 1, {{"team", std::string("support")}})}), live({}));
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 1);
  const Change& change = out.plan.changes.front();
  CHECK(change.kind == ResourceKind::ai_search_item);
  CHECK(change.action == Action::create);
  CHECK(change.name == "guides/a.md");
  CHECK(change.parent == "default/support-docs");
  CHECK(change.fields == std::vector<FieldChange>{{"content", {}, Content{"", 1}},
                                                  {"metadata.team", {}, std::string("support")}});
  CHECK(std::get<UploadItem>(change.payload).document.key == "guides/a.md");
}

TEST_CASE("the same size and a matching digest in the checksum's algorithm: no change") {
  for (const std::string& checksum : {k_md5, k_sha256}) {
    CAPTURE(checksum);
    const Outcome out =
        run(instance({hashed(document("a.md", 1), {{"md5", k_md5}, {"sha256", k_sha256}})}),
            live({item("i-1", "a.md", 1, checksum)}));
    CHECK(out.problems.empty());
    CHECK(out.plan.empty());
  }
}

TEST_CASE("changed content or metadata is a replace: delete, then upload") {
  struct Row {
    std::string name;
    DesiredDocument desired;
    LiveItem live;
    std::vector<std::string> fields;
  };
  const std::vector<Row> rows = {
      {"another size", document("a.md", 2), item("i-1", "a.md", 1, k_md5), {"content"}},
      {"same size, other content",
       hashed(document("a.md", 1), {{"md5", "ffff"}}),
       item("i-1", "a.md", 1, k_md5),
       {"content"}},
      {"a metadata value",
       hashed(document("a.md", 1, {{"team", std::string("sales")}}), {{"md5", k_md5}}),
       item("i-1", "a.md", 1, k_md5, {{"team", std::string("support")}}),
       {"metadata.team"}},
      {"a metadata key added",
       hashed(document("a.md", 1, {{"rank", 2.0}}), {{"md5", k_md5}}),
       item("i-1", "a.md", 1, k_md5),
       {"metadata.rank"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const Outcome out = run(instance({row.desired}), live({row.live}));
    CHECK(out.problems.empty());
    REQUIRE(out.plan.changes.size() == 1);
    const Change& change = out.plan.changes.front();
    CHECK(change.action == Action::replace);
    CHECK(change.id == "i-1");
    std::vector<std::string> fields;
    for (const FieldChange& field : change.fields) fields.push_back(field.field);
    CHECK(fields == row.fields);
    const auto& replace = std::get<ReplaceItem>(change.payload);
    CHECK(replace.remove.item_id == "i-1");
    CHECK(replace.upload.document.key == "a.md");
  }
}

TEST_CASE("the API's own metadata keys are not differences") {
  const Outcome out = run(
      instance({hashed(document("a.md", 1, {{"team", std::string("support")}}), {{"md5", k_md5}})}),
      live({item("i-1", "a.md", 1, k_md5,
                 {{"team", std::string("support")}, {"timestamp", 1700000000000.0}})}));
  CHECK(out.plan.empty());
}

TEST_CASE("items no file declares: unmanaged, or deleted when the instance prunes") {
  const LiveItem old = item("i-9", "old.md", 3, k_md5);
  const Outcome kept = run(instance({}), live({old}));
  CHECK(kept.plan.empty());
  REQUIRE(kept.plan.unmanaged.size() == 1);
  CHECK(kept.plan.unmanaged.front().parent == "default/support-docs");

  const Outcome pruned = run(instance({}, true), live({old}));
  REQUIRE(pruned.plan.changes.size() == 1);
  CHECK(pruned.plan.changes.front().action == Action::delete_);
  CHECK(std::get<DeleteItem>(pruned.plan.changes.front().payload).item_id == "i-9");
}

LiveItem recorded(LiveItem live, std::string sha256, std::uint64_t size,
                  std::vector<std::string> keys = {}) {
  live.record = ItemRecord{std::move(sha256), size, std::move(keys)};
  return live;
}

TEST_CASE("a checksum that is not a hex digest, or a null size: compared by the upload record") {
  const DesiredDocument a = hashed(document("a.md", 1), {{"sha256", k_sha256}});
  LiveItem opaque = item("i-1", "a.md", 1, "1b2m2y8asgtpgamy7phcfg==");
  LiveItem sizeless = item("i-1", "a.md", 1, "1b2m2y8asgtpgamy7phcfg==");
  sizeless.file_size.reset();
  for (const LiveItem& live_item : {opaque, sizeless}) {
    CAPTURE(live_item.file_size.has_value());
    // No record (another machine uploaded it, or the state directory was lost): once more.
    const Outcome once = run(instance({a}), live({live_item}));
    CHECK(once.problems.empty());
    REQUIRE(once.plan.changes.size() == 1);
    CHECK(once.plan.changes[0].action == Action::replace);
    CHECK(once.plan.changes[0].reason.ends_with(
        ", and no upload of it is recorded in the state directory: uploaded once more, and "
        "recorded"));
    // The record of this content: nothing to do; of other content: a replace that says why.
    CHECK(run(instance({a}), live({recorded(live_item, k_sha256, 1)})).plan.empty());
    const Outcome changed = run(instance({a}), live({recorded(live_item, "0123", 1)}));
    REQUIRE(changed.plan.changes.size() == 1);
    CHECK(changed.plan.changes[0].reason.ends_with(
        ", and the file changed since this machine uploaded it"));
  }
  // A null size with a hex checksum is compared by the checksum.
  LiveItem md5_only = item("i-1", "a.md", 1, k_md5);
  md5_only.file_size.reset();
  CHECK(run(instance({hashed(document("a.md", 1), {{"sha256", k_sha256}, {"md5", k_md5}})}),
            live({md5_only}))
            .plan.empty());
}

TEST_CASE("a metadata key cfsync set and the configuration dropped is taken away") {
  const DesiredDocument a =
      hashed(document("a.md", 1, {{"team", std::string("support")}}), {{"md5", k_md5}});
  const LiveItem live_item =
      item("i-1", "a.md", 1, k_md5,
           {{"team", std::string("support")}, {"rank", 2.0}, {"filename", std::string("a.md")}});
  // Without a record, keys the configuration does not declare may be the server's: left alone.
  CHECK(run(instance({a}), live({live_item})).plan.empty());
  // The record says cfsync sent "rank": it goes; "filename" was never cfsync's.
  const Outcome out =
      run(instance({a}), live({recorded(live_item, k_sha256, 1, {"rank", "team"})}));
  REQUIRE(out.plan.changes.size() == 1);
  CHECK(out.plan.changes[0].fields ==
        std::vector<FieldChange>{{"metadata.rank", std::int64_t{2}, {}}});
}

TEST_CASE("an item deleted but still holding its key is gone as far as the plan goes") {
  LiveItem deleting = item("i-1", "a.md", 1, k_md5);
  deleting.deleting = true;
  const Outcome out = run(instance({document("a.md", 1)}, true), live({deleting}));
  REQUIRE(out.plan.changes.size() == 1);
  CHECK(out.plan.changes[0].action == Action::create);
  CHECK(run(instance({}, true), live({deleting})).plan.empty());
}

TEST_CASE("a same-size file that was not hashed is a problem") {
  const Outcome out = run(instance({document("a.md", 1)}), live({item("i-1", "a.md", 1, k_md5)}));
  REQUIRE(out.problems.size() == 1);
  CHECK(out.problems.front().find("was not hashed") != std::string::npos);
}

TEST_CASE("every file is hashed, by SHA-256 and by its item's checksum algorithm") {
  DesiredState state{.account_id = "a",
                     .ai_search_instances = {instance(
                         {document("a.md", 1), document("b.md", 5), document("c.md", 7)})}};
  const auto needs = reconcile::digests_needed(
      state, {live({item("i-1", "a.md", 1, k_md5), item("i-2", "b.md", 6, k_md5)})});
  REQUIRE(needs.size() == 3);
  CHECK(needs[0].checksum == k_md5);
  CHECK(needs[1].checksum == k_md5);
  CHECK(needs[2].checksum.empty());  // no item yet: SHA-256 only, for the upload record
}

TEST_CASE("checksum lengths name the algorithm") {
  CHECK(digest_algorithm_for(k_md5) == "md5");
  CHECK(digest_algorithm_for(std::string(40, 'a')) == "sha1");
  CHECK(digest_algorithm_for(k_sha256) == "sha256");
  CHECK_FALSE(digest_algorithm_for("abc"));
  CHECK_FALSE(digest_algorithm_for("1b2m2y8asgtpgamy7phcfg==aaaaaaaa"));  // 32, not hex
}

}  // namespace
}  // namespace cfsync
