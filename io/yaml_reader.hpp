// The checked reading of a YAML tree (io/yaml_guard.hpp) that the scenario and batch
// loaders share: one message format, `path: problem, got value; what is allowed`, at
// the line and column of the offending value, and one reading of numbers, names,
// choices and key paths. Each loader derives its own reader from `yaml::Reader`.
#pragma once

#include "io/yaml_guard.hpp"

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace greenshift::yaml {

using Names = std::span<const std::string_view>;

// ---- text of messages and paths ----

// "path.key", or "key" at the top level.
std::string join(const std::string& path, std::string_view key);
std::string join_path(const std::vector<std::string>& parts);
// The parts of a dotted key path ("policies.grant.rate"), empty parts kept.
std::vector<std::string> split_key_path(std::string_view key);
// "a, b, c"
std::string list(Names names);
std::vector<std::string> to_strings(Names names);
// "allowed: a, b, c", or "there are none".
std::string allowed_list(const std::vector<std::string>& candidates);
// "did you mean 'x'?" when a candidate is a plausible typo of `key`, else allowed_list.
std::string suggestion(std::string_view key, const std::vector<std::string>& candidates);

// Names of fuels, sectors, technologies, policies and variants become identifiers in
// outputs and key paths, hence the restricted alphabet.
bool is_name(std::string_view s);
inline constexpr std::string_view kNameRule = "allowed: 1 to 64 characters from a-z, 0-9 and _";

// ---- numbers as written in YAML ----

enum class NumStatus { ok, not_number, non_finite, not_whole, too_large };

// A plain (unquoted) scalar that is a finite number.
NumStatus parse_real(const Node& n, double& out);
// A whole number, written as an integer (120) or, when it is exactly whole, as a
// decimal or in scientific notation (120.0, 1.2e2): counts are often large round
// numbers. 1.5 is refused rather than rounded; -0 is 0.
NumStatus parse_whole(const Node& n, bool& negative, std::uint64_t& magnitude);

// An interval for checks and messages: "(0, 1]", ">= 0", "> 0", "any finite number".
struct Range {
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool lo_open = false;
    bool hi_open = false;

    bool contains(double v) const {
        return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    }
    std::string text() const;
};

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr Range kAny{};
inline constexpr Range kNonNeg{0, kInf};
inline constexpr Range kPositive{0, kInf, true};
inline constexpr Range kUnit{0, 1};                // [0, 1]
inline constexpr Range kUnitOpenLow{0, 1, true};   // (0, 1]

// ---- the reader ----

// Reads values out of a tree whose nodes name their source (an index into `sources`),
// raising InputError with the source's file and the node's position. Every method
// that checks a value takes the key path the value sits at, for the message.
class Reader {
public:
    explicit Reader(const std::vector<Source>& sources) : sources_(sources) {}

    [[noreturn]] void fail_at(int source, int line, int column, const std::string& message) const;
    [[noreturn]] void fail(const Node& at, const std::string& message) const;
    // `<path>: <problem>, got <value>; <allowed>`
    [[noreturn]] void bad(const Node& at, const std::string& path, const std::string& problem,
                          const std::string& allowed) const;

    // Refuses keys of `map` not in `allowed`, suggesting the closest one; `where` says
    // whose keys they are ("the top level", "sector 'textile'").
    void check_keys(const Node& map, const std::string& path, const std::string& where, Names allowed) const;
    // The value of `key`, or an error naming the missing key and `what` it is for.
    const Node& require(const Node& map, const std::string& path, std::string_view key,
                        const std::string& what) const;
    const Node& expect_map(const Node& n, const std::string& path, const std::string& what) const;
    // Refuses a map key that is not a name (is_name); `what` is "sector", "variant", ...
    void check_name(const Node& map, const Entry& e, const std::string& path, const std::string& what) const;

    double real(const Node& n, const std::string& path, const Range& range = kAny) const;
    // A whole number in [lo, hi]; `note` follows the allowed range in messages.
    std::uint64_t whole(const Node& n, const std::string& path, std::uint64_t lo, std::uint64_t hi,
                        const std::string& note = "") const;
    int integer(const Node& n, const std::string& path, int lo, int hi, const std::string& note = "") const;
    std::string string(const Node& n, const std::string& path) const;
    bool boolean(const Node& n, const std::string& path) const;
    // The index of the scalar among `options` (the name table of an enum).
    std::size_t choice(const Node& n, const std::string& path, Names options) const;

private:
    const std::vector<Source>& sources_;
};

}  // namespace greenshift::yaml
