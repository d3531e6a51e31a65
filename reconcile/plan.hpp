// A Plan: the changes that make the live state equal to the desired state, in the order they
// are applied, each with the field-level differences a reviewer reads. Each change is one
// write request.
#pragma once

#include "reconcile/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cfsync {

// replace: delete, then create again (AI Search items cannot be overwritten).
enum class Action { create, update, replace, move, delete_ };
// Where a change comes from: the configuration (pending), or an edit of the account made
// elsewhere since the same configuration was last applied in full (drift).
enum class Origin { pending, drift };

[[nodiscard]] std::string_view to_string(Action action);

// A value that is set but never shown, not even with --show-sensitive (the payload-logging
// key): plans show its digest and length only.
struct Masked {
  Sensitive value;
  friend bool operator==(const Masked&, const Masked&) = default;
};

// A value shown as a digest unless the user asks to see it, because it could reveal what it
// protects: a regex (text), or a word list (one word per line).
struct Protected {
  enum class Form { text, words };
  Form form = Form::text;
  Sensitive value;

  [[nodiscard]] static Protected regex(const Sensitive& regex) { return {Form::text, regex}; }
  [[nodiscard]] static Protected words(const WordList& words);
  // Characters of a text, or words of a word list.
  [[nodiscard]] std::size_t size() const;

  friend bool operator==(const Protected&, const Protected&) = default;
};

// A file's content, known by a hex digest of it: plans show a keyed digest of that and the
// length, so that two contents can be told apart and none can be guessed. Every content a plan
// shows (a dataset's file, an AI Search document) is shown this one way.
struct Content {
  // SHA-256 for a file cfsync reads; the API's checksum of an AI Search item, or the file's
  // digest in the same algorithm. Empty when not known (a document not yet read).
  std::string digest;
  std::optional<std::uint64_t> size;  // bytes; unset when unknown (what an upload record keeps)
  // The dataset version that holds it, when the plan knows which; `failed`: that version failed
  // processing, so the account holds nothing usable of it.
  std::optional<std::int64_t> version;
  bool failed = false;
  friend bool operator==(const Content&, const Content&) = default;
};

using StringList = std::vector<std::string>;

// A value shown as the JSON it is sent as: an AI Search setting (a number, a list, an object).
struct JsonText {
  std::string text;
  friend bool operator==(const JsonText&, const JsonText&) = default;
};

// A field's value as shown in a plan; monostate is null (not set, disabled, absent).
using FieldValue = std::variant<std::monostate, bool, std::int64_t, std::string, StringList, Masked,
                                Protected, Content, JsonText>;

struct FieldChange {
  std::string field;  // path as in the configuration: "payload_logging.masking_level"
  FieldValue before;
  FieldValue after;
  // What an id in `field` names, read from live ("\"Visa\" of predefined profile …"): shown
  // beside the field.
  std::string note = {};

  friend bool operator==(const FieldChange&, const FieldChange&) = default;
};

// What apply sends, one alternative per kind of request.
struct CreateProfile {  // POST /dlp/profiles/custom, entries included
  DesiredProfile profile;
};
struct UpdateProfile {  // PUT /dlp/profiles/custom/{id}: every field, entries never
  std::string id;
  DesiredProfile body;  // declared values, else live ones; unset lists are left unchanged
  std::optional<ContextAwareness> context_awareness;
};
struct DeleteProfile {  // DELETE /dlp/profiles/custom/{id}
  std::string id;
};
struct CreateEntry {  // POST /dlp/entries (regex entries only)
  std::string profile_id;
  DesiredEntry entry;
};
struct UpdateEntry {  // PUT /dlp/entries/custom/{id}
  std::string id;
  DesiredEntry entry;  // declared values, else live ones
  std::optional<std::string> validation;
};
struct DeleteEntry {  // DELETE /dlp/entries/{id}
  std::string id;
};
struct UpdatePredefinedProfile {  // PUT /dlp/profiles/predefined/{id}
  std::string id;
  int allowed_match_count = 0;
  Confidence confidence_threshold = Confidence::low;
  bool ocr_enabled = false;
  bool ai_context_enabled = false;
};
struct TogglePredefinedEntry {  // PUT /dlp/entries/predefined/{id}
  std::string id;
  bool enabled = false;
};
struct UploadItem {  // POST …/instances/{id}/items (multipart, streamed from the file)
  std::string namespace_name;
  std::string instance_id;
  DesiredDocument document;
};
struct DeleteItem {  // DELETE …/instances/{id}/items/{item_id}
  std::string namespace_name;
  std::string instance_id;
  std::string item_id;
  std::string key;
};
struct ReplaceItem {  // the delete, then the upload: two writes
  DeleteItem remove;
  UploadItem upload;
};

// A word list is created (POST /dlp/datasets), then its file goes up into the version the
// creation returned (POST …/upload/{version}): two writes.
struct CreateDataset {
  DesiredDataset dataset;
};
struct UpdateDataset {  // PUT /dlp/datasets/{id}: only the declared fields that differ
  std::string id;
  std::optional<std::string> description;
  std::optional<bool> case_sensitive;
};
// A new version: POST …/upload returns it; a word list then goes up in one POST
// …/upload/{version}; an EDM file declares its columns (POST …/versions/{version}) and sends each
// one (POST …/versions/{version}/entries/{entry_id}): 2, or 2 + columns, writes.
struct UploadDataset {
  std::string id;
  DesiredDataset dataset;
  // Per column of the file: the live column's entry_id when a header matches, else empty (the
  // column is new). EDM only.
  std::vector<std::string> entry_ids;
};
struct DeleteDataset {  // DELETE /dlp/datasets/{id}: every version
  std::string id;
};

// AI Search namespaces and instances (API.md §7.1, §7.2). A body is the JSON object sent.
struct CreateNamespace {  // POST …/namespaces
  std::string name;
  std::string body;
};
struct UpdateNamespace {  // PUT …/namespaces/{name}
  std::string name;
  std::string body;
};
struct DeleteNamespace {  // DELETE …/namespaces/{name}: only an empty one
  std::string name;
};
// POST …/namespaces/{name}/instances, then, until it takes uploads, GET it (within the wait
// timeout). `recorded`: what it sends of the keys the API never answers, kept by this machine.
struct CreateInstance {
  std::string namespace_name;
  std::string id;
  std::string body;
  Settings recorded;
};
struct UpdateInstance {  // PUT …/instances/{id}: every setting, the declared ones changed
  std::string namespace_name;
  std::string id;
  std::string body;
  Settings recorded;
};
struct MoveInstance {  // PATCH …/namespaces/{from}/instances/{id} {"new_namespace": to}
  std::string from;
  std::string id;
  std::string to;
};
struct DeleteInstance {  // DELETE …/namespaces/{name}/instances/{id}: its items go with it
  std::string namespace_name;
  std::string id;
};
struct ReplaceInstance {  // a setting that only a create sets: the delete, then the create
  DeleteInstance remove;
  CreateInstance create;
};

using ChangePayload =
    std::variant<DesiredDlpSettings, CreateProfile, UpdateProfile, DeleteProfile, CreateEntry,
                 UpdateEntry, DeleteEntry, UpdatePredefinedProfile, TogglePredefinedEntry,
                 UploadItem, DeleteItem, ReplaceItem, CreateDataset, UpdateDataset, UploadDataset,
                 DeleteDataset, CreateNamespace, UpdateNamespace, DeleteNamespace, CreateInstance,
                 UpdateInstance, MoveInstance, DeleteInstance, ReplaceInstance>;

struct Change {
  ResourceKind kind = ResourceKind::dlp_settings;
  std::string name;    // how people call the resource: "dlp settings", a profile's name
  std::string parent;  // the owner's name for entries, else empty
  std::string id;      // the live id, empty for singletons and creates
  Action action = Action::update;
  std::vector<FieldChange> fields;
  // Why the change is needed when the fields alone do not say (a dataset upload: "the file
  // changed since version 3 was uploaded"), or what else it does; else empty.
  std::string reason;
  // What a delete takes from others: each entry it deletes that another profile lists in its
  // shared_entries, as `entry "e" is also used by profile "B" (not managed)`. Cloudflare deletes
  // an entry everywhere, so such a change is a safety problem (reconcile/safety).
  std::vector<std::string> shared_with;
  // What else a delete or replace takes with it that the safety checks refuse without --force:
  // "it holds 20 items".
  std::vector<std::string> takes_along;
  Origin origin = Origin::pending;
  ChangePayload payload;
};

// A live resource the configuration does not declare and that is left alone.
struct Unmanaged {
  ResourceKind kind = ResourceKind::dlp_profile;
  std::string name;
  std::string id;
  std::string parent;  // the instance of an item, else empty
};

struct PlanSummary {
  int create = 0;
  int update = 0;
  int replace = 0;
  int move = 0;
  int delete_ = 0;

  void add(Action action);
};

struct Plan {
  std::vector<Change> changes;
  std::vector<Unmanaged> unmanaged;
  // What the plan leaves undone and why, for the user to act on: shown with the plan, never
  // blocking the rest of it (a dataset whose content failed processing).
  std::vector<std::string> warnings;

  [[nodiscard]] bool empty() const { return changes.empty(); }
  [[nodiscard]] PlanSummary summary() const;
};

}  // namespace cfsync
