#include "io/yaml_reader.hpp"

#include "io/scenario_yaml.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace greenshift::yaml {

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string join_path(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) out = join(out, part);
    return out;
}

std::vector<std::string> split_key_path(std::string_view key) {
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
        const auto dot = key.find('.', start);
        parts.emplace_back(key.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

std::string list(Names names) {
    std::string out;
    for (auto k : names) out += (out.empty() ? "" : ", ") + std::string(k);
    return out;
}

std::vector<std::string> to_strings(Names names) { return {names.begin(), names.end()}; }

std::string allowed_list(const std::vector<std::string>& candidates) {
    if (candidates.empty()) return "there are none";
    std::string all;
    for (const auto& c : candidates) all += (all.empty() ? "" : ", ") + c;
    return "allowed: " + all;
}

std::string suggestion(std::string_view key, const std::vector<std::string>& candidates) {
    if (auto c = closest(key, candidates)) return "did you mean '" + *c + "'?";
    return allowed_list(candidates);
}

bool is_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

namespace {

bool is_nonfinite_literal(std::string_view s) {
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
    std::string l(s);
    std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
    return l == ".nan" || l == ".inf" || l == "nan" || l == "inf" || l == "infinity";
}

}  // namespace

NumStatus parse_real(const Node& n, double& out) {
    if (n.kind != Node::Kind::scalar || n.quoted) return NumStatus::not_number;
    std::string_view s = n.text;
    if (is_nonfinite_literal(s)) return NumStatus::non_finite;
    const bool plus = !s.empty() && s[0] == '+';  // from_chars takes '-' but not '+'
    if (plus) s.remove_prefix(1);
    if (s.empty() || s[0] == '+' || (plus && s[0] == '-')) return NumStatus::not_number;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
    if (r.ptr != s.data() + s.size()) return NumStatus::not_number;
    if (r.ec == std::errc::result_out_of_range) return NumStatus::too_large;
    if (r.ec != std::errc()) return NumStatus::not_number;
    if (!std::isfinite(out)) return NumStatus::non_finite;
    return NumStatus::ok;
}

NumStatus parse_whole(const Node& n, bool& negative, std::uint64_t& magnitude) {
    if (n.kind != Node::Kind::scalar || n.quoted) return NumStatus::not_number;
    std::string_view s = n.text;
    negative = !s.empty() && s[0] == '-';
    std::string_view digits = s;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
    if (!digits.empty() && digits[0] >= '0' && digits[0] <= '9') {
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
        if (r.ptr == digits.data() + digits.size()) {
            if (r.ec == std::errc::result_out_of_range) return NumStatus::too_large;
            if (r.ec == std::errc()) {
                if (magnitude == 0) negative = false;
                return NumStatus::ok;
            }
        }
    }
    double v = 0;
    const NumStatus st = parse_real(n, v);
    if (st != NumStatus::ok) return st;
    if (v != std::floor(v)) return NumStatus::not_whole;
    // Beyond 2^53 a double no longer says which whole number was meant.
    if (std::fabs(v) > 9007199254740992.0) return NumStatus::too_large;
    negative = v < 0;
    magnitude = static_cast<std::uint64_t>(std::fabs(v));
    return NumStatus::ok;
}

std::string Range::text() const {
    const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
    if (has_lo && has_hi)
        return std::string(lo_open ? "(" : "[") + round_trip_text(lo) + ", " + round_trip_text(hi) + (hi_open ? ")" : "]");
    if (has_lo) return std::string(lo_open ? "> " : ">= ") + round_trip_text(lo);
    if (has_hi) return std::string(hi_open ? "< " : "<= ") + round_trip_text(hi);
    return "any finite number";
}

void Reader::fail_at(int source, int line, int column, const std::string& message) const {
    raise(sources_.at(static_cast<std::size_t>(source)), line, column, message);
}

void Reader::fail(const Node& at, const std::string& message) const { fail_at(at.source, at.line, at.column, message); }

void Reader::bad(const Node& at, const std::string& path, const std::string& problem, const std::string& allowed) const {
    fail(at, path + ": " + problem + ", got " + describe(at) + "; " + allowed);
}

void Reader::check_keys(const Node& map, const std::string& path, const std::string& where, Names allowed) const {
    for (const auto& e : map.entries) {
        if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) continue;
        fail_at(map.source, e.line, e.column,
                join(path, e.key) + ": unknown key '" + e.key + "' in " + where + "; " +
                    suggestion(e.key, to_strings(allowed)));
    }
}

const Node& Reader::require(const Node& map, const std::string& path, std::string_view key,
                            const std::string& what) const {
    if (const Node* n = map.find(key)) return *n;
    fail(map, (path.empty() ? std::string("top level") : path) + ": missing required key '" + std::string(key) +
                  "' (" + what + ")");
}

const Node& Reader::expect_map(const Node& n, const std::string& path, const std::string& what) const {
    if (n.kind != Node::Kind::map) bad(n, path, "expected " + what, "write it as a map of keys");
    return n;
}

void Reader::check_name(const Node& map, const Entry& e, const std::string& path, const std::string& what) const {
    if (!is_name(e.key))
        fail_at(map.source, e.line, e.column,
                path + ": invalid " + what + " name, got '" + e.key + "'; " + std::string(kNameRule));
}

double Reader::real(const Node& n, const std::string& path, const Range& range) const {
    double v = 0;
    switch (parse_real(n, v)) {
    case NumStatus::ok: break;
    case NumStatus::non_finite: bad(n, path, "not a finite number", "allowed: " + range.text());
    case NumStatus::too_large: bad(n, path, "number too large", "allowed: " + range.text());
    default:
        bad(n, path, "expected a number",
            std::string(n.quoted ? "numbers are written without quotes; " : "") + "allowed: " + range.text());
    }
    if (!range.contains(v)) bad(n, path, "out of range", "allowed: " + range.text());
    return v;
}

std::uint64_t Reader::whole(const Node& n, const std::string& path, std::uint64_t lo, std::uint64_t hi,
                            const std::string& note) const {
    const std::string allowed = "allowed: integers from " + std::to_string(lo) + " to " + std::to_string(hi) + note;
    const std::string kind = lo == 0 ? "a non-negative integer" : "an integer";
    bool negative = false;
    std::uint64_t m = 0;
    switch (parse_whole(n, negative, m)) {
    case NumStatus::ok: break;
    case NumStatus::non_finite: bad(n, path, "not a finite number", allowed);
    case NumStatus::too_large: bad(n, path, "out of range", allowed);
    case NumStatus::not_whole: bad(n, path, "expected " + kind + " (a whole number)", allowed);
    default:
        bad(n, path, "expected " + kind, std::string(n.quoted ? "numbers are written without quotes; " : "") + allowed);
    }
    if (negative) bad(n, path, "must not be negative", allowed);
    if (m < lo || m > hi) bad(n, path, "out of range", allowed);
    return m;
}

int Reader::integer(const Node& n, const std::string& path, int lo, int hi, const std::string& note) const {
    return static_cast<int>(whole(n, path, static_cast<std::uint64_t>(lo), static_cast<std::uint64_t>(hi), note));
}

std::string Reader::string(const Node& n, const std::string& path) const {
    if (n.kind != Node::Kind::scalar) bad(n, path, "expected a string", "write it as text, quoted if needed");
    return n.text;
}

bool Reader::boolean(const Node& n, const std::string& path) const {
    if (n.kind == Node::Kind::scalar && !n.quoted) {
        if (n.text == "true" || n.text == "True" || n.text == "TRUE") return true;
        if (n.text == "false" || n.text == "False" || n.text == "FALSE") return false;
    }
    bad(n, path, "expected true or false", "allowed: true, false");
}

std::size_t Reader::choice(const Node& n, const std::string& path, Names options) const {
    if (n.kind == Node::Kind::scalar)
        for (std::size_t i = 0; i < options.size(); ++i)
            if (n.text == options[i]) return i;
    std::string hint = "allowed: " + list(options);
    if (n.kind == Node::Kind::scalar)
        if (auto c = closest(n.text, to_strings(options))) hint = "did you mean '" + *c + "'? " + hint;
    bad(n, path, "not a recognised value", hint);
}

}  // namespace greenshift::yaml
