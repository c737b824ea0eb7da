#include "batch/calibrate.hpp"

#include "batch/expand.hpp"
#include "batch/runner.hpp"
#include "core/rng.hpp"
#include "greenshift/version.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#include "io/publish.hpp"
#include "io/run_writer.hpp"
#include "io/scenario_loader.hpp"

#include <nlopt.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace greenshift {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- parameters in the unit box ----

double to_model(const CalibrationParameter& p, double u) {
    u = std::clamp(u, 0.0, 1.0);
    if (p.log_scale()) {
        const double lo = std::log(p.lower), hi = std::log(p.upper);
        return std::clamp(std::exp(lo + u * (hi - lo)), p.lower, p.upper);
    }
    return std::clamp(p.lower + u * (p.upper - p.lower), p.lower, p.upper);
}

double to_unit(const CalibrationParameter& p, double x) {
    if (p.log_scale()) return (std::log(x) - std::log(p.lower)) / (std::log(p.upper) - std::log(p.lower));
    return (x - p.lower) / (p.upper - p.lower);
}

// The prior's log-density of the unit coordinate, up to a constant: a uniform prior
// on a linear scale and a loguniform one on a log scale are flat there; the log
// scale's Jacobian dx/du = x (log upper - log lower) cancels the 1/x of a lognormal.
double log_prior_unit(const CalibrationParameter& p, double u) {
    const double x = to_model(p, u);
    switch (p.prior) {
    case Prior::uniform:
    case Prior::loguniform: return 0;
    case Prior::normal: return -0.5 * (x - p.mean) * (x - p.mean) / (p.sd * p.sd);
    case Prior::lognormal: {
        const double z = (std::log(x) - p.mu) / p.sigma;
        return -0.5 * z * z;
    }
    }
    return 0;
}

double log_prior(const CalibrationPlan& plan, const std::vector<double>& u) {
    double lp = 0;
    for (std::size_t i = 0; i < u.size(); ++i) lp += log_prior_unit(plan.parameters[i], u[i]);
    return lp;
}

std::vector<double> model_values(const CalibrationPlan& plan, const std::vector<double>& u) {
    std::vector<double> x(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) x[i] = to_model(plan.parameters[i], u[i]);
    return x;
}

// Linear interpolation between order statistics (Hyndman and Fan's type 7).
double quantile(std::vector<double> v, double q) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(v.begin(), v.end());
    const double h = q * static_cast<double>(v.size() - 1);
    const auto i = static_cast<std::size_t>(std::floor(h));
    if (i + 1 >= v.size()) return v.back();
    return v[i] + (h - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

// Standard normal pairs from Philox words (Box-Muller), keyed by the chain step.
struct ChainRandom {
    std::uint64_t seed;
    static constexpr std::uint32_t kRun = 0xCA11B8A7u;  // apart from every model run's counters
    // Normal number j of chain step `step`.
    double normal(std::uint32_t step, std::uint32_t j) const {
        const auto w = philox_words(seed, kRun, step, j / 2, 1);
        const double r = std::sqrt(-2.0 * std::log(u01(w[0])));
        const double a = 2 * std::numbers::pi * u01(w[1]);
        return j % 2 == 0 ? r * std::cos(a) : r * std::sin(a);
    }
    double uniform(std::uint32_t step) const { return u01(philox_words(seed, kRun, step, 0, 2)[0]); }
};

// Lower-triangular L with L L^T = a (a symmetric positive definite, row-major d x d);
// a diagonal jitter is added when a is not.
std::vector<double> cholesky(std::vector<double> a, std::size_t d) {
    for (double jitter = 0;; jitter = jitter == 0 ? 1e-12 : jitter * 10) {
        std::vector<double> l(d * d, 0.0);
        bool ok = true;
        for (std::size_t i = 0; i < d && ok; ++i)
            for (std::size_t j = 0; j <= i; ++j) {
                double s = a[i * d + j] + (i == j ? jitter : 0.0);
                for (std::size_t k = 0; k < j; ++k) s -= l[i * d + k] * l[j * d + k];
                if (i == j) {
                    if (!(s > 0)) {
                        ok = false;
                        break;
                    }
                    l[i * d + i] = std::sqrt(s);
                } else {
                    l[i * d + j] = s / l[j * d + j];
                }
            }
        if (ok) return l;
        if (jitter > 1) throw std::runtime_error("calibrate: the proposal covariance is not positive definite");
    }
}

[[noreturn]] void refuse_checkpoint(const std::string& path, std::size_t k) {
    throw InputError(path, 0, 0,
                     "evaluation " + std::to_string(k + 1) +
                         " of the checkpoint is at other parameter values than this calibration asks for; the "
                         "checkpoint comes from another build or another calibration: remove it or use --force");
}

// One calibration in progress: the trace, the replay of a checkpoint, the
// checkpoints, the stop flag.
class Engine {
public:
    Engine(const CalibrationPlan& plan, CalibrationModel& model, const CalibrateOptions& options, CalibrationTrace cached)
        : plan_(plan), model_(model), options_(options), cached_(std::move(cached)), t0_(Clock::now()) {
        trace_.parameters = plan.parameters.size();
        trace_.targets = plan.targets.size() + plan.validation.size();
        planned_ = 1;
        if (plan.optimizer.global != "none") planned_ += plan.optimizer.global_evaluations;
        if (plan.optimizer.local != "none") planned_ += plan.optimizer.local_evaluations;
        if (plan.posterior.method == "mcmc")
            planned_ += plan.posterior.burn_in + plan.posterior.samples * plan.posterior.thin;
    }

    // The loss at unit point u, evaluated (or replayed) and recorded at `stage`.
    // Returns the index of the evaluation in the trace.
    std::size_t evaluate(const std::vector<double>& u, CalibrationStage stage) {
        const std::vector<double> x = model_values(plan_, u);
        const std::size_t k = trace_.evaluations();
        const std::size_t np = trace_.parameters, nt = trace_.targets;
        CalibrationEvaluation e;
        if (k < cached_.evaluations()) {
            for (std::size_t i = 0; i < np; ++i)
                if (cached_.values[k * np + i] != x[i]) refuse_checkpoint(checkpoint_path(options_.output), k);
            e.mean.assign(cached_.simulated.begin() + static_cast<std::ptrdiff_t>(k * nt),
                          cached_.simulated.begin() + static_cast<std::ptrdiff_t>((k + 1) * nt));
            e.variance.assign(cached_.variance.begin() + static_cast<std::ptrdiff_t>(k * nt),
                              cached_.variance.begin() + static_cast<std::ptrdiff_t>((k + 1) * nt));
            ++replayed_;
        } else {
            if (options_.stop && options_.stop->load() != 0) {
                checkpoint();
                throw Interrupted(options_.stop->load());
            }
            try {
                e = model_.evaluate(x);
            } catch (const Interrupted&) {  // a model that decides stops itself (MPI ranks agree on it)
                checkpoint();
                throw;
            }
            if (e.mean.size() != nt || e.variance.size() != nt)
                throw std::logic_error("calibrate: the model returned the wrong number of targets");
            ++computed_;
        }
        const double loss = calibration_loss(plan_, e);
        trace_.values.insert(trace_.values.end(), x.begin(), x.end());
        trace_.loss.push_back(loss);
        trace_.stage.push_back(static_cast<std::int32_t>(stage));
        trace_.simulated.insert(trace_.simulated.end(), e.mean.begin(), e.mean.end());
        trace_.variance.insert(trace_.variance.end(), e.variance.begin(), e.variance.end());
        // The estimate is the posterior's mode on the search scale: the lowest loss
        // minus log prior (the lowest loss itself when every prior is flat there).
        const double objective = loss - log_prior(plan_, u);
        if (stage != CalibrationStage::posterior) objectives_.push_back(objective);
        if (objective < best_objective_ && stage != CalibrationStage::posterior) {
            best_objective_ = objective;
            best_loss_ = loss;
            best_ = k;
            best_u_ = u;
        }
        if (k >= cached_.evaluations() && (computed_ % plan_.checkpoint_every) == 0) checkpoint();
        if (options_.progress) {
            CalibrationProgress p;
            p.stage = static_cast<int>(stage);
            p.evaluations = static_cast<std::uint32_t>(k + 1);
            p.planned = planned_;
            p.replayed = replayed_;
            p.best_loss = best_objective_;
            p.seconds = since(t0_);
            options_.progress(p);
        }
        return k;
    }

    void checkpoint() const {
        if (options_.output.empty() || !options_.write || trace_.evaluations() <= cached_.evaluations()) return;
        write_calibration_checkpoint(checkpoint_path(options_.output), plan_.identity, trace_);
    }

    const CalibrationTrace& trace() const { return trace_; }
    std::size_t best() const { return best_; }
    const std::vector<double>& best_unit() const { return best_u_; }
    double best_loss() const { return best_loss_; }
    double objective(std::size_t k) const { return objectives_.at(k); }
    std::uint32_t computed() const { return computed_; }
    std::uint32_t replayed() const { return replayed_; }
    double seconds() const { return since(t0_); }

    void optimize(const std::string& algorithm, std::uint32_t evaluations, CalibrationStage stage,
                  const std::vector<double>& from);
    void sample_posterior(CalibrationOutput& out);

private:
    const CalibrationPlan& plan_;
    CalibrationModel& model_;
    const CalibrateOptions& options_;
    CalibrationTrace cached_, trace_;
    Clock::time_point t0_;
    std::uint32_t planned_ = 0, computed_ = 0, replayed_ = 0;
    double best_loss_ = std::numeric_limits<double>::infinity();
    double best_objective_ = std::numeric_limits<double>::infinity();
    std::vector<double> objectives_;  // of the optimiser's evaluations, in order
    std::size_t best_ = 0;
    std::vector<double> best_u_;
};

// ---- the point estimate: NLopt in the unit box ----

struct Objective {
    Engine* engine;
    CalibrationStage stage;
    std::exception_ptr error;
};

double nlopt_objective(unsigned n, const double* x, double* gradient, void* data) {
    auto* o = static_cast<Objective*>(data);
    (void)gradient;  // derivative-free algorithms only
    try {
        const std::size_t k = o->engine->evaluate(std::vector<double>(x, x + n), o->stage);
        return o->engine->objective(k);
    } catch (...) {
        // An exception must not cross NLopt's C frames: kept, NLopt stopped, rethrown.
        o->error = std::current_exception();
    }
    return std::numeric_limits<double>::max();
}

void Engine::optimize(const std::string& algorithm, std::uint32_t evaluations, CalibrationStage stage,
                      const std::vector<double>& from) {
    if (algorithm == "none" || evaluations == 0) return;
    const unsigned n = static_cast<unsigned>(plan_.parameters.size());
    const nlopt_algorithm a = nlopt_algorithm_from_string(algorithm.c_str());
    if (static_cast<int>(a) < 0) throw std::invalid_argument("calibrate: unknown NLopt algorithm " + algorithm);
    nlopt_opt opt = nlopt_create(a, n);
    if (!opt) throw std::runtime_error("calibrate: NLopt cannot create " + algorithm);
    struct Destroy {
        nlopt_opt o;
        ~Destroy() { nlopt_destroy(o); }
    } destroy{opt};
    Objective objective{this, stage, nullptr};
    const std::vector<double> lower(n, 0.0), upper(n, 1.0), step(n, 0.1);
    // The stochastic global algorithms draw from NLopt's generator: seeded from the
    // plan at every pass, so a pass does not depend on what ran before it.
    nlopt_srand(static_cast<unsigned long>(plan_.seed ^ 0x5DEECE66Dull));
    if (nlopt_set_lower_bounds(opt, lower.data()) < 0 || nlopt_set_upper_bounds(opt, upper.data()) < 0 ||
        nlopt_set_min_objective(opt, nlopt_objective, &objective) < 0 ||
        nlopt_set_maxeval(opt, static_cast<int>(evaluations)) < 0)
        throw std::runtime_error("calibrate: NLopt refuses the settings of " + algorithm);
    if (stage == CalibrationStage::local) {
        nlopt_set_xtol_abs1(opt, plan_.optimizer.tolerance);
        nlopt_set_initial_step(opt, step.data());
    }
    std::vector<double> x = from;
    double f = 0;
    const nlopt_result r = nlopt_optimize(opt, x.data(), &f);
    if (objective.error) std::rethrow_exception(objective.error);
    if (r < 0 && r != NLOPT_ROUNDOFF_LIMITED && r != NLOPT_FORCED_STOP)
        throw std::runtime_error("calibrate: NLopt " + algorithm + " failed (" + nlopt_result_to_string(r) + ")");
}

// ---- the posterior: Metropolis with a proposal adapted during burn-in ----

void Engine::sample_posterior(CalibrationOutput& out) {
    const PosteriorSettings& s = plan_.posterior;
    const std::size_t d = plan_.parameters.size();
    const ChainRandom random{plan_.seed};
    std::vector<double> u = best_u_;
    std::size_t at = best_;  // the evaluation of the current state
    double log_post = -trace_.loss[at] + log_prior(plan_, u);

    // Proposal N(0, scale^2 * cov): cov starts as (0.05)^2 I on the unit box and
    // learns the chain's covariance; log scale follows the acceptance towards 0.234
    // (0.44 in one dimension) with steps 1 / (n + 1)^0.6 (Andrieu and Thoms 2008,
    // algorithm 4; Haario et al. 2001 for the covariance).
    std::vector<double> cov(d * d, 0.0), mean = u;
    for (std::size_t i = 0; i < d; ++i) cov[i * d + i] = 0.05 * 0.05;
    double log_scale = std::log(2.38 / std::sqrt(static_cast<double>(d)));
    const double target = d == 1 ? 0.44 : 0.234;
    std::vector<double> chol = cholesky(cov, d);

    const std::uint64_t steps = std::uint64_t{s.burn_in} + std::uint64_t{s.samples} * s.thin;
    std::uint64_t accepted_kept = 0, kept_steps = 0;
    std::vector<std::size_t> kept_evaluations;
    for (std::uint64_t n = 0; n < steps; ++n) {
        const auto step = static_cast<std::uint32_t>(n);
        std::vector<double> z(d), v(d);
        for (std::size_t i = 0; i < d; ++i) z[i] = random.normal(step, static_cast<std::uint32_t>(i));
        const double scale = std::exp(log_scale);
        bool inside = true;
        for (std::size_t i = 0; i < d; ++i) {
            double dz = 0;
            for (std::size_t j = 0; j <= i; ++j) dz += chol[i * d + j] * z[j];
            v[i] = u[i] + scale * dz;
            inside = inside && v[i] >= 0 && v[i] <= 1;
        }
        double alpha = 0;
        if (inside) {
            const std::size_t k = evaluate(v, CalibrationStage::posterior);
            const double lp = -trace_.loss[k] + log_prior(plan_, v);
            alpha = std::min(1.0, std::exp(lp - log_post));
            if (random.uniform(step) < alpha) {
                u = v;
                at = k;
                log_post = lp;
                if (n >= s.burn_in) ++accepted_kept;
            }
        }
        if (n < s.burn_in) {
            const double gamma = 1.0 / std::pow(static_cast<double>(n) + 2.0, 0.6);
            log_scale += gamma * (alpha - target);
            for (std::size_t i = 0; i < d; ++i) mean[i] += gamma * (u[i] - mean[i]);
            for (std::size_t i = 0; i < d; ++i)
                for (std::size_t j = 0; j < d; ++j)
                    cov[i * d + j] += gamma * ((u[i] - mean[i]) * (u[j] - mean[j]) - cov[i * d + j]);
            // A floor keeps the proposal from collapsing onto a chain that has not moved.
            std::vector<double> c = cov;
            for (std::size_t i = 0; i < d; ++i) c[i * d + i] += 1e-10;
            chol = cholesky(c, d);
        } else {
            ++kept_steps;
            if ((n - s.burn_in + 1) % s.thin == 0) {
                out.sample.push_back(model_values(plan_, u));
                out.log_likelihood.push_back(-trace_.loss[at]);
                kept_evaluations.push_back(at);
            }
        }
    }
    out.acceptance = kept_steps ? static_cast<double>(accepted_kept) / static_cast<double>(kept_steps) : 0;

    // Parameter quantiles over the draws.
    for (std::size_t i = 0; i < d; ++i) {
        std::vector<double> col;
        for (const auto& row : out.sample) col.push_back(row[i]);
        out.p05[i] = quantile(col, 0.05);
        out.median[i] = quantile(col, 0.5);
        out.p95[i] = quantile(col, 0.95);
    }
    // The fit bands: each target's simulated value over `predictive` draws evenly
    // spaced along the chain (their evaluations are in the trace already).
    const std::size_t nt = trace_.targets, draws = kept_evaluations.size();
    const std::size_t m = std::min<std::size_t>(s.predictive, draws);
    for (std::size_t t = 0; t < nt; ++t) {
        std::vector<double> values;
        for (std::size_t j = 0; j < m; ++j) {
            const std::size_t k = kept_evaluations[m == 1 ? 0 : j * (draws - 1) / (m - 1)];
            values.push_back(trace_.simulated[k * nt + t]);
        }
        out.fit[t].p05 = quantile(values, 0.05);
        out.fit[t].p95 = quantile(values, 0.95);
    }
}

CalibrationFitRow fit_row(const Observation& o, bool in) {
    CalibrationFitRow r;
    r.name = o.name;
    r.observed = o.value;
    r.se = sigma(o);
    r.error = o.error == ErrorModel::lognormal ? "lognormal" : "normal";
    r.unit = o.unit;
    r.source = o.source;
    r.in_calibration = in;
    return r;
}

// What to do with an existing output and checkpoint; the trace to replay.
CalibrationTrace prepare_output(const CalibrationPlan& plan, const CalibrateOptions& options) {
    if (options.output.empty()) return {};
    namespace fs = std::filesystem;
    const std::string cp = checkpoint_path(options.output);
    std::error_code ec;
    const bool has_checkpoint = fs::symlink_status(cp, ec).type() != fs::file_type::not_found;
    if (options.resume && options.force) throw std::invalid_argument("calibrate: resume and force exclude each other");
    if (!options.resume) {
        check_output_target(options.output, options.force, {plan.file, plan.scenario_file});
        if (has_checkpoint) {
            if (!options.force)
                throw OutputError(cp + " exists: the checkpoint of an interrupted calibration; continue it with "
                                       "--resume, or start over with --force");
            if (options.write) fs::remove(cp);
        }
        return {};
    }
    if (!has_checkpoint && fs::symlink_status(options.output, ec).type() != fs::file_type::not_found)
        return {};  // finished: calibrate() reads it back
    check_output_target(options.output, false, {plan.file, plan.scenario_file});
    if (!has_checkpoint) return {};
    return read_calibration_checkpoint(cp, plan.identity);
}

// --resume on an output without a checkpoint: this calibration's, finished.
bool finished_before(const CalibrationPlan& plan, const CalibrateOptions& options, CalibrationReport& report) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!options.resume || options.output.empty() ||
        fs::symlink_status(checkpoint_path(options.output), ec).type() != fs::file_type::not_found ||
        fs::symlink_status(options.output, ec).type() == fs::file_type::not_found)
        return false;
    report.output = read_calibration(options.output, "calibrate --resume");
    if (report.output.identity != plan.identity)
        throw OutputError(options.output + " exists and is the output of another calibration (its CALIB.yaml or "
                                           "scenario differ); use --force to replace it");
    report.was_complete = true;
    return true;
}

}  // namespace

double calibration_loss(const CalibrationPlan& plan, const CalibrationEvaluation& e) {
    const double replicates = plan.replicates;
    double nll = 0;
    for (std::size_t t = 0; t < plan.targets.size(); ++t) {
        const Observation& o = plan.targets[t];
        const double s = sigma(o);
        double r = 0, v = 0;
        if (o.error == ErrorModel::lognormal) {
            // A run that simulates none of the figure is floored at a millionth of the
            // observed value: a finite loss that still falls as the value rises.
            const double sim = std::max(e.mean[t], o.value * 1e-6);
            r = std::log(o.value) - std::log(sim);
            v = s * s + e.variance[t] / replicates / (sim * sim);
        } else {
            r = o.value - e.mean[t];
            v = s * s + e.variance[t] / replicates;
        }
        nll += 0.5 * (r * r / v + std::log(2 * std::numbers::pi * v));
    }
    return nll;
}

SimulatorModel::SimulatorModel(const CalibrationPlan& plan, int threads)
    : plan_(plan),
      threads_(std::max(1, threads)),
      populations_(std::make_shared<PopulationCache>(std::max<std::size_t>(8, plan.replicates))) {}

std::vector<std::vector<double>> SimulatorModel::simulate(const std::vector<double>& parameters,
                                                          const std::vector<std::uint32_t>& replicates) {
    LoadOptions lo;
    lo.overrides = calibration_overrides(plan_, parameters);
    const Scenario base = load_scenario_text(plan_.scenario_text, plan_.scenario_file, lo);
    std::vector<const Observation*> all;
    for (const auto& o : plan_.targets) all.push_back(&o);
    for (const auto& o : plan_.validation) all.push_back(&o);
    const std::size_t n = replicates.size();
    std::vector<std::vector<double>> values(n, std::vector<double>(all.size()));
    const int inner = std::max(1, threads_ / static_cast<int>(std::clamp<std::size_t>(n, 1, 1u << 16)));
    const auto t0 = Clock::now();
    tbb::task_arena arena(threads_);
    arena.execute([&] {
        tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
            Scenario s = base;
            s.run.seed = run_seed(plan_.seed, 0, replicates[i]);
            s.run.run_index = 0;
            const RunResult run = compute_run(s, inner, populations_.get());
            for (std::size_t t = 0; t < all.size(); ++t) values[i][t] = simulated(run, *all[t]);
        });
    });
    simulate_seconds_ += since(t0);
    return values;
}

CalibrationEvaluation SimulatorModel::summarize(const std::vector<std::vector<double>>& values) {
    const std::size_t R = values.size(), T = R ? values[0].size() : 0;
    CalibrationEvaluation e;
    e.mean.assign(T, 0.0);
    e.variance.assign(T, 0.0);
    for (std::size_t t = 0; t < T; ++t) {
        double sum = 0;
        for (std::size_t r = 0; r < R; ++r) sum += values[r][t];
        const double mean = sum / static_cast<double>(R);
        double ss = 0;
        for (std::size_t r = 0; r < R; ++r) ss += (values[r][t] - mean) * (values[r][t] - mean);
        e.mean[t] = mean;
        e.variance[t] = R > 1 ? ss / static_cast<double>(R - 1) : 0.0;
    }
    return e;
}

CalibrationEvaluation SimulatorModel::evaluate(const std::vector<double>& parameters) {
    std::vector<std::uint32_t> all(plan_.replicates);
    for (std::uint32_t r = 0; r < plan_.replicates; ++r) all[r] = r;
    return summarize(simulate(parameters, all));
}

CalibrationReport calibrate(const CalibrationPlan& plan, CalibrationModel& model, const CalibrateOptions& options) {
    if (CalibrationReport done; finished_before(plan, options, done)) return done;
    Engine engine(plan, model, options, prepare_output(plan, options));
    const std::size_t d = plan.parameters.size();

    // The start, then the global pass, then the local one from the best point so far.
    std::vector<double> start(d);
    for (std::size_t i = 0; i < d; ++i) {
        const auto& p = plan.parameters[i];
        start[i] = p.has_start ? to_unit(p, p.start) : 0.5;
    }
    engine.evaluate(start, CalibrationStage::global);
    engine.optimize(plan.optimizer.global, plan.optimizer.global_evaluations, CalibrationStage::global, start);
    engine.optimize(plan.optimizer.local, plan.optimizer.local_evaluations, CalibrationStage::local, engine.best_unit());

    CalibrationOutput out;
    out.scenario_text = plan.scenario_text;
    out.calibration_text = plan.calibration_text;
    out.identity = plan.identity;
    out.method = plan.optimizer.global + " then " + plan.optimizer.local + "; posterior: " + plan.posterior.method;
    out.command_line = options.command_line;
    out.program_version = kVersion;
    out.git_commit = kGitCommit;
    out.seed = plan.seed;
    out.replicates = plan.replicates;
    out.threads = options.threads;
    for (const auto& p : plan.parameters) {
        out.keys.push_back(p.key);
        out.lower.push_back(p.lower);
        out.upper.push_back(p.upper);
    }
    const std::size_t best = engine.best();
    out.estimate.assign(engine.trace().values.begin() + static_cast<std::ptrdiff_t>(best * d),
                        engine.trace().values.begin() + static_cast<std::ptrdiff_t>((best + 1) * d));
    out.estimate_loss = engine.best_loss();
    out.p05 = out.median = out.p95 = std::vector<double>(d, std::numeric_limits<double>::quiet_NaN());
    for (const auto& o : plan.targets) out.fit.push_back(fit_row(o, true));
    for (const auto& o : plan.validation) out.fit.push_back(fit_row(o, false));
    const std::size_t nt = out.fit.size();
    for (std::size_t t = 0; t < nt; ++t) {
        out.fit[t].simulated = engine.trace().simulated[best * nt + t];
        out.fit[t].p05 = out.fit[t].p95 = std::numeric_limits<double>::quiet_NaN();
    }
    if (plan.posterior.method == "mcmc") engine.sample_posterior(out);
    out.trace = engine.trace();

    CalibrationReport report;
    if (!options.output.empty() && options.write) {
        out.created_utc = utc_now_iso8601();
        write_calibration(options.output, out, options.force);
        std::error_code ec;
        std::filesystem::remove(checkpoint_path(options.output), ec);
    }
    report.output = std::move(out);
    report.computed = engine.computed();
    report.replayed = engine.replayed();
    report.seconds = engine.seconds();
    return report;
}

}  // namespace greenshift
