// The calibration engine of `greenshift calibrate` (docs/calibration.md): fits the
// free parameters of a CalibrationPlan to its targets and samples their posterior.
//
//   loss(x)  the negative log-likelihood of the targets: each target's simulated value
//            is the mean of `replicates` runs with fixed seeds (common random numbers:
//            the same seeds at every evaluation, so the loss is a smooth function of x
//            up to the firms' discrete choices); Gaussian errors, in log space for a
//            lognormal error model, with the simulator's own Monte Carlo variance of
//            that mean added to each target's variance.
//   estimate the posterior's mode on the search scale (the maximum of the likelihood
//            when the priors are flat there), by NLopt in the unit box (each parameter
//            scaled to [0, 1], on a log scale for loguniform and lognormal priors): the
//            start, a global pass, then a local one from the best point so far.
//   posterior a random-walk Metropolis chain on likelihood x prior started at the
//            estimate, whose Gaussian proposal adapts (covariance and scale) during
//            burn-in only; the draws kept come from a fixed proposal.
//
// Everything is a function of the plan: NLopt's seed and every draw of the chain come
// from plan.seed (Philox, core/rng.hpp), and an evaluation's replicates are summed in
// replicate order, so the output is bitwise the same for any thread count, and a
// calibration resumed from its checkpoint ends with the same file as one never
// interrupted (the checkpoint's evaluations are replayed, not recomputed).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/firms.hpp"
#include "io/calibration_file.hpp"
#include "io/calibration_plan.hpp"

namespace greenshift {

// Each target's simulated value (targets, then validation figures) at one point, in
// the observation's unit: the mean over replicates and the variance across them (0
// with one replicate).
struct CalibrationEvaluation {
    std::vector<double> mean, variance;
};

// What one evaluation computes. The engine calls it from one thread at a time; an
// implementation may use many inside.
class CalibrationModel {
public:
    virtual ~CalibrationModel() = default;
    virtual CalibrationEvaluation evaluate(const std::vector<double>& parameters) = 0;
};

// The simulator: the plan's scenario with calibration_overrides(plan, x), run
// `plan.replicates` times (replicate r with the seed batch/expand.hpp's
// run_seed(plan.seed, 0, r)), the replicates in parallel on `threads` threads.
class SimulatorModel : public CalibrationModel {
public:
    SimulatorModel(const CalibrationPlan& plan, int threads);
    CalibrationEvaluation evaluate(const std::vector<double>& parameters) override;
    double simulate_seconds() const { return simulate_seconds_; }

    // Each target's value in each of `replicates` (rows in that order): what an
    // evaluation computes, for a share of the replicates (mpi/calibrate_ranks).
    std::vector<std::vector<double>> simulate(const std::vector<double>& parameters,
                                              const std::vector<std::uint32_t>& replicates);
    // The mean and variance over rows [replicate][target], summed in row order.
    static CalibrationEvaluation summarize(const std::vector<std::vector<double>>& values);

private:
    const CalibrationPlan& plan_;
    int threads_;
    double simulate_seconds_ = 0;
    // every evaluation draws the firms of the same replicates' seeds
    std::shared_ptr<PopulationCache> populations_;
};

struct CalibrationProgress {
    int stage = 0;                    // CalibrationStage
    std::uint32_t evaluations = 0;    // so far, replayed ones included
    std::uint32_t planned = 0;        // at most this many
    std::uint32_t replayed = 0;       // taken from the checkpoint
    double best_loss = 0;
    double seconds = 0;
};

struct CalibrateOptions {
    std::string output;          // CALIB.h5; "" writes nothing (tests), not even a checkpoint
    bool resume = false;         // continue from output + ".checkpoint"
    bool force = false;          // replace the output, start over
    bool write = true;           // false: read a checkpoint on `resume`, write and remove nothing
                                 // (MPI ranks other than 0, which run the same calibration)
    int threads = 1;             // stored in the file
    std::string command_line;
    const std::atomic<int>* stop = nullptr;  // non-zero: checkpoint, then throw Interrupted (a model
                                             // may also throw Interrupted: checkpointed the same way)
    std::function<void(const CalibrationProgress&)> progress;  // after every evaluation
};

struct CalibrationReport {
    CalibrationOutput output;
    std::uint32_t computed = 0;  // evaluations computed by this call
    std::uint32_t replayed = 0;  // taken from the checkpoint
    bool was_complete = false;   // --resume found this calibration's output and no checkpoint: nothing done
    double seconds = 0;
};

// The loss of one evaluation (the negative log-likelihood of plan.targets).
double calibration_loss(const CalibrationPlan& plan, const CalibrationEvaluation& e);

// Runs the calibration and, when options.output is set, writes it (and removes the
// checkpoint). Throws OutputError when the output or a checkpoint exists and neither
// `resume` nor `force` says what to do, or when `resume` finds another calibration's
// output; InputError when the checkpoint is of another calibration; Interrupted
// (io/interrupt.hpp) after writing a checkpoint when `stop` is raised. `resume` on a
// finished calibration (its output, no checkpoint) reads it back and does nothing.
CalibrationReport calibrate(const CalibrationPlan& plan, CalibrationModel& model, const CalibrateOptions& options);

}  // namespace greenshift
