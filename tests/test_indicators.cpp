// What the outputs say about budgets, loans and uncertainty: the loans'
// grant-equivalent against its closed form; a budget that does not bind flagged with
// its reason; the split of the spread into parameter and stochastic
// parts against a hand-solved case and a known mixture; a fixed firm population.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "batch/budgets.hpp"
#include "batch/ensemble.hpp"
#include "core/model.hpp"
#include "test_support.hpp"

using namespace greenshift;

namespace {

const Variable& get(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    if (v == nullptr) throw std::runtime_error("no variable " + name);
    return *v;
}

double total(const RunResult& r, const std::string& name) {
    const Variable& v = get(r, name);
    double s = 0;
    if (v.is_count)
        for (const auto x : v.counts) s += static_cast<double>(x);
    else
        for (const double x : v.values) s += x;
    return s;
}

// Per-policy sums of a (time, policy) variable.
std::vector<double> per_policy(const RunResult& r, const std::string& name) {
    const std::size_t P = r.coords.policy.size();
    std::vector<double> out(P, 0.0);
    const Variable& v = get(r, name);
    for (std::size_t i = 0; i < v.values.size(); ++i) out[i % P] += v.values[i];
    return out;
}

}  // namespace

// --- the loans' grant-equivalent ---

TEST(LoanSubsidy, IsThePresentValueOfTheInterestDifference) {
    // Loans for large firms only: every loan of a (sector, technology) is valued at
    // the large firms' hurdle rate of that sector.
    Scenario s = fixtures::full_scenario(60);
    for (Policy& p : s.policies)
        if (p.type == PolicyType::concessional_loan) p.eligible.size_classes = {3};
    const RunResult r = simulate(s);
    const Policy& loan = *std::find_if(s.policies.begin(), s.policies.end(),
                                       [](const Policy& p) { return p.type == PolicyType::concessional_loan; });
    const auto af = [](double rate, double years) { return (1 - std::pow(1 + rate, -years)) / rate; };
    const Variable& volume = get(r, "loan_volume");
    const Variable& subsidy = get(r, "loan_subsidy");
    ASSERT_EQ(volume.values.size(), subsidy.values.size());
    const std::size_t S = r.coords.sector.size(), K = r.coords.technology.size();
    double lent = 0;
    for (std::size_t i = 0; i < volume.values.size(); ++i) {
        const double h = s.sectors[(i / K) % S].hurdle_rate[3];
        // Level payments at the loan's rate against the firm's own cost of capital,
        // discounted at the latter: L (1 - AF(h, n) / AF(i, n)).
        const double want = volume.values[i] * (1 - af(h, loan.tenor) / af(loan.interest, loan.tenor));
        EXPECT_NEAR(subsidy.values[i], want, 1e-9 * (1 + want)) << i;
        lent += volume.values[i];
    }
    EXPECT_GT(lent, 0) << "the loan is used";
}

// --- budgets that bind or not ---

namespace {

// A line of budgets::describe for the policy named `name`.
std::string note_for(const RunResult& r, const std::string& name) {
    const auto table = budgets::aggregate({budgets::of_run(r)}, {budgets::labelled_by_year(r)});
    const auto notes = budgets::describe(table, r.coords.policy, r.coords.policy_type);
    for (std::size_t p = 0; p < r.coords.policy.size(); ++p)
        if (r.coords.policy[p] == name) return notes[p];
    ADD_FAILURE() << "no policy " << name;
    return {};
}

std::size_t policy_index(const RunResult& r, const std::string& name) {
    return static_cast<std::size_t>(std::find(r.coords.policy.begin(), r.coords.policy.end(), name) -
                                    r.coords.policy.begin());
}

}  // namespace

TEST(Budgets, ANonBindingBudgetIsFlaggedWithItsReason) {
    // The grant is for labelled firms only, with a budget far above what they ask.
    Scenario s = fixtures::full_scenario(80);
    for (Policy& p : s.policies)
        if (p.name == "grant") p.annual_budget = 1e12;
    const RunResult r = simulate(s);
    const std::size_t g = policy_index(r, "grant");
    const auto years = budgets::of_run(r)[g];
    double spent = 0;
    for (const budgets::Year& y : years) {
        if (y.year < 2018 || y.year > 2024) {
            EXPECT_EQ(y.limit, budgets::Limit::none) << y.year;
            continue;
        }
        EXPECT_EQ(y.refused, 0) << y.year;
        EXPECT_EQ(y.limit, budgets::Limit::label) << y.year << ": only labelled firms are eligible";
        EXPECT_EQ(y.budget, 1e12);
        spent += y.spent;
    }
    EXPECT_NEAR(spent, per_policy(r, "budget_used")[g], 1e-6 * spent);
    const std::string note = note_for(r, "grant");
    EXPECT_NE(note.find("not binding"), std::string::npos) << note;
    EXPECT_NE(note.find("only labelled firms are eligible"), std::string::npos) << note;
    const auto labelled = get(r, "firms_labelled").counts.back();
    EXPECT_NE(note.find(std::to_string(labelled) + " were labelled"), std::string::npos) << note;
    EXPECT_NE(note.find("a larger budget would change nothing"), std::string::npos) << note;

    // Open to every TPME, the same budget is still not reached: demand limits it.
    for (Policy& p : s.policies)
        if (p.name == "grant") p.eligible.labelled_only = false;
    const RunResult open = simulate(s);
    const auto open_years = budgets::of_run(open);  // held: a range-for over [g] of a temporary reads freed memory
    for (const budgets::Year& y : open_years[g])
        if (y.year >= 2018 && y.year <= 2024) EXPECT_EQ(y.limit, budgets::Limit::demand) << y.year;
    EXPECT_NE(note_for(open, "grant").find("the eligible firms asked for less"), std::string::npos);
}

TEST(Budgets, ABindingBudgetAndACapacityAreSaidToBind) {
    Scenario s = fixtures::full_scenario(80);
    for (Policy& p : s.policies) {
        if (p.name == "grant") {
            p.annual_budget = 1e4;  // a fraction of one application
            p.eligible.labelled_only = false;
        }
        if (p.name == "label") p.capacity = 3;
    }
    const RunResult r = simulate(s);
    const std::size_t g = policy_index(r, "grant"), l = policy_index(r, "label");
    const auto runs = budgets::of_run(r);
    for (const budgets::Year& y : runs[g])
        if (y.year >= 2018 && y.year <= 2024) {
            EXPECT_GT(y.refused, 0) << y.year;
            EXPECT_EQ(y.limit, budgets::Limit::budget) << y.year;
            EXPECT_LE(y.spent, y.budget);
        }
    for (const budgets::Year& y : runs[l])
        if (y.year >= 2018 && y.year <= 2024) {
            EXPECT_EQ(y.served, 3) << y.year;
            EXPECT_EQ(y.limit, budgets::Limit::capacity) << y.year;
        }
    EXPECT_NE(note_for(r, "grant").find("binding every year: applications were refused"), std::string::npos)
        << note_for(r, "grant");
    EXPECT_NE(note_for(r, "label").find("at its capacity (3 a year) every year"), std::string::npos)
        << note_for(r, "label");
}

// --- where the spread comes from ---

TEST(VarianceShares, HandSolvedOneWayAnalysisOfVariance) {
    // Three samples of two replicates: means 2, 6, 10; within-sample variance 2.
    // Between: variance of the means 16, of which W / n = 1 is replicate noise: P = 15.
    const std::vector<double> y = {1, 3, 5, 7, 9, 11};
    const std::vector<std::uint32_t> sample = {0, 0, 1, 1, 2, 2};
    const auto shares = ensemble::variance_shares(y, 6, 1, sample, true);
    EXPECT_DOUBLE_EQ(shares[0], 15.0 / 17.0);
    EXPECT_DOUBLE_EQ(shares[1], 2.0 / 17.0);
    // Without uncertain parameters the whole spread is stochastic.
    const auto none = ensemble::variance_shares({1, 3, 2, 6}, 4, 1, {0, 0, 0, 0}, false);
    EXPECT_EQ(none[0], 0.0);
    EXPECT_EQ(none[1], 1.0);
    // One replicate per sample: not separable. A NaN value is left out.
    const auto one = ensemble::variance_shares({1, 5, 9}, 3, 1, {0, 1, 2}, true);
    EXPECT_TRUE(std::isnan(one[0]) && std::isnan(one[1]));
    const auto gap = ensemble::variance_shares({1, 3, std::nan(""), 5, 7, 8}, 6, 1, {0, 0, 0, 1, 1, 1}, true);
    EXPECT_FALSE(std::isnan(gap[0]));
    EXPECT_DOUBLE_EQ(gap[0] + gap[1], 1.0);
}

TEST(VarianceShares, RecoverTheComponentsOfAKnownMixture) {
    // y = a_sample + e, Var(a) = 4, Var(e) = 1: shares 0.8 and 0.2.
    fixtures::XorShift rng(20161107);
    const auto normal = [&] {
        const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1p-53;
        const double u2 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1p-53;
        return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    };
    const std::size_t samples = 400, replicates = 8;
    std::vector<double> y;
    std::vector<std::uint32_t> sample;
    for (std::size_t s = 0; s < samples; ++s) {
        const double a = 2 * normal();
        for (std::size_t r = 0; r < replicates; ++r) {
            y.push_back(a + normal());
            sample.push_back(static_cast<std::uint32_t>(s));
        }
    }
    const auto shares = ensemble::variance_shares(y, y.size(), 1, sample, true);
    EXPECT_NEAR(shares[0], 0.8, 0.03);
    EXPECT_NEAR(shares[1], 0.2, 0.03);
}

// --- a fixed firm population ---

TEST(Population, AFixedPopulationKeepsTheFirmsAndChangesTheDraws) {
    Scenario a = fixtures::full_scenario(30);
    a.run.seed = 7;
    Scenario same = a;
    same.run.population_seed = 7;  // the default: the run's own seed
    EXPECT_EQ(fixtures::bitwise_difference(simulate(a), simulate(same)), "");

    Scenario b = a;
    b.run.seed = 8;
    b.run.population_seed = 7;  // the firms of seed 7, the draws of seed 8
    Scenario c = a;
    c.run.seed = 8;  // firms and draws of seed 8
    const RunResult ra = simulate(a), rb = simulate(b), rc = simulate(c);
    // Output depends on the firms only (not on decisions): equal with the same population.
    EXPECT_EQ(get(ra, "output_by_size").values, get(rb, "output_by_size").values);
    EXPECT_NE(get(ra, "output_by_size").values, get(rc, "output_by_size").values);
    // The decisions differ.
    EXPECT_NE(get(ra, "adopters").counts, get(rb, "adopters").counts);
}
