// Batch files to plans: expansion of variants, sweeps, samples and replicates; Latin
// hypercube stratification and inverse CDFs; seeds and pairing (common random
// numbers); scaling in the scenario loader; and the bad-batch corpus.
#include "batch/expand.hpp"
#include "batch/lhs.hpp"
#include "core/model.hpp"
#include "io/batch_loader.hpp"
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"
#include "tests/test_support.hpp"

#include <gtest/gtest.h>

#include "tests/corpus.hpp"

namespace corpus = greenshift::corpus;

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace greenshift;

namespace {

const std::string kData = std::string(GREENSHIFT_TEST_DATA) + "/data";
const std::string kSmallBatch = kData + "/batch/small-batch.yaml";
const std::string kPairing = kData + "/batch/pairing.yaml";
const std::string kSmall = kData + "/small.yaml";
const fs::path kCorpus = fs::path(GREENSHIFT_TEST_DATA) / "bad_batches";

template <typename F>
InputError expect_input_error(F&& load) {
    try {
        load();
    } catch (const InputError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw something other than InputError: " << e.what();
        return InputError("", 0, 0, "");
    }
    ADD_FAILURE() << "no InputError";
    return InputError("", 0, 0, "");
}

void expect_contains(const InputError& e, const std::string& fragment) {
    EXPECT_NE(e.message().find(fragment), std::string::npos) << "missing '" << fragment << "' in: " << e.what();
}

// A batch over small.yaml written in the test (its folder is tests/data/batch).
BatchPlan load_text(const std::string& text) { return load_batch_text(text, kData + "/batch/inline.yaml"); }

// ---- loading and expansion ----

TEST(BatchPlan, LoadsVariantsSweepsAndUncertainParameters) {
    const BatchPlan plan = load_batch(kSmallBatch);
    EXPECT_EQ(plan.file, kSmallBatch);
    EXPECT_EQ(plan.name, "small_batch");
    EXPECT_EQ(plan.scenario_file, fs::path(kSmall).lexically_normal().string());
    EXPECT_EQ(plan.seed, 2016u);
    EXPECT_EQ(plan.samples, 8u);
    EXPECT_EQ(plan.replicates, 2u);
    EXPECT_TRUE(plan.sample_values.empty());
    EXPECT_TRUE(plan.runs.empty());

    std::vector<std::string> names;
    for (const auto& v : plan.variants) names.push_back(v.name);
    EXPECT_EQ(names, (std::vector<std::string>{"baseline", "programme[annual_budget=2.5e7]",
                                               "programme[annual_budget=5.0e7]", "programme[annual_budget=1.0e8]",
                                               "grant_only"}));
    EXPECT_EQ(plan.variants[0].baseline, -1);
    for (std::size_t v = 1; v < plan.variants.size(); ++v) EXPECT_EQ(plan.variants[v].baseline, 0) << v;
    EXPECT_EQ(plan.variants[2].family, "programme");
    EXPECT_EQ(plan.variants[2].sweep, (std::vector<std::string>{"policies.cop22_grant.annual_budget=5.0e7"}));
    EXPECT_EQ(plan.variants[2].overrides, plan.variants[2].sweep);
    EXPECT_EQ(plan.variants[0].description, "audits only");
    EXPECT_EQ(plan.variants[0].overrides,
              (std::vector<std::string>{"policies={audits: {type: audit_mandate, threshold_toe: 500}}"}));
    EXPECT_EQ(plan.variants[4].overrides.size(), 3u);
    EXPECT_EQ(plan.variants[4].overrides[2],
              "policies.cop22_grant.eligible={size_classes: [micro, small, medium, large]}");

    ASSERT_EQ(plan.uncertain.size(), 5u);
    EXPECT_EQ(plan.uncertain[0].path, "electricity.price");
    EXPECT_EQ(plan.uncertain[0].distribution, Distribution::uniform);
    EXPECT_TRUE(plan.uncertain[0].scale);
    EXPECT_EQ(plan.uncertain[0].low, 0.9);
    EXPECT_EQ(plan.uncertain[0].high, 1.1);
    EXPECT_EQ(plan.uncertain[1].distribution, Distribution::triangular);
    EXPECT_FALSE(plan.uncertain[1].scale);
    EXPECT_EQ(plan.uncertain[1].mode, 0.2);
    EXPECT_EQ(plan.uncertain[1].high, 0.3);
    EXPECT_EQ(plan.uncertain[2].distribution, Distribution::normal);
    EXPECT_EQ(plan.uncertain[3].distribution, Distribution::lognormal);
    EXPECT_EQ(plan.uncertain[3].mu, -4.6);
    EXPECT_GT(plan.uncertain[0].line, 0);
    // The baseline has no cop22_grant, so the grant's rate does not apply to it.
    EXPECT_EQ(plan.variants[0].uncertain, (std::vector<std::uint32_t>{0, 1, 2, 3}));
    EXPECT_EQ(plan.variants[1].uncertain, (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(plan.identity.size(), 16u);
}

TEST(BatchPlan, ExpandsVariantsTimesSamplesTimesReplicatesInDocumentedOrder) {
    BatchPlan plan = load_batch(kSmallBatch);
    expand(plan);
    const std::uint32_t V = 5, S = 8, R = 2;
    ASSERT_EQ(plan.runs.size(), V * S * R);
    ASSERT_EQ(plan.sample_values.size(), S);
    for (const auto& row : plan.sample_values) EXPECT_EQ(row.size(), plan.uncertain.size());
    for (std::uint32_t s = 0; s < S; ++s)
        for (std::uint32_t r = 0; r < R; ++r)
            for (std::uint32_t v = 0; v < V; ++v) {
                const RunSpec& run = plan.runs[(s * R + r) * V + v];
                EXPECT_EQ(run.index, (s * R + r) * V + v);
                EXPECT_EQ(run.sample, s);
                EXPECT_EQ(run.replicate, r);
                EXPECT_EQ(run.variant, v);
                EXPECT_EQ(run.seed, run_seed(plan.seed, s, r));
            }
}

TEST(BatchPlan, SweepsAreCartesianProductsAndSeveralSweepsAddUp) {
    const BatchPlan plan = load_text(R"(scenario: ../small.yaml
variants:
  base: {set: {policies: {}}}
  grant: {baseline: base}
  loan: {baseline: base}
sweeps:
  - over: [grant]
    set:
      policies.cop22_grant.rate: [0.2, 0.3]
      policies.cop22_grant.annual_budget: [1e7, 2e7, 3E7]
  - set: {policies.green_loan.interest: [0.01, 0.02]}
)");
    std::vector<std::string> names;
    for (const auto& v : plan.variants) names.push_back(v.name);
    EXPECT_EQ(names, (std::vector<std::string>{
                         "base",
                         "grant[rate=0.2][annual_budget=1e7]", "grant[rate=0.2][annual_budget=2e7]",
                         "grant[rate=0.2][annual_budget=item-3]", "grant[rate=0.3][annual_budget=1e7]",
                         "grant[rate=0.3][annual_budget=2e7]", "grant[rate=0.3][annual_budget=item-3]",
                         // the second sweep covers every paired variant by default: grant and loan
                         "grant[interest=0.01]", "grant[interest=0.02]", "loan[interest=0.01]", "loan[interest=0.02]"}));
    for (std::size_t v = 1; v < plan.variants.size(); ++v) EXPECT_EQ(plan.variants[v].baseline, 0);
}

TEST(BatchPlan, QuotedSweepValueIsAStringAndRefused) {
    const InputError e = expect_input_error([] {
        load_text("scenario: ../small.yaml\nvariants:\n  grant: {}\nsweeps:\n  - over: [grant]\n    set: "
                  "{policies.cop22_grant.annual_budget: [1e7, \"3e7\"]}\n");
    });
    expect_contains(e, "sweeps[0].set: policies.cop22_grant.annual_budget: expected a number, got '3e7'");
    EXPECT_EQ(e.line(), 6);
}

TEST(BatchPlan, ResolvedTextIsCanonicalAndLoadsBackToTheSamePlan) {
    const BatchPlan a = load_batch(kSmallBatch);
    const BatchPlan b = load_batch_text(a.resolved_text, kSmallBatch);
    EXPECT_EQ(a.resolved_text, b.resolved_text);
    EXPECT_EQ(a.identity, b.identity);
    ASSERT_EQ(a.variants.size(), b.variants.size());
    for (std::size_t v = 0; v < a.variants.size(); ++v) {
        EXPECT_EQ(a.variants[v].name, b.variants[v].name);
        EXPECT_EQ(a.variants[v].overrides, b.variants[v].overrides);
    }
    EXPECT_NE(a.resolved_text.find("replicates: 2\n"), std::string::npos) << a.resolved_text;
    // unset: written back as a flow list, before set; the overrides keep that order
    const BatchPlan u = load_text("scenario: ../small.yaml\nvariants:\n  lean:\n    set: {policies.cop22_grant.rate: 0.2}\n"
                                  "    unset: [policies.green_fund, policies.green_loan]\n");
    EXPECT_NE(u.resolved_text.find("    unset: [policies.green_fund, policies.green_loan]\n    set:\n"), std::string::npos)
        << u.resolved_text;
    EXPECT_EQ(u.variants[0].overrides,
              (std::vector<std::string>{"-policies.green_fund", "-policies.green_loan", "policies.cop22_grant.rate=0.2"}));
    EXPECT_EQ(load_batch_text(u.resolved_text, kSmallBatch).variants[0].overrides, u.variants[0].overrides);
    // Defaults are written out.
    const BatchPlan d = load_text("scenario: ../small.yaml\nvariants: {only: }\n");
    EXPECT_NE(d.resolved_text.find("seed: 1\nsamples: 1\nreplicates: 1\n"), std::string::npos) << d.resolved_text;
    EXPECT_NE(d.resolved_text.find("name: inline\n"), std::string::npos) << d.resolved_text;
    // Any change to the batch or to the scenario changes the identity.
    const BatchPlan e = load_text("scenario: ../small.yaml\nseed: 2\nvariants: {only: }\n");
    EXPECT_NE(d.identity, e.identity);
    EXPECT_EQ(d.identity, load_text("scenario: ../small.yaml\nvariants: {only: }\n").identity);
}

// ---- seeds ----

TEST(BatchSeeds, SameForEveryVariantDistinctAcrossSamplesAndReplicates) {
    std::set<std::uint64_t> seen;
    for (std::uint32_t s = 0; s < 100; ++s)
        for (std::uint32_t r = 0; r < 100; ++r) {
            const std::uint64_t x = run_seed(2016, s, r);
            EXPECT_EQ(x, run_seed(2016, s, r));  // a pure function
            seen.insert(x);
        }
    EXPECT_EQ(seen.size(), 10000u);
    EXPECT_NE(run_seed(0, 0, 0), 0u);
    EXPECT_NE(run_seed(1, 0, 0), run_seed(2, 0, 0));
    EXPECT_NE(run_seed(1, 1, 0), run_seed(1, 0, 1));

    BatchPlan plan = load_batch(kSmallBatch);
    expand(plan);
    for (const auto& run : plan.runs) {
        const RunSpec& first = plan.runs[run.index - run.variant];  // variant 0 of the same (sample, replicate)
        EXPECT_EQ(run.seed, first.seed);
        const Variant& v = plan.variants[run.variant];
        if (v.baseline >= 0) {
            EXPECT_EQ(plan.runs[run.index - run.variant + static_cast<std::uint32_t>(v.baseline)].seed, run.seed);
        }
    }
    // Expanding twice gives the same plan.
    BatchPlan again = load_batch(kSmallBatch);
    expand(again);
    EXPECT_EQ(plan.sample_values, again.sample_values);
    for (std::size_t i = 0; i < plan.runs.size(); ++i) EXPECT_EQ(plan.runs[i].seed, again.runs[i].seed);
}

// ---- Latin hypercube and inverse CDFs ----

TEST(Lhs, EveryStratumOfEveryParameterHoldsExactlyOnePoint) {
    for (const std::uint32_t n : {1u, 2u, 7u, 1000u}) {
        const auto u = latin_hypercube(99, n, 4);
        ASSERT_EQ(u.size(), n);
        for (std::uint32_t j = 0; j < 4; ++j) {
            std::vector<int> count(n, 0);
            for (std::uint32_t i = 0; i < n; ++i) {
                ASSERT_GT(u[i][j], 0.0);
                ASSERT_LT(u[i][j], 1.0);
                ++count[static_cast<std::size_t>(std::floor(u[i][j] * n))];
            }
            for (std::uint32_t k = 0; k < n; ++k) EXPECT_EQ(count[k], 1) << "n " << n << " parameter " << j << " stratum " << k;
        }
    }
}

TEST(Lhs, PermutationsDifferAcrossParametersAndSeedsButNotAcrossCalls) {
    const auto a = latin_hypercube(1, 100, 2), b = latin_hypercube(1, 100, 2), c = latin_hypercube(2, 100, 2);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    int same_stratum = 0;
    for (std::size_t i = 0; i < 100; ++i) same_stratum += std::floor(a[i][0] * 100) == std::floor(a[i][1] * 100);
    EXPECT_LT(same_stratum, 10);  // independent permutations: ~1 coincidence expected
    // A parameter's column does not depend on how many parameters follow it.
    const auto wide = latin_hypercube(1, 100, 5);
    for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(wide[i][1], a[i][1]);
}

TEST(Lhs, ShardRowsEqualThoseOfTheWholeDesignBitForBit) {
    // A shard draws only its rows: ranked by counting (kRankByCounting rows or fewer)
    // or by sorting every key, they must be the whole design's rows exactly.
    const std::uint32_t n = 1000;
    const auto whole = latin_hypercube(7, n, 3);
    for (const auto& [first, last] : std::vector<std::pair<std::uint32_t, std::uint32_t>>{
             {0, 1}, {999, 1000}, {500, 564}, {0, 65}, {123, 456}, {990, 2000}, {5, 5}}) {
        const auto rows = latin_hypercube_rows(7, n, 3, first, last);
        ASSERT_EQ(rows.size(), std::min(last, n) - first);
        for (std::uint32_t r = 0; r < rows.size(); ++r) EXPECT_EQ(rows[r], whole[first + r]) << "row " << first + r;
    }
}

TEST(Lhs, NormalMarginalOfTenThousandSamplesHasItsMeanAndVariance) {
    UncertainParameter p;
    p.distribution = Distribution::normal;
    p.mean = 5.0;
    p.sd = 2.0;
    const std::uint32_t n = 10000;
    const auto u = latin_hypercube(2016, n, 1);
    double sum = 0, sum2 = 0;
    for (const auto& row : u) {
        const double x = quantile(p, row[0]);
        sum += x;
        sum2 += x * x;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    // Stratification makes the mean far tighter than sd/sqrt(n) = 0.02.
    EXPECT_NEAR(mean, 5.0, 1e-3);
    EXPECT_NEAR(var, 4.0, 4.0 * 0.01);
}

TEST(Lhs, InverseNormalMatchesKnownQuantiles) {
    EXPECT_NEAR(inverse_normal_cdf(0.975), 1.959963984540054, 1e-15);
    EXPECT_NEAR(inverse_normal_cdf(0.025), -1.959963984540054, 1e-15);
    EXPECT_EQ(inverse_normal_cdf(0.5), 0.0);
    EXPECT_NEAR(inverse_normal_cdf(0.8413447460685429), 1.0, 1e-15);
    EXPECT_NEAR(inverse_normal_cdf(0.001), -3.090232306167813, 1e-14);
    EXPECT_NEAR(inverse_normal_cdf(1e-10), -6.361340902404056, 1e-13);
    EXPECT_NEAR(inverse_normal_cdf(0.9), 1.2815515655446004, 1e-15);
    EXPECT_EQ(inverse_normal_cdf(0.0), -INFINITY);
    EXPECT_EQ(inverse_normal_cdf(1.0), INFINITY);
    EXPECT_TRUE(std::isnan(inverse_normal_cdf(1.5)));
    // Against the CDF from erfc, over the whole range, both branches.
    for (double p = 1e-12; p < 1; p = p < 0.01 ? p * 3 : p + 0.01) {
        const double x = inverse_normal_cdf(p);
        const double back = 0.5 * std::erfc(-x / std::sqrt(2.0));
        EXPECT_NEAR(back, p, 1e-13 * std::max(p, 1e-2)) << p;
    }
}

TEST(Lhs, TriangularUniformAndLognormalQuantiles) {
    UncertainParameter t;
    t.distribution = Distribution::triangular;
    t.low = 0.15;
    t.high = 0.3;
    t.mode = 0.2;
    EXPECT_DOUBLE_EQ(quantile(t, 0.0), 0.15);
    EXPECT_DOUBLE_EQ(quantile(t, 1.0), 0.3);
    EXPECT_DOUBLE_EQ(quantile(t, (0.2 - 0.15) / (0.3 - 0.15)), 0.2);  // F(mode)
    // F(x) = (x-a)^2 / ((b-a)(c-a)) below the mode: x = 0.18 -> 0.0009/0.0075 = 0.12
    EXPECT_NEAR(quantile(t, 0.12), 0.18, 1e-15);
    // Above: 1 - (b-x)^2 / ((b-a)(b-c)); x = 0.25 -> 1 - 0.0025/0.015
    EXPECT_NEAR(quantile(t, 1 - 0.0025 / 0.015), 0.25, 1e-15);

    UncertainParameter uni;
    uni.low = 0.9;
    uni.high = 1.1;
    EXPECT_DOUBLE_EQ(quantile(uni, 0.5), 1.0);
    UncertainParameter ln;
    ln.distribution = Distribution::lognormal;
    ln.mu = -4.6;
    ln.sigma = 0.3;
    EXPECT_DOUBLE_EQ(quantile(ln, 0.5), std::exp(-4.6));
    EXPECT_NEAR(quantile(ln, 0.975), std::exp(-4.6 + 0.3 * 1.959963984540054), 1e-15);
}

// ---- scaling in the scenario loader ----

TEST(ScenarioScale, ScaledPathEqualsTheHandScaledPath) {
    LoadOptions scaled;
    scaled.scales = {{"electricity.price", 1.1}};
    const Scenario a = load_scenario(kSmall, scaled);
    const std::string hand = "electricity.price={2017: " + round_trip_text(1.05 * 1.1) +
                             ", 2025: " + round_trip_text(1.2 * 1.1) + ", 2030: " + round_trip_text(1.3 * 1.1) + "}";
    const Scenario b = load_scenario(kSmall, std::vector<std::string>{hand});
    EXPECT_EQ(a.electricity_price.years, b.electricity_price.years);
    EXPECT_EQ(a.electricity_price.values, b.electricity_price.values);
    EXPECT_EQ(a.electricity_price.values[1], 1.2 * 1.1);
    EXPECT_EQ(to_yaml(a), to_yaml(b));
}

TEST(ScenarioScale, BySizeMapsScalarsAndWildcards) {
    LoadOptions o;
    o.scales = {{"sectors.textile.hurdle_rate", 1.1}, {"fuels.*.price", 2.0}, {"technologies.*.capex", 0.5}};
    const Scenario s = load_scenario(kSmall, o);
    const Scenario base = load_scenario(kSmall);
    for (int c = 0; c < kSizeClasses; ++c) {
        const auto k = static_cast<std::size_t>(c);
        EXPECT_EQ(s.sectors[0].hurdle_rate[k], base.sectors[0].hurdle_rate[k] * 1.1);
        EXPECT_EQ(s.sectors[1].hurdle_rate[k], base.sectors[1].hurdle_rate[k]);  // agrifood untouched
    }
    EXPECT_EQ(s.fuels[0].price.values[0], 0.45 * 2.0);
    EXPECT_EQ(s.fuels[1].price.values, (std::vector<double>{0.55 * 2.0, 0.7 * 2.0}));
    EXPECT_EQ(s.fuels[1].price.years, base.fuels[1].price.years);  // years are keys, never scaled
    EXPECT_EQ(s.technologies[2].capex, 3500 * 0.5);
    // With '*', every entry must write the key: a default is not scaled silently.
    LoadOptions q;
    q.scales = {{"technologies.*.bass_q", 0.5}};
    expect_contains(expect_input_error([&] { load_scenario(kSmall, q); }),
                    "no key 'bass_q' under 'technologies.rooftop_pv' in the file; scaling needs a value written in the file");
    // A scalar by-size value scales all four classes.
    LoadOptions agri;
    agri.scales = {{"sectors.agrifood.hurdle_rate", 1.5}};
    const Scenario scaled = load_scenario(kSmall, agri);
    for (double h : scaled.sectors[1].hurdle_rate) EXPECT_EQ(h, 0.18 * 1.5);
}

TEST(ScenarioScale, RefusesSharesCountsMissingPathsAndReportsRanges) {
    LoadOptions o;
    o.scales = {{"sectors.textile.fuel_mix", 1.1}};
    InputError e = expect_input_error([&] { load_scenario(kSmall, o); });
    expect_contains(e, "scale sectors.textile.fuel_mix by 1.1: a fuel_mix holds shares that sum to 1");
    EXPECT_EQ(e.line(), 0);

    o.scales = {{"sectors.*.fuel_mix", 1.1}};
    expect_contains(expect_input_error([&] { load_scenario(kSmall, o); }), "fuel_mix holds shares");
    o.scales = {{"sectors.textile.firms", 2}};
    expect_contains(expect_input_error([&] { load_scenario(kSmall, o); }), "firm counts are whole numbers");
    o.scales = {{"technologies.rooftop_pv.learnig_rate", 1.1}};
    e = expect_input_error([&] { load_scenario(kSmall, o); });
    expect_contains(e, "no key 'learnig_rate' under 'technologies.rooftop_pv'");
    expect_contains(e, "did you mean 'learning_rate'?");
    o.scales = {{"technologies.rooftop_pv.unit", 2}};
    expect_contains(expect_input_error([&] { load_scenario(kSmall, o); }),
                    "technologies.rooftop_pv.unit: scaling needs a number, got 'kWp'");
    // Applied before validation: 0.2 x 6 leaves [0, 1) and is reported like any value.
    o.scales = {{"technologies.rooftop_pv.learning_rate", 6}};
    e = expect_input_error([&] { load_scenario(kSmall, o); });
    expect_contains(e, "scale technologies.rooftop_pv.learning_rate by 6: technologies.rooftop_pv.learning_rate: "
                       "out of range, got '1.2000000000000002'; allowed: [0, 1)");
    // After overrides: the scale multiplies the overridden value.
    LoadOptions both;
    both.overrides = {"technologies.rooftop_pv.learning_rate=0.1"};
    both.scales = {{"technologies.rooftop_pv.learning_rate", 2}};
    EXPECT_EQ(load_scenario(kSmall, both).technologies[0].learning_rate, 0.2);
}

// ---- runs ----

TEST(BatchPlan, ScenarioForRunAppliesOverridesSamplesAndSeed) {
    BatchPlan plan = load_batch(kSmallBatch);
    expand(plan);
    const Scenario base = load_scenario(kSmall);
    const RunSpec& run = plan.runs[(3 * plan.replicates + 1) * plan.variants.size() + 2];  // sample 3, replicate 1
    ASSERT_EQ(run.variant, 2u);
    const Scenario s = scenario_for_run(plan, run);
    const auto& x = plan.sample_values[3];
    EXPECT_EQ(s.run.seed, run.seed);
    EXPECT_EQ(s.run.run_index, 0u);
    EXPECT_EQ(s.electricity_price.values[0], base.electricity_price.values[0] * x[0]);
    EXPECT_EQ(s.technologies[0].learning_rate, x[1]);  // set with round-trip precision: bitwise
    for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(s.sectors[0].hurdle_rate[k], base.sectors[0].hurdle_rate[k] * x[2]);
    EXPECT_EQ(s.technologies[0].bass_p, x[3]);
    const auto grant = std::find_if(s.policies.begin(), s.policies.end(), [](const Policy& p) { return p.name == "cop22_grant"; });
    ASSERT_NE(grant, s.policies.end());
    EXPECT_EQ(grant->rate, x[4]);
    EXPECT_EQ(grant->annual_budget, 5.0e7);  // the sweep's value for this variant
    // Samples follow their distributions' bounds.
    for (const auto& row : plan.sample_values) {
        EXPECT_GE(row[0], 0.9);
        EXPECT_LE(row[0], 1.1);
        EXPECT_GE(row[1], 0.15);
        EXPECT_LE(row[1], 0.3);
        EXPECT_GT(row[3], 0.0);
    }
    // The baseline run of the same sample and replicate: same seed, no grant.
    const Scenario b = scenario_for_run(plan, plan.runs[run.index - run.variant]);
    EXPECT_EQ(b.run.seed, s.run.seed);
    EXPECT_EQ(b.policies.size(), 1u);
}

TEST(BatchPlan, VariantWithoutPolicyEqualsItsBaselineBitwise) {
    BatchPlan plan = load_batch(kPairing);
    expand(plan);
    ASSERT_EQ(plan.variants.size(), 3u);
    ASSERT_EQ(plan.variants[1].baseline, 0);
    for (std::uint32_t s = 0; s < plan.samples; ++s) {
        const std::uint32_t first = s * plan.replicates * 3;
        const RunResult base = simulate(scenario_for_run(plan, plan.runs[first + 0]));
        const RunResult none = simulate(scenario_for_run(plan, plan.runs[first + 1]));
        const RunResult prog = simulate(scenario_for_run(plan, plan.runs[first + 2]));
        EXPECT_EQ(fixtures::bitwise_difference(base, none), "") << "sample " << s;
        EXPECT_NE(fixtures::bitwise_difference(base, prog), "") << "the programme changes nothing in sample " << s;
    }
    // Different samples are different runs.
    EXPECT_NE(fixtures::bitwise_difference(simulate(scenario_for_run(plan, plan.runs[0])),
                                           simulate(scenario_for_run(plan, plan.runs[3]))),
              "");
}

TEST(BatchPlan, SampledTailsThatLeaveTheRangeAreRefusedAtExpand) {
    BatchPlan plan = load_text(R"(scenario: ../small.yaml
samples: 50
variants: {only: }
uncertain:
  technologies.rooftop_pv.learning_rate: {distribution: normal, apply: set, mean: 0.2, sd: 0.2}
)");
    const InputError e = expect_input_error([&] { expand(plan); });
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.column(), 3);
    expect_contains(e, "uncertain.technologies.rooftop_pv.learning_rate: sample ");
    expect_contains(e, "(the smallest value sampled), and variant 'only' is then refused: "
                       "technologies.rooftop_pv.learning_rate: out of range");
    expect_contains(e, "use a bounded one");
}

// uncertain_parameter_of inverts variant_load_options: each change it appends for a
// parameter (a `set` override after the variant's own, or a scale) maps back to it.
TEST(BatchPlan, ChangesMapBackToTheirUncertainParameter) {
    BatchPlan plan;
    Variant v;
    v.overrides = {"policies.grant.rate=0.5", "-policies.fund"};
    v.uncertain = {0, 1, 2, 3};
    plan.variants = {v};
    for (const auto& [path, scale] : std::vector<std::pair<std::string, bool>>{
             {"electricity.price", true}, {"decision.max_rate", false}, {"sectors.*.hurdle_rate", true}, {"decision.speed", false}}) {
        UncertainParameter u;
        u.path = path;
        u.scale = scale;
        plan.uncertain.push_back(u);
    }
    const std::vector<double> values{1.1, 0.2, 0.9, 0.4};
    const LoadOptions o = variant_load_options(plan, 0, values);
    ASSERT_EQ(o.overrides.size(), 4u);
    ASSERT_EQ(o.scales.size(), 2u);
    for (std::size_t i = 0; i < o.overrides.size(); ++i) {
        const auto p = uncertain_parameter_of(plan, 0, values, {InputChange::Kind::override_text, i});
        if (i < v.overrides.size()) {
            EXPECT_FALSE(p.has_value()) << i;  // the variant's own change
            continue;
        }
        ASSERT_TRUE(p.has_value()) << i;
        EXPECT_EQ(o.overrides[i].rfind(plan.uncertain[*p].path + "=", 0), 0u) << o.overrides[i];
    }
    for (std::size_t i = 0; i < o.scales.size(); ++i) {
        const auto p = uncertain_parameter_of(plan, 0, values, {InputChange::Kind::scale, i});
        ASSERT_TRUE(p.has_value()) << i;
        EXPECT_EQ(o.scales[i].path, plan.uncertain[*p].path);
        EXPECT_EQ(o.scales[i].factor, values[*p]);
    }
    EXPECT_FALSE(uncertain_parameter_of(plan, 0, values, {InputChange::Kind::scale, 2}).has_value());
    EXPECT_FALSE(uncertain_parameter_of(plan, 0, values, {}).has_value());  // the file itself
    EXPECT_FALSE(uncertain_parameter_of(plan, 0, {}, {InputChange::Kind::scale, 0}).has_value());  // none applied
}

TEST(BatchPlan, MoroccoBatchBaselineIsTheMoroccoBaselineScenario) {
    const std::string dir = std::string(GREENSHIFT_SOURCE_DIR) + "/scenarios/";
    BatchPlan plan = load_batch(dir + "morocco-cop22-batch.yaml");
    EXPECT_EQ(plan.samples, 100u);
    EXPECT_EQ(plan.replicates, 1u);
    ASSERT_EQ(plan.variants.size(), 3u);
    EXPECT_EQ(plan.variants[1].baseline, 0);
    EXPECT_EQ(plan.variants[2].baseline, 0);
    expand(plan);
    EXPECT_EQ(plan.runs.size(), 300u);

    // Without uncertainty, the batch's baseline is morocco-baseline.yaml but for its
    // name and description; cop22 is morocco-cop22.yaml.
    BatchPlan fixed = plan;
    fixed.uncertain.clear();
    for (auto& v : fixed.variants) v.uncertain.clear();
    RunSpec run = plan.runs[0];
    run.seed = 20161107;
    Scenario batch_base = scenario_for_run(fixed, run);
    Scenario file_base = load_scenario(dir + "morocco-baseline.yaml");
    batch_base.name = file_base.name;
    batch_base.description = file_base.description;
    EXPECT_EQ(to_yaml(batch_base), to_yaml(file_base));
    run.variant = 1;
    EXPECT_EQ(to_yaml(scenario_for_run(fixed, run)), to_yaml(load_scenario(dir + "morocco-cop22.yaml")));
    // grant_only: no label, no assistance, a grant for every TPME.
    run.variant = 2;
    const Scenario g = scenario_for_run(fixed, run);
    EXPECT_EQ(g.policies.size(), 5u);
    for (const auto& p : g.policies) {
        EXPECT_NE(p.type, PolicyType::tpme_label);
        EXPECT_NE(p.type, PolicyType::technical_assistance);
        EXPECT_FALSE(p.eligible.labelled_only) << p.name;
    }
}

// ---- the bad-batch corpus ----




class BadBatch : public ::testing::TestWithParam<std::string> {};

TEST_P(BadBatch, IsRefusedWithPositionAndMessage) {
    const fs::path yaml = kCorpus / (GetParam() + ".yaml");
    const corpus::Expectation want = corpus::read_expect(kCorpus / (GetParam() + ".expect"));
    ASSERT_FALSE(want.where.empty()) << "no where: line";
    ASSERT_FALSE(want.fragments.empty()) << "no message: line";
    const InputError e = expect_input_error([&] {
        BatchPlan plan = load_batch(yaml.string());
        expand(plan);
    });
    corpus::check_refusal(e, yaml, want);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadBatch, ::testing::ValuesIn(corpus::cases(kCorpus)),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

TEST(BadBatches, CorpusIsCompleteAndPaired) {
    const auto names = corpus::cases(kCorpus);
    EXPECT_GE(names.size(), 12u);
    for (const auto& n : names) EXPECT_TRUE(fs::exists(kCorpus / (n + ".expect"))) << n;
}

TEST(BadBatches, MissingBatchFileIsNamed) {
    const InputError e = expect_input_error([] { load_batch("/nonexistent/batch.yaml"); });
    EXPECT_EQ(e.file(), "/nonexistent/batch.yaml");
    expect_contains(e, "cannot read the batch file");
}

}  // namespace
