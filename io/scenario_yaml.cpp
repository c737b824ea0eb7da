#include "io/scenario_yaml.hpp"

#include "io/yaml_reader.hpp"

#include <charconv>
#include <cstdio>
#include <string_view>
#include <type_traits>

namespace greenshift {

std::string round_trip_text(double value) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, r.ptr);
}

std::string yaml_quoted(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20 || c == 0x7F) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(c));
                out += buf;
            } else {
                out += ch;  // UTF-8 passes through unchanged
            }
        }
    }
    return out + "\"";
}

namespace {

// Names are validated (yaml::is_name); `null` is the one such word a plain scalar
// would not keep as text.
std::string name(std::string_view s) { return yaml::is_name(s) && s != "null" ? std::string(s) : yaml_quoted(s); }

std::string path(const Path& p, bool always_map = false) {
    // Path::constant is the one-point path at year 0, written as a plain number.
    if (!always_map && p.years.size() == 1 && p.years[0] == 0.0) return round_trip_text(p.values[0]);
    std::string out = "{";
    for (std::size_t i = 0; i < p.years.size(); ++i)
        out += (i ? ", " : "") + round_trip_text(p.years[i]) + ": " + round_trip_text(p.values[i]);
    return out + "}";
}

template <typename T>
std::string by_size(const std::array<T, kSizeClasses>& v) {
    std::string out = "{";
    for (std::size_t c = 0; c < v.size(); ++c) {
        out += (c ? ", " : "") + std::string(kSizeClassNames[c]) + ": ";
        if constexpr (std::is_floating_point_v<T>) out += round_trip_text(v[c]);
        else out += std::to_string(v[c]);
    }
    return out + "}";
}

// One number when the four size classes share it, else the map.
std::string by_size_or_one(const std::array<double, kSizeClasses>& v) {
    for (std::size_t c = 1; c < v.size(); ++c)
        if (v[c] != v[0]) return by_size(v);
    return round_trip_text(v[0]);
}

template <typename F>
std::string names(const std::vector<int>& idx, F&& name_of) {
    std::string out = "[";
    for (std::size_t i = 0; i < idx.size(); ++i) out += (i ? ", " : "") + name(name_of(idx[i]));
    return out + "]";
}

class Writer {
public:
    void line(int indent, std::string_view key, const std::string& value) {
        out_.append(static_cast<std::size_t>(indent) * 2, ' ');
        out_ += key;
        out_ += value.empty() ? ":\n" : ": " + value + "\n";
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

void write_run(Writer& w, const Scenario& s) {
    w.line(0, "schema", "1");
    w.line(0, "name", yaml_quoted(s.name));
    if (!s.description.empty()) w.line(0, "description", yaml_quoted(s.description));

    w.line(0, "run", "");
    w.line(1, "start_year", std::to_string(s.run.start_year));
    w.line(1, "end_year", std::to_string(s.run.end_year));
    w.line(1, "steps_per_year", std::to_string(s.run.steps_per_year));
    w.line(1, "seed", std::to_string(s.run.seed));

    w.line(0, "electricity", "");
    w.line(1, "price", path(s.electricity_price));
    w.line(1, "emission_factor", path(s.grid_emission_factor));

    if (!s.fuels.empty()) {
        w.line(0, "fuels", "");
        for (const auto& f : s.fuels) {
            w.line(1, name(f.name), "");
            w.line(2, "price", path(f.price));
            w.line(2, "emission_factor", round_trip_text(f.emission_factor));
        }
    }
}

void write_sectors(Writer& w, const Scenario& s) {
    w.line(0, "sectors", "");
    for (const auto& sec : s.sectors) {
        w.line(1, name(sec.name), "");
        w.line(2, "firms", by_size(sec.firms));
        w.line(2, "output_median", by_size(sec.output_median));
        w.line(2, "output_sigma", by_size(sec.output_sigma));
        w.line(2, "electricity_intensity", by_size_or_one(sec.electricity_intensity));
        w.line(2, "heat_intensity", by_size_or_one(sec.heat_intensity));
        w.line(2, "intensity_sigma", round_trip_text(sec.intensity_sigma));
        if (!sec.fuel_mix.empty()) {
            std::string mix = "{";
            for (std::size_t i = 0; i < sec.fuel_mix.size(); ++i)
                mix += (i ? ", " : "") + name(s.fuels.at(static_cast<std::size_t>(sec.fuel_mix[i].fuel)).name) +
                       ": " + round_trip_text(sec.fuel_mix[i].share);
            w.line(2, "fuel_mix", mix + "}");
        }
        w.line(2, "output_growth", path(sec.output_growth));
        w.line(2, "hurdle_rate", by_size(sec.hurdle_rate));
        w.line(2, "credit_access", by_size(sec.credit_access));
        w.line(2, "high_growth_share", round_trip_text(sec.high_growth_share));
        w.line(2, "nonenergy_cost", round_trip_text(sec.nonenergy_cost));
        // per technology, only those that differ from the default (1 feasible, 0 equipped)
        const auto per_technology = [&](const char* key, const std::vector<std::array<double, kSizeClasses>>& table,
                                        double dflt) {
            bool any = false;
            for (std::size_t k = 0; k < table.size(); ++k) {
                if (table[k] == std::array<double, kSizeClasses>{dflt, dflt, dflt, dflt}) continue;
                if (!any) w.line(2, key, "");
                any = true;
                w.line(3, name(s.technologies.at(k).name), by_size_or_one(table[k]));
            }
        };
        per_technology("technical_potential", sec.technical_potential, 1.0);
        per_technology("installed_base", sec.installed_base, 0.0);
    }
}

void write_input_output(Writer& w, const InputOutput& io) {
    if (!io.enabled()) return;
    const std::size_t n = io.sectors.size();
    const auto per_sector = [&](const std::vector<double>& v) {
        std::string out = "{";
        for (std::size_t j = 0; j < n; ++j) out += (j ? ", " : "") + name(io.sectors[j]) + ": " + round_trip_text(v[j]);
        return out + "}";
    };
    w.line(0, "input_output", "");
    std::string list = "[";
    for (std::size_t j = 0; j < n; ++j) list += (j ? ", " : "") + name(io.sectors[j]);
    w.line(1, "sectors", list + "]");
    // Always as coefficients (a table given as transactions is written resolved);
    // zero entries are left out, as the schema allows.
    w.line(1, "coefficients", "");
    for (std::size_t i = 0; i < n; ++i) {
        std::string row;
        for (std::size_t j = 0; j < n; ++j)
            if (io.coefficients[i * n + j] != 0.0)
                row += (row.empty() ? "" : ", ") + name(io.sectors[j]) + ": " + round_trip_text(io.coefficients[i * n + j]);
        if (!row.empty()) w.line(2, name(io.sectors[i]), "{" + row + "}");
    }
    w.line(1, "value_added", per_sector(io.value_added));
    w.line(1, "jobs", per_sector(io.jobs));
}

void write_technologies(Writer& w, const Scenario& s) {
    w.line(0, "technologies", "");
    for (const auto& t : s.technologies) {
        w.line(1, name(t.name), "");
        w.line(2, "acts_on", std::string(kCarrierNames[static_cast<std::size_t>(t.acts_on)]));
        w.line(2, "unit", yaml_quoted(t.unit));
        w.line(2, "savings_fraction", round_trip_text(t.savings_fraction));
        w.line(2, "yield", round_trip_text(t.yield));
        if (t.acts_on == Carrier::heat) w.line(2, "extra_electricity", round_trip_text(t.extra_electricity));
        w.line(2, "capex", round_trip_text(t.capex));
        w.line(2, "opex", round_trip_text(t.opex));
        w.line(2, "lifetime", std::to_string(t.lifetime));
        w.line(2, "learning_rate", round_trip_text(t.learning_rate));
        w.line(2, "world_capacity", path(t.world_capacity));
        w.line(2, "local_content", round_trip_text(t.local_content));
        w.line(2, "bass_p", round_trip_text(t.bass_p));
        w.line(2, "bass_q", round_trip_text(t.bass_q));
        w.line(2, "transaction_cost", round_trip_text(t.transaction_cost));
        if (t.max_capacity > 0) w.line(2, "max_capacity", round_trip_text(t.max_capacity));
        w.line(2, "installed_base_max_age", std::to_string(t.base_max_age()));
        if (!t.suppliers.empty()) {
            std::string sup = "{";
            for (std::size_t i = 0; i < t.suppliers.size(); ++i)
                sup += (i ? ", " : "") +
                       name(s.input_output.sectors.at(static_cast<std::size_t>(t.suppliers[i].first))) + ": " +
                       round_trip_text(t.suppliers[i].second);
            w.line(2, "suppliers", sup + "}");
        }
    }
}

void write_decision(Writer& w, const Decision& d) {
    w.line(0, "decision", "");
    w.line(1, "rule", std::string(kDecisionRuleNames[static_cast<std::size_t>(d.rule)]));
    w.line(1, "max_rate", round_trip_text(d.max_rate));
    w.line(1, "midpoint", round_trip_text(d.midpoint));
    w.line(1, "steepness", round_trip_text(d.steepness));
    if (!d.mms_curve.years.empty()) w.line(1, "mms_curve", path(d.mms_curve, true));
    w.line(1, "speed", round_trip_text(d.speed));
    w.line(1, "no_credit_premium", round_trip_text(d.no_credit_premium));
}

void write_eligibility(Writer& w, const Scenario& s, const Eligibility& e) {
    w.line(2, "eligible", "");
    // An empty list means "all"; the schema says that by leaving the key out.
    if (!e.size_classes.empty())
        w.line(3, "size_classes",
               names(e.size_classes, [](int c) { return kSizeClassNames.at(static_cast<std::size_t>(c)); }));
    if (!e.sectors.empty())
        w.line(3, "sectors", names(e.sectors, [&](int i) { return s.sectors.at(static_cast<std::size_t>(i)).name; }));
    if (!e.technologies.empty())
        w.line(3, "technologies",
               names(e.technologies, [&](int i) { return s.technologies.at(static_cast<std::size_t>(i)).name; }));
    w.line(3, "labelled_only", e.labelled_only ? "true" : "false");
    w.line(3, "min_project_capex", round_trip_text(e.min_project_capex));
}

// The keys of the policy's instrument, in the order docs/scenarios.md lists them.
void write_instrument(Writer& w, const Scenario& s, const Policy& p) {
    switch (p.type) {
    case PolicyType::capex_grant:
    case PolicyType::green_investment_fund:
        w.line(2, "rate", round_trip_text(p.rate));
        w.line(2, "cap_per_firm", round_trip_text(p.cap_per_firm));
        w.line(2, "cap_scope", std::string(kCapScopeNames[static_cast<std::size_t>(p.cap_scope)]));
        w.line(2, "annual_budget", round_trip_text(p.annual_budget));
        w.line(2, "order", std::string(kAllocationOrderNames[static_cast<std::size_t>(p.order)]));
        if (p.requires_loan >= 0) w.line(2, "requires", name(s.policies.at(static_cast<std::size_t>(p.requires_loan)).name));
        if (p.type == PolicyType::green_investment_fund) {
            w.line(2, "local_content_lift", round_trip_text(p.local_content_lift));
            w.line(2, "local_content_max", round_trip_text(p.local_content_max));
        }
        w.line(2, "admin_cost_share", round_trip_text(p.admin_cost_share));
        break;
    case PolicyType::concessional_loan:
        w.line(2, "loan_share", round_trip_text(p.loan_share));
        w.line(2, "interest", round_trip_text(p.interest));
        w.line(2, "tenor", std::to_string(p.tenor));
        w.line(2, "cap_per_firm", round_trip_text(p.cap_per_firm));
        w.line(2, "cap_scope", std::string(kCapScopeNames[static_cast<std::size_t>(p.cap_scope)]));
        if (p.has_envelope()) {
            w.line(2, "annual_lending", round_trip_text(p.annual_lending));
            w.line(2, "order", std::string(kAllocationOrderNames[static_cast<std::size_t>(p.order)]));
        }
        w.line(2, "admin_cost_share", round_trip_text(p.admin_cost_share));
        break;
    case PolicyType::carbon_price: {
        w.line(2, "price", path(p.price));
        std::string on;
        if (p.on_electricity) on = kCarrierNames[static_cast<std::size_t>(Carrier::electricity)];
        if (p.on_heat) on += (on.empty() ? "" : ", ") + std::string(kCarrierNames[static_cast<std::size_t>(Carrier::heat)]);
        w.line(2, "applies_to", "[" + on + "]");
        break;
    }
    case PolicyType::technical_assistance:
        w.line(2, "capacity", std::to_string(p.capacity));
        w.line(2, "awareness_lift", round_trip_text(p.awareness_lift));
        w.line(2, "cost_per_firm", round_trip_text(p.cost_per_firm));
        w.line(2, "admin_cost_share", round_trip_text(p.admin_cost_share));
        break;
    case PolicyType::tpme_label:
        w.line(2, "capacity", std::to_string(p.capacity));
        w.line(2, "cost_per_firm", round_trip_text(p.cost_per_firm));
        w.line(2, "admin_cost_share", round_trip_text(p.admin_cost_share));
        break;
    case PolicyType::audit_mandate:
        w.line(2, "threshold_toe", round_trip_text(p.threshold_toe));
        w.line(2, "period", std::to_string(p.period));
        if (!p.compliance.years.empty()) w.line(2, "compliance", path(p.compliance, true));
        break;
    }
}

void write_policies(Writer& w, const Scenario& s) {
    if (s.policies.empty()) return;
    w.line(0, "policies", "");
    for (const auto& p : s.policies) {
        w.line(1, name(p.name), "");
        w.line(2, "type", std::string(kPolicyTypeNames[static_cast<std::size_t>(p.type)]));
        w.line(2, "start_year", std::to_string(p.start_year));
        w.line(2, "end_year", std::to_string(p.end_year));
        write_eligibility(w, s, p.eligible);
        write_instrument(w, s, p);
    }
}

// A selection and its years, the keys an observation and its `per` share.
void write_aggregate(Writer& w, int indent, const Aggregate& a) {
    const auto list = [](const std::vector<std::string>& v) {
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + name(v[i]);
        return out + "]";
    };
    w.line(indent, "variable", a.variables.size() == 1 ? name(a.variables[0]) : list(a.variables));
    if (!a.sectors.empty()) w.line(indent, "sectors", list(a.sectors));
    if (!a.size_classes.empty()) w.line(indent, "size_classes", list(a.size_classes));
    if (!a.technologies.empty()) w.line(indent, "technologies", list(a.technologies));
    if (!a.policies.empty()) w.line(indent, "policies", list(a.policies));
    if (a.first_year == a.last_year) {
        w.line(indent, "year", std::to_string(a.first_year));
    } else {
        w.line(indent, "years", "[" + std::to_string(a.first_year) + ", " + std::to_string(a.last_year) + "]");
        w.line(indent, "combine", a.combine == Aggregate::Combine::mean ? "mean" : "sum");
    }
}

void write_references(Writer& w, const Scenario& s) {
    if (s.references.empty()) return;
    w.line(0, "references", "");
    for (const auto& o : s.references) {
        w.line(1, name(o.name), "");
        write_aggregate(w, 2, o.of);
        if (o.has_per) {
            w.line(2, "per", "");
            write_aggregate(w, 3, o.per);
        }
        w.line(2, "value", round_trip_text(o.value));
        if (!o.unit.empty()) w.line(2, "unit", yaml_quoted(o.unit));
        if (o.has_interval) w.line(2, "interval", "[" + round_trip_text(o.lo) + ", " + round_trip_text(o.hi) + "]");
        else w.line(2, "se", round_trip_text(o.se));
        w.line(2, "level", round_trip_text(o.level));
        w.line(2, "error", o.error == ErrorModel::lognormal ? "lognormal" : "normal");
        w.line(2, "source", yaml_quoted(o.source));
        if (!o.note.empty()) w.line(2, "note", yaml_quoted(o.note));
    }
}

}  // namespace

std::string to_yaml(const Scenario& s) {
    Writer w;
    write_run(w, s);
    write_sectors(w, s);
    write_input_output(w, s.input_output);
    write_technologies(w, s);
    write_decision(w, s.decision);
    write_policies(w, s);
    write_references(w, s);
    return w.take();
}

}  // namespace greenshift
