#include "batch/budgets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "batch/detail/variables.hpp"
#include "batch/ensemble.hpp"
#include "core/scenario.hpp"

namespace greenshift::budgets {

namespace {

using detail::value;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The calendar years of a run and the steps of each.
struct Years {
    std::vector<int> year;
    std::vector<std::vector<std::size_t>> steps;
};

Years years_of(const Coordinates& c) {
    Years y;
    for (std::size_t t = 0; t < c.year.size(); ++t) {
        if (y.year.empty() || y.year.back() != c.year[t]) {
            y.year.push_back(c.year[t]);
            y.steps.emplace_back();
        }
        y.steps.back().push_back(t);
    }
    return y;
}

PolicyType type_of(const std::string& name, bool& known) {
    const auto it = std::find(kPolicyTypeNames.begin(), kPolicyTypeNames.end(), name);
    known = it != kPolicyTypeNames.end();
    return known ? static_cast<PolicyType>(it - kPolicyTypeNames.begin()) : PolicyType::carbon_price;
}

bool has_capacity(PolicyType t) { return t == PolicyType::tpme_label || t == PolicyType::technical_assistance; }

bool binds(Limit l) { return l == Limit::budget || l == Limit::capacity; }

std::array<double, 4> statistics(std::vector<double> x) {
    std::array<double, 4> out{kNaN, kNaN, kNaN, kNaN};
    if (x.empty()) return out;
    double total = 0;
    for (const double v : x) total += v;
    std::sort(x.begin(), x.end());
    out[0] = total / static_cast<double>(x.size());
    out[1] = ensemble::quantile_sorted(x, 0.05);
    out[2] = ensemble::quantile_sorted(x, 0.50);
    out[3] = ensemble::quantile_sorted(x, 0.95);
    return out;
}

// 1,234 for large numbers, three significant digits below 100.
std::string readable(double x) {
    if (std::isnan(x)) return "n/a";
    char buf[48];
    if (std::abs(x) < 100) {
        std::snprintf(buf, sizeof buf, "%.3g", x);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.0f", std::abs(x));
    std::string digits = buf, out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return (x < 0 ? "-" : "") + out;
}

// "2018, 2019 and 2021", or "2018-2025" for a whole range.
std::string year_list(const std::vector<int>& years) {
    if (years.empty()) return "";
    if (years.back() - years.front() + 1 == static_cast<int>(years.size()) && years.size() > 2)
        return std::to_string(years.front()) + "-" + std::to_string(years.back());
    std::string out;
    for (std::size_t i = 0; i < years.size(); ++i) {
        if (i > 0) out += i + 1 == years.size() ? " and " : ", ";
        out += std::to_string(years[i]);
    }
    return out;
}

std::string type_words(PolicyType t) {
    switch (t) {
        case PolicyType::capex_grant:
            return "capex grant";
        case PolicyType::green_investment_fund:
            return "green fund";
        case PolicyType::tpme_label:
            return "label";
        case PolicyType::technical_assistance:
            return "technical assistance";
        default:
            return std::string(kPolicyTypeNames[static_cast<std::size_t>(t)]);
    }
}

}  // namespace

std::vector<std::vector<Year>> of_run(const RunResult& run) {
    const Coordinates& c = run.coords;
    const std::size_t P = c.policy.size();
    const Years y = years_of(c);
    std::vector<std::vector<Year>> out(P, std::vector<Year>(y.year.size()));
    const Variable* available = run.find("budget_available");
    const Variable* used = run.find("budget_used");
    const Variable* served = run.find("firms_served");
    const Variable* refused = run.find("applications_unserved");
    const Variable* limited = run.find("limited_by");
    for (std::size_t p = 0; p < P; ++p) {
        bool known = false;
        const PolicyType type = p < c.policy_type.size() ? type_of(c.policy_type[p], known) : PolicyType::carbon_price;
        for (std::size_t k = 0; k < y.year.size(); ++k) {
            Year& x = out[p][k];
            x.year = y.year[k];
            const auto at = [&](const Variable* v, std::size_t t) { return v != nullptr ? value(*v, t * P + p) : 0.0; };
            x.budget = at(available, y.steps[k].front());
            Limit code = Limit::none;
            for (const std::size_t t : y.steps[k]) {
                x.spent += at(used, t);
                x.served += at(served, t);
                x.refused += at(refused, t);
                const auto step = static_cast<Limit>(static_cast<std::uint8_t>(at(limited, t)));
                // The year's limit: the budget if it bound in any step, else the first recorded.
                if (step == Limit::budget || (code == Limit::none && step != Limit::none)) code = step;
            }
            if (limited == nullptr && known && is_budgeted(type) && x.budget > 0)
                code = x.refused > 0 ? Limit::budget : Limit::demand;
            x.limit = code;
        }
    }
    return out;
}

std::vector<double> labelled_by_year(const RunResult& run) {
    const Years y = years_of(run.coords);
    std::vector<double> out(y.year.size(), 0.0);
    const Variable* labelled = run.find("firms_labelled");
    if (labelled == nullptr) return out;
    for (std::size_t k = 0; k < y.year.size(); ++k) out[k] = value(*labelled, y.steps[k].back());
    return out;
}

Table aggregate(const std::vector<std::vector<std::vector<Year>>>& runs,
                const std::vector<std::vector<double>>& labelled) {
    Table table;
    table.runs = runs.size();
    if (runs.empty()) return table;
    const std::size_t P = runs[0].size(), Y = P > 0 ? runs[0][0].size() : 0;
    table.policies.assign(P, std::vector<Aggregate>(Y));
    for (std::size_t p = 0; p < P; ++p)
        for (std::size_t k = 0; k < Y; ++k) {
            Aggregate& a = table.policies[p][k];
            a.year = runs[0][p][k].year;
            std::vector<double> spent, served;
            std::array<std::size_t, kLimitNames.size()> count{};
            double budget = 0, binding = 0;
            for (const auto& r : runs) {
                const Year& x = r[p][k];
                budget += x.budget;
                spent.push_back(x.spent);
                served.push_back(x.served);
                ++count[static_cast<std::size_t>(x.limit)];
                if (binds(x.limit)) binding += 1;
            }
            const auto n = static_cast<double>(runs.size());
            a.budget = budget / n;
            a.binding = binding / n;
            a.spent = statistics(spent);
            a.served = statistics(served);
            // The most frequent limit; ties go to the first code.
            a.limit = static_cast<Limit>(std::max_element(count.begin(), count.end()) - count.begin());
        }
    table.labelled.assign(Y, 0.0);
    for (std::size_t k = 0; k < Y; ++k) {
        std::vector<double> x;
        for (const auto& l : labelled)
            if (k < l.size()) x.push_back(l[k]);
        table.labelled[k] = statistics(x)[2];
    }
    // Totals over the years, per run, for the sentences.
    table.spent_total.assign(P, {});
    table.served_total.assign(P, {});
    for (std::size_t p = 0; p < P; ++p) {
        std::vector<double> spent, served;
        for (const auto& r : runs) {
            double s = 0, f = 0;
            for (const Year& x : r[p]) {
                s += x.spent;
                f += x.served;
            }
            spent.push_back(s);
            served.push_back(f);
        }
        table.spent_total[p] = statistics(spent);
        table.served_total[p] = statistics(served);
    }
    return table;
}

std::vector<std::string> describe(const Table& table, const std::vector<std::string>& policy,
                                  const std::vector<std::string>& policy_type) {
    std::vector<std::string> out(policy.size());
    const bool many = table.runs > 1;
    const std::string median = many ? " (median of " + std::to_string(table.runs) + " runs)" : "";
    for (std::size_t p = 0; p < policy.size() && p < table.policies.size(); ++p) {
        bool known = false;
        const PolicyType type = p < policy_type.size() ? type_of(policy_type[p], known) : PolicyType::carbon_price;
        const auto& years = table.policies[p];
        // A concessional loan with a lending envelope (a credit line) has a budget too.
        const bool credit_line = known && type == PolicyType::concessional_loan &&
                                 std::any_of(years.begin(), years.end(), [](const Aggregate& a) { return a.budget > 0; });
        if (!known || !(is_budgeted(type) || has_capacity(type) || credit_line)) continue;
        // The active years, by how often the budget (or capacity) bound in them.
        std::vector<int> active, always, never;
        std::vector<std::pair<int, double>> sometimes;
        double budget = 0, capacity = kNaN;
        std::array<std::size_t, kLimitNames.size()> loose{};  // limits of the years that did not bind
        std::size_t last = 0;
        for (std::size_t k = 0; k < years.size(); ++k) {
            const Aggregate& a = years[k];
            if (!(a.budget > 0 || a.served[0] > 0 || a.limit != Limit::none)) continue;
            active.push_back(a.year);
            last = k;
            budget += a.budget;
            if (a.binding >= 1)
                always.push_back(a.year);
            else if (a.binding > 0)
                sometimes.emplace_back(a.year, a.binding);
            else
                never.push_back(a.year);
            if (!binds(a.limit)) ++loose[static_cast<std::size_t>(a.limit)];
            if (a.limit == Limit::capacity && std::isnan(capacity)) capacity = a.served[2];
        }
        if (active.empty()) continue;
        const std::string span = active.size() == 1
                                     ? std::to_string(active.front())
                                     : std::to_string(active.front()) + "-" + std::to_string(active.back());
        // Why it did not bind, where it did not: the most frequent reason.
        Limit reason = Limit::none;
        std::size_t best = 0;
        for (std::size_t l = 1; l < loose.size(); ++l)
            if (loose[l] > best) best = loose[l], reason = static_cast<Limit>(l);
        std::string why;
        if (table.served_total[p][3] == 0) {
            why =
                "no application reached it: a firm applies to the first programme it is eligible for, in the "
                "scenario's order";
        } else {
            switch (reason) {
                case Limit::label:
                    why = "every application was served; only labelled firms are eligible, and " +
                          readable(table.labelled.empty() ? kNaN : table.labelled[last]) +
                          " were labelled by the end of " + std::to_string(active.back());
                    break;
                case Limit::demand:
                    why = "every application was served: the eligible firms asked for less";
                    break;
                case Limit::eligible:
                    why = "fewer firms were eligible than its capacity";
                    break;
                default:
                    why = "what limited it is not recorded in this file";
                    break;
            }
        }
        const bool money = is_budgeted(type) || credit_line;
        const std::string bound = money ? "binding" : "at its capacity (" + readable(capacity) + " a year)";
        std::string s = policy[p] + " (" + (credit_line ? std::string("credit line") : type_words(type)) + "): ";
        if (money)
            s += readable(table.spent_total[p][2] * 1e-6) + " of " + readable(budget * 1e-6) + " million MAD " +
                 (credit_line ? "lent" : "spent") + " over " + span + median + "; ";
        else
            s += readable(table.served_total[p][2]) + " firms served over " + span + median + "; ";
        if (always.empty() && sometimes.empty()) {
            s += (money ? "not binding: " : "never at its capacity: ") + why +
                 (money ? " (a larger budget would change nothing)" : "");
        } else if (always.size() == active.size()) {
            s += bound + " every year" + (many ? " in every run" : "") +
                 (money ? ": applications were refused for lack of budget" : "");
        } else {
            s += bound;
            if (!always.empty()) s += " in " + year_list(always) + (many ? " in every run" : "");
            if (!sometimes.empty()) {
                s += always.empty() ? " in " : ", and in ";
                for (std::size_t i = 0; i < sometimes.size(); ++i) {
                    char pct[32];
                    std::snprintf(pct, sizeof pct, "%.0f%%", 100 * sometimes[i].second);
                    s += (i == 0                      ? ""
                          : i + 1 == sometimes.size() ? " and "
                                                      : ", ") +
                         std::to_string(sometimes[i].first) + " (" + pct +
                         (i + 1 == sometimes.size() ? " of runs)" : ")");
                }
            }
            if (!never.empty()) s += "; not in " + year_list(never) + ": " + why;
        }
        out[p] = s;
    }
    return out;
}

}  // namespace greenshift::budgets
