#include "config/yaml_tree.hpp"

#include <libfyaml.h>

#include <cstdio>
#include <map>

namespace cfsync::config::yaml {

namespace {

// The C library's objects, freed on every path.
struct ParserDeleter {
  void operator()(fy_parser* parser) const { fy_parser_destroy(parser); }
};
struct DiagDeleter {
  void operator()(fy_diag* diag) const { fy_diag_destroy(diag); }
};
using ParserPtr = std::unique_ptr<fy_parser, ParserDeleter>;
using DiagPtr = std::unique_ptr<fy_diag, DiagDeleter>;

class EventPtr {
 public:
  EventPtr(fy_parser* parser, fy_event* event) : m_parser(parser), m_event(event) {}
  EventPtr(const EventPtr&) = delete;
  EventPtr& operator=(const EventPtr&) = delete;
  ~EventPtr() {
    if (m_event != nullptr) fy_parser_event_free(m_parser, m_event);
  }
  [[nodiscard]] fy_event* get() const { return m_event; }
  fy_event* operator->() const { return m_event; }

 private:
  fy_parser* m_parser;
  fy_event* m_event;
};

std::string text_of(fy_token* token) {
  if (token == nullptr) return {};
  std::size_t length = 0;
  const char* text = fy_token_get_text(token, &length);
  return text == nullptr ? std::string() : std::string(text, length);
}

std::string hex_code_point(char32_t code) {
  char text[16];
  std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(code));
  return text;
}

// YAML 1.2 §5.1: a stream is Unicode text of printable characters (tab, line breaks, and no
// other C0 or C1 control, surrogate or non-character). cfsync reads UTF-8 only. The first
// problem is returned with its place; the bytes themselves are never repeated.
std::optional<ParseError> check_characters(std::string_view text) {
  Mark mark;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t code = 0;
    if (byte < 0x80) {
      length = 1;
      code = byte;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code = byte & 0x07;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms and code points past Unicode are not UTF-8 either.
    static constexpr char32_t k_smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!valid || code < k_smallest[length] || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return ParseError{mark, "not valid UTF-8; cfsync reads configuration files as UTF-8"};
    }
    const bool printable = code == 0x09 || code == 0x0A || code == 0x0D ||
                           (code >= 0x20 && code <= 0x7E) || code == 0x85 ||
                           (code >= 0xA0 && code <= 0xFFFD) || code >= 0x10000;
    if (!printable) {
      return ParseError{mark, "the control character " + hex_code_point(code) +
                                  " is not allowed in YAML; write it as an escape in a "
                                  "double-quoted string"};
    }
    if (code == 0x0A) {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
    i += length;
  }
  return std::nullopt;
}

}  // namespace

NodeType Node::type() const { return m_data == nullptr ? NodeType::undefined : m_data->type; }

const std::string& Node::scalar() const {
  static const std::string k_empty;
  return m_data == nullptr || m_data->type != NodeType::scalar ? k_empty : m_data->scalar;
}

bool Node::plain() const { return m_data != nullptr && m_data->plain; }

Mark Node::mark() const { return m_data == nullptr ? Mark{} : m_data->mark; }

std::size_t Node::size() const {
  if (m_data == nullptr) return 0;
  return m_data->type == NodeType::map ? m_data->entries.size() : m_data->items.size();
}

Node Node::operator[](std::size_t index) const {
  if (m_data == nullptr || index >= m_data->items.size()) return Node();
  return m_data->items[index];
}

Node Node::operator[](std::string_view key) const {
  if (m_data == nullptr) return Node();
  for (const auto& [name, value] : m_data->entries) {
    if (name.is_scalar() && name.scalar() == key) return value;
  }
  return Node();
}

std::span<const Node> Node::items() const {
  if (m_data == nullptr) return {};
  return m_data->items;
}

std::span<const std::pair<Node, Node>> Node::entries() const {
  if (m_data == nullptr) return {};
  return m_data->entries;
}

// Events in, nodes out.
class Builder {
 public:
  Builder(Stream& stream, std::string_view text, const Limits& limits)
      : m_stream(stream), m_text(text), m_limits(limits) {}

  // Takes one event; an error stops the parse.
  std::optional<ParseError> take(fy_event* event) {
    auto problem = dispatch(event);
    if (const fy_mark* end = fy_event_end_mark(event)) m_previous_end = *end;
    return problem;
  }

 private:
  std::optional<ParseError> dispatch(fy_event* event) {
    switch (event->type) {
      case FYET_DOCUMENT_START:
        m_root = nullptr;
        m_anchors.clear();
        return std::nullopt;
      case FYET_DOCUMENT_END:
        m_stream.m_documents.emplace_back(m_root != nullptr ? m_root : &null_at(mark_of(event)));
        return std::nullopt;
      case FYET_MAPPING_START:
      case FYET_SEQUENCE_START:
        return open(event);
      case FYET_MAPPING_END:
      case FYET_SEQUENCE_END:
        return close();
      case FYET_SCALAR:
        return scalar(event);
      case FYET_ALIAS:
        return alias(event);
      default:
        return std::nullopt;
    }
  }

  struct Frame {
    NodeData* node;
    std::size_t weight = 1;   // nodes in it, aliases expanded
    bool mark_from_child;     // an implicit start has no token: the first child's place
    std::optional<Node> key;  // a mapping's key waiting for its value
    std::string anchor;
  };
  struct Anchor {
    const NodeData* node;
    std::size_t weight = 0;
    bool complete = false;
  };

  static std::optional<fy_mark> token_start(fy_token* token) {
    const fy_mark* mark = token != nullptr ? fy_token_start_mark(token) : nullptr;
    if (mark == nullptr) return std::nullopt;
    return *mark;
  }

  // The place `pos` in the text, counted on from the end of the previous event (columns in
  // characters, as the parser counts them).
  fy_mark advanced_to(std::size_t pos) const {
    fy_mark mark = m_previous_end;
    for (std::size_t i = mark.input_pos; i < pos && i < m_text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(m_text[i]);
      if (byte == '\n') {
        ++mark.line;
        mark.column = 0;
      } else if ((byte & 0xC0) != 0x80) {
        ++mark.column;
      }
    }
    mark.input_pos = pos;
    return mark;
  }

  // Where a scalar's own token starts as a reader points at it: the opening quote, the block
  // indicator (| or >), or, for an empty value, just after its key. The parser's token starts
  // at the text itself.
  std::optional<fy_mark> scalar_start(fy_event* event) const {
    fy_token* value = event->scalar.value;
    std::optional<fy_mark> start = token_start(value);
    if (!start) return std::nullopt;
    switch (fy_token_scalar_style(value)) {
      case FYSS_SINGLE_QUOTED:
      case FYSS_DOUBLE_QUOTED:
        if (start->column > 0 && start->input_pos > 0) {
          --start->column;
          --start->input_pos;
        }
        return start;
      case FYSS_LITERAL:
      case FYSS_FOLDED:
        for (std::size_t i = m_previous_end.input_pos; i < start->input_pos && i < m_text.size();
             ++i) {
          if (m_text[i] == '|' || m_text[i] == '>') return advanced_to(i);
        }
        return start;
      default:
        if (fy_token_get_text_length(value) == 0) return m_previous_end;
        return start;
    }
  }

  // Where a node starts: at its anchor or tag when it has one, else at its own token.
  std::optional<Mark> start_of(fy_event* event) const {
    std::optional<fy_mark> first;
    auto consider = [&first](std::optional<fy_mark> mark) {
      if (mark && (!first || mark->input_pos < first->input_pos)) first = mark;
    };
    if (event->type != FYET_ALIAS) {
      // An anchor token starts at its name, after the '&'.
      std::optional<fy_mark> anchor = token_start(fy_event_get_anchor_token(event));
      if (anchor && anchor->column > 0 && anchor->input_pos > 0) {
        --anchor->column;
        --anchor->input_pos;
      }
      consider(anchor);
      consider(token_start(fy_event_get_tag_token(event)));
    }
    if (event->type == FYET_SCALAR) {
      consider(scalar_start(event));
    } else if (const fy_mark* main = fy_event_start_mark(event)) {
      fy_mark start = *main;
      // An alias token starts at its name, after the '*'.
      if (event->type == FYET_ALIAS && start.column > 0 && start.input_pos > 0) {
        --start.column;
        --start.input_pos;
      }
      consider(start);
    }
    if (!first) return std::nullopt;
    return Mark{first->line, first->column};
  }
  Mark mark_of(fy_event* event) const {
    return start_of(event).value_or(Mark{m_previous_end.line, m_previous_end.column});
  }

  NodeData& null_at(Mark mark) {
    NodeData& node = m_stream.m_nodes.emplace_back();
    node.type = NodeType::null;
    node.mark = mark;
    return node;
  }

  std::optional<ParseError> count(std::size_t weight, Mark at) {
    m_count += weight;
    if (m_count <= m_limits.max_values) return std::nullopt;
    return ParseError{at, "more than " + std::to_string(m_limits.max_values) +
                              " values (aliases counted as what they repeat); cfsync refuses a "
                              "configuration this large"};
  }

  // Checks a tag: only the core schema's string, mapping and sequence tags are read; any other
  // would give a value a meaning cfsync cannot honour.
  static std::optional<ParseError> check_tag(fy_event* event, NodeType type, Mark at,
                                             bool& tagged_string) {
    fy_token* tag = fy_event_get_tag_token(event);
    if (tag == nullptr) return std::nullopt;
    const std::string text = text_of(tag);
    const std::string_view expected = type == NodeType::map        ? "tag:yaml.org,2002:map"
                                      : type == NodeType::sequence ? "tag:yaml.org,2002:seq"
                                                                   : "tag:yaml.org,2002:str";
    if (text == expected || (type == NodeType::scalar && text == "!")) {
      tagged_string = type == NodeType::scalar;
      return std::nullopt;
    }
    return ParseError{at, "unsupported tag \"" + text +
                              "\"; cfsync reads each value by its field: quote text, and leave "
                              "numbers and booleans plain"};
  }

  std::optional<ParseError> attach(const NodeData& node, std::size_t weight) {
    if (m_stack.empty()) {
      m_root = &node;
      return std::nullopt;
    }
    Frame& parent = m_stack.back();
    parent.weight += weight;
    if (parent.mark_from_child && parent.node->items.empty() && !parent.key &&
        parent.node->entries.empty()) {
      parent.node->mark = node.mark;
    }
    if (parent.node->type == NodeType::sequence) {
      parent.node->items.emplace_back(&node);
    } else if (!parent.key) {
      parent.key = Node(&node);
    } else {
      parent.node->entries.emplace_back(*parent.key, Node(&node));
      parent.key.reset();
    }
    return std::nullopt;
  }

  std::optional<ParseError> open(fy_event* event) {
    const NodeType type = event->type == FYET_MAPPING_START ? NodeType::map : NodeType::sequence;
    const std::optional<Mark> start = start_of(event);
    const Mark at = start.value_or(Mark{m_previous_end.line, m_previous_end.column});
    if (m_stack.size() >= m_limits.max_depth) {
      return ParseError{at,
                        "nested more than " + std::to_string(m_limits.max_depth) + " levels deep"};
    }
    bool unused = false;
    if (auto problem = check_tag(event, type, at, unused)) return problem;
    if (auto problem = count(1, at)) return problem;
    NodeData& node = m_stream.m_nodes.emplace_back();
    node.type = type;
    node.mark = at;
    std::string anchor = text_of(fy_event_get_anchor_token(event));
    if (!anchor.empty()) m_anchors[anchor] = {&node, 0, false};
    m_stack.push_back({&node, 1, !start.has_value(), std::nullopt, std::move(anchor)});
    return std::nullopt;
  }

  std::optional<ParseError> close() {
    Frame frame = std::move(m_stack.back());
    m_stack.pop_back();
    if (!frame.anchor.empty()) {
      Anchor& anchor = m_anchors[frame.anchor];
      if (anchor.node == frame.node) anchor = {frame.node, frame.weight, true};
    }
    return attach(*frame.node, frame.weight);
  }

  std::optional<ParseError> scalar(fy_event* event) {
    const Mark at = mark_of(event);
    bool tagged_string = false;
    if (auto problem = check_tag(event, NodeType::scalar, at, tagged_string)) return problem;
    if (auto problem = count(1, at)) return problem;
    fy_token* value = event->scalar.value;
    NodeData& node = m_stream.m_nodes.emplace_back();
    node.mark = at;
    node.scalar = text_of(value);
    // An empty value (`key:`) comes with no style of its own: it is a plain empty scalar.
    const fy_scalar_style style = value != nullptr ? fy_token_scalar_style(value) : FYSS_ANY;
    const bool quoted_or_block = style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED ||
                                 style == FYSS_LITERAL || style == FYSS_FOLDED;
    node.plain =
        !tagged_string && (style == FYSS_PLAIN || (!quoted_or_block && node.scalar.empty()));
    // YAML 1.2 core schema: these plain scalars are null.
    const std::string& text = node.scalar;
    const bool null = node.plain && (text.empty() || text == "~" || text == "null" ||
                                     text == "Null" || text == "NULL");
    node.type = null ? NodeType::null : NodeType::scalar;
    if (null) node.scalar.clear();
    const std::string anchor = text_of(fy_event_get_anchor_token(event));
    if (!anchor.empty()) m_anchors[anchor] = {&node, 1, true};
    return attach(node, 1);
  }

  std::optional<ParseError> alias(fy_event* event) {
    const Mark at = mark_of(event);
    const std::string name = text_of(event->alias.anchor);
    const auto found = m_anchors.find(name);
    if (found == m_anchors.end()) {
      return ParseError{at, "the alias *" + name + " names no anchor before it"};
    }
    if (!found->second.complete) {
      return ParseError{at, "the alias *" + name + " is inside the value it repeats"};
    }
    if (auto problem = count(found->second.weight, at)) return problem;
    return attach(*found->second.node, found->second.weight);
  }

  Stream& m_stream;
  std::string_view m_text;
  const Limits& m_limits;
  std::vector<Frame> m_stack;
  std::map<std::string, Anchor> m_anchors;
  const NodeData* m_root = nullptr;
  std::size_t m_count = 0;
  fy_mark m_previous_end{};
};

Parsed parse(std::string_view text, const Limits& limits) {
  if (auto problem = check_characters(text)) return {nullptr, std::move(problem)};

  fy_diag_cfg diag_config{};
  fy_diag_cfg_default(&diag_config);
  diag_config.fp = nullptr;
  diag_config.output_fn = nullptr;
  DiagPtr diag(fy_diag_create(&diag_config));
  if (!diag) return {nullptr, ParseError{{}, "cannot start the YAML parser (out of memory)"}};
  fy_diag_set_collect_errors(diag.get(), true);

  fy_parse_cfg config{};
  // Duplicate keys are reported by the readers, with both places.
  config.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 |
                                                 FYPCF_JSON_NONE | FYPCF_ALLOW_DUPLICATE_KEYS);
  config.diag = diag.get();
  ParserPtr parser(fy_parser_create(&config));
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    return {nullptr, ParseError{{}, "cannot start the YAML parser (out of memory)"}};
  }

  auto stream = std::make_unique<Stream>();
  Builder builder(*stream, text, limits);
  Mark last;
  for (;;) {
    EventPtr event(parser.get(), fy_parser_parse(parser.get()));
    if (event.get() == nullptr) break;
    if (const fy_mark* mark = fy_event_start_mark(event.get())) last = {mark->line, mark->column};
    if (auto problem = builder.take(event.get())) return {nullptr, std::move(problem)};
  }
  if (fy_parser_get_stream_error(parser.get())) {
    void* iterator = nullptr;
    if (const fy_diag_error* error = fy_diag_errors_iterate(diag.get(), &iterator)) {
      // Collected errors count lines and columns from 1.
      return {nullptr, ParseError{{std::max(error->line - 1, 0), std::max(error->column - 1, 0)},
                                  error->msg != nullptr ? error->msg : "syntax error"}};
    }
    return {nullptr, ParseError{last, "syntax error"}};
  }
  return {std::move(stream), std::nullopt};
}

}  // namespace cfsync::config::yaml
