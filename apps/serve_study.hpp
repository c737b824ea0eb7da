// What `greenshift serve` computes for one state of the page: a programme and its
// paired baseline as a two-variant batch (io/batch_loader, batch/expand), every run
// computed in this process, the indicators and statistics taken exactly as the batch
// file takes them (batch/ensemble), so that `greenshift batch` on the batch file this
// study writes out gives the same numbers, bit for bit. No HTTP here: cmd_serve.cpp
// turns requests into a StudyRequest and the results into a response.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "io/batch_plan.hpp"
#include "core/results.hpp"
#include "core/scenario.hpp"

namespace greenshift::serve {

// A request the page cannot have sent, or values the scenario loader refuses. `fields`
// maps a control's key path to the loader's message about it (shown beside the field).
struct RequestError : std::runtime_error {
    RequestError(const std::string& message, int http_status, std::map<std::string, std::string> field_messages = {})
        : std::runtime_error(message), status(http_status), fields(std::move(field_messages)) {}
    int status;  // HTTP status: 400 bad request, 404 unknown scenario, 413 too large, ...
    std::map<std::string, std::string> fields;
};

// Limits that keep one request from taking the machine.
struct Limits {
    std::uint32_t max_replicates = 200;
    std::uint64_t max_firms = 2'000'000;             // per run
    std::uint64_t max_firm_steps = 500'000'000;      // over every run of a request
    std::uint64_t max_memory_bytes = 0;              // per run (0: the memory available now)
};

// One editable value of the scenario on the page.
struct Control {
    std::string path;    // scenario key path (what --set takes)
    std::string label;
    std::string kind;    // number, integer, size_classes, scale
    std::string units;
    nlohmann::json value;  // as the file has it (resolved)
};

// A scenario file of the served folder.
struct ScenarioEntry {
    std::string file;          // name inside the folder, the only way a request names it
    std::string path;          // absolute
    std::string name, description;
    std::uint64_t firms = 0;
    int steps = 0;
    std::string error;         // the loader's message when the file is not a valid scenario
};

// The scenario files (*.yaml, *.yml) directly inside `folder`, in name order; batch
// files are recognised (they name a `scenario:`) and left out.
std::vector<ScenarioEntry> list_scenarios(const std::string& folder);

// What the page needs to draw the controls of `entry`: every policy with its type,
// whether it belongs to the programme by default, and its controls; the economy's
// scale controls; replicates and seed. The default programme is what a batch file of
// the folder removes from its baseline variant for this scenario (the Morocco batch
// keeps the audit mandate, law not programme, in its baseline), else every policy.
nlohmann::json describe_scenario(const ScenarioEntry& entry, const std::string& folder, const Limits& limits);

// The state of the page that a study computes.
struct StudyRequest {
    std::string scenario;                 // ScenarioEntry::file
    std::uint32_t replicates = 20;
    std::uint64_t seed = 0;               // the batch seed
    std::vector<std::string> programme;   // policies of the programme: removed in the baseline
    // key path -> YAML value text; `changes` go to the programme variant only,
    // `economy` to both (prices are not the programme's doing).
    std::vector<std::pair<std::string, std::string>> changes;
    std::vector<std::pair<std::string, std::string>> economy;
    // A carbon price (MAD/tCO2) added to the programme of a scenario that has none:
    // --set cannot add a policy, so the first change then restates the file's
    // policies with it (`policies={...}`). Negative: none.
    double carbon_price = -1;
};

// The name of the carbon price serve adds (docs/serve.md).
inline constexpr const char* kAddedCarbonPrice = "serve_carbon_price";

// Reads and checks the JSON body of a study request against the controls of its
// scenario: unknown keys, values of the wrong type, names not in the scenario and
// replicates beyond the limit are refused (RequestError 400) before anything runs.
StudyRequest parse_study_request(const nlohmann::json& body, const std::vector<ScenarioEntry>& scenarios,
                                 const std::string& folder, const Limits& limits);

// The batch file (YAML) of the request: base scenario by absolute path, variants
// `baseline` and `programme` (paired), no samples. `greenshift batch` on it
// reproduces the study.
std::string batch_yaml(const StudyRequest& request, const ScenarioEntry& entry);

// The `greenshift run` / `greenshift batch` command lines that reproduce the study.
std::string set_lines(const StudyRequest& request, const ScenarioEntry& entry);

// The request checked by the scenario loader: each change alone (so that every field
// gets its own message, as `--set` would print it), then all of them together.
// Throws RequestError 422 with `fields` when a value is refused.
void validate_changes(const StudyRequest& request, const ScenarioEntry& entry, const Limits& limits);

// A computed study: the JSON the page draws, and the plan and scenarios that the
// downloads write out.
struct Study {
    BatchPlan plan;
    Scenario programme;  // of replicate 0 (its run.seed is that run's seed)
    Scenario baseline;
    nlohmann::json result;
};

// Runs already computed, by everything that makes them: the scenario file's text,
// the variant's overrides and the run's seed. A run is a pure function of those, so
// a change of the programme computes only the programme's runs again (the
// baseline's are found here), and the numbers are those of a fresh batch. Least
// recently used runs go first beyond `max_bytes`.
class RunCache {
public:
    explicit RunCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
    std::shared_ptr<const RunResult> find(const std::string& key);
    void put(const std::string& key, std::shared_ptr<const RunResult> run);
    // The key of a run of `variant` of `plan` with `seed`.
    static std::string key(const BatchPlan& plan, std::uint32_t variant, std::uint64_t seed);

private:
    struct Entry {
        std::string key;
        std::shared_ptr<const RunResult> run;
        std::size_t bytes;
    };
    std::mutex mutex_;
    std::list<Entry> entries_;  // most recently used first
    std::map<std::string, std::list<Entry>::iterator> by_key_;
    std::size_t bytes_ = 0;
    std::size_t max_bytes_;
};

// Computes the study with `threads` threads, taking runs from `cache` when it has
// them (nullptr: no cache). `cancelled` is polled between runs;
// when it returns true the study stops and throws Cancelled.
struct Cancelled : std::runtime_error {
    Cancelled() : std::runtime_error("superseded by a newer request") {}
};
Study compute_study(const StudyRequest& request, const ScenarioEntry& entry, const Limits& limits, int threads,
                    const std::function<bool()>& cancelled, RunCache* cache = nullptr);

}  // namespace greenshift::serve
