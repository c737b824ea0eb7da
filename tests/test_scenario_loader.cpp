// The scenario loader on valid input: values, defaults, the two forms of by-size
// values and paths, --set overrides, the to_yaml round trip and the memory check.
#include "io/input_error.hpp"
#include "io/memory_check.hpp"
#include "io/scenario_loader.hpp"
#include "io/scenario_yaml.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>

using namespace greenshift;

namespace {

const std::string kSmall = std::string(GREENSHIFT_TEST_DATA) + "/data/small.yaml";

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `load` and returns the InputError it must throw.
template <typename F>
InputError expect_input_error(F&& load) {
    try {
        load();
    } catch (const InputError& e) {
        return e;
    }
    ADD_FAILURE() << "no InputError";
    return InputError("", 0, 0, "");
}

void expect_contains(const InputError& e, const std::string& fragment) {
    EXPECT_NE(e.message().find(fragment), std::string::npos) << "missing '" << fragment << "' in: " << e.what();
}

void expect_same(const Path& a, const Path& b, const std::string& what) {
    EXPECT_EQ(a.years, b.years) << what;
    EXPECT_EQ(a.values, b.values) << what;
}

// Field by field, doubles compared exactly: the round trip must lose nothing.
void expect_same(const Scenario& a, const Scenario& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.description, b.description);
    EXPECT_EQ(a.run.start_year, b.run.start_year);
    EXPECT_EQ(a.run.end_year, b.run.end_year);
    EXPECT_EQ(a.run.steps_per_year, b.run.steps_per_year);
    EXPECT_EQ(a.run.seed, b.run.seed);
    EXPECT_EQ(a.run.run_index, b.run.run_index);
    expect_same(a.electricity_price, b.electricity_price, "electricity.price");
    expect_same(a.grid_emission_factor, b.grid_emission_factor, "electricity.emission_factor");
    ASSERT_EQ(a.fuels.size(), b.fuels.size());
    for (std::size_t i = 0; i < a.fuels.size(); ++i) {
        EXPECT_EQ(a.fuels[i].name, b.fuels[i].name);
        expect_same(a.fuels[i].price, b.fuels[i].price, a.fuels[i].name);
        EXPECT_EQ(a.fuels[i].emission_factor, b.fuels[i].emission_factor);
    }
    ASSERT_EQ(a.sectors.size(), b.sectors.size());
    for (std::size_t i = 0; i < a.sectors.size(); ++i) {
        const Sector &x = a.sectors[i], &y = b.sectors[i];
        SCOPED_TRACE(x.name);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.firms, y.firms);
        EXPECT_EQ(x.output_median, y.output_median);
        EXPECT_EQ(x.output_sigma, y.output_sigma);
        EXPECT_EQ(x.electricity_intensity, y.electricity_intensity);
        EXPECT_EQ(x.heat_intensity, y.heat_intensity);
        EXPECT_EQ(x.intensity_sigma, y.intensity_sigma);
        ASSERT_EQ(x.fuel_mix.size(), y.fuel_mix.size());
        for (std::size_t k = 0; k < x.fuel_mix.size(); ++k) {
            EXPECT_EQ(x.fuel_mix[k].fuel, y.fuel_mix[k].fuel);
            EXPECT_EQ(x.fuel_mix[k].share, y.fuel_mix[k].share);
        }
        expect_same(x.output_growth, y.output_growth, "output_growth");
        EXPECT_EQ(x.hurdle_rate, y.hurdle_rate);
        EXPECT_EQ(x.credit_access, y.credit_access);
        EXPECT_EQ(x.high_growth_share, y.high_growth_share);
        EXPECT_EQ(x.nonenergy_cost, y.nonenergy_cost);
        for (std::size_t k = 0; k < a.technologies.size(); ++k)
            for (int z = 0; z < kSizeClasses; ++z) {
                EXPECT_EQ(x.potential(static_cast<int>(k), z), y.potential(static_cast<int>(k), z));
                EXPECT_EQ(x.base(static_cast<int>(k), z), y.base(static_cast<int>(k), z));
            }
    }
    ASSERT_EQ(a.technologies.size(), b.technologies.size());
    for (std::size_t i = 0; i < a.technologies.size(); ++i) {
        const Technology &x = a.technologies[i], &y = b.technologies[i];
        SCOPED_TRACE(x.name);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.unit, y.unit);
        EXPECT_EQ(x.acts_on, y.acts_on);
        EXPECT_EQ(x.savings_fraction, y.savings_fraction);
        EXPECT_EQ(x.yield, y.yield);
        EXPECT_EQ(x.extra_electricity, y.extra_electricity);
        EXPECT_EQ(x.capex, y.capex);
        EXPECT_EQ(x.opex, y.opex);
        EXPECT_EQ(x.lifetime, y.lifetime);
        EXPECT_EQ(x.learning_rate, y.learning_rate);
        expect_same(x.world_capacity, y.world_capacity, "world_capacity");
        EXPECT_EQ(x.local_content, y.local_content);
        EXPECT_EQ(x.bass_p, y.bass_p);
        EXPECT_EQ(x.bass_q, y.bass_q);
        EXPECT_EQ(x.transaction_cost, y.transaction_cost);
        EXPECT_EQ(x.max_capacity, y.max_capacity);
        EXPECT_EQ(x.base_max_age(), y.base_max_age());
    }
    EXPECT_EQ(a.decision.rule, b.decision.rule);
    EXPECT_EQ(a.decision.max_rate, b.decision.max_rate);
    EXPECT_EQ(a.decision.midpoint, b.decision.midpoint);
    EXPECT_EQ(a.decision.steepness, b.decision.steepness);
    expect_same(a.decision.mms_curve, b.decision.mms_curve, "mms_curve");
    EXPECT_EQ(a.decision.speed, b.decision.speed);
    EXPECT_EQ(a.decision.no_credit_premium, b.decision.no_credit_premium);
    ASSERT_EQ(a.policies.size(), b.policies.size());
    for (std::size_t i = 0; i < a.policies.size(); ++i) {
        const Policy &x = a.policies[i], &y = b.policies[i];
        SCOPED_TRACE(x.name);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.type, y.type);
        EXPECT_EQ(x.start_year, y.start_year);
        EXPECT_EQ(x.end_year, y.end_year);
        EXPECT_EQ(x.eligible.size_classes, y.eligible.size_classes);
        EXPECT_EQ(x.eligible.sectors, y.eligible.sectors);
        EXPECT_EQ(x.eligible.technologies, y.eligible.technologies);
        EXPECT_EQ(x.eligible.labelled_only, y.eligible.labelled_only);
        EXPECT_EQ(x.eligible.min_project_capex, y.eligible.min_project_capex);
        EXPECT_EQ(x.rate, y.rate);
        EXPECT_EQ(x.cap_per_firm, y.cap_per_firm);
        EXPECT_EQ(x.annual_budget, y.annual_budget);
        EXPECT_EQ(x.order, y.order);
        EXPECT_EQ(x.local_content_lift, y.local_content_lift);
        EXPECT_EQ(x.local_content_max, y.local_content_max);
        EXPECT_EQ(x.loan_share, y.loan_share);
        EXPECT_EQ(x.interest, y.interest);
        EXPECT_EQ(x.tenor, y.tenor);
        expect_same(x.price, y.price, "price");
        EXPECT_EQ(x.on_electricity, y.on_electricity);
        EXPECT_EQ(x.on_heat, y.on_heat);
        EXPECT_EQ(x.capacity, y.capacity);
        EXPECT_EQ(x.awareness_lift, y.awareness_lift);
        EXPECT_EQ(x.threshold_toe, y.threshold_toe);
        EXPECT_EQ(x.period, y.period);
        EXPECT_EQ(x.cap_scope, y.cap_scope);
        EXPECT_EQ(x.requires_loan, y.requires_loan);
        EXPECT_EQ(x.annual_lending, y.annual_lending);
        EXPECT_EQ(x.cost_per_firm, y.cost_per_firm);
        EXPECT_EQ(x.admin_cost_share, y.admin_cost_share);
        expect_same(x.compliance, y.compliance, "compliance");
    }
    ASSERT_EQ(a.references.size(), b.references.size());
    for (std::size_t i = 0; i < a.references.size(); ++i) {
        const Observation &x = a.references[i], &y = b.references[i];
        SCOPED_TRACE(x.name);
        EXPECT_EQ(x.name, y.name);
        for (const auto& [p, q] : {std::pair{&x.of, &y.of}, std::pair{&x.per, &y.per}}) {
            EXPECT_EQ(p->variables, q->variables);
            EXPECT_EQ(p->sectors, q->sectors);
            EXPECT_EQ(p->size_classes, q->size_classes);
            EXPECT_EQ(p->technologies, q->technologies);
            EXPECT_EQ(p->policies, q->policies);
            EXPECT_EQ(p->first_year, q->first_year);
            EXPECT_EQ(p->last_year, q->last_year);
            EXPECT_EQ(p->combine, q->combine);
        }
        EXPECT_EQ(x.has_per, y.has_per);
        EXPECT_EQ(x.value, y.value);
        EXPECT_EQ(x.unit, y.unit);
        EXPECT_EQ(x.unit_factor, y.unit_factor);
        EXPECT_EQ(x.error, y.error);
        EXPECT_EQ(x.se, y.se);
        EXPECT_EQ(x.has_interval, y.has_interval);
        EXPECT_EQ(x.lo, y.lo);
        EXPECT_EQ(x.hi, y.hi);
        EXPECT_EQ(x.level, y.level);
        EXPECT_EQ(x.source, y.source);
        EXPECT_EQ(x.note, y.note);
    }
}

// The smallest valid scenario, for tests that change one thing.
const std::string kMinimal = R"(run:
  start_year: 2017
  end_year: 2030
electricity:
  price: 1.1
  emission_factor: 0.7
sectors:
  textile:
    firms: {micro: 100, small: 20}
    output_median: 2.0e6
    electricity_intensity: 0.1
    hurdle_rate: 0.2
technologies:
  rooftop_pv:
    acts_on: electricity
    savings_fraction: 0.3
    yield: 1600
    capex: 9000
    lifetime: 25
)";

TEST(ScenarioLoader, ReadsEveryValueOfTheSmallScenario) {
    const Scenario s = load_scenario(kSmall);
    EXPECT_EQ(s.name, "small_test");
    EXPECT_EQ(s.description, "Two ecosystems, three technologies, every policy type once.");
    EXPECT_EQ(s.run.start_year, 2017);
    EXPECT_EQ(s.run.end_year, 2030);
    EXPECT_EQ(s.run.steps_per_year, 4);
    EXPECT_EQ(s.run.seed, 7u);
    expect_same(s.electricity_price, Path{{2017, 2025, 2030}, {1.05, 1.2, 1.3}}, "electricity.price");
    expect_same(s.grid_emission_factor, Path::constant(0.72), "emission_factor");

    ASSERT_EQ(s.fuels.size(), 2u);  // document order
    EXPECT_EQ(s.fuels[0].name, "natural_gas");
    EXPECT_EQ(s.fuels[1].name, "fuel_oil");
    expect_same(s.fuels[1].price, Path{{2017, 2030}, {0.55, 0.7}}, "fuel_oil.price");
    EXPECT_EQ(s.fuels[1].emission_factor, 0.279);

    ASSERT_EQ(s.sectors.size(), 2u);
    const Sector& tex = s.sectors[0];
    EXPECT_EQ(tex.name, "textile");
    EXPECT_EQ(tex.firms, (std::array<std::uint64_t, 4>{1200, 300, 80, 12}));
    EXPECT_EQ(tex.output_median, (std::array<double, 4>{1.5e6, 8e6, 4e7, 3e8}));
    EXPECT_EQ(tex.output_sigma, (std::array<double, 4>{0.9, 0.9, 0.9, 0.9}));  // scalar -> all four
    EXPECT_EQ(tex.heat_intensity[0], 0.3);
    ASSERT_EQ(tex.fuel_mix.size(), 2u);
    EXPECT_EQ(tex.fuel_mix[0].fuel, 0);
    EXPECT_EQ(tex.fuel_mix[0].share, 0.25);
    EXPECT_EQ(tex.fuel_mix[1].fuel, 1);
    EXPECT_EQ(tex.hurdle_rate, (std::array<double, 4>{0.25, 0.2, 0.15, 0.1}));
    EXPECT_EQ(tex.high_growth_share, 0.12);
    EXPECT_EQ(s.total_firms(), 1592u + 170u);

    ASSERT_EQ(s.technologies.size(), 3u);
    EXPECT_EQ(s.technologies[0].unit, "kWp");
    EXPECT_EQ(s.technologies[0].learning_rate, 0.2);
    expect_same(s.technologies[0].world_capacity, Path{{2017, 2030}, {4e8, 2e9}}, "world_capacity");
    EXPECT_EQ(s.technologies[2].acts_on, Carrier::heat);
    EXPECT_EQ(s.technologies[2].extra_electricity, 0.02);

    EXPECT_EQ(s.decision.max_rate, 0.25);
    EXPECT_EQ(s.decision.midpoint, 0.4);

    ASSERT_EQ(s.policies.size(), 7u);
    const Policy& grant = s.policies[0];
    EXPECT_EQ(grant.type, PolicyType::capex_grant);
    EXPECT_EQ(grant.start_year, 2018);
    EXPECT_EQ(grant.end_year, 2025);
    EXPECT_EQ(grant.eligible.size_classes, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(grant.eligible.technologies, (std::vector<int>{0, 2}));
    EXPECT_EQ(grant.annual_budget, 5e7);
    EXPECT_EQ(grant.order, AllocationOrder::co2_per_dirham);
    const Policy& fund = s.policies[1];
    EXPECT_EQ(fund.type, PolicyType::green_investment_fund);
    EXPECT_EQ(fund.eligible.min_project_capex, 1e6);
    EXPECT_EQ(fund.local_content_max, 0.6);
    EXPECT_EQ(s.policies[2].type, PolicyType::concessional_loan);
    EXPECT_EQ(s.policies[2].tenor, 10);
    const Policy& tax = s.policies[3];
    EXPECT_EQ(tax.type, PolicyType::carbon_price);
    EXPECT_FALSE(tax.on_electricity);
    EXPECT_TRUE(tax.on_heat);
    expect_same(tax.price, Path{{2025, 2030}, {100, 250}}, "carbon price");
    const Policy& ta = s.policies[4];
    EXPECT_EQ(ta.eligible.sectors, (std::vector<int>{0}));
    EXPECT_TRUE(ta.eligible.labelled_only);
    EXPECT_EQ(ta.capacity, 200u);
    EXPECT_EQ(s.policies[5].type, PolicyType::tpme_label);
    EXPECT_EQ(s.policies[6].type, PolicyType::audit_mandate);
    EXPECT_EQ(s.policies[6].threshold_toe, 500);
}

TEST(ScenarioLoader, FillsTheSchemaDefaults) {
    const Scenario s = load_scenario(kSmall);
    const Sector& agri = s.sectors[1];
    EXPECT_EQ(agri.firms, (std::array<std::uint64_t, 4>{0, 150, 0, 20}));  // omitted classes are 0
    EXPECT_EQ(agri.output_median, (std::array<double, 4>{2e7, 2e7, 2e7, 2e7}));
    EXPECT_EQ(agri.output_sigma, (std::array<double, 4>{1, 1, 1, 1}));
    EXPECT_EQ(agri.heat_intensity[0], 0);
    EXPECT_TRUE(agri.fuel_mix.empty());
    EXPECT_EQ(agri.intensity_sigma, 0.3);
    expect_same(agri.output_growth, Path::constant(0), "output_growth");
    EXPECT_EQ(agri.credit_access, (std::array<double, 4>{1, 1, 1, 1}));
    EXPECT_EQ(agri.high_growth_share, 0.1);
    EXPECT_EQ(agri.nonenergy_cost, 0.85);

    const Technology& eff = s.technologies[1];
    EXPECT_EQ(eff.unit, "kW");
    EXPECT_EQ(eff.opex, 0);
    EXPECT_EQ(eff.learning_rate, 0);
    expect_same(eff.world_capacity, Path::constant(1), "world_capacity");
    EXPECT_EQ(eff.local_content, 0);
    EXPECT_EQ(eff.bass_p, 0.01);
    EXPECT_EQ(eff.bass_q, 0.3);

    EXPECT_EQ(s.decision.rule, DecisionRule::logistic);
    EXPECT_EQ(s.decision.steepness, 4);
    expect_same(s.decision.mms_curve, Path{{0, 2, 5, 10, 20}, {1, 0.6, 0.3, 0.1, 0}}, "mms_curve");
    EXPECT_EQ(s.decision.speed, 0.3);
    EXPECT_EQ(s.decision.no_credit_premium, 0.05);

    const Policy& fund = s.policies[1];
    EXPECT_EQ(fund.start_year, 2017);  // run.start_year
    EXPECT_EQ(fund.end_year, 2030);    // run.end_year
    EXPECT_EQ(fund.cap_per_firm, 0);
    EXPECT_EQ(fund.order, AllocationOrder::lottery);
    EXPECT_EQ(s.policies[2].cap_per_firm, 0);
    EXPECT_EQ(s.policies[5].eligible.size_classes, (std::vector<int>{0, 1, 2}));  // TPME
    EXPECT_FALSE(s.policies[5].eligible.labelled_only);
    EXPECT_EQ(s.policies[6].period, 5);
    EXPECT_TRUE(s.policies[2].eligible.sectors.empty());  // all

    const Scenario m = load_scenario_text(kMinimal, "cases/my_case.yaml");
    EXPECT_EQ(m.name, "my_case");  // the file stem
    EXPECT_EQ(m.run.steps_per_year, 1);
    EXPECT_EQ(m.run.seed, 20161107u);
    EXPECT_TRUE(m.fuels.empty());
    EXPECT_TRUE(m.policies.empty());
}

TEST(ScenarioLoader, OptionalSectionsMayBeLeftEmpty) {
    const Scenario s = load_scenario_text(kMinimal + "fuels:\ndecision:\npolicies:\n", "x.yaml");
    EXPECT_TRUE(s.fuels.empty());
    EXPECT_TRUE(s.policies.empty());
    EXPECT_EQ(s.decision.rule, DecisionRule::logistic);
    const Scenario t = load_scenario_text(kMinimal + "decision:\n", "x.yaml", {"decision.speed=0.5"});
    EXPECT_EQ(t.decision.speed, 0.5);
}

// The raw-text pre-scan must not refuse what is only text: brackets in comments,
// quotes and block scalars, tabs after the indentation, CRLF line ends, a BOM.
TEST(ScenarioLoader, AcceptsBenignTextThatLooksLikeNesting) {
    const std::string brackets(100, '[');
    const std::string text = "# " + brackets + "\n" + kMinimal +
                             "description: |\n  " + brackets + "\n  {{{{ ]]] it's\n" +
                             "name: \"" + brackets + "\"   # " + brackets + "\n";
    const Scenario s = load_scenario_text(text, "x.yaml");
    EXPECT_EQ(s.description, brackets + "\n{{{{ ]]] it's\n");
    EXPECT_EQ(s.name, brackets);

    std::string crlf;
    for (char c : kMinimal + "name:\tcrlf   \t# tab after the indentation\n") {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    EXPECT_EQ(load_scenario_text("\xEF\xBB\xBF" + crlf, "x.yaml").name, "crlf");
}

TEST(ScenarioLoader, AcceptsWholeNumbersWrittenAsDecimalsOrExponents) {
    Scenario s = load_scenario_text(kMinimal, "x.yaml", {"sectors.textile.firms.micro=1.2e3", "run.seed=18446744073709551615"});
    EXPECT_EQ(s.sectors[0].firms[0], 1200u);
    EXPECT_EQ(s.run.seed, 18446744073709551615u);
    s = load_scenario_text(kMinimal, "x.yaml", {"sectors.textile.firms.micro=100.0", "run.end_year=+2030"});
    EXPECT_EQ(s.sectors[0].firms[0], 100u);
    EXPECT_EQ(s.run.end_year, 2030);
    expect_contains(expect_input_error([] { load_scenario_text(kMinimal, "x.yaml", {"sectors.textile.firms.micro=1.25e1"}); }),
                    "expected a non-negative integer (a whole number), got '1.25e1'");
}

TEST(ScenarioLoader, PathsAreConstantsOrYearMaps) {
    Scenario s = load_scenario_text(kMinimal, "x.yaml", {"electricity.price={1990.5: 1, 2030: 2}"});
    expect_same(s.electricity_price, Path{{1990.5, 2030}, {1, 2}}, "price");
    s = load_scenario_text(kMinimal, "x.yaml", {"electricity.price={2020: 1.5}"});
    expect_same(s.electricity_price, Path{{2020}, {1.5}}, "price");
    expect_contains(expect_input_error([] { load_scenario_text(kMinimal, "x.yaml", {"electricity.price={2030: 1, 2030.0: 2}"}); }),
                    "strictly increasing");
    expect_contains(expect_input_error([] { load_scenario_text(kMinimal, "x.yaml", {"electricity.price=[1, 2]"}); }),
                    "expected a number or a map {year: value}, got a list");
    expect_contains(expect_input_error([] { load_scenario_text(kMinimal, "x.yaml", {"electricity.price={}"}); }),
                    "expected a number or a map {year: value}, got a map");
}

TEST(ScenarioLoader, BySizeMapNeedsAllFourClasses) {
    const InputError e = expect_input_error(
        [] { load_scenario_text(kMinimal, "x.yaml", {"sectors.textile.hurdle_rate={micro: 0.2, small: 0.2, medium: 0.1}"}); });
    expect_contains(e, "sectors.textile.hurdle_rate: missing required key 'large'");
    const InputError f = expect_input_error(
        [] { load_scenario_text(kMinimal, "x.yaml", {"sectors.textile.hurdle_rate={micro: 0.2, smal: 0.2}"}); });
    expect_contains(f, "unknown key 'smal'");
    expect_contains(f, "did you mean 'small'?");
}

TEST(ScenarioLoader, OverridesChangeCreateAndReplaceValues) {
    const Scenario s = load_scenario(kSmall, std::vector<std::string>{
                                                 "policies.cop22_grant.annual_budget=2.5e7",
                                                 "run.seed=99",
                                                 "sectors.textile.firms.micro=100",
                                                 "electricity.price=1.2",
                                                 "sectors.agrifood.output_sigma=0.5",   // not in the file
                                                 "decision.rule=max_market_share",
                                                 "policies.cop22_grant.eligible.size_classes=[micro, small]",
                                                 "policies.carbon_tax.price={2025: 50, 2030: 80}",
                                                 "technologies.rooftop_pv.world_capacity.2030=3e9",  // a year of a path
                                                 "run.seed=100",  // the last one wins
                                             });
    EXPECT_EQ(s.policies[0].annual_budget, 2.5e7);
    EXPECT_EQ(s.run.seed, 100u);
    EXPECT_EQ(s.sectors[0].firms[0], 100u);
    expect_same(s.electricity_price, Path::constant(1.2), "price");
    EXPECT_EQ(s.sectors[1].output_sigma, (std::array<double, 4>{0.5, 0.5, 0.5, 0.5}));
    EXPECT_EQ(s.decision.rule, DecisionRule::max_market_share);
    EXPECT_EQ(s.policies[0].eligible.size_classes, (std::vector<int>{0, 1}));
    expect_same(s.policies[3].price, Path{{2025, 2030}, {50, 80}}, "carbon price");
    expect_same(s.technologies[0].world_capacity, Path{{2017, 2030}, {4e8, 3e9}}, "world_capacity");

    // decision: absent from the minimal file, created by --set
    const Scenario m = load_scenario_text(kMinimal, "x.yaml", {"decision.rule=bass"});
    EXPECT_EQ(m.decision.rule, DecisionRule::bass);
}

// `-key.path` (--unset) removes a key of the file: a policy disappears, an optional
// key falls back to its default, and a later --set can write the key again.
TEST(ScenarioLoader, UnsetRemovesKeysOfTheFile) {
    const Scenario full = load_scenario(kSmall);
    const Scenario s = load_scenario(kSmall, std::vector<std::string>{"-policies.green_fund", "-policies.cop22_grant.cap_per_firm"});
    ASSERT_EQ(s.policies.size() + 1, full.policies.size());
    for (const auto& p : s.policies) EXPECT_NE(p.name, "green_fund");
    EXPECT_EQ(s.policies[0].name, "cop22_grant");
    EXPECT_EQ(full.policies[0].cap_per_firm, 500000.0);
    EXPECT_EQ(s.policies[0].cap_per_firm, 0.0);  // the default: no cap
    // removed, then set again: as if never removed
    const Scenario again = load_scenario(kSmall, std::vector<std::string>{"-policies.cop22_grant.rate", "policies.cop22_grant.rate=0.3"});
    EXPECT_EQ(to_yaml(again), to_yaml(full));
}

TEST(ScenarioLoader, BadOverridesNameTheOptionAndSuggest) {
    InputError e = expect_input_error([] { load_scenario(kSmall, {"policies.cop22_grant.anual_budget=1"}); });
    EXPECT_EQ(e.line(), 0);
    expect_contains(e, "--set policies.cop22_grant.anual_budget=1: no key 'anual_budget'");
    expect_contains(e, "did you mean 'annual_budget'?");

    e = expect_input_error([] { load_scenario(kSmall, {"sectors.textle.firms.micro=5"}); });
    expect_contains(e, "--set sectors.textle.firms.micro=5");
    expect_contains(e, "did you mean 'textile'?");

    e = expect_input_error([] { load_scenario(kSmall, {"-policies.cop22_grnt"}); });
    expect_contains(e, "--unset policies.cop22_grnt: no key 'cop22_grnt' to remove under 'policies' in the file");
    expect_contains(e, "did you mean 'cop22_grant'?");
    e = expect_input_error([] { load_scenario(kSmall, {"-run.seed.x"}); });
    expect_contains(e, "--unset run.seed.x: no key 'x' to remove under 'run.seed', which is not a map");
    e = expect_input_error([] { load_scenario(kSmall, {"-run.start_year"}); });  // required: the file is then refused
    expect_contains(e, "missing required key 'start_year'");

    e = expect_input_error([] { load_scenario(kSmall, {"run.seed"}); });
    expect_contains(e, "--set run.seed: expected key.path=value");

    e = expect_input_error([] { load_scenario(kSmall, {"run..seed=1"}); });
    expect_contains(e, "empty part in the key path");

    e = expect_input_error([] { load_scenario(kSmall, {"run.seed=abc"}); });
    expect_contains(e, "--set run.seed=abc: run.seed: expected a non-negative integer, got 'abc'");

    e = expect_input_error([] { load_scenario(kSmall, {"sectors.agrifood.output_median.micro=5"}); });
    expect_contains(e, "'sectors.agrifood.output_median' is a single value, not a map");

    e = expect_input_error([] { load_scenario(kSmall, {"policies.cop22_grant.rate=[1"}); });
    expect_contains(e, "--set policies.cop22_grant.rate=[1: YAML syntax error");

    e = expect_input_error([] { load_scenario(kSmall, {"policies.green_loan.annual_budget=5"}); });
    expect_contains(e, "no key 'annual_budget'");

    // A value refused by validation still names the option, not a line of the file.
    e = expect_input_error([] { load_scenario(kSmall, {"policies.cop22_grant.rate=2"}); });
    EXPECT_EQ(e.line(), 0);
    expect_contains(e, "--set policies.cop22_grant.rate=2: policies.cop22_grant.rate: out of range, got '2'; allowed: (0, 1]");
}

// An error caused by a change says which one (kind, index) and which part of it, so
// that the batch loader can point at the line that asked for the change.
TEST(ScenarioLoader, ErrorsInChangesSayWhichChangeAndWhichPart) {
    LoadOptions o;
    o.overrides = {"run.seed=3", "policies.cop22_grant.anual_budget=1"};
    InputError e = expect_input_error([&] { load_scenario(kSmall, o); });
    EXPECT_EQ(e.change().kind, InputChange::Kind::override_text);
    EXPECT_EQ(e.change().index, 1u);
    EXPECT_EQ(e.change().part, InputChange::Part::key_path);
    EXPECT_EQ(e.message(), "--set policies.cop22_grant.anual_budget=1: " + e.detail());
    EXPECT_EQ(e.detail().rfind("no key 'anual_budget'", 0), 0u) << e.detail();

    o.overrides = {"run.seed=3", "-policies.green_fund", "policies.cop22_grant.rate=2"};
    e = expect_input_error([&] { load_scenario(kSmall, o); });
    EXPECT_EQ(e.change().kind, InputChange::Kind::override_text);
    EXPECT_EQ(e.change().index, 2u);
    EXPECT_EQ(e.change().part, InputChange::Part::value);
    EXPECT_EQ(e.detail(), "policies.cop22_grant.rate: out of range, got '2'; allowed: (0, 1]");

    o.overrides = {"run.seed=3", "-policies.cop22_grnt"};
    e = expect_input_error([&] { load_scenario(kSmall, o); });
    EXPECT_EQ(e.change().index, 1u);
    EXPECT_EQ(e.change().part, InputChange::Part::key_path);

    o.overrides = {"run.seed=3"};
    o.scales = {Scale{"electricity.price", 2}, Scale{"decision.max_rate", 5}};
    e = expect_input_error([&] { load_scenario(kSmall, o); });
    EXPECT_EQ(e.change().kind, InputChange::Kind::scale);
    EXPECT_EQ(e.change().index, 1u);
    EXPECT_EQ(e.message(), "scale decision.max_rate by 5: " + e.detail());

    // An error of the file itself names no change.
    e = expect_input_error([&] { load_scenario(kSmall, {"-run.start_year"}); });
    EXPECT_EQ(e.change().kind, InputChange::Kind::none);
    EXPECT_GT(e.line(), 0);
    EXPECT_EQ(e.detail(), e.message());
}

TEST(ScenarioLoader, ToYamlRoundTripsEveryField) {
    const Scenario s = load_scenario(kSmall);
    const std::string text = to_yaml(s);
    expect_same(s, load_scenario_text(text, "roundtrip.yaml"));

    const Scenario m = load_scenario_text(kMinimal, "minimal.yaml");
    expect_same(m, load_scenario_text(to_yaml(m), "other_name.yaml"));  // name is written out

    // Awkward values: shortest round-trip doubles, text that needs quoting.
    Scenario odd = s;
    odd.name = "null: # \"quoted\" \\ name";
    odd.description = "line one\nline two\ttabbed, caf\xc3\xa9";
    odd.sectors[0].electricity_intensity.fill(0.1 + 0.2);
    odd.sectors[0].output_median[3] = 1e300;
    odd.technologies[0].yield = 5e-324;
    odd.technologies[0].unit = "m2 (aperture)";
    odd.electricity_price = Path{{2017.25, 2030}, {1.0 / 3.0, 2.0 / 3.0}};
    odd.decision.mms_curve = Path{{0}, {0.5}};  // one point: must stay a map
    odd.decision.midpoint = -0.0;
    odd.run.seed = std::numeric_limits<std::uint64_t>::max();
    expect_same(odd, load_scenario_text(to_yaml(odd), "odd.yaml"));
}

// The keys of issue 13: intensity by size, potential and installed base, transaction
// costs, credit lines, tied grants, caps per firm, compliance curves, instrument costs
// and references.
const std::string kFidelity = kMinimal + R"(    transaction_cost: 30000
    installed_base_max_age: 3
    max_capacity: 2000
  heat_pump:
    acts_on: heat
    savings_fraction: 0.2
    yield: 4000
    capex: 7500
    lifetime: 20
    unit: kWth
fuels:
  oil: {price: 0.4, emission_factor: 0.279}
policies:
  grant:
    type: capex_grant
    rate: 0.1
    annual_budget: 1e7
    requires: line
    cap_per_firm: 5e6
    cap_scope: firm
    admin_cost_share: 0.06
  line:
    type: concessional_loan
    loan_share: 0.8
    interest: 0.06
    annual_lending: 1.6e8
    order: co2_per_dirham
    cap_per_firm: 5e7
    cap_scope: firm
  ta:
    type: technical_assistance
    capacity: 100
    awareness_lift: 0.2
    cost_per_firm: 100000
    admin_cost_share: 0.1
  audits:
    type: audit_mandate
    threshold_toe: 1500
    compliance: {2019: 0, 2021: 0.15, 2025: 0.5}
references:
  pv_2019:
    variable: installed_capacity
    technologies: [rooftop_pv]
    year: 2019
    value: 10
    unit: MW
    interval: [5, 30]
    error: lognormal
    source: "IRESEN aggregate, La Vie Eco 2020"
  energy_2018:
    variable: [energy_electricity, energy_fuel]
    year: 2018
    value: 3.3
    unit: Mtoe
    se: 0.17
    source: "IEA 2018"
    note: "TFC x industry share"
  tpme_share:
    variable: [energy_electricity_by_size, energy_fuel_by_size]
    size_classes: [micro, small, medium]
    years: [2017, 2019]
    per: {size_classes: [micro, small, medium, large]}
    value: 0.24
    se: 0.07
    source: "C16"
  adopters_per_firm:
    variable: adopters_by_size
    technologies: [rooftop_pv]
    size_classes: [large]
    year: 2020
    per: {variable: firms}
    value: 0.01
    se: 0.005
    source: "assumption"
)";

TEST(ScenarioLoader, ReadsTheFidelityKeys) {
    std::string text = kFidelity;
    // by-size intensities, potential and base per technology
    const std::string flat = "    electricity_intensity: 0.1\n";
    text.replace(text.find(flat), flat.size(),
                 "    electricity_intensity: {micro: 0.2, small: 0.15, medium: 0.1, large: 0.08}\n"
                 "    heat_intensity: 0.3\n"
                 "    fuel_mix: {oil: 1}\n"
                 "    technical_potential: {rooftop_pv: {micro: 0.5, small: 0.75, medium: 0.85, large: 0.9}, heat_pump: 0.4}\n"
                 "    installed_base: {rooftop_pv: {micro: 0.001, small: 0.0, medium: 0.01, large: 0.05}}\n");
    const Scenario s = load_scenario_text(text, "fidelity.yaml");
    const Sector& sec = s.sectors[0];
    EXPECT_EQ(sec.electricity_intensity, (std::array<double, 4>{0.2, 0.15, 0.1, 0.08}));
    EXPECT_EQ(sec.heat_intensity, (std::array<double, 4>{0.3, 0.3, 0.3, 0.3}));
    EXPECT_EQ(sec.potential(0, 1), 0.75);
    EXPECT_EQ(sec.potential(1, 3), 0.4);
    EXPECT_EQ(sec.base(0, 3), 0.05);
    EXPECT_EQ(sec.base(1, 3), 0.0);
    EXPECT_EQ(s.technologies[0].transaction_cost, 30000);
    EXPECT_EQ(s.technologies[0].base_max_age(), 3);
    EXPECT_EQ(s.technologies[0].max_capacity, 2000);
    EXPECT_EQ(s.technologies[1].max_capacity, 0);  // none
    EXPECT_EQ(s.technologies[1].base_max_age(), 20);  // the lifetime by default
    const Policy& grant = s.policies[0];
    EXPECT_EQ(grant.requires_loan, 1);  // a loan written after the grant
    EXPECT_EQ(grant.cap_scope, CapScope::firm);
    EXPECT_EQ(grant.admin_cost_share, 0.06);
    EXPECT_EQ(s.policies[1].annual_lending, 1.6e8);
    EXPECT_TRUE(s.policies[1].has_envelope());
    EXPECT_EQ(s.policies[1].order, AllocationOrder::co2_per_dirham);
    EXPECT_EQ(s.policies[2].cost_per_firm, 100000);
    expect_same(s.policies[3].compliance, Path{{2019, 2021, 2025}, {0, 0.15, 0.5}}, "compliance");
    ASSERT_EQ(s.references.size(), 4u);
    const Observation& pv = s.references[0];
    EXPECT_EQ(pv.of.variables, std::vector<std::string>{"installed_capacity"});
    EXPECT_EQ(pv.unit_factor, 1000.0);  // MW in kW
    EXPECT_TRUE(pv.has_interval);
    EXPECT_EQ(pv.error, ErrorModel::lognormal);
    const Observation& energy = s.references[1];
    EXPECT_EQ(energy.of.variables.size(), 2u);
    EXPECT_DOUBLE_EQ(energy.unit_factor, 11.63e6);  // Mtoe in MWh
    EXPECT_EQ(energy.note, "TFC x industry share");
    const Observation& share = s.references[2];
    EXPECT_TRUE(share.has_per);
    EXPECT_EQ(share.of.first_year, 2017);
    EXPECT_EQ(share.of.last_year, 2019);
    EXPECT_EQ(share.of.combine, Aggregate::Combine::sum);  // flows
    EXPECT_EQ(share.per.variables, share.of.variables);  // inherited
    EXPECT_EQ(share.per.size_classes.size(), 4u);
    EXPECT_EQ(share.per.last_year, 2019);
    const Observation& per_firm = s.references[3];
    EXPECT_EQ(per_firm.per.variables, std::vector<std::string>{"firms"});
    EXPECT_EQ(per_firm.per.size_classes, std::vector<std::string>{"large"});  // firms has a size class
    EXPECT_TRUE(per_firm.per.technologies.empty());  // firms has no technology: dropped
    // the round trip keeps every new field
    expect_same(s, load_scenario_text(to_yaml(s), "fidelity.yaml"));
    const std::string once = to_yaml(s);
    EXPECT_EQ(once, to_yaml(load_scenario_text(once, "again.yaml")));
    // --set reaches them
    const Scenario t = load_scenario_text(
        text, "fidelity.yaml",
        {"sectors.textile.technical_potential.rooftop_pv.large=0.7", "sectors.textile.technical_potential.heat_pump=0.6",
         "references.pv_2019.value=12",
         "policies.line.annual_lending=1e8", "sectors.textile.electricity_intensity.micro=0.3"});
    EXPECT_EQ(t.sectors[0].potential(0, 3), 0.7);
    EXPECT_EQ(t.sectors[0].potential(0, 0), 0.5);
    EXPECT_EQ(t.sectors[0].potential(1, 0), 0.6);
    EXPECT_EQ(t.references[0].value, 12);
    EXPECT_EQ(t.policies[1].annual_lending, 1e8);
    EXPECT_EQ(t.sectors[0].electricity_intensity[0], 0.3);
}

TEST(ScenarioLoader, ToYamlOfTheResolvedScenarioIsStable) {
    const Scenario s = load_scenario(kSmall, {"run.seed=3"});
    const std::string once = to_yaml(s);
    EXPECT_EQ(once, to_yaml(load_scenario_text(once, "again.yaml")));
    EXPECT_NE(once.find("seed: 3\n"), std::string::npos);
}

TEST(ScenarioLoader, RefusesScenariosThatDoNotFitInMemory) {
    LoadOptions tight;
    tight.max_memory_bytes = 1 << 20;  // 1 MiB: even the margin does not fit
    const InputError e = expect_input_error([&] { load_scenario(kSmall, tight); });
    expect_contains(e, "sectors: 1762 firms need about");
    expect_contains(e, "more than the limit of 1.0 MiB");
    expect_contains(e, "--max-memory");
    EXPECT_GT(e.line(), 0);  // points at sectors:

    LoadOptions roomy;
    roomy.max_memory_bytes = 1ull << 40;
    EXPECT_NO_THROW(load_scenario(kSmall, roomy));
    EXPECT_GT(available_memory_bytes(), 0u);
}

TEST(ScenarioLoader, MemoryArithmeticSaturatesInsteadOfWrapping) {
    Scenario s = load_scenario(kSmall);
    s.sectors[0].firms[0] = std::numeric_limits<std::uint64_t>::max() / 4;
    EXPECT_EQ(required_memory_bytes(s), std::numeric_limits<std::uint64_t>::max());
    try {
        check_fits_in_memory(s, 1ull << 40, "huge.yaml");
        ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
        expect_contains(e, "more than 16 EiB");
    }
}

TEST(ScenarioLoader, LoadsFromFileAndTextAlike) {
    const Scenario a = load_scenario(kSmall);
    const Scenario b = load_scenario_text(read_text(kSmall), kSmall);
    expect_same(a, b);
}

}  // namespace
