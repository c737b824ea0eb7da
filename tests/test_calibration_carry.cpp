// A calibration carried forward: the Morocco calibration file as shipped, a batch
// whose uncertain parameters are drawn from a calibration's posterior
// (`from_calibration:`), and the calibrated scenario written back as YAML.
#include "batch/expand.hpp"
#include "core/model.hpp"
#include "core/observations.hpp"
#include "io/batch_loader.hpp"
#include "io/calibrated_scenario.hpp"
#include "io/calibration_file.hpp"
#include "io/calibration_loader.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace greenshift;

namespace {

const std::string kSource = GREENSHIFT_SOURCE_DIR;

// The shipped Morocco calibration loads: its parameters exist in the baseline at both
// bounds and at their starts, its targets are computable from the run it makes (to
// 2025), and each target and the hold-out carries a source.
TEST(MoroccoCalibration, LoadsWithSourcedTargetsAndAHoldOut) {
    const CalibrationPlan p = load_calibration(kSource + "/scenarios/morocco-calibration.yaml");
    EXPECT_EQ(p.end_year, 2025);
    EXPECT_GE(p.parameters.size(), 3u);
    EXPECT_LE(p.parameters.size(), 6u);
    EXPECT_GE(p.targets.size(), 5u);
    ASSERT_GE(p.validation.size(), 1u);
    for (const auto* set : {&p.targets, &p.validation})
        for (const Observation& o : *set) {
            EXPECT_NE(o.source.find("http"), std::string::npos) << o.name << ": no address in its source";
            EXPECT_GT(sigma(o), 0) << o.name;
        }
}

// ---- a batch drawing from a calibration's posterior ----

namespace fs = std::filesystem;

const std::string kData = std::string(GREENSHIFT_TEST_DATA) + "/data";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path scratch_dir() {
    const fs::path d = fs::temp_directory_path() / ("greenshift_calib_carry_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

// The posterior sample of the synthetic calibration: five draws of two parameters of
// tests/data/small.yaml, each row distinct in both columns, so that a mixed-up row
// (one parameter from one draw, the other from another) shows.
const std::vector<std::vector<double>> kSample = {
    {0.21, 0.0021}, {0.35, 0.0093}, {0.48, 0.0047}, {0.62, 0.0150}, {0.77, 0.0012}};

// A CALIB.h5 as `greenshift calibrate` writes it, made with io/calibration_file's writer.
std::string synthetic_calibration(const std::string& name, std::vector<std::string> keys,
                                  const std::string& scenario_file = kData + "/small.yaml") {
    CalibrationOutput o;
    o.scenario_text = slurp(scenario_file);
    o.calibration_text = "synthetic calibration for tests/test_calibration_carry.cpp\n";
    o.identity = "00000000c0ffee00";
    o.method = "synthetic";
    o.seed = 5;
    o.replicates = 1;
    o.keys = std::move(keys);
    const std::size_t n = o.keys.size();
    o.lower.assign(n, 0.0001);
    o.upper.assign(n, 2.0);
    o.estimate = {0.48, 0.0047};
    o.p05 = {0.21, 0.0012};
    o.median = {0.48, 0.0047};
    o.p95 = {0.77, 0.0150};
    o.estimate.resize(n, 0.5), o.p05.resize(n, 0.4), o.median.resize(n, 0.5), o.p95.resize(n, 0.6);
    for (const auto& row : kSample) o.sample.emplace_back(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, 2)));
    for (auto& row : o.sample) row.resize(n, 0.5);
    o.log_likelihood.assign(o.sample.size(), -1.0);
    o.trace.parameters = n;
    o.trace.targets = 1;
    o.trace.values = o.estimate;
    o.trace.loss = {1.0};
    o.trace.stage = {1};
    o.trace.simulated = {1.0};
    o.trace.variance = {0.0};
    o.fit = {{"a", 1, 0.1, "normal", "1", 1, 0.9, 1.1, "synthetic", true}};
    const fs::path path = scratch_dir() / name;
    fs::remove(path);
    write_calibration(path.string(), o, false);
    return path.string();
}

std::string batch_text(const std::string& calibration, bool with_calibration = true) {
    std::string t = "schema: 1\nscenario: ../small.yaml\nseed: 7\nsamples: 7\nreplicates: 2\n";
    if (with_calibration) t += "from_calibration: " + calibration + "\n";
    t += "variants:\n  base: {}\n"
         "uncertain:\n  electricity.price: {distribution: uniform, apply: scale, low: 0.9, high: 1.1}\n";
    return t;
}

BatchPlan plan_of(const std::string& text) {
    BatchPlan plan = load_batch_text(text, kData + "/batch/inline.yaml");
    expand(plan);
    return plan;
}

std::size_t column_of(const BatchPlan& plan, const std::string& path) {
    for (std::size_t p = 0; p < plan.uncertain.size(); ++p)
        if (plan.uncertain[p].path == path) return p;
    ADD_FAILURE() << "no uncertain parameter " << path;
    return 0;
}

// Sample s takes row s mod 5 of the posterior for both parameters at once; the Latin
// hypercube of the other parameter is the one the batch has without the calibration.
TEST(BatchFromCalibration, EachSampleTakesOnePosteriorRowWhole) {
    const std::string calib = synthetic_calibration("two.h5", {"decision.midpoint", "technologies.solar_process_heat.bass_p"});
    const BatchPlan plan = plan_of(batch_text(calib));
    const BatchPlan plain = plan_of(batch_text(calib, false));
    ASSERT_EQ(plan.uncertain.size(), 3u);
    EXPECT_EQ(plan.calibration_draws, 5u);
    const std::size_t mid = column_of(plan, "decision.midpoint");
    const std::size_t bass = column_of(plan, "technologies.solar_process_heat.bass_p");
    const std::size_t price = column_of(plan, "electricity.price");
    EXPECT_FALSE(plan.uncertain[mid].scale);
    for (std::uint32_t s = 0; s < plan.samples; ++s) {
        EXPECT_EQ(plan.sample_values[s][mid], kSample[s % 5][0]) << "sample " << s;
        EXPECT_EQ(plan.sample_values[s][bass], kSample[s % 5][1]) << "sample " << s;
        EXPECT_EQ(plan.sample_values[s][price], plain.sample_values[s][0]) << "sample " << s;
    }
    // The run's scenario has the row's values.
    for (const RunSpec& r : plan.runs) {
        const Scenario sc = scenario_for_run(plan, r);
        EXPECT_EQ(sc.decision.midpoint, kSample[r.sample % 5][0]);
        const auto t = std::find_if(sc.technologies.begin(), sc.technologies.end(),
                                    [](const Technology& x) { return x.name == "solar_process_heat"; });
        ASSERT_NE(t, sc.technologies.end());
        EXPECT_EQ(t->bass_p, kSample[r.sample % 5][1]);
    }
    // The calibration's values are part of the batch's identity: another posterior is
    // another batch (a resume against it is refused).
    EXPECT_NE(plan.identity, plain.identity);
}

// A parameter the batch's scenario does not have, a missing file, and a key path that
// is also under uncertain: are refused at from_calibration's value, naming it.
TEST(BatchFromCalibration, RefusesWhatTheScenarioCannotTake) {
    const auto refused = [](const std::string& text, const std::string& fragment) {
        try {
            plan_of(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const InputError& e) {
            EXPECT_EQ(e.line(), 6) << e.what();
            EXPECT_EQ(e.column(), 19) << e.what();
            EXPECT_NE(std::string(e.what()).find("from_calibration"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
    };
    refused(batch_text(synthetic_calibration("nope.h5", {"technologies.nope.bass_p"})), "technologies.nope.bass_p");
    refused(batch_text((scratch_dir() / "absent.h5").string()), "absent.h5");
    refused(batch_text(synthetic_calibration("twice.h5", {"electricity.price"})), "also under uncertain");
    refused(batch_text(synthetic_calibration("whole.h5", {"decision.midpoint", "technologies.rooftop_pv.lifetime"})), "lifetime");
}

// Through the command line: the batch file written records, for every run, the
// posterior row it used (runs/calibration_draw) and the values (runs/parameters).
TEST(BatchFromCalibration, TheBatchFileRecordsEachRunsDraw) {
    const std::string calib = synthetic_calibration("cli.h5", {"decision.midpoint", "technologies.solar_process_heat.bass_p"});
    const fs::path dir = scratch_dir();
    std::string text = batch_text(calib);
    text.replace(text.find("../small.yaml"), 13, kData + "/small.yaml");
    { std::ofstream(dir / "posterior-batch.yaml") << text; }
    const fs::path out = dir / "posterior-batch.h5";
    fs::remove(out);
    const std::string cmd = std::string(GREENSHIFT_EXE) + " batch " + (dir / "posterior-batch.yaml").string() + " -o " +
                            out.string() + " --threads 2 -q";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const hdf5::File f = hdf5::File::open_read_only(out.string());
    const hdf5::Group runs = hdf5::Group::open(f, "runs");
    const auto sample = hdf5::read_array<std::int32_t>(runs, "sample").values;
    const auto draw = hdf5::read_array<std::int32_t>(runs, "calibration_draw").values;
    const auto keys = hdf5::read_strings(runs, "parameter");
    const auto values = hdf5::read_array<double>(runs, "parameters").values;
    ASSERT_EQ(sample.size(), 14u);  // 7 samples x 2 replicates x 1 variant
    ASSERT_EQ(draw.size(), sample.size());
    ASSERT_EQ(keys.size(), 3u);
    const auto at = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) - keys.begin(); };
    for (std::size_t i = 0; i < sample.size(); ++i) {
        EXPECT_EQ(draw[i], sample[i] % 5);
        EXPECT_EQ(values[i * 3 + static_cast<std::size_t>(at("decision.midpoint"))], kSample[static_cast<std::size_t>(draw[i])][0]);
        EXPECT_EQ(values[i * 3 + static_cast<std::size_t>(at("technologies.solar_process_heat.bass_p"))],
                  kSample[static_cast<std::size_t>(draw[i])][1]);
    }
}

// ---- the calibrated scenario ----

// The Morocco baseline with five estimates: the estimates are in the scenario, the
// rest equals the base scenario with --set for each key, the source comments stay,
// each changed line says what it was, and the scenario runs.
TEST(CalibratedScenario, WritesTheEstimatesIntoTheBaseScenariosOwnText) {
    const std::string base = kSource + "/scenarios/morocco-baseline.yaml";
    CalibrationOutput c;
    c.scenario_text = slurp(base);
    c.keys = {"decision.max_rate", "decision.midpoint", "technologies.rooftop_pv.bass_p",
              "technologies.rooftop_pv.bass_q", "technologies.solar_process_heat.bass_p"};
    c.estimate = {0.18, 0.74, 0.0061, 0.52, 0.0023};
    c.p05 = {0.1, 0.3, 0.003, 0.3, 0.001};
    c.p95 = {0.3, 1.1, 0.012, 0.8, 0.005};
    const std::string text = calibrated_scenario_text(c, "out/morocco-calibration.h5");
    std::vector<std::string> sets;
    for (std::size_t k = 0; k < c.keys.size(); ++k) sets.push_back(c.keys[k] + "=" + round_trip_text(c.estimate[k]));
    const Scenario got = load_scenario_text(text, "calibrated.yaml", LoadOptions{});
    const Scenario want = load_scenario_text(c.scenario_text, "calibrated.yaml", sets);
    EXPECT_EQ(to_yaml(got), to_yaml(want));
    EXPECT_EQ(got.decision.max_rate, 0.18);
    EXPECT_EQ(got.decision.midpoint, 0.74);
    EXPECT_NE(text.find("#   decision.max_rate = 0.18  (0.1 to 0.3)"), std::string::npos) << text.substr(0, 600);
    EXPECT_NE(text.find("max_rate: 0.18 "), std::string::npos);
    EXPECT_NE(text.find("a flat ridge with midpoint; was 0.3 (A24, schema default); calibrated by "
                        "morocco-calibration.h5 (was 0.95)"),
              std::string::npos);  // the line's own comment kept, the value it replaces added
    EXPECT_NE(text.find("morocco.md \"efficiency packages\""), std::string::npos);  // a source comment kept
    EXPECT_EQ(text.find("written resolved"), std::string::npos);
    // It runs (2017-2019 to keep the test short) and its adoption differs from the base's.
    Scenario short_run = load_scenario_text(text, "calibrated.yaml", std::vector<std::string>{"-references", "run.end_year=2019"});
    Scenario base_run = load_scenario_text(c.scenario_text, "base.yaml", std::vector<std::string>{"-references", "run.end_year=2019"});
    Aggregate adopters;
    adopters.variables = {"adopters"};
    adopters.first_year = adopters.last_year = 2019;
    const double calibrated = aggregate(simulate(short_run), adopters), before = aggregate(simulate(base_run), adopters);
    EXPECT_GT(calibrated, 0);
    EXPECT_NE(calibrated, before);
}

// A calibrated key the base file leaves to its default (decision.speed) cannot be
// edited in place: the scenario is written resolved, with the same comment lines.
TEST(CalibratedScenario, FallsBackToTheResolvedScenario) {
    CalibrationOutput c;
    c.scenario_text = slurp(kData + "/small.yaml");
    c.keys = {"decision.midpoint", "decision.speed"};
    c.estimate = {0.9, 0.45};
    c.p05 = {0.8, 0.4};
    c.p95 = {1.0, 0.5};
    const std::string text = calibrated_scenario_text(c, "calib.h5");
    EXPECT_NE(text.find("written resolved"), std::string::npos);
    const Scenario got = load_scenario_text(text, "x.yaml", LoadOptions{});
    EXPECT_EQ(got.decision.midpoint, 0.9);
    EXPECT_EQ(got.decision.speed, 0.45);
    // An estimate the scenario refuses is an input error naming the calibration.
    c.estimate = {0.9, 1.5};  // speed is in (0, 1]
    EXPECT_THROW(calibrated_scenario_text(c, "calib.h5"), InputError);
}

}  // namespace
