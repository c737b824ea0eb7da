#include "io/calibrated_scenario.hpp"

#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"
#include "io/yaml_guard.hpp"
#include "io/yaml_reader.hpp"

#include <algorithm>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace greenshift {

namespace {

// A value to write over the text: at (line, column), `length` bytes become `text`.
struct Edit {
    int line = 0, column = 0;
    std::size_t length = 0;
    std::string text, note;
};

// Where the base scenario writes `key` as a plain scalar, if it does.
std::optional<Edit> locate(const yaml::Node& root, const std::string& key) {
    const yaml::Node* n = &root;
    for (const auto& part : yaml::split_key_path(key)) {
        if (n->kind != yaml::Node::Kind::map) return std::nullopt;
        n = n->find(part);
        if (n == nullptr) return std::nullopt;
    }
    if (n->kind != yaml::Node::Kind::scalar || n->quoted) return std::nullopt;
    Edit e;
    e.line = n->line;
    e.column = n->column;
    e.length = n->text.size();
    e.note = "was " + n->text;
    return e;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// The text with each edit applied (right to left within a line, so columns hold) and
// its note appended to the line's comment.
std::optional<std::string> apply_edits(const std::string& text, std::vector<Edit> edits, const std::string& by) {
    std::vector<std::string> lines = lines_of(text);
    std::sort(edits.begin(), edits.end(),
              [](const Edit& a, const Edit& b) { return a.line != b.line ? a.line < b.line : a.column > b.column; });
    for (const Edit& e : edits) {
        if (e.line < 1 || static_cast<std::size_t>(e.line) > lines.size()) return std::nullopt;
        std::string& l = lines[static_cast<std::size_t>(e.line - 1)];
        const auto at = static_cast<std::size_t>(e.column - 1);
        if (at + e.length > l.size()) return std::nullopt;
        l.replace(at, e.length, e.text);
    }
    for (std::size_t i = 0; i < edits.size(); ++i) {
        // one note per line, naming every value changed on it
        if (i > 0 && edits[i].line == edits[i - 1].line) continue;
        std::string note;
        for (std::size_t j = i; j < edits.size() && edits[j].line == edits[i].line; ++j)
            note += (note.empty() ? "" : ", ") + edits[j].note;
        std::string& l = lines[static_cast<std::size_t>(edits[i].line - 1)];
        l += (l.find(" #") == std::string::npos ? "  # " : "; ") + std::string("calibrated by ") + by + " (" + note + ")";
    }
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

std::string calibrated_scenario_text(const CalibrationOutput& c, const std::string& calibration_file) {
    const std::size_t n = c.keys.size();
    if (c.estimate.size() != n || c.p05.size() != n || c.p95.size() != n)
        throw InputError(calibration_file, 0, 0, "/parameters: datasets of different lengths");
    const std::string display = calibration_file + " (its base scenario)";
    std::vector<std::string> overrides;
    for (std::size_t k = 0; k < n; ++k) overrides.push_back(c.keys[k] + "=" + round_trip_text(c.estimate[k]));
    // What the written file must load to: the base scenario with --set for every key.
    std::string expected;
    try {
        expected = to_yaml(load_scenario_text(c.scenario_text, display, overrides));
    } catch (const InputError& e) {
        throw InputError(calibration_file, 0, 0, std::string("the base scenario refuses the estimates: ") + e.what());
    }

    const std::string file_name = calibration_file.substr(calibration_file.find_last_of('/') + 1);
    std::string header = "# Calibrated: the base scenario of " + file_name +
                         " with the estimates of its calibration written in\n"
                         "# (greenshift calibrated-scenario; docs/calibration.md). Calibrated keys, estimate and 90%"
                         " posterior interval:\n";
    for (std::size_t k = 0; k < n; ++k)
        header += "#   " + c.keys[k] + " = " + round_trip_text(c.estimate[k]) + "  (" + round_trip_text(c.p05[k]) +
                  " to " + round_trip_text(c.p95[k]) + ")\n";

    std::optional<std::string> body;
    {
        const std::vector<yaml::Source> sources{yaml::Source{display, {}, {}}};
        const yaml::Node root = yaml::parse_document(c.scenario_text, sources, 0, yaml::kScenarioDocument);
        std::vector<Edit> edits;
        for (std::size_t k = 0; k < n && edits.size() == k; ++k)
            if (auto e = locate(root, c.keys[k])) {
                e->text = round_trip_text(c.estimate[k]);
                edits.push_back(*e);
            }
        if (edits.size() == n) body = apply_edits(c.scenario_text, edits, file_name);
    }
    if (body) {
        const std::string text = header + "#\n" + *body;
        try {
            if (to_yaml(load_scenario_text(text, display, LoadOptions{})) == expected) return text;
        } catch (const InputError&) {
            // fall through to the resolved form
        }
    }
    const std::string text = header + "# (written resolved: not every calibrated key is a plain number in the base file)\n" +
                             expected;
    if (to_yaml(load_scenario_text(text, display, LoadOptions{})) != expected)
        throw std::logic_error("calibrated_scenario_text: the resolved scenario does not load back to itself");
    return text;
}

}  // namespace greenshift
