// The calibration engine (batch/calibrate): the posterior of a linear-Gaussian model,
// whose exact answer is known, through the same optimiser and chain as the simulator
// (its 90% intervals against the closed form, and their coverage over 50 synthetic
// data sets); recovery of two behavioural parameters of tests/data/small.yaml from
// data simulated at known values; the same CALIB.h5 for 1 and 2 threads; a stopped
// calibration resumed from its checkpoint ends as one never stopped.
#include "batch/calibrate.hpp"
#include "io/calibration_file.hpp"
#include "io/calibration_loader.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#include "tests/test_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace greenshift;

namespace {

const std::string kData = std::string(GREENSHIFT_TEST_DATA) + "/data";

fs::path scratch(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("greenshift_calibrate_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d / name;
}

// Standard normal numbers for synthetic data (Box-Muller on the tests' xorshift).
class Normals {
public:
    explicit Normals(std::uint64_t seed) : x_(seed) {}
    double operator()() {
        const double u1 = (static_cast<double>(x_() >> 11) + 0.5) * 0x1p-53;
        const double u2 = (static_cast<double>(x_() >> 11) + 0.5) * 0x1p-53;
        return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    }

private:
    fixtures::XorShift x_;
};

// ---- a model with a closed-form posterior ----

// y_i = a + b x_i, observed with standard error se at x = 0..5.
constexpr double kXs[] = {0, 1, 2, 3, 4, 5};
constexpr double kSe = 1.0;

class LinearModel : public CalibrationModel {
public:
    CalibrationEvaluation evaluate(const std::vector<double>& p) override {
        CalibrationEvaluation e;
        for (const double x : kXs) {
            e.mean.push_back(p[0] + p[1] * x);
            e.variance.push_back(0);
        }
        return e;
    }
};

CalibrationPlan linear_plan(const std::vector<double>& y, std::uint64_t seed) {
    CalibrationPlan plan;
    plan.seed = seed;
    plan.replicates = 1;
    plan.identity = "linear";
    for (const char* key : {"a", "b"}) {
        CalibrationParameter p;
        p.key = key;
        p.lower = -20;
        p.upper = 20;
        p.has_start = true;
        p.start = 15;  // far from the truth
        plan.parameters.push_back(p);
    }
    for (std::size_t i = 0; i < y.size(); ++i) {
        Observation o;
        o.name = "y" + std::to_string(i);
        o.value = y[i];
        o.se = kSe;
        o.source = "synthetic";
        plan.targets.push_back(o);
    }
    plan.optimizer.global_evaluations = 60;
    plan.optimizer.local_evaluations = 100;
    plan.optimizer.tolerance = 1e-7;
    plan.posterior.burn_in = 1000;
    plan.posterior.samples = 4000;
    plan.posterior.predictive = 200;
    plan.checkpoint_every = 1000;
    return plan;
}

std::vector<double> linear_data(double a, double b, Normals& noise) {
    std::vector<double> y;
    for (const double x : kXs) y.push_back(a + b * x + kSe * noise());
    return y;
}

// Least squares: with a flat prior the posterior of (a, b) is normal around it with
// covariance se^2 (X'X)^-1.
struct LinearPosterior {
    double a, b, sd_a, sd_b;
};
LinearPosterior exact_posterior(const std::vector<double>& y) {
    double n = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        n += 1, sx += kXs[i], sxx += kXs[i] * kXs[i], sy += y[i], sxy += kXs[i] * y[i];
    }
    const double det = n * sxx - sx * sx;
    const double b = (n * sxy - sx * sy) / det, a = (sy - b * sx) / n;
    return {a, b, kSe * std::sqrt(sxx / det), kSe * std::sqrt(n / det)};
}

TEST(Calibrate, LinearGaussianPosteriorMatchesTheClosedForm) {
    Normals noise(11);
    const std::vector<double> y = linear_data(1.5, -0.7, noise);
    const CalibrationPlan plan = linear_plan(y, 5);
    LinearModel model;
    const CalibrationReport r = calibrate(plan, model, {});
    const LinearPosterior exact = exact_posterior(y);
    // The estimate is the least-squares fit (BOBYQA's tolerance 1e-7 of the box's 40).
    EXPECT_NEAR(r.output.estimate[0], exact.a, 1e-4);
    EXPECT_NEAR(r.output.estimate[1], exact.b, 1e-4);
    // The 90% interval's ends within 0.15 posterior sd of the exact ones (4000 draws;
    // a quantile's Monte Carlo error is ~0.05 sd per 1000 effective draws).
    const double z = 1.6448536269514722;
    EXPECT_NEAR(r.output.p05[0], exact.a - z * exact.sd_a, 0.15 * exact.sd_a);
    EXPECT_NEAR(r.output.p95[0], exact.a + z * exact.sd_a, 0.15 * exact.sd_a);
    EXPECT_NEAR(r.output.p05[1], exact.b - z * exact.sd_b, 0.15 * exact.sd_b);
    EXPECT_NEAR(r.output.p95[1], exact.b + z * exact.sd_b, 0.15 * exact.sd_b);
    EXPECT_NEAR(r.output.median[0], exact.a, 0.1 * exact.sd_a);
    EXPECT_GT(r.output.acceptance, 0.1);
    EXPECT_LT(r.output.acceptance, 0.6);
    // The loss at the estimate is the Gaussian negative log-likelihood.
    double nll = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double res = y[i] - (r.output.estimate[0] + r.output.estimate[1] * kXs[i]);
        nll += 0.5 * res * res / (kSe * kSe) + 0.5 * std::log(2 * std::numbers::pi * kSe * kSe);
    }
    EXPECT_NEAR(r.output.estimate_loss, nll, 1e-9);
    // The fit band of y_i is that of a + b x_i over the draws.
    ASSERT_EQ(r.output.fit.size(), y.size());
    const double sd_y5 = kSe * std::sqrt(1.0 / 6 + (5 - 2.5) * (5 - 2.5) / 17.5);
    EXPECT_NEAR(r.output.fit[5].p95 - r.output.fit[5].p05, 2 * z * sd_y5, 0.3 * sd_y5);
}

TEST(Calibrate, NormalPriorGivesTheConjugatePosteriorAndItsMode) {
    // A normal prior N(0, 0.5^2) on a: the posterior is normal with precision
    // X'X / se^2 + diag(1 / 0.25, 0) and its mean (also its mode, the estimate) solves
    // precision * theta = X'y / se^2.
    Normals noise(5);
    const std::vector<double> y = linear_data(1.5, -0.7, noise);
    CalibrationPlan plan = linear_plan(y, 9);
    plan.parameters[0].prior = Prior::normal;
    plan.parameters[0].mean = 0;
    plan.parameters[0].sd = 0.5;
    LinearModel model;
    const CalibrationReport r = calibrate(plan, model, {});
    double n = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
        n += 1, sx += kXs[i], sxx += kXs[i] * kXs[i], sy += y[i], sxy += kXs[i] * y[i];
    const double p00 = n / (kSe * kSe) + 1 / 0.25, p01 = sx / (kSe * kSe), p11 = sxx / (kSe * kSe);
    const double det = p00 * p11 - p01 * p01;
    const double a = (p11 * sy - p01 * sxy) / (kSe * kSe) / det, b = (p00 * sxy - p01 * sy) / (kSe * kSe) / det;
    const double sd_a = std::sqrt(p11 / det), sd_b = std::sqrt(p00 / det);
    EXPECT_NEAR(r.output.estimate[0], a, 1e-4);
    EXPECT_NEAR(r.output.estimate[1], b, 1e-4);
    const double z = 1.6448536269514722;
    EXPECT_NEAR(r.output.p05[0], a - z * sd_a, 0.15 * sd_a);
    EXPECT_NEAR(r.output.p95[0], a + z * sd_a, 0.15 * sd_a);
    EXPECT_NEAR(r.output.p05[1], b - z * sd_b, 0.15 * sd_b);
    EXPECT_NEAR(r.output.p95[1], b + z * sd_b, 0.15 * sd_b);
    // The prior pulls a towards 0: the least-squares a is further out.
    EXPECT_LT(std::abs(a), std::abs(exact_posterior(y).a));
}

TEST(Calibrate, ParametersTheDataDoNotInformKeepTheirPrior) {
    // Two more parameters the linear model ignores, searched on a log scale: their
    // posterior is their prior, lognormal(0, 0.3) and loguniform on [0.01, 100]: the
    // 5% and 95% points are exp(-/+1.645 x 0.3) and 10^(-/+1.8).
    Normals noise(3);
    CalibrationPlan plan = linear_plan(linear_data(1.5, -0.7, noise), 21);
    CalibrationParameter c;
    c.key = "c";
    c.lower = 0.01;
    c.upper = 100;
    c.prior = Prior::lognormal;
    c.mu = 0;
    c.sigma = 0.3;
    CalibrationParameter d = c;
    d.key = "d";
    d.prior = Prior::loguniform;
    plan.parameters.push_back(c);
    plan.parameters.push_back(d);
    plan.optimizer.local_evaluations = 300;
    plan.posterior.samples = 20000;
    plan.posterior.burn_in = 2000;
    LinearModel model;
    const CalibrationReport r = calibrate(plan, model, {});
    const double z = 1.6448536269514722;
    // Tolerances: 0.1 prior sd of the log (20 000 draws, autocorrelated).
    EXPECT_NEAR(std::log(r.output.p05[2]), -z * 0.3, 0.03);
    EXPECT_NEAR(std::log(r.output.p95[2]), z * 0.3, 0.03);
    EXPECT_NEAR(std::log(r.output.median[2]), 0, 0.03);
    EXPECT_NEAR(std::log10(r.output.p05[3]), -1.8, 0.12);
    EXPECT_NEAR(std::log10(r.output.p95[3]), 1.8, 0.12);
    // The mode of a lognormal prior on the log scale is exp(mu) = 1.
    EXPECT_NEAR(r.output.estimate[2], 1, 0.01);
}

TEST(Calibrate, NinetyPercentIntervalsCoverTheTruthNinetyPercentOfTheTime) {
    // 50 data sets with independent noise. If the intervals have 90% coverage, the
    // number that contain the truth is Binomial(50, 0.9): P(X <= 38) = 0.0032 and
    // P(X = 50) = 0.0052, so 39..49 is accepted (two-sided false alarm < 1%).
    constexpr int kSets = 50;
    const double a = 1.5, b = -0.7;
    Normals noise(2024);
    int cover_a = 0, cover_b = 0;
    LinearModel model;
    for (int k = 0; k < kSets; ++k) {
        CalibrationPlan plan = linear_plan(linear_data(a, b, noise), 100 + static_cast<std::uint64_t>(k));
        plan.posterior.samples = 2000;
        plan.posterior.burn_in = 500;
        const CalibrationReport r = calibrate(plan, model, {});
        cover_a += r.output.p05[0] <= a && a <= r.output.p95[0];
        cover_b += r.output.p05[1] <= b && b <= r.output.p95[1];
    }
    EXPECT_GE(cover_a, 39);
    EXPECT_LE(cover_a, 49);
    EXPECT_GE(cover_b, 39);
    EXPECT_LE(cover_b, 49);
}

// ---- the simulator ----

// A calibration of small.yaml's textile PV awareness (bass_p) and hurdle rate to the
// adopters of PV and of the efficiency package.
const std::string kSmallCalibration = R"(schema: 1
calibration:
  scenario: ../small.yaml
  seed: 31
  replicates: 4
  end_year: 2022
  parameters:
    - key: technologies.rooftop_pv.bass_p
      bounds: [0.002, 0.2]
      prior: {distribution: loguniform}
      start: 0.15
    - key: sectors.textile.hurdle_rate
      bounds: [0.05, 0.6]
      start: 0.5
  targets:
    pv_2019: {variable: adopters, sectors: [textile], technologies: [rooftop_pv], year: 2019, value: 1, se: 1, source: synthetic}
    pv_2021: {variable: adopters, sectors: [textile], technologies: [rooftop_pv], year: 2021, value: 1, se: 1, source: synthetic}
    pv_2022: {variable: adopters, sectors: [textile], technologies: [rooftop_pv], year: 2022, value: 1, se: 1, source: synthetic}
    eff_2021: {variable: adopters, sectors: [textile], technologies: [efficiency_package], year: 2021, value: 1, se: 1, source: synthetic}
    eff_2022: {variable: adopters, sectors: [textile], technologies: [efficiency_package], year: 2022, value: 1, se: 1, source: synthetic}
  validation:
    heat_2022: {variable: adopters, technologies: [solar_process_heat], year: 2022, value: 1, se: 1, source: synthetic}
  method:
    optimizer: {global: GN_DIRECT_L, global_evaluations: 40, local: LN_BOBYQA, local_evaluations: 40}
    posterior: {samples: 1500, burn_in: 500}
)";

CalibrationPlan small_plan(const std::string& text = kSmallCalibration) {
    return load_calibration_text(text, kData + "/calibration/inline.yaml");
}

const std::vector<double> kTruth{0.03, 0.2};

// The observed figures: the mean of 8 runs at the truth with seeds the calibration
// never uses, plus noise of 5% of the value, which is also their standard error.
void observe_at_truth(CalibrationPlan& plan) {
    CalibrationPlan data = plan;
    data.seed = 999;
    data.replicates = 8;
    SimulatorModel sim(data, 2);
    const CalibrationEvaluation e = sim.evaluate(kTruth);
    Normals noise(77);
    for (std::size_t t = 0; t < plan.targets.size() + plan.validation.size(); ++t) {
        Observation& o = t < plan.targets.size() ? plan.targets[t] : plan.validation[t - plan.targets.size()];
        o.se = 0.05 * e.mean[t];
        o.value = e.mean[t] + o.se * noise();
    }
}

TEST(Calibrate, RecoversKnownParametersOfTheSimulator) {
    CalibrationPlan plan = small_plan();
    observe_at_truth(plan);
    SimulatorModel model(plan, 2);
    const CalibrationReport r = calibrate(plan, model, {});
    const CalibrationOutput& o = r.output;
    for (std::size_t i = 0; i < kTruth.size(); ++i) {
        SCOPED_TRACE(o.keys[i]);
        // The start was far: 0.15 and 0.5.
        EXPECT_LE(o.p05[i], kTruth[i]);
        EXPECT_GE(o.p95[i], kTruth[i]);
        EXPECT_LT(o.p05[i], o.p95[i]);
        // The estimate within 25% of the truth.
        EXPECT_NEAR(o.estimate[i], kTruth[i], 0.25 * kTruth[i]);
    }
    // Every target's band holds its simulated value at the estimate's neighbourhood,
    // and the held-out figure is reported with in_calibration = 0.
    ASSERT_EQ(o.fit.size(), 6u);
    EXPECT_FALSE(o.fit.back().in_calibration);
    for (const auto& f : o.fit) {
        EXPECT_LE(f.p05, f.p95) << f.name;
        EXPECT_NEAR(f.simulated, f.observed, 3 * f.se + 0.1 * f.observed) << f.name;
    }
    std::printf("recovery: %u evaluations in %.1f s (%.3f s each), estimate %g %g, 90%% [%g, %g] [%g, %g]\n",
                r.computed, r.seconds, r.seconds / r.computed, o.estimate[0], o.estimate[1], o.p05[0], o.p95[0],
                o.p05[1], o.p95[1]);
}

// A short calibration for the file tests.
CalibrationPlan short_plan() {
    std::string text = kSmallCalibration;
    const auto swap = [&](const std::string& from, const std::string& to) {
        text.replace(text.find(from), from.size(), to);
    };
    swap("global_evaluations: 40", "global_evaluations: 12");
    swap("local_evaluations: 40", "local_evaluations: 12");
    swap("samples: 1500, burn_in: 500", "samples: 30, burn_in: 20");
    CalibrationPlan plan = small_plan(text);
    plan.checkpoint_every = 5;
    observe_at_truth(plan);
    return plan;
}

void expect_same_datasets(const CalibrationOutput& a, const CalibrationOutput& b) {
    EXPECT_EQ(a.estimate, b.estimate);
    EXPECT_EQ(a.p05, b.p05);
    EXPECT_EQ(a.median, b.median);
    EXPECT_EQ(a.p95, b.p95);
    EXPECT_EQ(a.sample, b.sample);
    EXPECT_EQ(a.log_likelihood, b.log_likelihood);
    EXPECT_EQ(a.trace.values, b.trace.values);
    EXPECT_EQ(a.trace.loss, b.trace.loss);
    EXPECT_EQ(a.trace.stage, b.trace.stage);
    EXPECT_EQ(a.trace.simulated, b.trace.simulated);
    EXPECT_EQ(a.trace.variance, b.trace.variance);
    ASSERT_EQ(a.fit.size(), b.fit.size());
    for (std::size_t t = 0; t < a.fit.size(); ++t) {
        EXPECT_EQ(a.fit[t].simulated, b.fit[t].simulated);
        EXPECT_EQ(a.fit[t].p05, b.fit[t].p05);
        EXPECT_EQ(a.fit[t].p95, b.fit[t].p95);
    }
}

TEST(Calibrate, SameFileForOneAndTwoThreads) {
    const CalibrationPlan plan = short_plan();
    CalibrationOutput out[2];
    for (int threads : {1, 2}) {
        const fs::path path = scratch("threads" + std::to_string(threads) + ".h5");
        fs::remove(path);
        SimulatorModel model(plan, threads);
        CalibrateOptions options;
        options.output = path.string();
        options.threads = threads;
        calibrate(plan, model, options);
        out[threads - 1] = read_calibration(path.string());
        EXPECT_FALSE(fs::exists(checkpoint_path(path.string())));
        fs::remove(path);
    }
    EXPECT_EQ(out[0].threads, 1);
    EXPECT_EQ(out[1].threads, 2);
    expect_same_datasets(out[0], out[1]);
}

TEST(Calibrate, StoppedThenResumedEqualsUninterrupted) {
    const CalibrationPlan plan = short_plan();
    const fs::path whole = scratch("whole.h5"), parts = scratch("resumed.h5");
    fs::remove(whole);
    fs::remove(parts);
    fs::remove(checkpoint_path(parts.string()));
    {
        SimulatorModel model(plan, 2);
        CalibrateOptions options;
        options.output = whole.string();
        calibrate(plan, model, options);
    }
    // Stopped in the local pass, then in the chain, then resumed to the end.
    for (const std::uint32_t stop_after : {20u, 45u}) {
        std::atomic<int> stop{0};
        SimulatorModel model(plan, 2);
        CalibrateOptions options;
        options.output = parts.string();
        options.resume = stop_after != 20u;
        options.stop = &stop;
        options.progress = [&](const CalibrationProgress& p) {
            if (p.evaluations == stop_after) stop = 15;
        };
        EXPECT_THROW(calibrate(plan, model, options), Interrupted);
        EXPECT_TRUE(fs::exists(checkpoint_path(parts.string())));
        EXPECT_FALSE(fs::exists(parts));
        EXPECT_EQ(read_calibration_checkpoint(checkpoint_path(parts.string()), plan.identity).evaluations(), stop_after);
    }
    // Without --resume or --force the checkpoint is not thrown away.
    {
        SimulatorModel model(plan, 2);
        CalibrateOptions options;
        options.output = parts.string();
        EXPECT_THROW(calibrate(plan, model, options), OutputError);
    }
    SimulatorModel model(plan, 2);
    CalibrateOptions options;
    options.output = parts.string();
    options.resume = true;
    const CalibrationReport r = calibrate(plan, model, options);
    EXPECT_EQ(r.replayed, 45u);
    EXPECT_FALSE(fs::exists(checkpoint_path(parts.string())));
    expect_same_datasets(read_calibration(whole.string()), read_calibration(parts.string()));
    // A checkpoint of another calibration is refused.
    CalibrationPlan other = plan;
    other.identity = "another";
    write_calibration_checkpoint(checkpoint_path(parts.string()), plan.identity, r.output.trace);
    fs::remove(parts);
    options.resume = true;
    EXPECT_THROW(calibrate(other, model, options), InputError);
    fs::remove(whole);
    fs::remove(checkpoint_path(parts.string()));
}

}  // namespace
