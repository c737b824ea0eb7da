// libFuzzer target over the scenario loader: the guarded YAML parse, the schema-v1
// validation and the memory check. The only acceptable outcome for any input is a
// Scenario or an InputError; another exception, a crash, a sanitizer report, a hang
// (-timeout) or runaway memory (-rss_limit_mb) is a finding.
//
// A scenario that loads is also printed back with to_yaml and loaded again: the
// resolved text is what every output file stores, so it must load and print the same.
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// A fixed limit keeps the outcome a function of the input alone (the default, the
// memory available now, would make a finding depend on the machine's load).
constexpr std::uint64_t kMaxMemory = 4ull << 30;

[[noreturn]] void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_scenario: %s\n%s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    greenshift::LoadOptions options;
    options.max_memory_bytes = kMaxMemory;
    std::string printed;
    try {
        printed = greenshift::to_yaml(greenshift::load_scenario_text(text, "fuzz.yaml", options));
    } catch (const greenshift::InputError&) {
        return 0;  // refused with a message: the expected outcome for most inputs
    }
    // Any other exception escapes and libFuzzer reports it as a crash.
    std::string again;
    try {
        again = greenshift::to_yaml(greenshift::load_scenario_text(printed, "resolved.yaml", options));
    } catch (const greenshift::InputError& e) {
        finding("an accepted scenario's resolved text does not load again", std::string(e.what()) + "\n--- resolved text:\n" + printed);
    }
    if (again != printed) finding("the resolved text changes when loaded and printed again", printed + "\n--- then:\n" + again);
    return 0;
}
