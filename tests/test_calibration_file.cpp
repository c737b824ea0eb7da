// Calibration files: CALIB.yaml to a plan (the loader's values and the bad-calibration
// corpus), and CALIB.h5 and its checkpoint written and read back value for value,
// refused when they are another kind of file or another calibration's checkpoint.
#include "io/calibration_file.hpp"
#include "io/calibration_loader.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"

#include <gtest/gtest.h>

#include "tests/corpus.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace greenshift;

namespace {

const std::string kData = std::string(GREENSHIFT_TEST_DATA) + "/data";
const fs::path kCorpus = fs::path(GREENSHIFT_TEST_DATA) / "bad_calibrations";

fs::path scratch(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("greenshift_calib_file_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d / name;
}

TEST(CalibrationLoader, ReadsParametersTargetsAndMethod) {
    const CalibrationPlan p = load_calibration(kData + "/calibration/small-calib.yaml");
    EXPECT_EQ(p.seed, 20240101u);
    EXPECT_EQ(p.replicates, 2u);
    EXPECT_EQ(p.end_year, 2024);
    ASSERT_EQ(p.parameters.size(), 2u);
    EXPECT_EQ(p.parameters[0].key, "decision.midpoint");
    EXPECT_EQ(p.parameters[0].lower, 0.05);
    EXPECT_EQ(p.parameters[0].upper, 1.5);
    EXPECT_TRUE(p.parameters[0].has_start);
    EXPECT_EQ(p.parameters[0].start, 1.2);
    EXPECT_EQ(p.parameters[0].prior, Prior::uniform);
    EXPECT_EQ(p.parameters[1].prior, Prior::loguniform);
    EXPECT_TRUE(p.parameters[1].log_scale());
    ASSERT_EQ(p.targets.size(), 2u);
    EXPECT_EQ(p.targets[0].name, "pv_adopters_2022");
    EXPECT_EQ(p.targets[1].error, ErrorModel::lognormal);
    ASSERT_EQ(p.validation.size(), 1u);
    EXPECT_EQ(p.optimizer.global, "GN_DIRECT_L");
    EXPECT_EQ(p.optimizer.global_evaluations, 30u);
    EXPECT_EQ(p.posterior.samples, 100u);
    EXPECT_EQ(p.posterior.predictive, 20u);
    EXPECT_EQ(p.identity.size(), 16u);
    // The overrides of one evaluation: the horizon, then each parameter.
    const auto o = calibration_overrides(p, {0.25, 0.01});
    // small.yaml's cop22_grant runs to 2025: it ends with the run, in 2024.
    ASSERT_EQ(o.size(), p.frame_overrides.size() + 2);
    EXPECT_EQ(o[0], "run.end_year=2024");
    EXPECT_NE(std::find(o.begin(), o.end(), "policies.cop22_grant.end_year=2024"), o.end());
    EXPECT_EQ(o[o.size() - 2], "decision.midpoint=0.25");
    EXPECT_EQ(o.back(), "technologies.solar_process_heat.bass_p=0.01");
    const Scenario s = load_scenario_text(p.scenario_text, p.scenario_file, o);
    EXPECT_EQ(s.run.end_year, 2024);
    EXPECT_EQ(s.decision.midpoint, 0.25);
}

TEST(CalibrationLoader, AShorterRunDropsTheScenariosReferences) {
    // morocco-baseline.yaml's references name 2025; a calibration that stops in 2022
    // removes them (its runs never read them) rather than have the scenario refused.
    const std::string text = R"(schema: 1
calibration:
  scenario: ../../../scenarios/morocco-baseline.yaml
  end_year: 2022
  parameters:
    - {key: decision.midpoint, bounds: [0.1, 1.5]}
  targets:
    pv_2020: {variable: installed_capacity, technologies: [rooftop_pv], year: 2020, value: 20, unit: MWp, se: 5, source: synthetic}
  method:
    optimizer: {local: LN_COBYLA}
)";
    const CalibrationPlan p = load_calibration_text(text, kData + "/calibration/inline.yaml");
    ASSERT_FALSE(p.frame_overrides.empty());
    EXPECT_EQ(p.frame_overrides[0], "-references");
    const Scenario s = load_scenario_text(p.scenario_text, p.scenario_file, calibration_overrides(p, {0.5}));
    EXPECT_EQ(s.run.end_year, 2022);
    EXPECT_TRUE(s.references.empty());
    // Without end_year the scenario is run as written, references and all.
    const CalibrationPlan whole = load_calibration_text(
        text.substr(0, text.find("  end_year")) + text.substr(text.find("  parameters")), kData + "/calibration/inline.yaml");
    EXPECT_TRUE(whole.frame_overrides.empty());
}

class BadCalibration : public ::testing::TestWithParam<std::string> {};

TEST_P(BadCalibration, IsRefusedAtTheOffence) {
    const fs::path yaml = kCorpus / (GetParam() + ".yaml");
    const corpus::Expectation want = corpus::read_expect(kCorpus / (GetParam() + ".expect"));
    ASSERT_FALSE(want.fragments.empty());
    try {
        load_calibration(yaml.string());
        ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
        corpus::check_refusal(e, yaml, want);
    }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadCalibration, ::testing::ValuesIn(corpus::cases(kCorpus)),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

CalibrationOutput example_output() {
    CalibrationOutput o;
    o.scenario_text = "schema: 1\n";
    o.calibration_text = "calibration: {}\n";
    o.identity = "0123456789abcdef";
    o.method = "GN_DIRECT_L + LN_BOBYQA; mcmc";
    o.seed = 18446744073709551615ull;
    o.replicates = 3;
    o.threads = 2;
    o.keys = {"decision.midpoint", "sectors.textile.hurdle_rate.small"};
    o.lower = {0.1, 0.05};
    o.upper = {1, 0.4};
    o.estimate = {0.4, 0.2};
    o.p05 = {0.3, 0.15};
    o.median = {0.41, 0.2};
    o.p95 = {0.5, 0.25};
    o.estimate_loss = 3.25;
    o.sample = {{0.39, 0.21}, {0.42, 0.19}, {0.40, 0.2}};
    o.log_likelihood = {-3.3, -3.4, -3.26};
    o.acceptance = 0.31;
    o.trace.parameters = 2;
    o.trace.targets = 3;
    o.trace.values = {0.5, 0.2, 0.4, 0.2};
    o.trace.loss = {10, 3.25};
    o.trace.stage = {0, 1};
    o.trace.simulated = {1, 2, 3, 4, 5, 6};
    o.trace.variance = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    o.fit = {{"a", 10, 1, "normal", "1", 9.5, 9, 10.5, "src a", true},
             {"b", 5, 0.2, "lognormal", "MWp", 4.8, 4, 6, "src b", true},
             {"c", 7, 2, "normal", "", 6, 5, 8, "src c", false}};
    return o;
}

TEST(CalibrationFile, RoundTripsEveryValue) {
    const fs::path path = scratch("round.h5");
    fs::remove(path);
    const CalibrationOutput o = example_output();
    write_calibration(path.string(), o, false);
    EXPECT_THROW(write_calibration(path.string(), o, false), OutputError);  // no --force
    const CalibrationOutput r = read_calibration(path.string());
    EXPECT_EQ(r.identity, o.identity);
    EXPECT_EQ(r.method, o.method);
    EXPECT_EQ(r.seed, o.seed);
    EXPECT_EQ(r.replicates, o.replicates);
    EXPECT_EQ(r.threads, o.threads);
    EXPECT_EQ(r.scenario_text, o.scenario_text);
    EXPECT_EQ(r.calibration_text, o.calibration_text);
    EXPECT_EQ(r.keys, o.keys);
    EXPECT_EQ(r.lower, o.lower);
    EXPECT_EQ(r.upper, o.upper);
    EXPECT_EQ(r.estimate, o.estimate);
    EXPECT_EQ(r.p05, o.p05);
    EXPECT_EQ(r.median, o.median);
    EXPECT_EQ(r.p95, o.p95);
    EXPECT_EQ(r.estimate_loss, o.estimate_loss);
    EXPECT_EQ(r.sample, o.sample);
    EXPECT_EQ(r.log_likelihood, o.log_likelihood);
    EXPECT_EQ(r.acceptance, o.acceptance);
    EXPECT_EQ(r.trace.values, o.trace.values);
    EXPECT_EQ(r.trace.loss, o.trace.loss);
    EXPECT_EQ(r.trace.stage, o.trace.stage);
    EXPECT_EQ(r.trace.simulated, o.trace.simulated);
    EXPECT_EQ(r.trace.variance, o.trace.variance);
    ASSERT_EQ(r.fit.size(), 3u);
    for (std::size_t t = 0; t < 3; ++t) {
        EXPECT_EQ(r.fit[t].name, o.fit[t].name);
        EXPECT_EQ(r.fit[t].observed, o.fit[t].observed);
        EXPECT_EQ(r.fit[t].se, o.fit[t].se);
        EXPECT_EQ(r.fit[t].error, o.fit[t].error);
        EXPECT_EQ(r.fit[t].unit, o.fit[t].unit);
        EXPECT_EQ(r.fit[t].simulated, o.fit[t].simulated);
        EXPECT_EQ(r.fit[t].p05, o.fit[t].p05);
        EXPECT_EQ(r.fit[t].p95, o.fit[t].p95);
        EXPECT_EQ(r.fit[t].source, o.fit[t].source);
        EXPECT_EQ(r.fit[t].in_calibration, o.fit[t].in_calibration);
    }
    const CalibrationPosterior post = read_calibration_posterior(path.string());
    EXPECT_EQ(post.keys, o.keys);
    EXPECT_EQ(post.sample, o.sample);
    EXPECT_EQ(post.estimate, o.estimate);
    EXPECT_EQ(post.scenario_text, o.scenario_text);
    // Layout names of docs/calibration.md, read with the plain HDF5 layer.
    const hdf5::File f = hdf5::File::open_read_only(path.string());
    EXPECT_EQ(hdf5::read_text_attribute(f, "kind"), "calibration");
    EXPECT_EQ(hdf5::read_array<double>(hdf5::Group::open(f, "posterior"), "sample").shape, (std::vector<hsize_t>{3, 2}));
    EXPECT_EQ(hdf5::read_array<double>(hdf5::Group::open(f, "trace"), "values").shape, (std::vector<hsize_t>{2, 2}));
    fs::remove(path);
}

TEST(CalibrationFile, CheckpointRoundTripsAndKnowsItsCalibration) {
    const fs::path path = scratch("calib.h5.checkpoint");
    fs::remove(path);
    const CalibrationTrace t = example_output().trace;
    write_calibration_checkpoint(path.string(), "aaaa", t);
    write_calibration_checkpoint(path.string(), "aaaa", t);  // replaces the previous one
    const CalibrationTrace r = read_calibration_checkpoint(path.string(), "aaaa");
    EXPECT_EQ(r.values, t.values);
    EXPECT_EQ(r.loss, t.loss);
    EXPECT_EQ(r.stage, t.stage);
    EXPECT_EQ(r.simulated, t.simulated);
    EXPECT_EQ(r.variance, t.variance);
    try {
        read_calibration_checkpoint(path.string(), "bbbb");
        ADD_FAILURE() << "another calibration's checkpoint was read";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("the checkpoint of another calibration"), std::string::npos) << e.what();
    }
    // A checkpoint is not a calibration file, nor the other way round.
    try {
        read_calibration(path.string());
        ADD_FAILURE() << "a checkpoint was read as a calibration file";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("is a calibration checkpoint, not a calibration file"), std::string::npos)
            << e.what();
    }
    fs::remove(path);
}

}  // namespace
