// Observations (core/observations.hpp): what a reference or a calibration target
// measures in a run, checked on a small hand-made result whose sums are worked out
// by hand, and the observable-variable table held to what the model writes.
#include <gtest/gtest.h>

#include <cmath>

#include "core/model.hpp"
#include "core/observations.hpp"
#include "tests/test_support.hpp"

using namespace greenshift;

namespace {

// Two years of two steps, two sectors, two size classes, two technologies.
RunResult hand_made() {
    RunResult r;
    auto& c = r.coords;
    c.sector = {"textile", "food"};
    c.size_class = {"micro", "large"};
    c.technology = {"pv", "heat"};
    c.technology_unit = {"kWp", "m2"};
    c.policy = {"grant", "audit"};
    c.year = {2017, 2017, 2018, 2018};
    using D = Dim;
    // energy_electricity (time, sector): step t, sector s = 10 t + s + 1
    Variable e{"energy_electricity", "", "MWh", {D::time, D::sector}, false, {}, {}};
    for (int t = 0; t < 4; ++t)
        for (int s = 0; s < 2; ++s) e.values.push_back(10.0 * t + s + 1);
    r.variables.push_back(e);
    Variable fuel{"energy_fuel", "", "MWh", {D::time, D::sector}, false, {100, 200, 100, 200, 100, 200, 100, 200}, {}};
    r.variables.push_back(fuel);
    // adopters_by_size (time, sector, size, tech): 1000 t + 100 s + 10 z + k
    Variable a{"adopters_by_size", "", "1", {D::time, D::sector, D::size_class, D::technology}, true, {}, {}};
    for (int t = 0; t < 4; ++t)
        for (int s = 0; s < 2; ++s)
            for (int z = 0; z < 2; ++z)
                for (int k = 0; k < 2; ++k) a.counts.push_back(1000 * t + 100 * s + 10 * z + k);
    r.variables.push_back(a);
    Variable firms{"firms", "", "1", {D::sector, D::size_class}, true, {}, {50, 5, 40, 4}};
    r.variables.push_back(firms);
    Variable served{"firms_served", "", "1", {D::time, D::policy}, true, {}, {1, 0, 2, 3, 4, 5, 6, 7}};
    r.variables.push_back(served);
    return r;
}

Aggregate of(std::vector<std::string> vars, int y0, int y1) {
    Aggregate a;
    a.variables = std::move(vars);
    a.first_year = y0;
    a.last_year = y1;
    return a;
}

}  // namespace

TEST(Observations, FlowsSumTheStepsOfTheYear) {
    const RunResult r = hand_made();
    // 2018 = steps 2 and 3: (21 + 22) + (31 + 32)
    EXPECT_DOUBLE_EQ(aggregate(r, of({"energy_electricity"}, 2018, 2018)), 106.0);
    Aggregate food = of({"energy_electricity"}, 2017, 2017);
    food.sectors = {"food"};
    EXPECT_DOUBLE_EQ(aggregate(r, food), 2.0 + 12.0);
    // two variables add up: 106 + 600
    EXPECT_DOUBLE_EQ(aggregate(r, of({"energy_electricity", "energy_fuel"}, 2018, 2018)), 706.0);
    // a period: sum over both years, or their mean
    Aggregate both = of({"energy_electricity"}, 2017, 2018);
    EXPECT_DOUBLE_EQ(aggregate(r, both), 26.0 + 106.0);
    both.combine = Aggregate::Combine::mean;
    EXPECT_DOUBLE_EQ(aggregate(r, both), 66.0);
}

TEST(Observations, StocksTakeTheLastStepOfTheYear) {
    const RunResult r = hand_made();
    Aggregate a = of({"adopters_by_size"}, 2017, 2017);  // step 1
    a.sectors = {"food"};
    a.size_classes = {"large"};
    a.technologies = {"heat"};
    EXPECT_DOUBLE_EQ(aggregate(r, a), 1000 + 100 + 10 + 1);
    a.technologies.clear();  // both technologies: 1110 + 1111
    EXPECT_DOUBLE_EQ(aggregate(r, a), 2221.0);
    // every cell of step 3: sum over s, z, k of (3000 + 100 s + 10 z + k) = 8 x 3000 + 4 x 100 + 4 x 10 + 4 x 1
    EXPECT_DOUBLE_EQ(aggregate(r, of({"adopters_by_size"}, 2018, 2018)), 24444.0);
}

TEST(Observations, RatiosAndFixedVariables) {
    const RunResult r = hand_made();
    Observation o;
    o.of = of({"adopters_by_size"}, 2018, 2018);
    o.of.technologies = {"pv"};
    o.of.size_classes = {"micro"};
    o.has_per = true;
    o.per = o.of;
    o.per.variables = {"firms"};  // no time, no technology: both ignored
    // (3000 + 3100) / (50 + 40)
    EXPECT_DOUBLE_EQ(simulated(r, o), 6100.0 / 90.0);
    Aggregate audits = of({"firms_served"}, 2017, 2018);
    audits.policies = {"audit"};
    EXPECT_DOUBLE_EQ(aggregate(r, audits), 0 + 3 + 5 + 7);
}

TEST(Observations, WhatTheRunLacksIsNamed) {
    const RunResult r = hand_made();
    EXPECT_THROW(aggregate(r, of({"co2_emissions"}, 2017, 2017)), std::invalid_argument);
    EXPECT_THROW(aggregate(r, of({"energy_fuel"}, 2019, 2019)), std::invalid_argument);
    Aggregate a = of({"energy_fuel"}, 2017, 2017);
    a.sectors = {"cement"};
    try {
        aggregate(r, a);
        FAIL() << "no throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("'cement'"), std::string::npos) << e.what();
    }
}

TEST(Observations, UnitsConvertBetweenPrefixesAndToe) {
    EXPECT_DOUBLE_EQ(unit_factor("MWp", "kWp"), 1000.0);
    EXPECT_DOUBLE_EQ(unit_factor("kWp", "kWp"), 1.0);
    EXPECT_DOUBLE_EQ(unit_factor("TWh", "MWh"), 1e6);
    EXPECT_DOUBLE_EQ(unit_factor("Mtoe", "MWh"), 11.63e6);  // 1 toe = 11.63 MWh
    EXPECT_DOUBLE_EQ(unit_factor("toe", "MWh"), 11.63);
    EXPECT_DOUBLE_EQ(unit_factor("kt", "t"), 1000.0);
    EXPECT_DOUBLE_EQ(unit_factor("MMAD", "MAD"), 1e6);
    EXPECT_DOUBLE_EQ(unit_factor("m2", "m2"), 1.0);
    EXPECT_EQ(unit_factor("m2", "kWp"), 0.0);
    EXPECT_EQ(unit_factor("MWh", "t"), 0.0);
    EXPECT_EQ(unit_factor("firms", "1"), 0.0);
    EXPECT_DOUBLE_EQ(unit_factor("k", "1"), 1000.0);  // thousands of firms
    EXPECT_DOUBLE_EQ(unit_factor("1", "1"), 1.0);
    EXPECT_EQ(unit_factor("k", "MWh"), 0.0);
}

TEST(Observations, BandsFromAnIntervalOrAStandardError) {
    // the 90% quantile of the standard normal, 1.644853627
    EXPECT_NEAR(central_z(0.9), 1.6448536269514722, 1e-8);
    EXPECT_NEAR(central_z(0.95), 1.959963984540054, 1e-8);
    EXPECT_NEAR(central_z(0.99), 2.5758293035489, 1e-8);
    Observation o;
    o.value = 3.30;
    o.se = 0.17;
    Band b = band(o);
    EXPECT_NEAR(b.lo, 3.30 - 1.6448536 * 0.17, 1e-7);
    EXPECT_NEAR(b.hi, 3.30 + 1.6448536 * 0.17, 1e-7);
    EXPECT_DOUBLE_EQ(sigma(o), 0.17);
    o.error = ErrorModel::lognormal;
    o.se = std::log(2.5);
    b = band(o);
    EXPECT_NEAR(b.hi / o.value, std::pow(2.5, 1.6448536), 1e-6);
    // an interval is the band as written; its sigma from its width at its level
    Observation i;
    i.value = 10;
    i.has_interval = true;
    i.lo = 5;
    i.hi = 30;
    EXPECT_DOUBLE_EQ(band(i).lo, 5.0);
    EXPECT_DOUBLE_EQ(band(i).hi, 30.0);
    EXPECT_NEAR(sigma(i), 25.0 / (2 * 1.6448536), 1e-6);
    i.error = ErrorModel::lognormal;
    EXPECT_NEAR(sigma(i), std::log(6.0) / (2 * 1.6448536), 1e-6);
}

TEST(Observations, PlausibilityFlagsWhatIsOutOfRange) {
    const RunResult r = hand_made();
    Observation inside, above, below;
    inside.of = of({"energy_electricity"}, 2018, 2018);  // simulated 106 MWh = 0.106 GWh
    inside.unit = "GWh";
    inside.unit_factor = 1000;
    inside.value = 0.1;
    inside.se = 0.01;
    above = inside;  // band 0.05 +/- 0.0329: 0.106 is above
    above.value = 0.05;
    above.se = 0.02;
    below = inside;  // interval [0.2, 0.4]: below
    below.has_interval = true;
    below.lo = 0.2;
    below.hi = 0.4;
    const std::vector<Observation> refs{inside, above, below};
    const auto rows = check_plausibility(r, refs);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_DOUBLE_EQ(rows[0].simulated, 0.106);
    EXPECT_EQ(rows[0].verdict, 0);
    EXPECT_EQ(rows[1].verdict, 1);
    EXPECT_EQ(rows[2].verdict, -1);
}

// The table of observable variables says what the model writes: every entry is a
// variable of a run with the same dimensions and units.
TEST(Observations, TableMatchesTheModelsOutputs) {
    Scenario s = fixtures::full_scenario(20);
    s.input_output.sectors = {"services"};  // a one-sector table, for the supplier variables
    s.input_output.coefficients = {0.1};
    s.input_output.value_added = {0.5};
    s.input_output.jobs = {2.0};
    for (auto& k : s.technologies) k.suppliers = {{0, 1.0}};
    const RunResult r = simulate(s);
    for (const auto& ov : observable_variables()) {
        const Variable* v = r.find(ov.name);
        ASSERT_NE(v, nullptr) << ov.name;
        EXPECT_EQ(v->dims, ov.dims) << ov.name;
        EXPECT_EQ(v->units, ov.units) << ov.name;
        const bool timed = !v->dims.empty() && v->dims.front() == Dim::time;
        EXPECT_EQ(timed, ov.rule != TimeRule::fixed) << ov.name;
    }
}
