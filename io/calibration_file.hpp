// The calibration file CALIB.h5 that `greenshift calibrate` writes, and its
// checkpoint CALIB.h5.checkpoint (docs/calibration.md, "The output"). Both are
// greenshift HDF5 files (checksummed, published atomically, read through
// open_input) with the root attribute `kind`: "calibration" or
// "calibration_checkpoint".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace greenshift {

inline constexpr int kCalibrationFormatVersion = 1;

// Every evaluation of the calibration, in order: the parameters, the loss (the
// negative log-likelihood of the targets), the stage, and each target's simulated
// value (mean over the replicates) and the variance of that value across replicates
// — targets first, then validation figures, as in /fit.
enum class CalibrationStage : std::int32_t { global = 0, local = 1, posterior = 2 };
struct CalibrationTrace {
    std::size_t parameters = 0, targets = 0;  // columns of values; of simulated and variance
    std::vector<double> values;               // [evaluation][parameter]
    std::vector<double> loss;                 // [evaluation]
    std::vector<std::int32_t> stage;          // [evaluation]
    std::vector<double> simulated;            // [evaluation][target]
    std::vector<double> variance;             // [evaluation][target]
    std::size_t evaluations() const { return loss.size(); }
};

struct CalibrationFitRow {
    std::string name;
    double observed = 0;
    double se = 0;          // one standard error on the error model's scale (natural logs for lognormal)
    std::string error;      // "normal" or "lognormal"
    std::string unit;
    double simulated = 0;   // at the estimate, mean of the replicates
    double p05 = 0, p95 = 0;  // of the simulated value over the posterior draws
    std::string source;
    bool in_calibration = true;  // false: a validation figure, held out of the fit
};

struct CalibrationOutput {
    // Root attributes.
    std::string scenario_text, calibration_text, identity, method, command_line, created_utc;
    std::string program_version, git_commit;
    std::uint64_t seed = 0;
    std::uint32_t replicates = 0;
    int threads = 1;
    // /parameters
    std::vector<std::string> keys;
    std::vector<double> lower, upper, estimate, p05, median, p95;
    double estimate_loss = 0;
    // /posterior
    std::vector<std::vector<double>> sample;  // [draw][parameter]
    std::vector<double> log_likelihood;       // [draw]
    double acceptance = 0;                    // of the kept chain steps
    // /trace
    CalibrationTrace trace;
    // /fit
    std::vector<CalibrationFitRow> fit;
};

// Writes `out` to `path` atomically (io/publish.hpp): complete or absent. Throws
// OutputError; refuses an existing `path` unless `force`.
void write_calibration(const std::string& path, const CalibrationOutput& out, bool force);

// The posterior, as a batch reads it (`from_calibration:`).
struct CalibrationPosterior {
    std::vector<std::string> keys;
    std::vector<double> lower, upper, estimate;
    std::vector<std::vector<double>> sample;  // [draw][parameter]
    std::string scenario_text;
};
// Opens `path` through open_input (kind "calibration") for `command`; throws
// InputError naming the file when it is not one or its shapes disagree.
CalibrationPosterior read_calibration_posterior(const std::string& path, const std::string& command = "batch");

// The whole file (summary, plot, report, tests).
CalibrationOutput read_calibration(const std::string& path, const std::string& command = "summary");

// The checkpoint: the trace so far of the calibration with `identity`. Written
// atomically over the previous one.
void write_calibration_checkpoint(const std::string& path, const std::string& identity, const CalibrationTrace& trace);
// Reads a checkpoint; throws InputError when it is not one, or not of `identity`.
CalibrationTrace read_calibration_checkpoint(const std::string& path, const std::string& identity);

// CALIB.h5.checkpoint
std::string checkpoint_path(const std::string& output);

}  // namespace greenshift
