// The indicator table and what the outputs say about budgets, loans and uncertainty:
// instruments that add up to the total public cost, checked against the run variables
// they come from; the loans' grant-equivalent against its closed form; a budget that
// does not bind flagged with its reason; the split of the spread into parameter and
// stochastic parts against a hand-solved case and a known mixture; a fixed firm
// population.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "batch/budgets.hpp"
#include "batch/ensemble.hpp"
#include "batch/indicators.hpp"
#include "batch/expand.hpp"
#include "core/model.hpp"
#include "io/batch_loader.hpp"
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

// The indicators of a programme run and its baseline, by name.
struct Table {
    std::vector<indicators::Definition> defs;
    std::vector<double> values;
    double at(const std::string& name) const {
        for (std::size_t i = 0; i < defs.size(); ++i)
            if (defs[i].name == name) return values[i];
        ADD_FAILURE() << "no indicator " << name;
        return std::nan("");
    }
    bool has(const std::string& name) const {
        return std::any_of(defs.begin(), defs.end(), [&](const auto& d) { return d.name == name; });
    }
};

Table table_of(const RunResult& v, const RunResult& b) {
    return {indicators::definitions(v.coords), indicators::values(v, b)};
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

// --- the indicator table ---

TEST(Indicators, EveryRowHasAUniqueNameALabelAndUnitsInWords) {
    const Scenario s = fixtures::full_scenario(10);
    const RunResult v = simulate(s);
    const auto defs = indicators::definitions(v.coords);
    std::set<std::string> names;
    for (const auto& d : defs) {
        EXPECT_TRUE(names.insert(d.name).second) << "twice: " << d.name;
        EXPECT_FALSE(d.label.empty()) << d.name;
        EXPECT_FALSE(d.group.empty()) << d.name;
        EXPECT_FALSE(d.unit_words.empty()) << d.name;
        EXPECT_FALSE(d.display_units.empty()) << d.name;
        EXPECT_GT(d.display_scale, 0) << d.name;
        EXPECT_NE(d.label, d.name) << "a label says it in words";
    }
    EXPECT_EQ(defs.size(), indicators::values(v, simulate(fixtures::without_policies(s))).size());
}

namespace {

// A baseline on a programme's policy axis, as a batch stacks it: every policy there,
// none active.
RunResult idle_baseline(Scenario s) {
    for (Policy& p : s.policies) p.start_year = p.end_year = 1900;
    return simulate(s);
}

// The policies' indices by type.
std::vector<std::size_t> of_type(const RunResult& r, const char* type) {
    std::vector<std::size_t> out;
    for (std::size_t p = 0; p < r.coords.policy.size(); ++p)
        if (r.coords.policy_type[p] == type) out.push_back(p);
    return out;
}

}  // namespace

TEST(Indicators, InstrumentsAddUpToTheTotalPublicCost) {
    const Scenario programme = fixtures::full_scenario(60);
    const RunResult v = simulate(programme), b = simulate(fixtures::without_policies(programme));
    const RunResult b_on_axis = idle_baseline(programme);
    const Table t = table_of(v, b_on_axis);

    // Without costs in the scenario, a grant or a fund costs the budget it committed.
    const std::vector<double> used = per_policy(v, "budget_used");
    const auto& c = v.coords;
    double grants = 0, fund = 0;
    for (const std::size_t p : of_type(v, "capex_grant")) {
        EXPECT_DOUBLE_EQ(t.at("public_cost_of_" + c.policy[p]), used[p]);
        grants += used[p];
    }
    for (const std::size_t p : of_type(v, "green_investment_fund")) {
        EXPECT_DOUBLE_EQ(t.at("public_cost_of_" + c.policy[p]), used[p]);
        fund += used[p];
    }
    for (const std::size_t p : of_type(v, "concessional_loan"))
        EXPECT_FALSE(t.has("public_cost_of_" + c.policy[p])) << "a loan's subsidy is not recorded per policy";
    EXPECT_GT(grants, 0);
    EXPECT_GT(fund, 0);
    EXPECT_DOUBLE_EQ(t.at("public_cost_grants"), grants);
    EXPECT_DOUBLE_EQ(t.at("public_cost_fund"), fund);
    // The budgets committed are the grants and the co-investment the firms received.
    EXPECT_NEAR(grants, total(v, "grant_spent"), 1e-9 * grants);
    EXPECT_NEAR(fund, total(v, "fund_investment"), 1e-9 * fund);
    // No cost per firm in the scenario: 0, on their own lines.
    EXPECT_EQ(t.at("public_cost_assistance"), 0.0);
    EXPECT_EQ(t.at("public_cost_label"), 0.0);
    const double loans = t.at("public_cost_loan_subsidy");
    EXPECT_NEAR(loans, total(v, "loan_subsidy") - total(b_on_axis, "loan_subsidy"), 1e-9 * std::abs(loans));
    EXPECT_GT(loans, 0);

    const double sum = t.at("public_cost_grants") + t.at("public_cost_fund") + t.at("public_cost_loan_subsidy") +
                       t.at("public_cost_assistance") + t.at("public_cost_label");
    EXPECT_DOUBLE_EQ(t.at("public_cost_total"), sum);

    // Per tonne: each instrument's cost over the whole programme's CO2; they add up too.
    const double co2 = t.at("co2_avoided");
    ASSERT_GT(co2, 1);
    EXPECT_NEAR(co2, total(b_on_axis, "co2_emissions") - total(v, "co2_emissions"), 1e-9 * co2);
    double per_tonne = 0;
    for (const char* k : {"grants", "fund", "loan_subsidy", "assistance", "label"}) {
        EXPECT_DOUBLE_EQ(t.at(std::string("cost_per_tco2_") + k), t.at(std::string("public_cost_") + k) / co2);
        per_tonne += t.at(std::string("cost_per_tco2_") + k);
    }
    EXPECT_NEAR(t.at("cost_per_tco2_total"), per_tonne, 1e-12 * per_tonne);
    EXPECT_DOUBLE_EQ(t.at("cost_per_tco2_total"), sum / co2);

    // The same table against a baseline without any policy axis.
    const Table u = table_of(v, b);
    EXPECT_DOUBLE_EQ(u.at("public_cost_grants"), grants);
}

TEST(Indicators, AssistanceLabelAndAdministrationCostsGoToTheirInstruments) {
    // Costs per firm labelled or assisted and administration shares: each instrument's
    // line is what the definition gives from the run's own counts and flows.
    Scenario programme = fixtures::full_scenario(60);
    for (Policy& p : programme.policies) {
        if (p.type == PolicyType::technical_assistance) p.cost_per_firm = 20000, p.admin_cost_share = 0.25;
        if (p.type == PolicyType::tpme_label) p.cost_per_firm = 5000;
        if (p.type == PolicyType::capex_grant || p.type == PolicyType::concessional_loan) p.admin_cost_share = 0.1;
    }
    const RunResult v = simulate(programme), b = idle_baseline(programme);
    const Table t = table_of(v, b);
    const auto& c = v.coords;
    const std::size_t P = c.policy.size();
    const Variable& served = get(v, "firms_served");
    const auto served_by = [&](std::size_t p) {
        double n = 0;
        for (std::size_t i = p; i < served.counts.size(); i += P) n += static_cast<double>(served.counts[i]);
        return n;
    };
    const std::vector<double> used = per_policy(v, "budget_used");
    double assistance = 0, label = 0, grants = 0;
    for (const std::size_t p : of_type(v, "technical_assistance")) {
        EXPECT_NEAR(t.at("public_cost_of_" + c.policy[p]), served_by(p) * 20000 * 1.25, 1e-6);
        assistance += served_by(p) * 20000 * 1.25;
    }
    for (const std::size_t p : of_type(v, "tpme_label")) {
        EXPECT_NEAR(t.at("public_cost_of_" + c.policy[p]), served_by(p) * 5000, 1e-6);
        label += served_by(p) * 5000;
    }
    for (const std::size_t p : of_type(v, "capex_grant")) grants += used[p] * 1.1;
    EXPECT_GT(assistance, 0);
    EXPECT_GT(label, 0);
    EXPECT_NEAR(t.at("public_cost_assistance"), assistance, 1e-6);
    EXPECT_NEAR(t.at("public_cost_label"), label, 1e-6);
    EXPECT_NEAR(t.at("public_cost_grants"), grants, 1e-9 * grants);
    // A loan costs its grant-equivalent plus the administration of the amount lent.
    const double loans = total(v, "loan_subsidy") + 0.1 * total(v, "loan_volume");
    EXPECT_NEAR(t.at("public_cost_loan_subsidy"), loans, 1e-9 * loans);
    const double sum = t.at("public_cost_grants") + t.at("public_cost_fund") + t.at("public_cost_loan_subsidy") +
                       t.at("public_cost_assistance") + t.at("public_cost_label");
    EXPECT_DOUBLE_EQ(t.at("public_cost_total"), sum);
}

TEST(Indicators, ProductionCostIsAPercentChange) {
    const Scenario programme = fixtures::full_scenario(40);
    const RunResult v = simulate(programme), b = simulate(fixtures::without_policies(programme));
    const Table t = table_of(v, b);
    const auto& c = v.coords;
    const std::size_t T = c.year.size(), S = c.sector.size(), Z = c.size_class.size();
    const Variable& pv = get(v, "production_cost_index");
    const Variable& pb = get(b, "production_cost_index");
    for (std::size_t s = 0; s < S; ++s) {
        const std::size_t i = (T - 1) * S + s;
        EXPECT_NEAR(t.at("production_cost_pct_" + c.sector[s]), 100 * (pv.values[i] / pb.values[i] - 1), 1e-12);
    }
    // By size: the output-weighted cost per unit of output, in percent of the baseline's.
    const Variable& qv = get(v, "production_cost_index_by_size");
    const Variable& qb = get(b, "production_cost_index_by_size");
    const Variable& w = get(v, "output_by_size");
    for (std::size_t z = 0; z < Z; ++z) {
        double cv = 0, cb = 0;
        for (std::size_t s = 0; s < S; ++s) {
            const std::size_t i = ((T - 1) * S + s) * Z + z;
            cv += w.values[i] * qv.values[i];
            cb += w.values[i] * qb.values[i];
        }
        EXPECT_NEAR(t.at("production_cost_pct_" + c.size_class[z]), 100 * (cv / cb - 1), 1e-12);
    }
    EXPECT_EQ(indicators::definitions(c)[0].name, "co2_avoided");
}

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

// The cache's copy against a fresh draw, column by column.
void expect_same_firms(const FirmArrays& got, const FirmArrays& want, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(got.first, want.first);
    EXPECT_EQ(got.count, want.count);
    EXPECT_EQ(got.technologies, want.technologies);
    EXPECT_EQ(got.step_offset, want.step_offset);
    EXPECT_EQ(got.sector, want.sector);
    EXPECT_EQ(got.size_class, want.size_class);
    EXPECT_EQ(got.flags, want.flags);
    EXPECT_EQ(got.output, want.output);
    EXPECT_EQ(got.intensity, want.intensity);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.adopted_step, want.adopted_step);
}

TEST(Population, TheCacheGivesWhatAFreshDrawGivesAndDrawsOnlyNewPopulations) {
    Scenario a = fixtures::full_scenario(40);
    a.run.seed = 11;
    a.sectors[0].credit_access = {0.5, 0.6, 0.7, 0.9};
    Scenario shares = a;  // other shares: the same firms, other flags
    shares.sectors[0].credit_access = {0.1, 0.2, 0.3, 0.4};
    shares.sectors[1].high_growth_share = 0.7;
    Scenario seed = a;
    seed.run.seed = 12;
    Scenario potential = a;
    potential.sectors[0].technical_potential.assign(a.technologies.size(), {0.5, 0.5, 0.5, 0.5});
    PopulationCache cache(8);
    expect_same_firms(cache.firms(a), generate_firms(a), "first draw");
    expect_same_firms(cache.firms(shares), generate_firms(shares), "other credit and growth shares");
    expect_same_firms(cache.firms(seed), generate_firms(seed), "other seed");
    expect_same_firms(cache.firms(potential), generate_firms(potential), "other technical potential");
    expect_same_firms(cache.firms(a), generate_firms(a), "the first again");
    expect_same_firms(cache.firms(a, 100, 250), generate_firms(a, 100, 250), "a slice");
    EXPECT_EQ(cache.misses(), 4u);  // a, seed, potential, the slice
    EXPECT_EQ(cache.hits(), 2u);    // shares, a again
    // the flags changed with the shares: the copy did not keep the first's
    EXPECT_NE(generate_firms(a).flags, generate_firms(shares).flags);

    // Beyond its capacity the oldest goes: drawn again, still the same firms.
    PopulationCache one(1);
    (void)one.firms(a);
    (void)one.firms(seed);
    expect_same_firms(one.firms(a), generate_firms(a), "after eviction");
    EXPECT_EQ(one.misses(), 3u);
    EXPECT_EQ(one.hits(), 0u);
    // a population larger than the byte limit is drawn every time
    PopulationCache tiny(8, 16);
    expect_same_firms(tiny.firms(a), generate_firms(a), "uncached");
    (void)tiny.firms(a);
    EXPECT_EQ(tiny.hits(), 0u);
}

TEST(Population, AModelOnCachedFirmsRunsBitwiseAsOnFreshOnes) {
    Scenario a = fixtures::full_scenario(60);
    a.run.seed = 5;
    Scenario b = a;  // another variant of the same sample: other credit access
    b.sectors[0].credit_access = {0.2, 0.4, 0.6, 0.8};
    PopulationCache cache;
    for (const Scenario* s : {&a, &b, &a}) {
        Model m(*s, nullptr, &cache);
        while (!m.done()) m.step();
        EXPECT_EQ(fixtures::bitwise_difference(m.result(), simulate(*s)), "");
    }
    EXPECT_EQ(cache.hits(), 2u);
}

TEST(Population, FixedInABatchGivesEveryRunTheFirmsOfRunZeroAndKeepsThePairs) {
    const std::string path = std::string(GREENSHIFT_TEST_DATA) + "/data/batch/inline.yaml";
    const std::string text = R"(schema: 1
scenario: ../small.yaml
seed: 2016
replicates: 3
population: fixed
variants:
  baseline:
    set: {policies: {}}
  programme:
    baseline: baseline
)";
    BatchPlan fixed = load_batch_text(text, path);
    ASSERT_TRUE(fixed.fixed_population);
    expand(fixed);
    // The canonical text says it and loads back to the same plan.
    EXPECT_NE(fixed.resolved_text.find("population: fixed"), std::string::npos);
    EXPECT_TRUE(load_batch_text(fixed.resolved_text, path).fixed_population);
    BatchPlan varies = load_batch_text(text.substr(0, text.find("population")) + text.substr(text.find("variants")), path);
    EXPECT_FALSE(varies.fixed_population);
    EXPECT_EQ(varies.resolved_text.find("population:"), std::string::npos) << "the default is not written";
    expand(varies);

    std::vector<RunResult> f, v;
    for (const RunSpec& r : fixed.runs) f.push_back(simulate(scenario_for_run(fixed, r)));
    for (const RunSpec& r : varies.runs) v.push_back(simulate(scenario_for_run(varies, r)));
    ASSERT_EQ(f.size(), 6u);
    // Run 0 (sample 0, replicate 0) is the same either way, bit for bit.
    EXPECT_EQ(fixtures::bitwise_difference(f[0], v[0]), "");
    for (std::size_t i = 0; i < f.size(); ++i) {
        // Output depends on the firms alone: every run has run 0's firms.
        EXPECT_EQ(get(f[i], "output_by_size").values, get(f[0], "output_by_size").values) << i;
        if (varies.runs[i].replicate != 0)
            EXPECT_NE(get(v[i], "output_by_size").values, get(v[0], "output_by_size").values) << i;
    }
    // The replicates differ by their draws; a variant and its baseline share them.
    EXPECT_NE(get(f[2], "adopters").counts, get(f[0], "adopters").counts);
    Scenario again = scenario_for_run(fixed, fixed.runs[3]);  // replicate 1, programme
    Scenario base = scenario_for_run(fixed, fixed.runs[2]);   // replicate 1, baseline
    EXPECT_EQ(again.run.seed, base.run.seed);
    EXPECT_EQ(again.run.population_seed, base.run.population_seed);
}
