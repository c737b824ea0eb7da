// The batch runner and ensemble statistics: quantiles against references, a whole
// batch invariant under the thread count, interruption and resume giving the same
// file, refusals, and the effects and indicators against direct computations.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>

#include "batch/assemble.hpp"
#include "batch/chunk_io.hpp"
#include "batch/ensemble.hpp"
#include "batch/parts.hpp"
#include "batch/runner.hpp"
#include "core/model.hpp"
#include "io/batch_writer.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"
#include "io/run_writer.hpp"
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

// The quantiles come from selections, not a sort: bitwise what quantile_sorted gives
// on the sorted column, with ties, signed zeros, constant columns, NaNs, both
// statistic sets and tables large enough to run in parallel.
TEST(Ensemble, QuantilesBySelectionEqualTheSortedColumnBitwise) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> small(-3, 3);
    std::normal_distribution<double> normal(0.0, 1.0);
    const double nan = std::nan("");
    for (const auto* stats : {&gs::ensemble::full_statistics(), &gs::ensemble::summary_statistics()})
        for (const std::size_t rows : {1u, 2u, 3u, 5u, 20u, 101u, 7168u}) {
            const std::size_t cols = rows > 1000 ? 40 : 300;  // 7168 x 40 runs in parallel
            std::vector<double> v(rows * cols);
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < cols; ++c) {
                    double x = 0;
                    switch (c % 6) {
                        case 0: x = normal(rng); break;                                   // all distinct
                        case 1: x = small(rng); break;                                    // many ties
                        case 2: x = (rng() & 1) ? 0.0 : -0.0; break;                      // signed zeros only
                        case 3: x = small(rng) == 0 ? ((rng() & 1) ? 0.0 : -0.0) : small(rng); break;
                        case 4: x = 2.5; break;                                           // constant
                        case 5: x = (rng() % 4 == 0) ? nan : normal(rng); break;          // NaNs left out
                    }
                    v[r * cols + c] = x;
                }
            const auto st = gs::ensemble::column_statistics(v, rows, cols, *stats);
            for (std::size_t c = 0; c < cols; ++c) {
                std::vector<double> col;
                for (std::size_t r = 0; r < rows; ++r)
                    if (!std::isnan(v[r * cols + c])) col.push_back(v[r * cols + c]);
                std::sort(col.begin(), col.end());
                for (std::size_t s = 0; s < stats->size(); ++s) {
                    if ((*stats)[s].q < 0) continue;
                    const double want = gs::ensemble::quantile_sorted(col, (*stats)[s].q);
                    const double got = st[s * cols + c];
                    ASSERT_TRUE(std::memcmp(&want, &got, sizeof want) == 0 || (std::isnan(want) && std::isnan(got)))
                        << rows << " rows, column " << c << ", " << (*stats)[s].name << ": " << got << " vs " << want;
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

    // The stop comes as the fourth run starts (the first calls check each variant's
    // scenario): runs started finish and are saved, the rest are left, however fast
    // or slow the computer and its disk. (A stop sent once 3 runs were saved came
    // after the last run on a loaded machine, whose saver put every run in one part.)
    std::atomic<int> stop{0};
    std::atomic<int> calls{0};
    const gs::ScenarioForRun run_scenario = scenario_for(plan);
    const gs::ScenarioForRun stopping = [&](const gs::RunSpec& r) {
        if (++calls == static_cast<int>(plan.variants.size()) + 4) stop.store(15);
        return run_scenario(r);
    };
    gs::BatchOptions o = options_for(tmp.file("cut.h5"), 2);
    o.stop = &stop;
    const auto first = gs::run_batch(plan, stopping, o);
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

// --- parts: several runs per part, and a batch killed mid-way ---

namespace {

std::vector<std::string> part_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (gs::is_part_file_name(e.path().filename().string())) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Field by field, values bitwise.
std::string run_difference(const gs::RunResult& a, const gs::RunResult& b) {
    const gs::Coordinates &x = a.coords, &y = b.coords;
    if (x.sector != y.sector || x.size_class != y.size_class || x.technology != y.technology ||
        x.technology_unit != y.technology_unit || x.policy != y.policy || x.policy_type != y.policy_type ||
        x.io_sector != y.io_sector || x.year != y.year || x.time_units != y.time_units ||
        !same_bits(x.time_days, y.time_days))
        return "coordinates differ";
    if (a.variables.size() != b.variables.size())
        return std::to_string(a.variables.size()) + " vs " + std::to_string(b.variables.size()) + " variables";
    for (std::size_t k = 0; k < a.variables.size(); ++k) {
        const gs::Variable &v = a.variables[k], &w = b.variables[k];
        if (v.name != w.name || v.units != w.units || v.long_name != w.long_name || v.dims != w.dims ||
            v.is_count != w.is_count || v.counts != w.counts || !same_bits(v.values, w.values))
            return "variable " + v.name + " (or " + w.name + ") differs";
    }
    return {};
}

gs::RunResult morocco_run(const std::string& overrides) {
    gs::LoadOptions opt;
    opt.overrides = {"run.end_year=2026", "run.seed=5"};
    if (!overrides.empty()) opt.overrides.push_back(overrides);
    const std::string file = std::string(GREENSHIFT_SOURCE_DIR) + "/scenarios/morocco-cop22.yaml";
    return gs::compute_run(gs::load_scenario_text(read_file(file), file, opt), 1);
}

}  // namespace

// A part stores exactly what a run file would: reading a run file written from a
// result, and reading the part, give the same run, bit for bit (also for a run
// without policies, whose variables over `policy` a run file leaves out).
TEST(BatchParts, HoldWhatARunFileHolds) {
    TempDir tmp;
    for (const std::string& overrides : {std::string(), std::string("policies={}")}) {
        const gs::RunResult result = morocco_run(overrides);
        const std::string run_file = tmp.file("run" + std::to_string(overrides.size()) + ".h5");
        {
            gs::hdf5::File f = gs::hdf5::File::create(run_file);
            gs::write_run_group(f, result);
            f.close();
        }
        const gs::RunResult from_file = gs::read_run_group(gs::hdf5::File::open_read_only(run_file));
        const gs::RunResult stored = gs::stored_form(result);
        EXPECT_EQ(run_difference(from_file, stored), "") << overrides;

        const gs::PartRun a = gs::encode_part_run(7, result), b = gs::encode_part_run(9, result);
        const std::string part = tmp.file(gs::part_file_name(7));
        gs::write_part(part, "identity-x", {&a, &b});
        const auto p = gs::PartFile::open(part, "identity-x");
        EXPECT_EQ(p->runs(), (std::vector<std::uint32_t>{7, 9}));
        p->verify();
        EXPECT_EQ(run_difference(p->run(9), stored), "");
        gs::RunResult layout = stored;
        for (gs::Variable& v : layout.variables) {
            v.values.clear();
            v.counts.clear();
        }
        EXPECT_EQ(run_difference(p->layout(7), layout), "");
        EXPECT_THROW((void)p->run(8), gs::InputError);
        EXPECT_THROW((void)gs::PartFile::open(part, "identity-y"), gs::InputError) << "another batch's part";
    }
    EXPECT_THROW((void)gs::PartFile::open(tmp.file("run0.h5"), "identity-x"), gs::InputError) << "a run file is no part";
}

// Every chunked row dataset written by ChunkedRowWriter reads back as HDF5's own
// writes would: rows out of order, chunks of one and of many rows, a last chunk
// cut short, rows never written (0), integers and doubles; and read_rows_as_double
// equals HDF5's conversion.
TEST(ChunkIo, SameDatasetsAsHdf5Writes) {
    TempDir tmp;
    const std::string path = tmp.file("c.h5");
    std::mt19937_64 rng(3);
    std::normal_distribution<double> normal(0.0, 1e6);
    struct Case {
        std::string name;
        hsize_t rows;
        std::vector<hsize_t> trailing;
        bool counts;
    };
    const std::vector<Case> cases = {{"big_rows", 7, {9000}, false},       // one row per chunk
                                     {"small_rows", 301, {3, 5}, false},   // many rows per chunk, last cut short
                                     {"counts", 250, {40}, true},
                                     {"tiny", 3, {2}, false}};             // contiguous: through HDF5
    {
        gs::hdf5::File f = gs::hdf5::File::create(path);
        gs::ChunkedRowWriter writer(1 << 16);
        std::vector<gs::hdf5::Dataset> mine, theirs;
        for (const Case& c : cases) {
            mine.push_back(c.counts ? gs::create_rows<std::int64_t>(f, c.name + "_mine", c.rows, c.trailing)
                                    : gs::create_rows<double>(f, c.name + "_mine", c.rows, c.trailing));
            theirs.push_back(c.counts ? gs::create_rows<std::int64_t>(f, c.name + "_hdf5", c.rows, c.trailing)
                                      : gs::create_rows<double>(f, c.name + "_hdf5", c.rows, c.trailing));
        }
        for (std::size_t k = 0; k < cases.size(); ++k) {
            const Case& c = cases[k];
            std::size_t n = 1;
            for (const hsize_t t : c.trailing) n *= t;
            std::vector<hsize_t> order;
            for (hsize_t r = 0; r < c.rows; ++r)
                if (r % 11 != 5) order.push_back(r);  // some rows never written
            std::shuffle(order.begin(), order.end(), rng);
            for (const hsize_t r : order) {
                if (c.counts) {
                    std::vector<std::int64_t> row(n);
                    for (auto& x : row) x = static_cast<std::int64_t>(normal(rng)) * (r % 3 == 0 ? (1LL << 40) : 1);
                    writer.write_row(mine[k], r, row);
                    gs::write_row(theirs[k], r, row);
                } else {
                    std::vector<double> row(n);
                    for (auto& x : row) x = r % 4 == 0 ? std::round(normal(rng)) : normal(rng);
                    if (r == 0) row[0] = std::numeric_limits<double>::quiet_NaN();
                    writer.write_row(mine[k], r, row);
                    gs::write_row(theirs[k], r, row);
                }
            }
        }
        writer.finish();
        f.close();
    }
    const gs::hdf5::File f = gs::hdf5::File::open_read_only(path);
    for (const Case& c : cases) {
        const gs::hdf5::Dataset a = gs::hdf5::Dataset::open(f, c.name + "_mine");
        const gs::hdf5::Dataset b = gs::hdf5::Dataset::open(f, c.name + "_hdf5");
        const std::vector<double> x = gs::read_all_as_double(a), y = gs::read_all_as_double(b);
        ASSERT_EQ(x.size(), y.size()) << c.name;
        EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)), 0) << c.name;
        const std::vector<double> z = gs::read_rows_as_double(a);
        ASSERT_EQ(z.size(), y.size()) << c.name;
        EXPECT_EQ(std::memcmp(z.data(), y.data(), z.size() * sizeof(double)), 0) << c.name;
        if (c.counts) {
            EXPECT_EQ(gs::hdf5::read_array<std::int64_t>(f, c.name + "_mine").values,
                      gs::hdf5::read_array<std::int64_t>(f, c.name + "_hdf5").values);
        }
    }
}

// Parts of several runs (held back until three are waiting), and a batch killed
// with SIGKILL once two parts are saved, while other runs compute and wait: the
// resume trusts whole parts only, computes the rest, and gives the datasets of an
// uninterrupted batch.
TEST(BatchRunnerDeathTest, PartsOfSeveralRunsAndAKillMidWayResume) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // the child is a fresh process
    // The child re-runs this test up to EXPECT_EXIT: it finds the folder by name.
    static const char* const kDir = "GREENSHIFT_TEST_KILLED_BATCH_DIR";
    std::optional<TempDir> owned;
    std::string dir;
    if (const char* d = std::getenv(kDir)) {
        dir = d;
    } else {
        owned.emplace();
        dir = owned->path.string();
        ::setenv(kDir, dir.c_str(), 1);
    }
    const gs::BatchPlan plan = small_plan(4, 2);  // 16 runs
    const std::string out = dir + "/killed.h5";
    EXPECT_EXIT(
        {
            gs::BatchOptions o = options_for(out, 2);
            o.part_runs = 3;
            o.part_seconds = 600;
            o.progress = [](const gs::BatchProgress& p) {
                if (p.computed >= 6) std::raise(SIGKILL);
            };
            gs::run_batch(plan, scenario_for(plan), o);
            std::exit(0);
        },
        ::testing::KilledBySignal(SIGKILL), "");
    ::unsetenv(kDir);

    EXPECT_FALSE(fs::exists(out));
    std::uint32_t saved = 0;
    const std::vector<std::string> parts = part_files(out + ".parts");
    ASSERT_EQ(parts.size(), 2u);
    for (const std::string& p : parts) {
        const auto part = gs::PartFile::open(p, plan.identity);
        EXPECT_EQ(part->runs().size(), 3u) << p;
        saved += static_cast<std::uint32_t>(part->runs().size());
    }
    // What a kill inside a part's write leaves: its temporary.
    { std::ofstream(out + ".parts/run-000015.h5.tmp") << "half a part"; }

    gs::BatchOptions resume = options_for(out, 2);
    resume.resume = true;
    const auto r = gs::run_batch(plan, scenario_for(plan), resume);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.already_done, saved);
    EXPECT_EQ(r.computed, plan.runs.size() - saved);
    EXPECT_FALSE(fs::exists(out + ".parts"));
    gs::run_batch(plan, scenario_for(plan), options_for(dir + "/whole.h5", 1));
    EXPECT_EQ(dataset_difference(dir + "/whole.h5", out), "");
}
