#include "io/design_csv.hpp"

#include "io/input_error.hpp"
#include "io/scenario_yaml.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

namespace greenshift {

namespace {

struct Field {
    std::string text;
    int column = 0;  // 1-based, of the field's first character
};

// One line split at commas; a field may be double-quoted (quotes doubled inside), and
// surrounding spaces are dropped. A design holds key paths and numbers: no field
// spans lines.
std::vector<Field> split_line(std::string_view line, const std::string& file, int line_no) {
    std::vector<Field> out;
    std::size_t i = 0;
    for (;;) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        Field f;
        f.column = static_cast<int>(i) + 1;
        if (i < line.size() && line[i] == '"') {
            ++i;
            for (;;) {
                if (i >= line.size())
                    throw InputError(file, line_no, f.column, "a quoted field is not closed; close it with '\"'");
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        f.text.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                f.text.push_back(line[i++]);
            }
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i < line.size() && line[i] != ',')
                throw InputError(file, line_no, static_cast<int>(i) + 1, "text after a quoted field; expected ','");
        } else {
            const std::size_t end = line.find(',', i);
            f.text = std::string(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
            while (!f.text.empty() && (f.text.back() == ' ' || f.text.back() == '\t')) f.text.pop_back();
            i = end == std::string_view::npos ? line.size() : end;
        }
        out.push_back(std::move(f));
        if (i >= line.size()) break;
        ++i;  // the comma
    }
    return out;
}

// The support of a parameter's distribution, for the message and the check.
struct Support {
    double low, high;
    bool open_low;
    std::string words;
};
Support support_of(const UncertainParameter& u) {
    const double inf = std::numeric_limits<double>::infinity();
    switch (u.distribution) {
    case Distribution::uniform:
    case Distribution::triangular: {
        std::string words = "[";
        words.append(round_trip_text(u.low)).append(", ").append(round_trip_text(u.high)).append("], the ");
        words.append(kDistributionNames[static_cast<std::size_t>(u.distribution)]).append(" distribution's range");
        return {u.low, u.high, false, words};
    }
    case Distribution::lognormal: return {0, inf, true, "above 0 (a log-normal value)"};
    case Distribution::normal: return {-inf, inf, false, "any finite number (a normal value)"};
    }
    return {-inf, inf, false, "any finite number"};
}

}  // namespace

DesignRows read_design_csv(const std::string& text, const std::string& file,
                           std::span<const UncertainParameter> parameters) {
    const std::size_t d = parameters.size();
    std::vector<std::string> keys;
    for (const auto& u : parameters) keys.push_back(u.path);
    std::string allowed;
    for (const auto& k : keys) allowed += (allowed.empty() ? "" : ", ") + k;

    DesignRows out;
    std::vector<std::size_t> param_of_field;  // header field -> parameter
    std::vector<Support> supports;
    for (const auto& u : parameters) supports.push_back(support_of(u));
    bool header = false;
    int line_no = 0;
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + at, end - at);
        at = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            if (end == text.size()) break;
            continue;  // a blank line is no row
        }
        const std::vector<Field> fields = split_line(line, file, line_no);
        if (!header) {
            header = true;
            param_of_field.assign(fields.size(), d);
            std::vector<bool> seen(d, false);
            for (std::size_t f = 0; f < fields.size(); ++f) {
                std::size_t p = 0;
                while (p < d && keys[p] != fields[f].text) ++p;
                if (p == d)
                    throw InputError(file, line_no, fields[f].column,
                                     "column '" + fields[f].text + "' is not an uncertain parameter of the batch; allowed: " +
                                         allowed + " (declare it under uncertain:)");
                if (seen[p])
                    throw InputError(file, line_no, fields[f].column,
                                     "column '" + fields[f].text + "' appears twice; give each key path one column");
                seen[p] = true;
                param_of_field[f] = p;
            }
            for (std::size_t p = 0; p < d; ++p)
                if (!seen[p])
                    throw InputError(file, line_no, 1,
                                     "no column for uncertain parameter '" + keys[p] +
                                         "'; the header must name every uncertain parameter: " + allowed);
            continue;
        }
        if (fields.size() != param_of_field.size()) {
            const int col = fields.size() > param_of_field.size() ? fields[param_of_field.size()].column
                                                                  : static_cast<int>(line.size()) + 1;
            throw InputError(file, line_no, col,
                             "row " + std::to_string(out.total_rows) + " has " + std::to_string(fields.size()) +
                                 " fields, the header " + std::to_string(param_of_field.size()) +
                                 "; every row needs one number per column");
        }
        std::vector<double> row(d);
        const std::size_t first_cell = out.cells.size();
        out.cells.resize(first_cell + d);
        for (std::size_t f = 0; f < fields.size(); ++f) {
            const std::string& s = fields[f].text;
            const std::size_t p = param_of_field[f];
            double v = 0;
            const char* b = s.data();
            const char* e = s.data() + s.size();
            if (b != e && *b == '+') ++b;
            const auto r = std::from_chars(b, e, v);
            if (s.empty() || r.ec != std::errc() || r.ptr != e || !std::isfinite(v))
                throw InputError(file, line_no, fields[f].column,
                                 "column '" + keys[p] + "': '" + s + "' is not a number; expected a finite decimal number, e.g. 1.05");
            const Support& sup = supports[p];
            if (v < sup.low || v > sup.high || (sup.open_low && v <= sup.low))
                throw InputError(file, line_no, fields[f].column,
                                 "column '" + keys[p] + "': " + s + " is outside the allowed range; allowed: " + sup.words +
                                     " of uncertain." + keys[p]);
            row[p] = v;
            out.cells[first_cell + p] = DesignCell{line_no, fields[f].column};
        }
        out.values.push_back(std::move(row));
        ++out.total_rows;
        if (end == text.size()) break;
    }
    if (!header) throw InputError(file, 1, 1, "empty design; expected a header row of key paths (" + allowed + "), then one row per run");
    if (out.values.empty())
        throw InputError(file, line_no, 1, "the design has a header but no rows; add one row of numbers per sample");
    return out;
}

}  // namespace greenshift
