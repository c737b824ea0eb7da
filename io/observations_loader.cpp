#include "io/observations_loader.hpp"

#include <algorithm>
#include <string_view>

namespace greenshift {

namespace {

using yaml::Node;
using Kind = yaml::Node::Kind;

constexpr std::string_view kAggregateKeys[] = {"variable", "sectors", "size_classes", "technologies", "policies",
                                               "year",     "years",   "combine"};
constexpr std::string_view kObservationKeys[] = {"variable", "sectors", "size_classes", "technologies", "policies",
                                                 "year",     "years",   "combine",      "per",          "value",
                                                 "unit",     "se",      "interval",     "level",        "error",
                                                 "source",   "note"};

const char* dim_words(Dim d) {
    switch (d) {
    case Dim::sector: return "sector";
    case Dim::size_class: return "size class";
    case Dim::technology: return "technology";
    case Dim::policy: return "policy";
    default: return dim_name(d);
    }
}

class ObservationReader {
public:
    ObservationReader(const yaml::Reader& r, const Scenario& s) : r_(r), s_(s) {
        for (const auto& x : s.sectors) sectors_.push_back(x.name);
        for (const char* z : kSizeClassNames) sizes_.emplace_back(z);
        for (const auto& x : s.technologies) technologies_.push_back(x.name);
        for (const auto& x : s.policies) policies_.push_back(x.name);
        for (const auto& v : observable_variables()) observable_.emplace_back(v.name);
    }

    Observation read(const yaml::Entry& e, const std::string& p) const {
        const Node& m = r_.expect_map(e.value, p, "a map with variable, year, value, se or interval, and source");
        r_.check_keys(m, p, "observation '" + e.key + "'", kObservationKeys);
        Observation o;
        o.name = e.key;
        const std::string native = read_aggregate(m, p, o.of, nullptr);
        if (const Node* per = m.find("per")) {
            const std::string pp = yaml::join(p, "per");
            r_.expect_map(*per, pp, "a map of the keys of the denominator");
            r_.check_keys(*per, pp, std::string("'").append(pp).append("'"), kAggregateKeys);
            o.has_per = true;
            read_aggregate(*per, pp, o.per, &o.of);
        }
        o.value = r_.real(r_.require(m, p, "value", "the observed figure"), yaml::join(p, "value"));
        if (const Node* u = m.find("unit")) {
            o.unit = r_.string(*u, yaml::join(p, "unit"));
            if (o.has_per)
                r_.bad(*u, yaml::join(p, "unit"), "a ratio (with 'per') is in the variables' own units",
                       "leave 'unit' out and write the ratio's value");
            o.unit_factor = unit_factor(o.unit, native);
            if (o.unit_factor == 0)
                r_.bad(*u, yaml::join(p, "unit"), "cannot be converted into the variables' unit '" + native + "'",
                       native == "1" ? std::string("allowed: 1, or k, M, G, T for thousands, millions, ...")
                                     : "allowed: " + native + " with an SI prefix (k, M, G, T)" +
                                           (native == "MWh" ? std::string(", or toe, ktoe, Mtoe") : std::string()));
        }
        if (const Node* n = m.find("error"))
            o.error = static_cast<ErrorModel>(r_.choice(*n, yaml::join(p, "error"), kErrorNames));
        if (const Node* n = m.find("level")) o.level = r_.real(*n, yaml::join(p, "level"), yaml::Range{0, 1, true, true});
        const Node* se = m.find("se");
        const Node* interval = m.find("interval");
        if ((se == nullptr) == (interval == nullptr)) {
            const std::string what = p + ": give one of 'se' (a standard error) and 'interval' ([lo, hi] at 'level')";
            if (!se) r_.fail(m, what);
            const yaml::Entry* second = nullptr;  // both: at the later of the two keys
            for (const auto& entry : m.entries)
                if (entry.key == "interval" || entry.key == "se") second = &entry;
            r_.fail_at(m.source, second->line, second->column, what + ", not both");
        }
        if (o.error == ErrorModel::lognormal && !(o.value > 0))
            r_.bad(r_.require(m, p, "value", ""), yaml::join(p, "value"), "a lognormal error needs a positive value",
                   "allowed: > 0");
        if (se) o.se = r_.real(*se, yaml::join(p, "se"), yaml::kPositive);
        if (interval) {
            const std::string ip = yaml::join(p, "interval");
            if (interval->kind != Kind::sequence || interval->items.size() != 2)
                r_.bad(*interval, ip, "expected [lo, hi]", "two numbers, lo <= value <= hi");
            o.has_interval = true;
            o.lo = r_.real(interval->items[0], ip + "[0]");
            o.hi = r_.real(interval->items[1], ip + "[1]");
            if (!(o.lo <= o.value && o.value <= o.hi && o.lo < o.hi))
                r_.bad(*interval, ip, "the interval must hold the value", "lo <= value <= hi, lo < hi");
            if (o.error == ErrorModel::lognormal && !(o.lo > 0))
                r_.bad(interval->items[0], ip + "[0]", "a lognormal interval needs a positive lower end", "allowed: > 0");
        }
        o.source = r_.string(r_.require(m, p, "source", "title, publisher, year, address"), yaml::join(p, "source"));
        if (o.source.empty()) r_.bad(*m.find("source"), yaml::join(p, "source"), "empty", "say where the figure comes from");
        if (const Node* n = m.find("note")) o.note = r_.string(*n, yaml::join(p, "note"));
        return o;
    }

private:
    // The variables, selections and years of `m` into `a`; `base` (the numerator, for
    // `per`) gives what `m` leaves out. Returns the variables' unit.
    std::string read_aggregate(const Node& m, const std::string& p, Aggregate& a, const Aggregate* base) const {
        if (base) a = *base;
        std::vector<const ObservableVariable*> vars;
        const Node* vn = m.find("variable");
        if (!vn && !base) vn = &r_.require(m, p, "variable", "an output variable, or a list of them to sum");
        if (vn) {
            const std::string vp = yaml::join(p, "variable");
            std::vector<const Node*> items;
            if (vn->kind == Kind::sequence) {
                if (vn->items.empty()) r_.bad(*vn, vp, "an empty list", "name at least one variable");
                for (const auto& i : vn->items) items.push_back(&i);
            } else {
                items.push_back(vn);
            }
            a.variables.clear();
            for (std::size_t i = 0; i < items.size(); ++i) {
                const std::string ip = vn->kind == Kind::sequence ? vp + "[" + std::to_string(i) + "]" : vp;
                const std::string name = r_.string(*items[i], ip);
                const ObservableVariable* ov = find_observable(name);
                if (!ov) r_.bad(*items[i], ip, "not an output variable an observation can use", yaml::suggestion(name, observable_));
                if (std::find(a.variables.begin(), a.variables.end(), name) != a.variables.end())
                    r_.bad(*items[i], ip, "listed twice", "name each variable once");
                if (!vars.empty() && std::string(ov->units) != vars.front()->units)
                    r_.bad(*items[i], ip, "its units (" + std::string(ov->units) + ") differ from " + vars.front()->name + "'s (" +
                                              vars.front()->units + ")", "sum only variables of the same units");
                if (!vars.empty() && (ov->rule == TimeRule::stock) != (vars.front()->rule == TimeRule::stock))
                    r_.bad(*items[i], ip, "a stock and a flow cannot be summed", "sum stocks with stocks, flows with flows");
                vars.push_back(ov);
                a.variables.push_back(name);
            }
        } else {
            for (const auto& name : a.variables) vars.push_back(find_observable(name));
        }

        const auto has_dim = [&](const ObservableVariable* v, Dim d) {
            return std::find(v->dims.begin(), v->dims.end(), d) != v->dims.end();
        };
        const auto selection = [&](std::string_view key, Dim d, const std::vector<std::string>& names,
                                   std::vector<std::string>& out) {
            const Node* n = m.find(key);
            if (!n) {
                // inherited selections apply where the denominator's variables have the dimension
                bool any = false;
                for (const auto* v : vars) any = any || has_dim(v, d);
                if (base && !any) out.clear();
                return;
            }
            const std::string kp = yaml::join(p, key);
            for (const auto* v : vars)
                if (!has_dim(v, d)) {
                    const std::string by_size = std::string(v->name) + "_by_size";
                    r_.bad(*n, kp, std::string("'") + v->name + "' has no " + dim_words(d) + " dimension",
                           d == Dim::size_class && find_observable(by_size) ? "use " + by_size
                                                                             : "leave '" + std::string(key) + "' out");
                }
            out.clear();
            if (n->kind != Kind::sequence || n->items.empty())
                r_.bad(*n, kp, std::string("expected a list of ") + dim_words(d) + " names", "e.g. [" + (names.empty() ? "a" : names.front()) + "]");
            for (std::size_t i = 0; i < n->items.size(); ++i) {
                const std::string ip = kp + "[" + std::to_string(i) + "]";
                const std::string name = r_.string(n->items[i], ip);
                if (std::find(names.begin(), names.end(), name) == names.end())
                    r_.bad(n->items[i], ip, std::string("unknown ") + dim_words(d), yaml::suggestion(name, names));
                if (std::find(out.begin(), out.end(), name) != out.end())
                    r_.bad(n->items[i], ip, "listed twice", std::string("name each ") + dim_words(d) + " once");
                out.push_back(name);
            }
        };
        selection("sectors", Dim::sector, sectors_, a.sectors);
        selection("size_classes", Dim::size_class, sizes_, a.size_classes);
        selection("technologies", Dim::technology, technologies_, a.technologies);
        selection("policies", Dim::policy, policies_, a.policies);

        // when
        bool timed = false;
        for (const auto* v : vars) timed = timed || v->rule != TimeRule::fixed;
        const Node* year = m.find("year");
        const Node* years = m.find("years");
        const int y0 = s_.run.start_year, y1 = s_.run.end_year;
        const std::string in_run = " (the run's years, " + std::to_string(y0) + " to " + std::to_string(y1) + ")";
        if (year && years) r_.fail(*years, p + ": give one of 'year' and 'years', not both");
        if (year) {
            a.first_year = a.last_year = r_.integer(*year, yaml::join(p, "year"), y0, y1, in_run);
        } else if (years) {
            const std::string yp = yaml::join(p, "years");
            if (years->kind != Kind::sequence || years->items.size() != 2)
                r_.bad(*years, yp, "expected [first, last]", "two years of the run, first <= last");
            a.first_year = r_.integer(years->items[0], yp + "[0]", y0, y1, in_run);
            a.last_year = r_.integer(years->items[1], yp + "[1]", a.first_year, y1, " (from the first year to the run's last)");
        } else if (!base) {
            if (timed) r_.fail(m, p + ": missing required key 'year' (or 'years: [first, last]')");
            a.first_year = a.last_year = y0;
        }
        if (const Node* n = m.find("combine")) {
            a.combine = static_cast<Aggregate::Combine>(r_.choice(*n, yaml::join(p, "combine"), kCombineNames));
        } else if (!base || years) {
            a.combine = !vars.empty() && vars.front()->rule == TimeRule::stock ? Aggregate::Combine::mean
                                                                               : Aggregate::Combine::sum;
        }

        // the unit: technology_unit is the unit of the selected technologies, which must agree
        std::string units = vars.front()->units;
        if (units == "technology_unit") {
            std::vector<int> ks;
            for (std::size_t k = 0; k < s_.technologies.size(); ++k)
                if (a.technologies.empty() ||
                    std::find(a.technologies.begin(), a.technologies.end(), s_.technologies[k].name) != a.technologies.end())
                    ks.push_back(static_cast<int>(k));
            units = s_.technologies[static_cast<std::size_t>(ks.front())].unit;
            for (int k : ks)
                if (s_.technologies[static_cast<std::size_t>(k)].unit != units)
                    r_.fail(m.find("technologies") ? *m.find("technologies") : m,
                            p + ": the capacities of " + s_.technologies[static_cast<std::size_t>(ks.front())].name + " (" + units +
                                ") and " + s_.technologies[static_cast<std::size_t>(k)].name + " (" +
                                s_.technologies[static_cast<std::size_t>(k)].unit +
                                ") cannot be summed; select technologies of one unit with 'technologies'");
        }
        return units;
    }

    static constexpr std::string_view kCombineNames[] = {"sum", "mean"};
    static constexpr std::string_view kErrorNames[] = {"normal", "lognormal"};

    const yaml::Reader& r_;
    const Scenario& s_;
    std::vector<std::string> sectors_, sizes_, technologies_, policies_, observable_;
};

}  // namespace

yaml::Names observation_keys() { return kObservationKeys; }
yaml::Names observation_aggregate_keys() { return kAggregateKeys; }

std::vector<Observation> read_observations(const yaml::Reader& reader, const yaml::Node& block, const std::string& path,
                                           const Scenario& scenario) {
    std::vector<Observation> out;
    if (block.kind == Kind::null) return out;
    reader.expect_map(block, path, "a map of observation names");
    const ObservationReader r(reader, scenario);
    for (const auto& e : block.entries) {
        reader.check_name(block, e, path, "observation");
        out.push_back(r.read(e, yaml::join(path, e.key)));
    }
    return out;
}

}  // namespace greenshift
