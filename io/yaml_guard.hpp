// Reads scenario YAML defensively and hands back a plain tree whose every node knows
// its line and column. yaml-cpp only ever runs as an event parser here: its Node
// tree is never built, so its alias expansion and unbounded recursion cannot be
// reached by a hostile or mistyped file.
#pragma once

#include "io/input_error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace greenshift::yaml {

inline constexpr std::uint64_t kMaxFileBytes = 16ull << 20;  // a real scenario is < 100 KiB
inline constexpr int kMaxDepth = 64;                           // a real scenario nests ~6 deep
inline constexpr std::size_t kMaxNodes = 1'000'000;           // 1000 sectors take ~60 000

// Where a piece of YAML text came from: the file, or one change applied to it (a
// `--set` value, a scale). Errors in a change name it rather than a line of the file.
struct Source {
    std::string file;     // the file's display name, used in every error
    std::string label;    // empty for the file itself, else "--set key=value", "scale path by 2"
    InputChange change;   // which change, for callers that relocate the error
};

struct Entry;

// One YAML node. Scalars keep their text as written; whether they were quoted
// matters because a quoted "12" is a string, not a number.
struct Node {
    enum class Kind : std::uint8_t { null, scalar, sequence, map };
    Kind kind = Kind::null;
    bool quoted = false;
    int source = 0;  // index into the caller's list of Sources
    int line = 0;    // 1-based
    int column = 0;  // 1-based, in bytes
    std::string text;
    std::vector<Node> items;     // sequence
    std::vector<Entry> entries;  // map, in document order, keys unique

    const Node* find(std::string_view key) const;
    Node* find(std::string_view key);
};

struct Entry {
    std::string key;
    int line = 0;
    int column = 0;
    Node value;
};

// How a node reads in an error message: 'text' for a scalar (shortened), else
// "a list", "a map", "an empty value".
std::string describe(const Node& node);

// Raises InputError for `source` at a 1-based position (0 = unknown); `part` says,
// for a change, whether its key path or its value is wrong.
[[noreturn]] void raise(const Source& source, int line, int column, const std::string& message,
                        InputChange::Part part = InputChange::Part::value);

// A kind of YAML document greenshift reads, as its messages name it.
struct DocumentKind {
    std::string_view name;      // "cannot read the <name> file"
    std::string_view needs;     // "a <name> needs at least <needs>", of an empty document
    std::string_view top_keys;  // "the top level must be a map of <name> keys (<top_keys>)"
};
inline constexpr DocumentKind kScenarioDocument{"scenario", "run, electricity, sectors and technologies",
                                                "run:, electricity:, sectors:, ..."};
inline constexpr DocumentKind kBatchDocument{"batch", "scenario: and variants:", "scenario:, variants:, ..."};

// Reads a file for parsing, refusing it before reading when it is larger than
// kMaxFileBytes, and when it cannot be opened.
std::string read_yaml_file(const std::string& path, const std::string& display_name, const DocumentKind& kind);

// Parses a whole document: one document whose top level is a map. Refuses NUL bytes,
// invalid UTF-8, control characters, tab indentation, anchors and aliases, explicit
// tags, duplicate keys, non-scalar keys and nesting deeper than kMaxDepth, and more
// than kMaxNodes values, each with the position of the offence.
Node parse_document(std::string_view text, const std::vector<Source>& sources, int source, const DocumentKind& kind);

// Parses the value of one `--set` option (a scalar or a flow collection) under the
// same rules; an empty value is a null node.
Node parse_value(std::string_view text, const std::vector<Source>& sources, int source);

// The candidate closest to `key` by edit distance, if it is close enough to be a
// plausible typo ("did you mean ...?" in error messages); nothing otherwise.
std::optional<std::string> closest(std::string_view key, const std::vector<std::string>& candidates);

}  // namespace greenshift::yaml
