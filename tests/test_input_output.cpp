// The supplier ecosystem of a run (core/input_output.cpp) checked against direct
// computations on a tiny scenario: final demand from local demand and supplier
// shares, the Leontief balance x = A x + y on the model's own output, value added and
// job-years, the by-size attribution, the batch indicators, and the scenario schema's
// round trip.
#include <gtest/gtest.h>

#include <cmath>

#include "batch/ensemble.hpp"
#include "batch/indicators.hpp"
#include "core/model.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"
#include "test_support.hpp"

using namespace greenshift;

namespace {

// Three io sectors: the two firm sectors' names reused, plus construction.
Scenario with_table(Scenario s) {
    InputOutput& io = s.input_output;
    io.sectors = {"textile", "construction", "services"};
    io.coefficients = {0.10, 0.00, 0.05,   // from textile
                       0.02, 0.05, 0.02,   // from construction
                       0.12, 0.10, 0.20};  // from services
    io.value_added = {0.25, 0.40, 0.55};
    io.jobs = {3.0, 6.0, 4.0};
    s.technologies[0].suppliers = {{1, 0.6}, {2, 0.4}};
    s.technologies[1].suppliers = {{2, 1.0}};
    s.technologies[2].suppliers = {{0, 0.2}, {1, 0.3}, {2, 0.5}};
    return s;
}

const Variable& get(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    if (v == nullptr) throw std::runtime_error("no variable " + name);
    return *v;
}

double sum(const Variable& v) {
    double s = 0;
    for (double x : v.values) s += x;
    return s;
}

}  // namespace

TEST(InputOutput, FinalDemandIsLocalDemandTimesSupplierShares) {
    const Scenario sc = with_table(fixtures::full_scenario(60));
    const RunResult r = simulate(sc);
    ASSERT_EQ(r.coords.io_sector, sc.input_output.sectors);
    const Variable& local = get(r, "local_demand");  // time, sector, technology
    const Variable& y = get(r, "supplier_demand");   // time, io_sector
    EXPECT_EQ(y.dims, (std::vector<Dim>{Dim::time, Dim::io_sector}));
    EXPECT_EQ(y.units, "MAD");
    const std::size_t T = r.coords.year.size(), S = r.coords.sector.size(), K = r.coords.technology.size(), N = 3;
    double total = 0;
    for (std::size_t t = 0; t < T; ++t) {
        std::vector<double> want(N, 0.0);
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t k = 0; k < K; ++k)
                for (const auto& [j, share] : sc.technologies[k].suppliers)
                    want[static_cast<std::size_t>(j)] += local.values[(t * S + s) * K + k] * share;
        for (std::size_t j = 0; j < N; ++j) {
            EXPECT_NEAR(y.values[t * N + j], want[j], 1e-9 * (1 + want[j])) << "step " << t << " io sector " << j;
            total += want[j];
        }
    }
    EXPECT_GT(total, 0) << "the tiny scenario must invest something";
}

TEST(InputOutput, OutputBalancesIntermediateUseAndFinalDemand) {
    const Scenario sc = with_table(fixtures::full_scenario(60));
    const RunResult r = simulate(sc);
    const auto& a = sc.input_output.coefficients;
    const Variable& y = get(r, "supplier_demand");
    const Variable& x = get(r, "supplier_output");
    const Variable& ind = get(r, "supplier_output_indirect");
    const std::size_t T = r.coords.year.size(), N = 3;
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t i = 0; i < N; ++i) {
            double intermediate = 0;
            for (std::size_t j = 0; j < N; ++j) intermediate += a[i * N + j] * x.values[t * N + j];
            const double xi = x.values[t * N + i];
            EXPECT_NEAR(xi, intermediate + y.values[t * N + i], 1e-9 * (1 + xi)) << "step " << t;
            EXPECT_NEAR(ind.values[t * N + i], xi - y.values[t * N + i], 1e-9 * (1 + xi));
            EXPECT_GE(xi, y.values[t * N + i] - 1e-9 * (1 + xi)) << "(I - A)^-1 >= I for a productive table";
        }
}

TEST(InputOutput, ValueAddedAndJobYearsFollowTheCoefficients) {
    for (const int spy : {1, 4}) {  // job-years do not depend on the step length
        Scenario sc = with_table(fixtures::full_scenario(40));
        sc.run.steps_per_year = spy;
        const RunResult r = simulate(sc);
        const auto& io = sc.input_output;
        const Variable& y = get(r, "supplier_demand");
        const Variable& x = get(r, "supplier_output");
        const std::size_t N = 3;
        for (std::size_t i = 0; i < x.values.size(); ++i) {
            const std::size_t j = i % N;
            EXPECT_NEAR(get(r, "value_added_direct").values[i], io.value_added[j] * y.values[i], 1e-6);
            EXPECT_NEAR(get(r, "value_added_total").values[i], io.value_added[j] * x.values[i], 1e-6);
            EXPECT_NEAR(get(r, "jobs_direct").values[i], io.jobs[j] * y.values[i] / 1e6, 1e-9);
            EXPECT_NEAR(get(r, "jobs_total").values[i], io.jobs[j] * x.values[i] / 1e6, 1e-9);
        }
        EXPECT_EQ(get(r, "jobs_total").units, "job-years");
        // The by-size attribution adds up to the totals (Leontief is linear).
        EXPECT_NEAR(sum(get(r, "supplier_output_by_size")), sum(x), 1e-6 * (1 + sum(x)));
        EXPECT_NEAR(sum(get(r, "jobs_total_by_size")), sum(get(r, "jobs_total")), 1e-9 * (1 + sum(x)));
    }
}

TEST(InputOutput, NoTableNoVariables) {
    const RunResult r = simulate(fixtures::full_scenario(20));
    EXPECT_TRUE(r.coords.io_sector.empty());
    EXPECT_EQ(r.find("supplier_output"), nullptr);
    ASSERT_NE(r.find("technology_lifetime"), nullptr);
}

TEST(InputOutput, IndicatorsMatchADirectComputation) {
    const Scenario programme = with_table(fixtures::full_scenario(80));
    const Scenario baseline = fixtures::without_policies(programme);
    const RunResult v = simulate(programme), b = simulate(baseline);
    const auto defs = indicators::definitions(v.coords);
    const auto values = indicators::values(v, b);
    ASSERT_EQ(defs.size(), values.size());
    const auto at = [&](const std::string& name) {
        for (std::size_t i = 0; i < defs.size(); ++i)
            if (defs[i].name == name) return values[i];
        ADD_FAILURE() << "no indicator " << name;
        return std::nan("");
    };
    const auto added = [&](const std::string& name) { return sum(get(v, name)) - sum(get(b, name)); };
    EXPECT_NEAR(at("jobs_direct_added"), added("jobs_direct"), 1e-9);
    EXPECT_NEAR(at("jobs_indirect_added"), added("jobs_total") - added("jobs_direct"), 1e-9);
    // Job-years over the horizon, and the average number of jobs per year of it.
    const double years = v.coords.year.back() - v.coords.year.front() + 1;
    EXPECT_NEAR(at("jobs_direct_per_year"), added("jobs_direct") / years, 1e-9);
    EXPECT_NEAR(at("jobs_indirect_per_year"), (added("jobs_total") - added("jobs_direct")) / years, 1e-9);
    EXPECT_NEAR(at("value_added_direct_added"), added("value_added_direct"), 1e-3);
    EXPECT_NEAR(at("value_added_indirect_added"), added("value_added_total") - added("value_added_direct"), 1e-3);
    EXPECT_NEAR(at("supplier_demand_added"), added("supplier_demand"), 1e-3);
    double per_sector = 0;
    for (const auto& j : v.coords.io_sector) per_sector += at("supplier_output_added_" + j);
    EXPECT_NEAR(per_sector, added("supplier_output"), 1e-3 * (1 + std::abs(per_sector)));
    const auto count_last = [](const RunResult& r, const std::string& n) {
        return static_cast<double>(get(r, n).counts.back());
    };
    EXPECT_EQ(at("tpme_labelled"), count_last(v, "firms_labelled") - count_last(b, "firms_labelled"));
    EXPECT_GT(at("tpme_labelled"), 0);

    // Lifetime CO2: horizon avoided + last year's avoided x mean remaining life of
    // the extra capex still in service, computed here from the definition.
    const auto& c = v.coords;
    const std::size_t T = c.year.size(), S = c.sector.size(), K = c.technology.size();
    const double co2 = sum(get(b, "co2_emissions")) - sum(get(v, "co2_emissions"));
    EXPECT_NEAR(at("co2_avoided"), co2, 1e-6);
    double last = 0, weighted = 0, weight = 0;
    for (std::size_t t = 0; t < T; ++t)  // every step of the last calendar year
        if (c.year[t] == c.year.back())
            for (std::size_t s = 0; s < S; ++s)
                last += get(b, "co2_emissions").values[t * S + s] - get(v, "co2_emissions").values[t * S + s];
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t k = 0; k < K; ++k) {
            const double rem = c.year[t] + programme.technologies[k].lifetime - (c.year.back() + 1.0);
            double extra = 0;
            for (std::size_t s = 0; s < S; ++s)
                extra += get(v, "investment_total").values[(t * S + s) * K + k] -
                         get(b, "investment_total").values[(t * S + s) * K + k];
            if (rem > 0 && extra > 0) weighted += extra * rem, weight += extra;
        }
    const double lifetime = co2 + last * (weight > 0 ? weighted / weight : 0.0);
    EXPECT_NEAR(at("co2_avoided_lifetime"), lifetime, 1e-6 * (1 + std::abs(lifetime)));
    const double cost = at("public_cost_total");
    if (lifetime >= 1) {
        EXPECT_NEAR(at("cost_per_tco2_lifetime_total"), cost / lifetime, 1e-9 * (1 + cost));
    }

    // Effects over io_sector exist and add up to the indicators.
    double jobs = 0;
    for (const Variable& e : ensemble::effects(v, b))
        if (e.name == "jobs_direct_added") jobs = sum(e);
    EXPECT_NEAR(jobs, at("jobs_direct_added"), 1e-9);
}

TEST(InputOutput, ScenarioRoundTripAndTransactions) {
    const std::string base = R"(run: {start_year: 2017, end_year: 2020}
electricity: {price: 1.1, emission_factor: 0.7}
sectors:
  textile: {firms: {micro: 50, small: 10}, output_median: 2.0e6, electricity_intensity: 0.1, hurdle_rate: 0.2}
technologies:
  rooftop_pv:
    acts_on: electricity
    savings_fraction: 0.3
    yield: 1600
    capex: 9000
    lifetime: 25
    suppliers: {construction: 0.7, services: 0.3}
input_output:
  sectors: [textile, construction, services]
)";
    const Scenario a = load_scenario_text(base + R"(  coefficients:
    textile: {textile: 0.1}
    services: {textile: 0.12, construction: 0.1, services: 0.2}
  value_added: {textile: 0.3, construction: 0.4, services: 0.5}
  jobs: {textile: 2, construction: 6, services: 4}
)", "io.yaml");
    // The same table as transactions: z_ij = a_ij x_j with x = (100, 50, 200).
    const Scenario t = load_scenario_text(base + R"(  transactions:
    textile: {textile: 10}
    services: {textile: 12, construction: 5, services: 40}
  total_output: {textile: 100, construction: 50, services: 200}
  value_added: {textile: 0.3, construction: 0.4, services: 0.5}
  jobs: {textile: 2, construction: 6, services: 4}
)", "io.yaml");
    ASSERT_EQ(a.input_output.coefficients.size(), 9u);
    for (std::size_t i = 0; i < 9; ++i)
        EXPECT_NEAR(a.input_output.coefficients[i], t.input_output.coefficients[i], 1e-15) << i;
    EXPECT_EQ(a.technologies[0].suppliers, (std::vector<std::pair<int, double>>{{1, 0.7}, {2, 0.3}}));
    const Scenario again = load_scenario_text(to_yaml(a), "again.yaml");
    EXPECT_EQ(again.input_output.sectors, a.input_output.sectors);
    EXPECT_EQ(again.input_output.coefficients, a.input_output.coefficients);
    EXPECT_EQ(again.input_output.value_added, a.input_output.value_added);
    EXPECT_EQ(again.input_output.jobs, a.input_output.jobs);
    EXPECT_EQ(again.technologies[0].suppliers, a.technologies[0].suppliers);
    EXPECT_EQ(to_yaml(again), to_yaml(a));
}
