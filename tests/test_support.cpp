#include "tests/test_support.hpp"

#include <cstring>
#include <stdexcept>

namespace greenshift::fixtures {

Scenario bass_scenario(std::uint64_t firms, double p, double q, int steps_per_year, int years) {
    Scenario s;
    s.name = "bass-test";
    s.run.start_year = 2017;
    s.run.end_year = 2017 + years - 1;
    s.run.steps_per_year = steps_per_year;
    s.run.seed = 42;
    Sector sec;
    sec.name = "all";
    sec.firms = {firms, 0, 0, 0};
    sec.output_median = {1e6, 1e6, 1e6, 1e6};
    sec.output_sigma = {0.5, 0.5, 0.5, 0.5};
    sec.electricity_intensity.fill(0.1);
    sec.hurdle_rate = {0.2, 0.2, 0.2, 0.2};
    sec.credit_access = {1, 1, 1, 1};
    s.sectors.push_back(sec);
    Technology t;
    t.name = "tech";
    t.savings_fraction = 0.3;
    t.yield = 1600;
    t.capex = 8000;
    t.lifetime = 25;
    t.bass_p = p;
    t.bass_q = q;
    s.technologies.push_back(t);
    s.decision.rule = DecisionRule::bass;
    return s;
}

Scenario full_scenario(std::uint64_t n) {
    Scenario s;
    s.name = "full-test";
    s.run.start_year = 2017;
    s.run.end_year = 2026;
    s.run.steps_per_year = 4;
    s.run.seed = 7;
    s.fuels.push_back({"fuel_oil", Path{{2017, 2026}, {0.45, 0.6}}, 0.279});
    s.fuels.push_back({"gas", Path::constant(0.35), 0.202});
    s.electricity_price = Path{{2016, 2030}, {1.1, 1.5}};
    s.grid_emission_factor = Path{{2016, 2030}, {0.7, 0.45}};
    for (int i = 0; i < 2; ++i) {
        Sector sec;
        sec.name = i == 0 ? "textile" : "building_materials";
        sec.firms = {n, n, n, n};
        sec.output_median = {1.5e6, 6e6, 2.5e7, 3e8};
        sec.output_sigma = {0.8, 0.7, 0.7, 0.9};
        sec.electricity_intensity.fill(i == 0 ? 0.12 : 0.05);
        sec.heat_intensity.fill(i == 0 ? 0.2 : 0.9);
        sec.intensity_sigma = 0.3;
        sec.fuel_mix = {{0, 0.7}, {1, 0.3}};
        sec.output_growth = Path{{2017, 2026}, {0.03, 0.02}};
        sec.hurdle_rate = {0.25, 0.2, 0.15, 0.12};
        sec.credit_access = {0.4, 0.6, 0.8, 0.95};
        sec.high_growth_share = 0.2;
        s.sectors.push_back(sec);
    }
    Technology pv;
    pv.name = "rooftop_pv";
    pv.unit = "kWp";
    pv.savings_fraction = 0.3;
    pv.yield = 1640;
    pv.capex = 8000;
    pv.opex = 100;
    pv.lifetime = 6;  // short, so that retirement happens inside the horizon
    pv.learning_rate = 0.215;
    pv.world_capacity = Path{{2016, 2030}, {3e8, 3e9}};
    pv.local_content = 0.3;
    pv.bass_p = 0.02;
    pv.bass_q = 0.4;
    s.technologies.push_back(pv);
    Technology eff;
    eff.name = "efficiency";
    eff.unit = "kWh/yr";
    eff.acts_on = Carrier::heat;
    eff.savings_fraction = 0.2;
    eff.yield = 1;
    eff.capex = 0.9;
    eff.lifetime = 12;
    eff.local_content = 0.5;
    s.technologies.push_back(eff);
    Technology hp;
    hp.name = "heat_pump";
    hp.acts_on = Carrier::heat;
    hp.savings_fraction = 0.4;
    hp.yield = 6000;
    hp.extra_electricity = 0.33;
    hp.capex = 9000;
    hp.opex = 150;
    hp.lifetime = 15;
    hp.learning_rate = 0.1;
    hp.world_capacity = Path::constant(1e8);
    s.technologies.push_back(hp);

    Policy label;
    label.name = "label";
    label.type = PolicyType::tpme_label;
    label.start_year = 2018;
    label.end_year = 2024;
    label.capacity = n / 4 + 1;
    label.eligible.size_classes = {0, 1, 2};
    s.policies.push_back(label);
    Policy grant;
    grant.name = "grant";
    grant.type = PolicyType::capex_grant;
    grant.start_year = 2018;
    grant.end_year = 2024;
    grant.rate = 0.3;
    grant.cap_per_firm = 2e5;
    grant.annual_budget = 2e5 * static_cast<double>(n) / 20.0;
    grant.eligible.size_classes = {0, 1, 2};
    grant.eligible.labelled_only = true;
    s.policies.push_back(grant);
    Policy fund;
    fund.name = "fund";
    fund.type = PolicyType::green_investment_fund;
    fund.start_year = 2019;
    fund.end_year = 2025;
    fund.rate = 0.25;
    fund.annual_budget = 1e6 * static_cast<double>(n) / 10.0;
    fund.order = AllocationOrder::co2_per_dirham;
    fund.eligible.min_project_capex = 2e5;
    fund.local_content_lift = 0.05;
    fund.local_content_max = 0.6;
    s.policies.push_back(fund);
    Policy loan;
    loan.name = "loan";
    loan.type = PolicyType::concessional_loan;
    loan.start_year = 2017;
    loan.end_year = 2026;
    loan.loan_share = 0.7;
    loan.interest = 0.04;
    loan.tenor = 7;
    loan.cap_per_firm = 5e6;
    loan.eligible.size_classes = {2, 3};
    s.policies.push_back(loan);
    Policy carbon;
    carbon.name = "carbon";
    carbon.type = PolicyType::carbon_price;
    carbon.start_year = 2022;
    carbon.end_year = 2026;
    carbon.price = Path{{2022, 2026}, {100, 300}};
    carbon.on_electricity = false;
    s.policies.push_back(carbon);
    Policy ta;
    ta.name = "assistance";
    ta.type = PolicyType::technical_assistance;
    ta.start_year = 2018;
    ta.end_year = 2025;
    ta.capacity = n / 2 + 1;
    ta.awareness_lift = 0.5;
    ta.eligible.size_classes = {0, 1, 2};
    s.policies.push_back(ta);
    Policy audit;
    audit.name = "audit";
    audit.type = PolicyType::audit_mandate;
    audit.start_year = 2019;
    audit.end_year = 2026;
    audit.threshold_toe = 1500;
    audit.period = 5;
    s.policies.push_back(audit);
    return s;
}

Scenario fidelity_scenario(std::uint64_t n) {
    Scenario s = full_scenario(n);
    for (auto& sec : s.sectors) {
        sec.electricity_intensity = {0.15, 0.12, 0.1, 0.08};
        sec.technical_potential.assign(3, {0.6, 0.7, 0.8, 0.9});
        sec.technical_potential[2] = {0.3, 0.3, 0.5, 0.5};
        sec.installed_base.assign(3, {0.01, 0.02, 0.05, 0.1});
    }
    s.technologies[0].installed_base_max_age = 3;
    s.technologies[0].transaction_cost = 20000;
    s.technologies[0].max_capacity = 500;
    s.technologies[2].transaction_cost = 50000;
    for (auto& p : s.policies) {
        switch (p.type) {
        case PolicyType::concessional_loan:
            p.annual_lending = 2e5 * static_cast<double>(n);
            p.cap_scope = CapScope::firm;
            p.eligible.size_classes = {1, 2, 3};
            break;
        case PolicyType::capex_grant:
            p.cap_scope = CapScope::firm;
            p.admin_cost_share = 0.05;
            break;
        case PolicyType::technical_assistance:
        case PolicyType::tpme_label: p.cost_per_firm = 50000; break;
        case PolicyType::audit_mandate:
            p.compliance = Path{{2019, 2021, 2025}, {0.0, 0.3, 0.7}};
            p.eligible.technologies = {0, 1};
            p.period = 3;
            p.threshold_toe = 50;
            break;
        default: break;
        }
    }
    // a grant tied to the credit line
    Policy tied;
    tied.name = "line_grant";
    tied.type = PolicyType::capex_grant;
    tied.start_year = 2018;
    tied.end_year = 2025;
    tied.rate = 0.1;
    tied.annual_budget = 3e4 * static_cast<double>(n);
    for (std::size_t p = 0; p < s.policies.size(); ++p)
        if (s.policies[p].type == PolicyType::concessional_loan) tied.requires_loan = static_cast<int>(p);
    s.policies.push_back(tied);
    return s;
}

Scenario without_policies(Scenario s) {
    s.policies.clear();
    return s;
}

std::string bitwise_difference(const RunResult& a, const RunResult& b) {
    if (a.variables.size() != b.variables.size()) return "different number of variables";
    if (a.coords.year != b.coords.year || a.coords.time_days != b.coords.time_days) return "different time axis";
    for (std::size_t i = 0; i < a.variables.size(); ++i) {
        const Variable& x = a.variables[i];
        const Variable& y = b.variables[i];
        if (x.name != y.name) return "variable " + x.name + " vs " + y.name;
        if (x.is_count != y.is_count) return x.name + ": type differs";
        if (x.is_count) {
            if (x.counts != y.counts) return x.name + ": counts differ";
        } else {
            if (x.values.size() != y.values.size()) return x.name + ": sizes differ";
            if (!x.values.empty() &&
                std::memcmp(x.values.data(), y.values.data(), x.values.size() * sizeof(double)) != 0)
                return x.name + ": values differ";
        }
    }
    return {};
}

double total(const RunResult& r, const std::string& name) {
    const Variable* v = r.find(name);
    if (!v) throw std::runtime_error("no variable " + name);
    double sum = 0;
    if (v->is_count)
        for (auto c : v->counts) sum += static_cast<double>(c);
    else
        for (double x : v->values) sum += x;
    return sum;
}

}  // namespace greenshift::fixtures
