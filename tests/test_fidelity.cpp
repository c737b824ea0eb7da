// What makes a trajectory defensible (issue 13): the installed base and its
// retirement, technical potential, loans only where they pay, lending envelopes,
// grants tied to loans, caps per firm, intensity by size class, transaction costs,
// audit compliance over time and what instruments cost. Each against a reference
// worked out independently of the model (from the firm arrays, by hand, or a run
// without the feature).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <map>

#include "core/model.hpp"
#include "core/rng.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

namespace {

const Variable& var(const RunResult& r, const char* name) {
    const Variable* v = r.find(name);
    if (!v) throw std::runtime_error(std::string("missing variable ") + name);
    return *v;
}
double at(const Variable& v, std::size_t i) { return v.is_count ? static_cast<double>(v.counts[i]) : v.values[i]; }

// One sector, `n` firms in each size class, one electricity technology that pays
// back in about a year, and awareness within months: firms adopt fast.
Scenario quick(std::uint64_t n, int years = 14) {
    Scenario s;
    s.name = "fidelity-test";
    s.run.start_year = 2017;
    s.run.end_year = 2017 + years - 1;
    s.run.steps_per_year = 1;
    s.run.seed = 11;
    s.electricity_price = Path::constant(1.0);
    s.grid_emission_factor = Path::constant(0.7);
    Sector sec;
    sec.name = "industry";
    sec.firms = {n, n, n, n};
    sec.output_median = {1.5e6, 8e6, 4e7, 3e8};
    sec.output_sigma = {0.8, 0.6, 0.5, 0.9};
    sec.electricity_intensity = {0.1, 0.1, 0.1, 0.1};
    sec.hurdle_rate = {0.25, 0.2, 0.15, 0.12};
    sec.credit_access = {0.5, 0.6, 0.8, 1.0};
    s.sectors.push_back(sec);
    Technology pv;
    pv.name = "pv";
    pv.unit = "kWp";
    pv.savings_fraction = 0.3;
    pv.yield = 1600;
    pv.capex = 2000;
    pv.lifetime = 10;
    pv.bass_p = 5;
    pv.bass_q = 0;
    s.technologies.push_back(pv);
    s.decision.max_rate = 0.9;
    return s;
}

std::size_t cell(const RunResult& r, std::size_t t, std::size_t s, std::size_t z, std::size_t k) {
    const std::size_t S = r.coords.sector.size(), Z = r.coords.size_class.size(), K = r.coords.technology.size();
    return ((t * S + s) * Z + z) * K + k;
}

}  // namespace

// ---- installed base ----

TEST(InstalledBase, ExactShareAtTheStartAndRetirementByAge) {
    Scenario s = quick(1000);
    // nobody adopts (nor re-equips): a project that never pays, a steep decision curve
    s.technologies[0].capex = 1e7;
    s.decision.steepness = 50;
    s.technologies[0].lifetime = 8;
    s.technologies[0].installed_base_max_age = 8;
    s.sectors[0].installed_base = {{0.0, 0.05, 0.2, 0.5}};
    Model m(s);
    const FirmArrays& f = m.firms();
    ASSERT_EQ(f.step_offset, 8);
    // from the firm arrays: how many were equipped per size class, and when each retires
    std::array<int, 4> equipped{};
    std::map<int, std::array<int, 4>> retiring;  // step -> per size class
    std::array<double, 4> kwh{};
    for (std::uint64_t i = 0; i < f.count; ++i) {
        const std::uint16_t a = f.adopted_step[f.at(i, 0)];
        if (a == kNotAdopted) continue;
        ASSERT_LT(a, 8) << "installed before the start";
        const int age = 8 - a;  // steps before the start
        ASSERT_GE(age, 1);
        ASSERT_LE(age, 8);
        EXPECT_TRUE(f.status[f.at(i, 0)] & tech_status::aware);
        ++equipped[f.size_class[i]];
        ++retiring[8 - age][f.size_class[i]];  // in service for 8 years = 8 steps
        kwh[f.size_class[i]] += 0.3 * 0.1 * static_cast<double>(f.output[i]) * static_cast<double>(f.intensity[i]);
    }
    // round(share x n)
    EXPECT_EQ(equipped[0], 0);
    EXPECT_EQ(equipped[1], 50);
    EXPECT_EQ(equipped[2], 200);
    EXPECT_EQ(equipped[3], 500);
    // ages spread over the lifetime: every step sees some of the 500 large retire
    for (int t = 0; t < 8; ++t) EXPECT_GT(retiring[t][3], 30) << t;
    // capacity at the end of step 0: the base less what retires at step 0 (installed 8
    // years before, a == 0), sized on start-year demand
    double cap0 = 0;
    for (std::uint64_t i = 0; i < f.count; ++i) {
        const std::uint16_t a = f.adopted_step[f.at(i, 0)];
        if (a == kNotAdopted || a == 0) continue;
        cap0 += 0.3 * 0.1 * static_cast<double>(f.output[i]) * static_cast<double>(f.intensity[i]) / 1600.0;
    }

    while (!m.done()) m.step();
    const RunResult r = m.result();
    const Variable& ad = var(r, "adopters_by_size");
    const Variable& newly = var(r, "new_adopters");
    std::array<int, 4> left = equipped;
    for (std::size_t t = 0; t < r.coords.year.size(); ++t) {
        for (std::size_t z = 0; z < 4; ++z) {
            left[z] -= retiring[static_cast<int>(t)][z];
            EXPECT_EQ(at(ad, cell(r, t, 0, z, 0)), left[z]) << "step " << t << " size " << z;
        }
        EXPECT_EQ(at(newly, t), 0) << "the installed base is not a new adoption";
    }
    EXPECT_NEAR(var(r, "installed_capacity").values[0], cap0, 1e-9 * cap0);
    EXPECT_EQ(var(r, "adopters").counts.back(), 0);
    EXPECT_EQ(var(r, "investment_total").values[0], 0.0) << "the installed base was paid before the start";
}

TEST(InstalledBase, RetiredFirmsMayEquipAgain) {
    Scenario s = quick(400);
    s.technologies[0].lifetime = 3;
    s.sectors[0].installed_base = {{0.5, 0.5, 0.5, 0.5}};
    const RunResult r = simulate(s);
    // with awareness fast and a one-year payback, the base is replaced as it retires:
    // re-adoptions appear among the new adopters of the first three years
    const Variable& newly = var(r, "new_adopters");
    double first_years = 0;
    for (std::size_t t = 0; t < 3; ++t) first_years += at(newly, t);
    EXPECT_GT(first_years, 800);  // the 800 unequipped adopt, and some retired firms too
    EXPECT_LE(var(r, "adopters").counts.back(), 1600);
}

// ---- technical potential ----

TEST(TechnicalPotential, AdoptionNeverExceedsItInAnyCell) {
    for (const DecisionRule rule : {DecisionRule::logistic, DecisionRule::bass}) {
        Scenario s = quick(777, 20);
        s.decision.rule = rule;
        s.technologies[0].bass_q = 0.5;
        s.technologies[0].lifetime = 40;  // no retirement: the end shows saturation
        Technology heat = s.technologies[0];
        heat.name = "heat";
        heat.acts_on = Carrier::electricity;
        heat.savings_fraction = 0.2;
        s.technologies.push_back(heat);
        Sector second = s.sectors[0];
        second.name = "food";
        s.sectors.push_back(second);
        s.sectors[0].technical_potential = {{0.3, 0.5, 0.7, 0.9}, {0.0, 0.25, 1.0, 0.5}};
        s.sectors[1].technical_potential = {{1.0, 0.1, 0.01, 0.333}, {0.6, 0.6, 0.6, 0.6}};
        s.sectors[0].installed_base = {{0.1, 0.1, 0.1, 0.1}, {0.0, 0.2, 0.0, 0.5}};
        const RunResult r = simulate(s);
        const Variable& ad = var(r, "adopters_by_size");
        for (std::size_t t = 0; t < r.coords.year.size(); ++t)
            for (std::size_t sec = 0; sec < 2; ++sec)
                for (std::size_t z = 0; z < 4; ++z)
                    for (std::size_t k = 0; k < 2; ++k) {
                        const double limit = std::floor(s.sectors[sec].potential(static_cast<int>(k), static_cast<int>(z)) * 777 + 0.5);
                        EXPECT_LE(at(ad, cell(r, t, sec, z, k)), limit) << t << " " << sec << " " << z << " " << k;
                        // it saturates: by the end every feasible firm has adopted (bass: nearly)
                        if (t + 1 == r.coords.year.size() && rule == DecisionRule::logistic && k == 0) {
                            EXPECT_GE(at(ad, cell(r, t, sec, z, k)), limit - 2) << sec << " " << z;
                        }
                    }
    }
}

TEST(TechnicalPotential, FeasibleFirmsAreExactlyRoundedShare) {
    Scenario s = quick(1001);
    s.sectors[0].technical_potential = {{0.5, 0.0015, 0.9995, 1.0}};
    const Model m(s);
    const FirmArrays& f = m.firms();
    std::array<int, 4> feasible{};
    for (std::uint64_t i = 0; i < f.count; ++i)
        if (f.adopted_step[f.at(i, 0)] != kInfeasible) ++feasible[f.size_class[i]];
    EXPECT_EQ(feasible[0], 501);  // 500.5 rounds up
    EXPECT_EQ(feasible[1], 2);    // 1.5015
    EXPECT_EQ(feasible[2], 1000);  // 1000.4995
    EXPECT_EQ(feasible[3], 1001);
}

// ---- finance ----

TEST(Loans, ALoanWithNegativeValueIsNeverTaken) {
    Scenario s = fixtures::full_scenario(400);
    // interest above every hurdle rate: borrowing lowers the NPV. The loan goes last,
    // so that the other policies keep their numbers (their draws are keyed by them).
    const auto it = std::find_if(s.policies.begin(), s.policies.end(),
                                 [](const Policy& p) { return p.type == PolicyType::concessional_loan; });
    ASSERT_NE(it, s.policies.end());
    Policy loan = *it;
    s.policies.erase(it);
    const Scenario without = s;
    loan.interest = 0.5;
    s.policies.push_back(loan);
    const RunResult with = simulate(s);
    for (double v : var(with, "loan_volume").values) ASSERT_EQ(v, 0.0);
    // and the run is the run without the loan
    const RunResult no_loan = simulate(without);
    for (const char* name : {"adopters_by_size", "co2_emissions", "investment_total", "grant_spent", "fund_investment"}) {
        const Variable& a = var(with, name);
        const Variable& b = var(no_loan, name);
        EXPECT_EQ(a.values, b.values) << name;
        EXPECT_EQ(a.counts, b.counts) << name;
    }
}

namespace {
Scenario with_credit_line(double envelope) {
    Scenario s = quick(3000, 8);
    s.sectors[0].hurdle_rate = {0.3, 0.3, 0.3, 0.3};
    s.technologies[0].capex = 9000;  // pays only with help
    s.decision.midpoint = 0.6;
    Policy loan;
    loan.name = "credit_line";
    loan.type = PolicyType::concessional_loan;
    loan.start_year = 2018;
    loan.end_year = 2022;
    loan.loan_share = 0.8;
    loan.interest = 0.04;
    loan.tenor = 7;
    loan.annual_lending = envelope;
    s.policies.push_back(loan);
    return s;
}
}  // namespace

namespace {
// What the credit line lends in an average year of the programme without an envelope.
double yearly_lending() {
    const RunResult r = simulate(with_credit_line(0));
    double total = 0;
    for (double v : var(r, "loan_volume").values) total += v;
    return total / 5;
}
}  // namespace

TEST(Loans, TheLendingEnvelopeIsNeverExceededForAnyThreadCount) {
    const double envelope = yearly_lending() / 3;  // binds
    const Scenario s = with_credit_line(envelope);
    omp_set_num_threads(1);
    const RunResult r = simulate(s);
    const Variable& lent = var(r, "loan_volume");
    const Variable& used = var(r, "budget_used");
    const Variable& unserved = var(r, "applications_unserved");
    double total = 0;
    std::int64_t refused = 0;
    for (std::size_t t = 0; t < r.coords.year.size(); ++t) {
        double year = 0;
        const std::size_t per_step = lent.values.size() / r.coords.year.size();
        for (std::size_t j = 0; j < per_step; ++j) year += lent.values[t * per_step + j];
        EXPECT_LE(year, envelope) << r.coords.year[t];
        EXPECT_DOUBLE_EQ(used.values[t], year) << "budget_used of a credit line is what it lent";
        if (r.coords.year[t] < 2018 || r.coords.year[t] > 2022) {
            EXPECT_EQ(year, 0.0);
        }
        total += year;
        refused += unserved.counts[t];
    }
    EXPECT_GT(total, 0.5 * 5 * envelope) << "the envelope is used";
    EXPECT_GT(refused, 0) << "the envelope binds";
    // without an envelope the same programme lends more
    const RunResult free = simulate(with_credit_line(0));
    double free_total = 0;
    for (double v : var(free, "loan_volume").values) free_total += v;
    EXPECT_GT(free_total, total);
    for (int threads : {2, 4}) {
        omp_set_num_threads(threads);
        EXPECT_EQ(fixtures::bitwise_difference(r, simulate(s)), "") << threads << " threads";
    }
    omp_set_num_threads(1);
}

TEST(Loans, AGrantTiedToALoanGoesOnlyToBorrowers) {
    for (const double envelope : {0.0, yearly_lending() / 3}) {
        Scenario s = with_credit_line(envelope);
        s.sectors[0].credit_access = {0.0, 0.5, 1.0, 1.0};  // micro firms cannot borrow
        Policy grant;
        grant.name = "credit_line_grant";
        grant.type = PolicyType::capex_grant;
        grant.start_year = 2018;
        grant.end_year = 2022;
        grant.rate = 0.1;
        grant.annual_budget = 1e9;
        grant.requires_loan = 0;
        s.policies.push_back(grant);
        const RunResult r = simulate(s);
        const Variable& g = var(r, "grant_spent_by_size");
        const Variable& served = var(r, "firms_served");  // (time, policy)
        double micro = 0, all = 0;
        for (std::size_t t = 0; t < r.coords.year.size(); ++t) {
            micro += g.values[cell(r, t, 0, 0, 0)];
            for (std::size_t z = 0; z < 4; ++z) all += g.values[cell(r, t, 0, z, 0)];
            if (envelope > 0) {
                EXPECT_LE(served.counts[t * 2 + 1], served.counts[t * 2 + 0]) << "grants <= loans";
            }
        }
        EXPECT_EQ(micro, 0.0) << "envelope " << envelope;
        EXPECT_GT(all, 0.0) << "envelope " << envelope;
        // every grant goes with a loan: 10% of capex against 80% of the outlay lent
        double lent = 0;
        for (double v : var(r, "loan_volume").values) lent += v;
        EXPECT_GE(lent, all * 0.8 * 0.9 / 0.1 * 0.99) << "envelope " << envelope;
    }
}

TEST(Caps, AFirmCapHoldsAcrossItsProjects) {
    Scenario s = quick(500, 6);
    Technology second = s.technologies[0];
    second.name = "pv2";
    second.savings_fraction = 0.2;
    s.technologies.push_back(second);
    Policy grant;
    grant.name = "grant";
    grant.type = PolicyType::capex_grant;
    grant.rate = 0.5;
    grant.cap_per_firm = 3000;
    grant.cap_scope = CapScope::firm;
    grant.annual_budget = 1e12;
    grant.start_year = 2017;
    grant.end_year = 2022;
    s.policies.push_back(grant);
    const RunResult r = simulate(s);
    // every firm adopts both technologies: with a firm cap no firm gets more than 3000 in all
    double paid = 0;
    for (double v : var(r, "grant_spent").values) paid += v;
    EXPECT_LE(paid, 3000.0 * 2000 + 1e-6);
    s.policies[0].cap_scope = CapScope::project;
    const RunResult q = simulate(s);
    double per_project = 0;
    for (double v : var(q, "grant_spent").values) per_project += v;
    EXPECT_GT(per_project, 3000.0 * 2000 * 1.3) << "per project the same cap pays more";
}

// ---- intensity by size, transaction costs ----

TEST(IntensityBySize, ReproducesTheSourcedEnergyPerFirm) {
    // toe per firm by size class (micro 15, small 60, medium 400, large 2,600): the
    // intensities that give them at these medians and sigmas, from E[Y] = m exp(s^2/2)
    const std::array<double, 4> toe{15, 60, 400, 2600};
    Scenario s = quick(20000, 1);
    s.technologies[0].bass_p = 0;
    Sector& sec = s.sectors[0];
    sec.intensity_sigma = 0.4;
    for (std::size_t z = 0; z < 4; ++z) {
        const double mean_output = sec.output_median[z] * std::exp(0.5 * sec.output_sigma[z] * sec.output_sigma[z]);
        sec.electricity_intensity[z] = 0.3 * toe[z] * 11630.0 / mean_output;
        sec.heat_intensity[z] = 0.7 * toe[z] * 11630.0 / mean_output;
    }
    s.fuels.push_back({"oil", Path::constant(0.4), 0.279});
    sec.fuel_mix = {{0, 1.0}};
    Model m(s);
    std::array<double, 4> x{};
    for (std::uint64_t i = 0; i < m.firms().count; ++i)
        x[m.firms().size_class[i]] += static_cast<double>(m.firms().output[i]) * static_cast<double>(m.firms().intensity[i]);
    m.step();
    const RunResult r = m.result();
    const Variable& e = var(r, "energy_electricity_by_size");
    const Variable& h = var(r, "energy_fuel_by_size");
    double total = 0;
    for (std::size_t z = 0; z < 4; ++z) {
        const double mwh = e.values[z] + h.values[z];
        // exactly the firms' output x intensity factor x the class's intensity
        EXPECT_NEAR(e.values[z], x[z] * sec.electricity_intensity[z] / 1000.0, 1e-9 * e.values[z]);
        // and, over 20,000 firms, the sourced toe per firm within sampling error (~1.5%)
        EXPECT_NEAR(mwh / 11.63 / 20000.0, toe[z], 0.05 * toe[z]) << kSizeClassNames[z];
        total += mwh;
    }
    EXPECT_NEAR(total / 11.63, 20000.0 * (15 + 60 + 400 + 2600), 0.05 * 20000.0 * 3075);
    EXPECT_NEAR(var(r, "energy_electricity").values[0], e.values[0] + e.values[1] + e.values[2] + e.values[3],
                1e-9 * var(r, "energy_electricity").values[0]);
}

TEST(TransactionCost, EveryProjectPaysItOnTopOfItsCapex) {
    Scenario s = quick(300, 4);
    const RunResult without = simulate(s);
    s.technologies[0].transaction_cost = 25000;
    // the same adoptions (bass: no economics), so the investment differs by 25,000 per adoption
    s.decision.rule = DecisionRule::bass;
    Scenario plain = s;
    plain.technologies[0].transaction_cost = 0;
    const RunResult a = simulate(plain), b = simulate(s);
    const Variable& na = var(a, "new_adopters");
    for (std::size_t t = 0; t < a.coords.year.size(); ++t)
        EXPECT_NEAR(var(b, "investment_total").values[t] - var(a, "investment_total").values[t], 25000.0 * at(na, t),
                    1e-6 * var(b, "investment_total").values[t]);
    // under the economics it deters small projects: micro firms adopt less
    Scenario logistic = s;
    logistic.decision.rule = DecisionRule::logistic;
    const RunResult c = simulate(logistic);
    EXPECT_LT(at(var(c, "adopters_by_size"), cell(c, 3, 0, 0, 0)), at(var(without, "adopters_by_size"), cell(without, 3, 0, 0, 0)));
}

TEST(ProjectSize, NoProjectExceedsTheLargestCapacity) {
    Scenario s = quick(400, 3);
    s.decision.rule = DecisionRule::bass;  // the same adoptions with and without the cap
    const RunResult free = simulate(s);
    s.technologies[0].max_capacity = 50;  // kWp
    Model m(s);
    while (!m.done()) m.step();
    const RunResult r = m.result();
    // from the firm arrays: each adopter's project is min(0.3 x 0.1 x scale / 1600, 50) kWp
    double expect = 0, uncapped = 0;
    const FirmArrays& f = m.firms();
    for (std::uint64_t i = 0; i < f.count; ++i) {
        if (f.adopted_step[f.at(i, 0)] == kNotAdopted) continue;
        const double kwp = 0.3 * static_cast<double>(f.output[i]) * static_cast<double>(f.intensity[i]) * 0.1 / 1600;
        expect += std::min(kwp, 50.0);
        uncapped += kwp;
    }
    const double cap = var(r, "installed_capacity").values.back();
    EXPECT_NEAR(cap, expect, 1e-6 * expect);
    EXPECT_NEAR(var(free, "installed_capacity").values.back(), uncapped, 1e-6 * uncapped);
    EXPECT_LT(cap, 0.8 * uncapped) << "the cap binds for the larger firms";
}

// ---- audit compliance ----

TEST(AuditMandate, ComplianceFollowsItsSchedule) {
    Scenario s = quick(5000, 12);
    s.technologies[0].bass_p = 0;
    s.sectors[0].firms = {0, 0, 0, 20000};
    Policy audit;
    audit.name = "audit";
    audit.type = PolicyType::audit_mandate;
    audit.start_year = 2019;
    audit.end_year = 2028;
    audit.threshold_toe = 1e-6;  // every firm is obliged
    audit.period = 5;
    audit.compliance = Path{{2019, 2020, 2021, 2023, 2025, 2027}, {0.0, 0.05, 0.15, 0.35, 0.5, 0.6}};
    s.policies.push_back(audit);
    const RunResult r = simulate(s);
    const Variable& audited = var(r, "firms_audited");
    const Variable& obliged = var(r, "firms_obliged");
    double first = 0;
    std::vector<double> first_by_year;
    for (std::size_t t = 0; t < r.coords.year.size(); ++t) {
        const int y = r.coords.year[t];
        // re-audits come `period` years after the first ones
        const double again = y - 5 >= 2017 ? first_by_year[static_cast<std::size_t>(y - 5 - 2017)] : 0.0;
        const double newly = at(audited, t) - again;
        first += newly;
        first_by_year.push_back(newly);
        if (y < 2019) {
            EXPECT_EQ(at(audited, t), 0);
            continue;
        }
        EXPECT_EQ(at(obliged, t), 20000);
        const double target = audit.compliance.at(y) * 20000;
        const double se = std::sqrt(20000 * audit.compliance.at(y) * (1 - audit.compliance.at(y))) + 1;
        EXPECT_NEAR(first, target, 4 * se) << y;
    }
    // an audit makes firms aware of the mandate's technologies only
    Scenario two = s;
    Technology other = two.technologies[0];
    other.name = "other";
    other.savings_fraction = 0.1;
    two.technologies.push_back(other);
    two.policies[0].eligible.technologies = {1};
    const RunResult aw = simulate(two);
    const Variable& aware = var(aw, "aware");  // (time, sector, technology)
    EXPECT_EQ(at(aware, (aw.coords.year.size() - 1) * 2 + 0), 0) << "not among the mandate's technologies";
    EXPECT_GT(at(aware, (aw.coords.year.size() - 1) * 2 + 1), 0.5 * 20000);
    // without a curve: everyone in the start year, again every period
    s.policies[0].compliance = Path{};
    const RunResult all = simulate(s);
    for (std::size_t t = 0; t < all.coords.year.size(); ++t) {
        const int y = all.coords.year[t];
        EXPECT_EQ(at(var(all, "firms_audited"), t), (y == 2019 || y == 2024) ? 20000 : 0) << y;
    }
}

// ---- what instruments cost ----

TEST(ProgrammeCost, AssistanceAndLabelsCostPerFirmPlusAdministration) {
    Scenario s = fixtures::full_scenario(300);
    for (auto& p : s.policies) {
        if (p.type == PolicyType::technical_assistance) {
            p.cost_per_firm = 100000;
            p.admin_cost_share = 0.1;
        }
        if (p.type == PolicyType::tpme_label) p.cost_per_firm = 20000;
        if (p.type == PolicyType::capex_grant) p.admin_cost_share = 0.05;
        if (p.type == PolicyType::concessional_loan) p.admin_cost_share = 0.01;
    }
    const RunResult r = simulate(s);
    const Variable& cost = var(r, "programme_cost");
    const Variable& served = var(r, "firms_served");
    const Variable& used = var(r, "budget_used");
    const std::size_t P = s.policies.size();
    std::vector<double> lent(r.coords.year.size(), 0.0);
    const Variable& loan = var(r, "loan_volume");
    const std::size_t per_step = loan.values.size() / r.coords.year.size();
    for (std::size_t t = 0; t < lent.size(); ++t)
        for (std::size_t j = 0; j < per_step; ++j) lent[t] += loan.values[t * per_step + j];
    for (std::size_t t = 0; t < r.coords.year.size(); ++t)
        for (std::size_t p = 0; p < P; ++p) {
            const Policy& pol = s.policies[p];
            double expected = 0;
            switch (pol.type) {
            case PolicyType::technical_assistance:
            case PolicyType::tpme_label:
                expected = at(served, t * P + p) * pol.cost_per_firm * (1 + pol.admin_cost_share);
                break;
            case PolicyType::capex_grant:
            case PolicyType::green_investment_fund:
                expected = used.values[t * P + p] * (1 + pol.admin_cost_share);
                break;
            case PolicyType::concessional_loan: expected = lent[t] * pol.admin_cost_share; break;
            default: break;
            }
            EXPECT_NEAR(cost.values[t * P + p], expected, 1e-9 * (1 + expected)) << pol.name << " step " << t;
        }
}
