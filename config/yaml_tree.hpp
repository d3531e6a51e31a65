// Internal to config/: YAML text -> a tree of nodes with their places, read by a conforming
// YAML 1.2 parser (libfyaml; see ARCHITECTURE.md for why not yaml-cpp). A file that a
// conforming parser rejects gives an error with its place and no tree, so nothing of it is ever
// half-read. Parsing is bounded in nodes (aliases counted as what they expand to) and nesting.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cfsync::config::yaml {

// 0-based, as the parser counts; messages add 1.
struct Mark {
  int line = 0;
  int column = 0;
};

enum class NodeType { undefined, null, scalar, sequence, map };

struct NodeData;

// A handle on a node of a Stream; valid while the Stream lives. A default Node is undefined:
// what a lookup of a missing key or index gives.
class Node {
 public:
  Node() = default;
  explicit Node(const NodeData* data) : m_data(data) {}

  explicit operator bool() const { return m_data != nullptr; }
  [[nodiscard]] NodeType type() const;
  [[nodiscard]] bool is_null() const { return type() == NodeType::null; }
  [[nodiscard]] bool is_scalar() const { return type() == NodeType::scalar; }
  [[nodiscard]] bool is_sequence() const { return type() == NodeType::sequence; }
  [[nodiscard]] bool is_map() const { return type() == NodeType::map; }

  // A scalar's text, escapes resolved; empty for anything else.
  [[nodiscard]] const std::string& scalar() const;
  // A plain (unquoted, untagged) scalar, which may be read as a boolean or a number; a quoted
  // one is always text.
  [[nodiscard]] bool plain() const;
  [[nodiscard]] Mark mark() const;

  // Items of a sequence, or entries of a mapping; 0 for anything else.
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] Node operator[](std::size_t index) const;
  // The value of the first key whose scalar text is `key`; undefined when there is none.
  [[nodiscard]] Node operator[](std::string_view key) const;
  [[nodiscard]] std::span<const Node> items() const;
  [[nodiscard]] std::span<const std::pair<Node, Node>> entries() const;

 private:
  const NodeData* m_data = nullptr;
};

struct NodeData {
  NodeType type = NodeType::null;
  bool plain = false;
  Mark mark;
  std::string scalar;
  std::vector<Node> items;
  std::vector<std::pair<Node, Node>> entries;
};

// What a parse must stay within, whatever the input.
struct Limits {
  // Nodes in a file, an alias counting as the nodes it repeats: bounds memory and the time the
  // readers take ("billion laughs").
  std::size_t max_values = 1'000'000;
  // Collections open at once.
  std::size_t max_depth = 64;
};

struct ParseError {
  Mark mark;
  std::string message;  // never quotes the input
};

// The documents of one file; owns their nodes.
class Stream {
 public:
  [[nodiscard]] const std::vector<Node>& documents() const { return m_documents; }

 private:
  friend class Builder;
  std::deque<NodeData> m_nodes;  // stable addresses
  std::vector<Node> m_documents;
};

// The documents in `text`, or the first problem that makes it not YAML 1.2 (or past `limits`).
struct Parsed {
  std::unique_ptr<Stream> stream;  // set when error is not
  std::optional<ParseError> error;
};
[[nodiscard]] Parsed parse(std::string_view text, const Limits& limits = {});

}  // namespace cfsync::config::yaml
