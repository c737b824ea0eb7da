// The batch runner and ensemble statistics: quantiles against references, a whole
// batch invariant under the thread count, interruption and resume giving the same
// file, refusals, and the effects and indicators against direct computations.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <random>

#include "batch/assemble.hpp"
#include "batch/ensemble.hpp"
#include "batch/parts.hpp"
#include "batch/runner.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"
#include "io/scenario_loader.hpp"

namespace gs = greenshift;
namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A small Morocco batch built by hand: a no-policy baseline and the COP22 programme
// paired with it, 2 samples x 2 replicates, horizon cut to 2026.
gs::BatchPlan small_plan(std::uint32_t samples = 2, std::uint32_t replicates = 2) {
    gs::BatchPlan plan;
    plan.file = "test-batch.yaml";
    plan.scenario_file = std::string(GREENSHIFT_SOURCE_DIR) + "/scenarios/morocco-cop22.yaml";
    plan.scenario_text = read_file(plan.scenario_file);
    plan.resolved_text = "test batch: baseline and cop22, horizon 2026\n";
    plan.identity = "0123456789abcdef0123456789abcdef";
    plan.seed = 11;
    plan.samples = samples;
    plan.replicates = replicates;
    plan.variants.resize(2);
    plan.variants[0].name = "baseline";
    plan.variants[0].overrides = {"policies={}"};
    plan.variants[1].name = "cop22";
    plan.variants[1].baseline = 0;
    for (std::uint32_t s = 0; s < samples; ++s)
        for (std::uint32_t r = 0; r < replicates; ++r)
            for (std::uint32_t v = 0; v < plan.variants.size(); ++v) {
                gs::RunSpec spec;
                spec.index = static_cast<std::uint32_t>(plan.runs.size());
                spec.variant = v;
                spec.sample = s;
                spec.replicate = r;
                spec.seed = 1000 + 17 * s + r;
                plan.runs.push_back(spec);
            }
    return plan;
}

gs::ScenarioForRun scenario_for(const gs::BatchPlan& plan) {
    return [&plan](const gs::RunSpec& r) {
        gs::LoadOptions opt;
        opt.overrides = plan.variants[r.variant].overrides;
        opt.overrides.push_back("run.end_year=2026");
        opt.overrides.push_back("run.seed=" + std::to_string(r.seed));
        // The sample moves the electricity price, as an uncertain parameter would.
        opt.overrides.push_back("electricity.price={2016: " + std::to_string(1.0 + 0.2 * r.sample) + ", 2040: 2.2}");
        gs::Scenario s = gs::load_scenario_text(plan.scenario_text, plan.scenario_file, opt);
        s.run.run_index = r.sample * plan.replicates + r.replicate;
        return s;
    };
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("gs-batch-test-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(std::random_device{}()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Every dataset of every group, as bytes: empty when equal, else the first difference.
std::string dataset_difference(const std::string& a_path, const std::string& b_path) {
    const gs::hdf5::File a = gs::hdf5::File::open_read_only(a_path);
    const gs::hdf5::File b = gs::hdf5::File::open_read_only(b_path);
    for (const char* group : gs::kBatchGroups) {
        if (a.contains(group) != b.contains(group)) return std::string("group ") + group + " in one file only";
        if (!a.contains(group)) continue;
        const gs::hdf5::Group ga = gs::hdf5::Group::open(a, group), gb = gs::hdf5::Group::open(b, group);
        const auto names = gs::list_datasets(ga);
        if (names != gs::list_datasets(gb)) return std::string("dataset lists differ in ") + group;
        for (const std::string& n : names) {
            const gs::hdf5::Dataset d = gs::hdf5::Dataset::open(ga, n);
            const H5T_class_t c = H5Tget_class(d.type().id());
            bool same = true;
            if (c == H5T_STRING)
                same = gs::hdf5::read_strings(ga, n) == gs::hdf5::read_strings(gb, n);
            else if (c == H5T_INTEGER && H5Tget_sign(d.type().id()) == H5T_SGN_NONE)
                same = gs::hdf5::read_array<std::uint64_t>(ga, n).values ==
                       gs::hdf5::read_array<std::uint64_t>(gb, n).values;
            else if (c == H5T_INTEGER)
                same = gs::hdf5::read_array<std::int64_t>(ga, n).values ==
                       gs::hdf5::read_array<std::int64_t>(gb, n).values;
            else {
                const auto x = gs::hdf5::read_array<double>(ga, n), y = gs::hdf5::read_array<double>(gb, n);
                same = x.shape == y.shape &&
                       std::memcmp(x.values.data(), y.values.data(), x.values.size() * sizeof(double)) == 0;
            }
            if (!same) return std::string(group) + "/" + n + " differs";
        }
    }
    return {};
}

gs::BatchOptions options_for(const std::string& output, int threads) {
    gs::BatchOptions o;
    o.output = output;
    o.threads = threads;
    o.command_line = "test";
    return o;
}

}  // namespace

// --- ensemble statistics ---

TEST(Ensemble, QuantilesMatchNumpyLinear) {
    // numpy 1.24: np.percentile(x, [5, 25, 50, 75, 95]) and x.mean()
    const std::vector<double> x = {3.2, -1.5, 7.75, 0.0, 2.5, 9.1, 4.4, -3.3, 6.0, 1.25, 5.5, 8.8, 2.2, -0.7, 3.9, 10.5, 4.1};
    const auto st = gs::ensemble::column_statistics(x, x.size(), 1, gs::ensemble::full_statistics());
    const double expected[] = {3.7470588235294118, -1.86, 1.25, 3.9, 6.0, 9.38};
    for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(st[i], expected[i], 1e-12) << gs::ensemble::full_statistics()[i].name;
}

TEST(Ensemble, QuantilesAgainstDirectComputation) {
    std::mt19937_64 rng(42);
    std::normal_distribution<double> normal(5.0, 3.0);
    for (const std::size_t rows : {1u, 2u, 3u, 10u, 101u}) {
        const std::size_t cols = 7;
        std::vector<double> v(rows * cols);
        for (double& x : v) x = normal(rng);
        const auto st = gs::ensemble::column_statistics(v, rows, cols, gs::ensemble::full_statistics());
        for (std::size_t c = 0; c < cols; ++c) {
            std::vector<double> col;
            double sum = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                col.push_back(v[r * cols + c]);
                sum += v[r * cols + c];
            }
            std::sort(col.begin(), col.end());
            EXPECT_DOUBLE_EQ(st[0 * cols + c], sum / rows);
            const double probs[] = {0.05, 0.25, 0.5, 0.75, 0.95};
            for (int k = 0; k < 5; ++k) {
                // position (n - 1) p between order statistics, linearly
                const double pos = probs[k] * (rows - 1);
                const std::size_t lo = static_cast<std::size_t>(pos);
                const std::size_t hi = std::min(lo + 1, rows - 1);
                const double want = col[lo] * (1 - (pos - lo)) + col[hi] * (pos - lo);
                EXPECT_NEAR(st[(k + 1) * cols + c], want, 1e-12 * (1 + std::abs(want))) << rows << " rows, p" << probs[k];
            }
        }
    }
}

TEST(Ensemble, NaNIsLeftOutAndCounted) {
    const double nan = std::nan("");
    const std::vector<double> v = {1, nan, 3, nan, nan, nan};  // 3 rows x 2 columns
    std::vector<std::int64_t> valid;
    const auto st = gs::ensemble::column_statistics(v, 3, 2, gs::ensemble::summary_statistics(), &valid);
    EXPECT_EQ(valid, (std::vector<std::int64_t>{2, 0}));
    EXPECT_DOUBLE_EQ(st[0], 2.0);          // mean of 1 and 3
    EXPECT_DOUBLE_EQ(st[2 * 2 + 0], 2.0);  // p50
    EXPECT_TRUE(std::isnan(st[1]));        // a column with no value
    EXPECT_TRUE(std::isnan(gs::ensemble::quantile_sorted({}, 0.5)));
}

// --- the runner ---

TEST(BatchRunner, ThreadCountDoesNotChangeTheFile) {
    TempDir tmp;
    const gs::BatchPlan plan = small_plan();
    const auto one = gs::run_batch(plan, scenario_for(plan), options_for(tmp.file("t1.h5"), 1));
    const auto two = gs::run_batch(plan, scenario_for(plan), options_for(tmp.file("t2.h5"), 2));
    EXPECT_EQ(one.computed, plan.runs.size());
    EXPECT_EQ(two.computed, plan.runs.size());
    EXPECT_FALSE(fs::exists(tmp.file("t1.h5.parts"))) << "parts are removed once the batch file is written";
    EXPECT_EQ(dataset_difference(tmp.file("t1.h5"), tmp.file("t2.h5")), "");
}

TEST(BatchRunner, InterruptedThenResumedEqualsUninterrupted) {
    TempDir tmp;
    const gs::BatchPlan plan = small_plan();
    gs::run_batch(plan, scenario_for(plan), options_for(tmp.file("whole.h5"), 2));

    std::atomic<int> stop{0};
    gs::BatchOptions o = options_for(tmp.file("cut.h5"), 2);
    o.stop = &stop;
    o.progress = [&stop](const gs::BatchProgress& p) {
        if (p.computed >= 3) stop.store(15);
    };
    const auto first = gs::run_batch(plan, scenario_for(plan), o);
    ASSERT_TRUE(first.interrupted);
    EXPECT_GE(first.computed, 3u);
    EXPECT_LT(first.computed, plan.runs.size());
    EXPECT_FALSE(fs::exists(tmp.file("cut.h5")));

    // A truncated part is found, reported and its runs computed again. (A part holds
    // the runs that finished while the previous one was being saved: one or more.)
    const std::string part = tmp.file("cut.h5.parts/run-000000.h5");
    ASSERT_TRUE(fs::exists(part));
    const auto lost = static_cast<std::uint32_t>(gs::PartFile::open(part, plan.identity)->runs().size());
    ASSERT_GE(lost, 1u);
    fs::resize_file(part, fs::file_size(part) / 2);
    std::vector<std::string> warnings;
    gs::BatchOptions again = options_for(tmp.file("cut.h5"), 2);
    again.resume = true;
    again.warn = [&warnings](const std::string& w) { warnings.push_back(w); };
    const auto second = gs::run_batch(plan, scenario_for(plan), again);
    EXPECT_FALSE(second.interrupted);
    EXPECT_EQ(second.already_done, first.computed - lost);
    EXPECT_EQ(second.computed, plan.runs.size() - first.computed + lost);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("run-000000.h5"), std::string::npos);
    EXPECT_EQ(dataset_difference(tmp.file("whole.h5"), tmp.file("cut.h5")), "");

    // Resuming a complete batch computes nothing.
    const auto third = gs::run_batch(plan, scenario_for(plan), again);
    EXPECT_TRUE(third.was_complete);
    EXPECT_EQ(third.computed, 0u);
}

TEST(BatchRunner, RefusesExistingOutputAndOtherBatches) {
    TempDir tmp;
    const gs::BatchPlan plan = small_plan(1, 1);
    const std::string out = tmp.file("b.h5");
    gs::run_batch(plan, scenario_for(plan), options_for(out, 2));
    EXPECT_THROW(gs::run_batch(plan, scenario_for(plan), options_for(out, 2)), gs::OutputError);

    gs::BatchPlan changed = plan;
    changed.identity = "fedcba9876543210fedcba9876543210";
    gs::BatchOptions resume = options_for(out, 2);
    resume.resume = true;
    try {
        gs::run_batch(changed, scenario_for(changed), resume);
        FAIL() << "a resume against a changed batch must be refused";
    } catch (const gs::OutputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("fedcba9876543210"), std::string::npos) << m;
        EXPECT_NE(m.find("0123456789abcdef"), std::string::npos) << m;
        EXPECT_NE(m.find("--force"), std::string::npos) << m;
    }
    // Parts of an interrupted batch: refused without --resume, and with another identity.
    std::atomic<int> stop{1};
    gs::BatchOptions cut = options_for(tmp.file("c.h5"), 1);
    cut.stop = &stop;
    EXPECT_TRUE(gs::run_batch(plan, scenario_for(plan), cut).interrupted);
    EXPECT_THROW(gs::run_batch(plan, scenario_for(plan), options_for(tmp.file("c.h5"), 1)), gs::OutputError);
    gs::BatchOptions cut_resume = options_for(tmp.file("c.h5"), 1);
    cut_resume.resume = true;
    EXPECT_THROW(gs::run_batch(changed, scenario_for(changed), cut_resume), gs::OutputError);
    gs::BatchOptions force = options_for(tmp.file("c.h5"), 1);
    force.force = true;
    EXPECT_EQ(gs::run_batch(changed, scenario_for(changed), force).computed, changed.runs.size());
}

TEST(BatchRunner, BadVariantIsBadInputBeforeAnythingIsWritten) {
    TempDir tmp;
    gs::BatchPlan plan = small_plan(1, 1);
    plan.variants[1].overrides = {"policies.cop22_grant.rate=7"};
    EXPECT_THROW(gs::run_batch(plan, scenario_for(plan), options_for(tmp.file("x.h5"), 1)), gs::InputError);
    EXPECT_FALSE(fs::exists(tmp.file("x.h5.parts")));
}

TEST(BatchRunner, EffectsAndIndicatorsMatchTheRuns) {
    TempDir tmp;
    const gs::BatchPlan plan = small_plan();
    const std::string out = tmp.file("e.h5");
    gs::run_batch(plan, scenario_for(plan), options_for(out, 2));
    const gs::hdf5::File f = gs::hdf5::File::open_read_only(out);
    const gs::hdf5::Group runs = gs::hdf5::Group::open(f, "runs");
    const gs::hdf5::Group eff = gs::hdf5::Group::open(f, "effects");
    const gs::hdf5::Group sum = gs::hdf5::Group::open(f, "summary");

    // The policy axis is the union; the no-policy baseline has zeros on it.
    const auto policies = gs::hdf5::read_strings(runs, "policy");
    EXPECT_EQ(policies.size(), 7u);
    const auto budget = gs::hdf5::read_array<double>(runs, "budget_used");
    ASSERT_EQ(budget.shape[0], plan.runs.size());
    const std::size_t per_run = budget.values.size() / plan.runs.size();
    double baseline_total = 0, programme_total = 0;
    for (std::size_t i = 0; i < per_run; ++i) {
        baseline_total += budget.values[0 * per_run + i];
        programme_total += budget.values[1 * per_run + i];
    }
    EXPECT_EQ(baseline_total, 0.0);
    EXPECT_GT(programme_total, 0.0);

    // co2_avoided = baseline - variant, run by run; the indicator is its total.
    const auto co2 = gs::hdf5::read_array<double>(runs, "co2_emissions");
    const auto avoided = gs::hdf5::read_array<double>(eff, "co2_avoided");
    const auto base_run = gs::hdf5::read_array<std::int32_t>(eff, "baseline_run").values;
    const auto run_of = gs::hdf5::read_array<std::int32_t>(eff, "run").values;
    const auto ind = gs::hdf5::read_array<double>(eff, "indicators");
    const auto names = gs::hdf5::read_strings(eff, "indicator");
    ASSERT_EQ(names[0], "co2_avoided");
    const std::size_t n = co2.values.size() / plan.runs.size();
    ASSERT_EQ(run_of.size(), 4u);
    double mean = 0;
    for (std::size_t e = 0; e < run_of.size(); ++e) {
        EXPECT_EQ(run_of[e] - 1, base_run[e]) << "a variant's baseline is its neighbour";
        double total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double want = co2.values[base_run[e] * n + i] - co2.values[run_of[e] * n + i];
            EXPECT_EQ(avoided.values[e * n + i], want);
            total += want;
        }
        EXPECT_NEAR(ind.values[e * names.size() + 0], total, 1e-9 * std::abs(total));
        mean += ind.values[e * names.size() + 0] / 4;
    }
    EXPECT_GT(mean, 0.0) << "the programme avoids CO2";
    const auto value = gs::hdf5::read_array<double>(sum, "value");
    ASSERT_EQ(value.shape, (std::vector<hsize_t>{1, names.size(), 4}));
    EXPECT_NEAR(value.values[0], mean, 1e-9 * std::abs(mean));
    EXPECT_LE(value.values[1], value.values[2]);  // p5 <= p50
    EXPECT_LE(value.values[2], value.values[3]);  // p50 <= p95

    // /statistics/mean of a count equals the mean over the variant's runs.
    const auto adopters = gs::hdf5::read_array<std::int64_t>(runs, "adopters");
    const auto stats = gs::hdf5::read_array<double>(gs::hdf5::Group::open(f, "statistics"), "adopters");
    const std::size_t m = adopters.values.size() / plan.runs.size();
    ASSERT_EQ(stats.shape[0], 2u);
    ASSERT_EQ(stats.shape[1], 6u);
    for (std::size_t i = 0; i < m; i += 37) {
        double s = 0;
        for (std::size_t r = 1; r < plan.runs.size(); r += 2) s += static_cast<double>(adopters.values[r * m + i]);
        EXPECT_DOUBLE_EQ(stats.values[(1 * 6 + 0) * m + i], s / 4);
    }
}
