// The options `run` and `validate` share: the scenario file and what changes it.
#include <charconv>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>

#include "apps/commands.hpp"
#include "io/scenario_loader.hpp"

namespace greenshift::cli {

namespace {

// "512M", "8G", "1.5GiB", "2000000" -> bytes. Decimal and binary suffixes both
// mean powers of 1024, as memory sizes usually do.
std::uint64_t parse_size(const std::string& text) {
    std::size_t pos = 0;
    double v = 0;
    try {
        v = std::stod(text, &pos);
    } catch (const std::exception&) {
        throw CLI::ValidationError("--max-memory", "'" + text + "' is not a size (e.g. 512M, 8G, 1.5GiB)");
    }
    std::string unit = text.substr(pos);
    double mult = 1;
    if (unit == "" || unit == "B") mult = 1;
    else if (unit == "K" || unit == "KB" || unit == "KiB") mult = 1024.0;
    else if (unit == "M" || unit == "MB" || unit == "MiB") mult = 1024.0 * 1024;
    else if (unit == "G" || unit == "GB" || unit == "GiB") mult = 1024.0 * 1024 * 1024;
    else if (unit == "T" || unit == "TB" || unit == "TiB") mult = 1024.0 * 1024 * 1024 * 1024;
    else throw CLI::ValidationError("--max-memory", "unknown unit '" + unit + "' in '" + text + "' (use K, M, G or T)");
    if (!(v > 0) || v * mult > 1.8e19) throw CLI::ValidationError("--max-memory", "'" + text + "' is not a positive size");
    return static_cast<std::uint64_t>(v * mult);
}

}  // namespace

std::string seed_option_error(const std::string& text) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (!text.empty() && text[0] >= '0' && text[0] <= '9' && ptr == end && ec == std::errc()) return "";
    const std::string why = !text.empty() && text[0] == '-'                         ? "negative"
                            : ec == std::errc::result_out_of_range && ptr == end ? "out of range"
                                                                                 : "not a whole number";
    return "'" + text + "' is " + why + "; allowed: integers from 0 to " +
           std::to_string(std::numeric_limits<std::uint64_t>::max());
}

Scenario ScenarioArgs::load() const {
    LoadOptions opt;
    for (const auto& u : unsets) opt.overrides.push_back("-" + u);  // removals first, then the values set
    opt.overrides.insert(opt.overrides.end(), sets.begin(), sets.end());
    // Through the loader, as `--set run.seed=...`: the same parser, so the same run.
    if (!seed.empty()) opt.overrides.push_back("run.seed=" + seed);
    if (!max_memory.empty()) opt.max_memory_bytes = parse_size(max_memory);
    return load_scenario(file, opt);
}

void add_scenario_options(CLI::App* cmd, ScenarioArgs& a) {
    cmd->add_option("scenario", a.file, "Scenario file (YAML, schema in docs/scenarios.md)")->required();
    cmd->add_option("--set", a.sets, "Override a scenario value: key.path=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cmd->add_option("--unset", a.unsets,
                    "Remove a key of the scenario file and its value, e.g. policies.cop22_grant (repeatable; "
                    "applied before --set)")
        ->type_name("KEY")
        ->allow_extra_args(false);
    cmd->add_option("--max-memory", a.max_memory,
                    "Refuse scenarios needing more memory than this (default: memory available now)")
        ->type_name("SIZE");
}

}  // namespace greenshift::cli
