#include "io/scenario_yaml.hpp"

#include <charconv>
#include <cstdio>
#include <string_view>
#include <type_traits>

namespace greenshift {

namespace {

// Shortest text that reads back to the same double (std::to_chars round-trips).
std::string num(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// Double-quoted YAML: safe for any text (colons, '#', newlines, leading spaces,
// words like `null` or `true` that a plain scalar would turn into something else).
std::string quoted(std::string_view s) {
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

// Names are [a-z0-9_]+ once validated; `null` is the one such word a plain scalar
// would not keep as text.
std::string name(std::string_view s) {
    const bool plain = !s.empty() && s != "null" &&
                       s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos;
    return plain ? std::string(s) : quoted(s);
}

std::string path(const Path& p, bool always_map = false) {
    // Path::constant is the one-point path at year 0, written as a plain number.
    if (!always_map && p.years.size() == 1 && p.years[0] == 0.0) return num(p.values[0]);
    std::string out = "{";
    for (std::size_t i = 0; i < p.years.size(); ++i)
        out += (i ? ", " : "") + num(p.years[i]) + ": " + num(p.values[i]);
    return out + "}";
}

template <typename T>
std::string by_size(const std::array<T, kSizeClasses>& v) {
    std::string out = "{";
    for (std::size_t c = 0; c < v.size(); ++c) {
        out += (c ? ", " : "") + std::string(kSizeClassNames[c]) + ": ";
        if constexpr (std::is_floating_point_v<T>) out += num(v[c]);
        else out += std::to_string(v[c]);
    }
    return out + "}";
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

}  // namespace

std::string to_yaml(const Scenario& s) {
    Writer w;
    w.line(0, "schema", "1");
    w.line(0, "name", quoted(s.name));
    if (!s.description.empty()) w.line(0, "description", quoted(s.description));

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
            w.line(2, "emission_factor", num(f.emission_factor));
        }
    }

    w.line(0, "sectors", "");
    for (const auto& sec : s.sectors) {
        w.line(1, name(sec.name), "");
        w.line(2, "firms", by_size(sec.firms));
        w.line(2, "output_median", by_size(sec.output_median));
        w.line(2, "output_sigma", by_size(sec.output_sigma));
        w.line(2, "electricity_intensity", num(sec.electricity_intensity));
        w.line(2, "heat_intensity", num(sec.heat_intensity));
        w.line(2, "intensity_sigma", num(sec.intensity_sigma));
        if (!sec.fuel_mix.empty()) {
            std::string mix = "{";
            for (std::size_t i = 0; i < sec.fuel_mix.size(); ++i)
                mix += (i ? ", " : "") + name(s.fuels.at(static_cast<std::size_t>(sec.fuel_mix[i].fuel)).name) +
                       ": " + num(sec.fuel_mix[i].share);
            w.line(2, "fuel_mix", mix + "}");
        }
        w.line(2, "output_growth", path(sec.output_growth));
        w.line(2, "hurdle_rate", by_size(sec.hurdle_rate));
        w.line(2, "credit_access", by_size(sec.credit_access));
        w.line(2, "high_growth_share", num(sec.high_growth_share));
        w.line(2, "nonenergy_cost", num(sec.nonenergy_cost));
    }

    if (s.input_output.enabled()) {
        const InputOutput& io = s.input_output;
        const std::size_t n = io.sectors.size();
        const auto per_sector = [&](const std::vector<double>& v) {
            std::string out = "{";
            for (std::size_t j = 0; j < n; ++j) out += (j ? ", " : "") + name(io.sectors[j]) + ": " + num(v[j]);
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
                    row += (row.empty() ? "" : ", ") + name(io.sectors[j]) + ": " + num(io.coefficients[i * n + j]);
            if (!row.empty()) w.line(2, name(io.sectors[i]), "{" + row + "}");
        }
        w.line(1, "value_added", per_sector(io.value_added));
        w.line(1, "jobs", per_sector(io.jobs));
    }

    w.line(0, "technologies", "");
    for (const auto& t : s.technologies) {
        const bool heat = t.acts_on == Carrier::heat;
        w.line(1, name(t.name), "");
        w.line(2, "acts_on", std::string(kCarrierNames[static_cast<std::size_t>(t.acts_on)]));
        w.line(2, "unit", quoted(t.unit));
        w.line(2, "savings_fraction", num(t.savings_fraction));
        w.line(2, "yield", num(t.yield));
        if (heat) w.line(2, "extra_electricity", num(t.extra_electricity));
        w.line(2, "capex", num(t.capex));
        w.line(2, "opex", num(t.opex));
        w.line(2, "lifetime", std::to_string(t.lifetime));
        w.line(2, "learning_rate", num(t.learning_rate));
        w.line(2, "world_capacity", path(t.world_capacity));
        w.line(2, "local_content", num(t.local_content));
        w.line(2, "bass_p", num(t.bass_p));
        w.line(2, "bass_q", num(t.bass_q));
        if (!t.suppliers.empty()) {
            std::string sup = "{";
            for (std::size_t i = 0; i < t.suppliers.size(); ++i)
                sup += (i ? ", " : "") +
                       name(s.input_output.sectors.at(static_cast<std::size_t>(t.suppliers[i].first))) + ": " +
                       num(t.suppliers[i].second);
            w.line(2, "suppliers", sup + "}");
        }
    }

    const Decision& d = s.decision;
    w.line(0, "decision", "");
    w.line(1, "rule", std::string(kDecisionRuleNames[static_cast<std::size_t>(d.rule)]));
    w.line(1, "max_rate", num(d.max_rate));
    w.line(1, "midpoint", num(d.midpoint));
    w.line(1, "steepness", num(d.steepness));
    if (!d.mms_curve.years.empty()) w.line(1, "mms_curve", path(d.mms_curve, true));
    w.line(1, "speed", num(d.speed));
    w.line(1, "no_credit_premium", num(d.no_credit_premium));

    if (!s.policies.empty()) {
        w.line(0, "policies", "");
        for (const auto& p : s.policies) {
            w.line(1, name(p.name), "");
            w.line(2, "type", std::string(kPolicyTypeNames[static_cast<std::size_t>(p.type)]));
            w.line(2, "start_year", std::to_string(p.start_year));
            w.line(2, "end_year", std::to_string(p.end_year));
            const Eligibility& e = p.eligible;
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
            w.line(3, "min_project_capex", num(e.min_project_capex));
            switch (p.type) {
            case PolicyType::capex_grant:
            case PolicyType::green_investment_fund:
                w.line(2, "rate", num(p.rate));
                w.line(2, "cap_per_firm", num(p.cap_per_firm));
                w.line(2, "annual_budget", num(p.annual_budget));
                w.line(2, "order", std::string(kAllocationOrderNames[static_cast<std::size_t>(p.order)]));
                if (p.type == PolicyType::green_investment_fund) {
                    w.line(2, "local_content_lift", num(p.local_content_lift));
                    w.line(2, "local_content_max", num(p.local_content_max));
                }
                break;
            case PolicyType::concessional_loan:
                w.line(2, "loan_share", num(p.loan_share));
                w.line(2, "interest", num(p.interest));
                w.line(2, "tenor", std::to_string(p.tenor));
                w.line(2, "cap_per_firm", num(p.cap_per_firm));
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
                w.line(2, "awareness_lift", num(p.awareness_lift));
                break;
            case PolicyType::tpme_label:
                w.line(2, "capacity", std::to_string(p.capacity));
                break;
            case PolicyType::audit_mandate:
                w.line(2, "threshold_toe", num(p.threshold_toe));
                w.line(2, "period", std::to_string(p.period));
                break;
            }
        }
    }
    return w.take();
}

}  // namespace greenshift
