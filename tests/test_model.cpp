#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "core/learning.hpp"
#include "core/model.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

namespace {
const Variable& var(const RunResult& r, const char* name) {
    const Variable* v = r.find(name);
    if (!v) throw std::runtime_error(std::string("missing variable ") + name);
    return *v;
}
}  // namespace

TEST(Model, FirmsFollowTheScenarioCounts) {
    const Scenario s = fixtures::full_scenario(500);
    const Model m(s);
    const FirmArrays& f = m.firms();
    ASSERT_EQ(f.count, 4000u);
    std::array<std::array<int, 4>, 2> n{};
    for (std::uint64_t i = 0; i < f.count; ++i) ++n[f.sector[i]][f.size_class[i]];
    for (auto& row : n)
        for (int c : row) EXPECT_EQ(c, 500);
    // log-normal outputs: the sample median of each class is near the scenario's median
    std::vector<float> micro(f.output.begin(), f.output.begin() + 500);
    std::nth_element(micro.begin(), micro.begin() + 250, micro.end());
    EXPECT_NEAR(std::log(static_cast<double>(micro[250])), std::log(1.5e6), 0.15);
}

TEST(Model, EnergyBoughtIsDemandLessWhatTechnologiesDisplace) {
    const Scenario s = fixtures::without_policies(fixtures::full_scenario(800));
    Model m(s);
    const FirmArrays& f = m.firms();
    // gross demand from the firm arrays, independently of the model's sums
    std::array<double, 2> x{};
    for (std::uint64_t i = 0; i < f.count; ++i)
        x[f.sector[i]] += static_cast<double>(f.output[i]) * static_cast<double>(f.intensity[i]);
    while (!m.done()) m.step();
    const RunResult r = m.result();
    const auto& elec = var(r, "energy_electricity");
    const auto& fuel = var(r, "energy_fuel");
    const auto& disp = var(r, "energy_displaced");  // (time, sector, technology), MWh
    const double dt = 0.25;
    std::array<double, 2> g{1.0, 1.0};
    for (std::size_t t = 0; t < r.coords.year.size(); ++t) {
        const double y = s.run.step_year(static_cast<int>(t));
        for (std::size_t sec = 0; sec < 2; ++sec) {
            const Sector& S = s.sectors[sec];
            const double d_pv = disp.values[(t * 2 + sec) * 3 + 0];
            const double d_eff = disp.values[(t * 2 + sec) * 3 + 1];
            const double d_hp = disp.values[(t * 2 + sec) * 3 + 2];
            const double gross_e = x[sec] * g[sec] * S.electricity_intensity[0] * dt / 1000.0;
            const double gross_h = x[sec] * g[sec] * S.heat_intensity[0] * dt / 1000.0;
            EXPECT_NEAR(elec.values[t * 2 + sec], gross_e - d_pv + 0.33 * d_hp, 1e-6 * gross_e);
            EXPECT_NEAR(fuel.values[t * 2 + sec], gross_h - d_eff - d_hp, 1e-6 * gross_h);
        }
        for (std::size_t sec = 0; sec < 2; ++sec) g[sec] *= std::pow(1 + s.sectors[sec].output_growth.at(y), dt);
    }
    EXPECT_GT(fixtures::total(r, "energy_displaced"), 0);
}

TEST(Model, CountsAreConsistent) {
    const RunResult r = simulate(fixtures::full_scenario(600));
    const auto& adopters = var(r, "adopters");
    const auto& aware = var(r, "aware");
    const auto& by_size = var(r, "adopters_by_size");
    for (std::size_t i = 0; i < adopters.counts.size(); ++i) {
        EXPECT_LE(adopters.counts[i], aware.counts[i]);
        EXPECT_LE(aware.counts[i], 2400);  // firms per sector
        EXPECT_GE(adopters.counts[i], 0);
    }
    // adopters by size add up to adopters
    const std::size_t steps = r.coords.year.size();
    for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t s = 0; s < 2; ++s)
            for (std::size_t k = 0; k < 3; ++k) {
                std::int64_t sum = 0;
                for (std::size_t z = 0; z < 4; ++z) sum += by_size.counts[((t * 2 + s) * 4 + z) * 3 + k];
                EXPECT_EQ(sum, adopters.counts[(t * 2 + s) * 3 + k]);
            }
}

TEST(Model, EquipmentRetiresAtTheEndOfItsLife) {
    const Scenario s = fixtures::full_scenario(600);  // PV lives 6 years = 24 quarterly steps
    const RunResult r = simulate(s);
    const auto& adopters = var(r, "adopters");
    const auto& added = var(r, "new_adopters");
    const std::size_t steps = r.coords.year.size();
    const int life = 24;
    bool retired = false;
    for (std::size_t t = 1; t < steps; ++t)
        for (std::size_t sec = 0; sec < 2; ++sec) {
            const std::size_t c = (t * 2 + sec) * 3;  // technology 0 = PV
            std::int64_t expect = adopters.counts[c - 6] + added.counts[c];
            if (t >= static_cast<std::size_t>(life)) {
                expect -= added.counts[((t - life) * 2 + sec) * 3];
                retired = retired || added.counts[((t - life) * 2 + sec) * 3] > 0;
            }
            EXPECT_EQ(adopters.counts[c], expect) << "step " << t;
        }
    EXPECT_TRUE(retired);
}

TEST(Model, CapexFollowsWrightsLawOnWorldAndDomesticCapacity) {
    Scenario s = fixtures::without_policies(fixtures::full_scenario(2000));
    s.technologies[0].lifetime = 30;  // no retirement: cumulative = installed
    const RunResult r = simulate(s);
    const auto& capex = var(r, "capex");
    const auto& cap = var(r, "installed_capacity");
    const Technology& pv = s.technologies[0];
    const double w0 = pv.world_capacity.at(2017);
    double domestic = 0;
    for (std::size_t t = 0; t < r.coords.year.size(); ++t) {
        const double y = s.run.step_year(static_cast<int>(t));
        const double expect = pv.capex * std::pow((pv.world_capacity.at(y) + domestic) / w0, std::log2(1 - 0.215));
        EXPECT_NEAR(capex.values[t * 3 + 0], expect, 1e-9 * expect) << "step " << t;
        domestic = cap.values[(t * 2 + 0) * 3 + 0] + cap.values[(t * 2 + 1) * 3 + 0];
    }
    EXPECT_LT(capex.values[(r.coords.year.size() - 1) * 3], pv.capex * 0.8);
}

TEST(Model, LabelsGoToHighGrowthTpmeUpToTheYearlyCapacity) {
    const Scenario s = fixtures::full_scenario(400);
    Model m(s);
    std::int64_t candidates = 0;
    for (std::uint64_t i = 0; i < m.firms().count; ++i)
        if ((m.firms().flags[i] & firm_flag::high_growth) && m.firms().size_class[i] < 3) ++candidates;
    while (!m.done()) m.step();
    for (std::uint64_t i = 0; i < m.firms().count; ++i)
        if (m.firms().flags[i] & firm_flag::labelled) {
            EXPECT_TRUE(m.firms().flags[i] & firm_flag::high_growth);
            EXPECT_LT(m.firms().size_class[i], 3);
        }
    const RunResult r = m.result();
    const auto& labelled = var(r, "firms_labelled");
    const std::int64_t per_year = static_cast<std::int64_t>(s.policies[0].capacity);
    // 2018..2024: 7 years of labels
    EXPECT_EQ(labelled.counts.back(), std::min<std::int64_t>(7 * per_year, candidates));
    EXPECT_EQ(labelled.counts[3], 0);                                   // still 2017
    EXPECT_EQ(labelled.counts[4], std::min<std::int64_t>(per_year, candidates));  // first step of 2018
}

TEST(Model, AuditMakesLargeConsumersAwareOfEveryTechnology) {
    Scenario s = fixtures::without_policies(fixtures::full_scenario(300));
    Policy audit;
    audit.name = "audit";
    audit.type = PolicyType::audit_mandate;
    audit.start_year = 2017;
    audit.end_year = 2026;
    audit.threshold_toe = 1500;
    audit.period = 5;
    s.policies.push_back(audit);
    for (auto& t : s.technologies) t.bass_p = t.bass_q = 0;  // no other way to become aware
    Model m(s);
    std::int64_t above = 0;
    for (std::uint64_t i = 0; i < m.firms().count; ++i) {
        const Sector& sec = s.sectors[m.firms().sector[i]];
        const double kwh = static_cast<double>(m.firms().output[i]) * static_cast<double>(m.firms().intensity[i]) *
                           (sec.electricity_intensity[0] + sec.heat_intensity[0]);
        if (kwh >= 1500 * 11630.0) ++above;
    }
    m.step();
    const RunResult r = m.result();
    EXPECT_GT(above, 0);
    EXPECT_EQ(var(r, "firms_audited").counts[0], above);
    std::int64_t aware = 0;
    for (auto c : var(r, "aware").counts) aware += c;
    EXPECT_EQ(aware, above * 3);
}

TEST(Model, PolicyPackageRaisesAdoptionAgainstTheSameFirms) {
    const Scenario with = fixtures::full_scenario(1500);
    const Scenario without = fixtures::without_policies(with);
    const Model a(with), b(without);
    ASSERT_EQ(a.firms().output, b.firms().output);  // common firms
    const RunResult ra = simulate(with), rb = simulate(without);
    EXPECT_GT(fixtures::total(ra, "new_adopters"), fixtures::total(rb, "new_adopters"));
    EXPECT_LT(fixtures::total(ra, "co2_emissions"), fixtures::total(rb, "co2_emissions"));
    EXPECT_EQ(fixtures::total(rb, "grant_spent"), 0.0);
}

TEST(Model, TwoModelsSideBySideAreIndependent) {
    const Scenario s1 = fixtures::full_scenario(300);
    Scenario s2 = fixtures::full_scenario(200);
    s2.run.seed = 99;
    const RunResult alone1 = simulate(s1), alone2 = simulate(s2);
    Model a(s1), b(s2);
    while (!a.done() || !b.done()) {
        if (!a.done()) a.step();
        if (!b.done()) b.step();
    }
    EXPECT_EQ(fixtures::bitwise_difference(a.result(), alone1), "");
    EXPECT_EQ(fixtures::bitwise_difference(b.result(), alone2), "");
}

TEST(Model, SeedChangesTheDrawsButNotTheEconomy) {
    Scenario s = fixtures::full_scenario(300);
    const RunResult r1 = simulate(s);
    s.run.seed += 1;
    const RunResult r2 = simulate(s);
    EXPECT_NE(fixtures::bitwise_difference(r1, r2), "");
    EXPECT_EQ(var(r1, "firms").counts, var(r2, "firms").counts);
}

// The phase times cover the steps: each is non-negative, the firm pass is among
// them, and together they fit inside a stopwatch around the same steps.
TEST(Model, PhaseTimesAddUpToAtMostTheStepTime) {
    Model m(fixtures::full_scenario(3000));
    const auto t0 = std::chrono::steady_clock::now();
    while (!m.done()) m.step();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto phases = m.phase_times();
    ASSERT_EQ(phases.size(), kPhases);
    double sum = 0;
    for (const auto& p : phases) {
        EXPECT_GE(p.seconds, 0.0) << p.name;
        sum += p.seconds;
    }
    EXPECT_EQ(phases[static_cast<std::size_t>(Phase::firm_pass)].name, "firm pass");
    EXPECT_GT(phases[static_cast<std::size_t>(Phase::firm_pass)].seconds, 0.0);
    EXPECT_LE(sum, wall);
    EXPECT_GT(sum, 0.5 * wall);  // the phases are the steps, not a sample of them
}
