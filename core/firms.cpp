#include "core/firms.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <numbers>

#include "core/permutation.hpp"
#include "core/rng.hpp"

namespace greenshift {

std::vector<std::uint64_t> firm_offsets(const Scenario& s) {
    std::vector<std::uint64_t> off;
    off.reserve(s.sectors.size() * kSizeClasses + 1);
    std::uint64_t n = 0;
    for (const auto& sec : s.sectors)
        for (int z = 0; z < kSizeClasses; ++z) {
            off.push_back(n);
            n += sec.firms[static_cast<std::size_t>(z)];
        }
    off.push_back(n);
    return off;
}

namespace {

// The firms of [first, first + count) without the flags that depend on shares
// (credit access, high growth): `words` gets, per firm, the two Philox words those
// flags are drawn from, so that set_share_flags can apply any shares to them.
FirmArrays draw_firms(const Scenario& s, std::uint64_t first, std::uint64_t count, std::vector<std::uint32_t>& words) {
    FirmArrays f;
    const std::uint64_t total = s.total_firms();
    f.first = std::min(first, total);
    f.count = std::min(count, total - f.first);
    f.technologies = static_cast<int>(s.technologies.size());
    const std::size_t n = f.count;
    const std::size_t nt = n * static_cast<std::size_t>(f.technologies);
    f.sector.resize(n);
    f.size_class.resize(n);
    f.flags.resize(n);
    f.output.resize(n);
    f.intensity.resize(n);
    f.status.resize(nt);
    f.adopted_step.resize(nt);
    words.resize(2 * n);

    const auto off = firm_offsets(s);
    const std::uint64_t seed = s.run.population_seed.value_or(s.run.seed);
    const std::uint32_t run = s.run.run_index;
    const int spy = s.run.steps_per_year;
    const int T = f.technologies;
    // The installed base's oldest equipment sets how far before the start steps go.
    for (const auto& sec : s.sectors)
        for (int k = 0; k < T; ++k)
            for (int z = 0; z < kSizeClasses; ++z)
                if (sec.base(k, z) > 0)
                    f.step_offset = std::max(f.step_offset, s.technologies[static_cast<std::size_t>(k)].base_max_age() * spy);
    // Per technology, the cell's random order and how many of it are feasible, equipped.
    struct Cut {
        IndexPermutation order;
        std::uint64_t feasible = 0, equipped = 0;
        bool any = false;  // some firm is infeasible or equipped
    };
    std::vector<Cut> cuts(static_cast<std::size_t>(T));
    for (std::size_t cell = 0; cell + 1 < off.size(); ++cell) {
        const auto si = cell / kSizeClasses;
        const auto z = cell % kSizeClasses;
        const Sector& sec = s.sectors[si];
        const double mu = std::log(sec.output_median[z]);
        const double sigma = sec.output_sigma[z];
        const double isig = sec.intensity_sigma;
        const auto lo = static_cast<std::int64_t>(std::max(off[cell], f.first));
        const auto hi = static_cast<std::int64_t>(std::min(off[cell + 1], f.first + f.count));
        const std::uint64_t n_cell = off[cell + 1] - off[cell];
        for (int k = 0; k < T; ++k) {
            Cut& c = cuts[static_cast<std::size_t>(k)];
            // round(share x n), halves up
            const auto rounded = [&](double share) {
                return std::min(n_cell, static_cast<std::uint64_t>(std::floor(share * static_cast<double>(n_cell) + 0.5)));
            };
            c.feasible = rounded(sec.potential(k, static_cast<int>(z)));
            c.equipped = std::min(c.feasible, rounded(sec.base(k, static_cast<int>(z))));
            c.any = c.feasible < n_cell || c.equipped > 0;
            if (c.any)
                c.order = IndexPermutation(n_cell, philox_words(seed, run, static_cast<std::uint32_t>(cell), kInitStep,
                                                                purpose_word(Purpose::feasibility, static_cast<std::uint32_t>(k))));
        }
#pragma omp parallel for schedule(static)
        for (std::int64_t i = lo; i < hi; ++i) {
            const auto w = philox_words(seed, run, static_cast<std::uint32_t>(i), kInitStep,
                                        purpose_word(Purpose::firm_init));
            // Box-Muller: two independent standard normals from two uniforms.
            const double r = std::sqrt(-2.0 * std::log(u01(w[0])));
            const double a = 2.0 * std::numbers::pi * u01(w[1]);
            const double z1 = r * std::cos(a);
            const double z2 = r * std::sin(a);
            const auto k = static_cast<std::size_t>(static_cast<std::uint64_t>(i) - f.first);
            f.sector[k] = static_cast<std::uint16_t>(si);
            f.size_class[k] = static_cast<std::uint8_t>(z);
            f.output[k] = static_cast<float>(std::exp(mu + sigma * z1));
            // mean-one log-normal: exp(sigma z - sigma^2 / 2)
            f.intensity[k] = static_cast<float>(std::exp(isig * z2 - 0.5 * isig * isig));
            f.flags[k] = 0;
            words[2 * k] = w[2];
            words[2 * k + 1] = w[3];
            for (int t = 0; t < T; ++t) {
                const Cut& c = cuts[static_cast<std::size_t>(t)];
                std::uint8_t status = 0;
                std::uint16_t adopted = kNotAdopted;
                if (c.any) {
                    const std::uint64_t rank = c.order(static_cast<std::uint64_t>(i) - off[cell]);
                    if (rank >= c.feasible) {
                        adopted = kInfeasible;
                    } else if (rank < c.equipped) {
                        // installed 1 to max-age years (in steps) before the start
                        const int oldest = s.technologies[static_cast<std::size_t>(t)].base_max_age() * spy;
                        const auto draw = philox_words(seed, run, static_cast<std::uint32_t>(i), kInitStep,
                                                       purpose_word(Purpose::installed_age, static_cast<std::uint32_t>(t)));
                        const int age = 1 + static_cast<int>(u01(draw[0]) * oldest);
                        adopted = static_cast<std::uint16_t>(f.step_offset - std::min(age, oldest));
                        status = tech_status::aware;
                    }
                }
                f.status[f.at(k, t)] = status;
                f.adopted_step[f.at(k, t)] = adopted;
            }
        }
    }
    return f;
}

// Credit access and high growth, drawn from each firm's words with its cell's shares.
void set_share_flags(FirmArrays& f, const Scenario& s, const std::vector<std::uint32_t>& words) {
    for (std::size_t k = 0; k < f.count; ++k) {
        const Sector& sec = s.sectors[f.sector[k]];
        const int z = f.size_class[k];
        const double credit = sec.credit_access[static_cast<std::size_t>(z)];
        const double growth = is_tpme(z) ? sec.high_growth_share : 0.0;
        std::uint8_t flags = f.flags[k] & static_cast<std::uint8_t>(~(firm_flag::credit | firm_flag::high_growth));
        if (u01(words[2 * k]) < credit) flags |= firm_flag::credit;
        if (u01(words[2 * k + 1]) < growth) flags |= firm_flag::high_growth;
        f.flags[k] = flags;
    }
}

// Everything draw_firms reads, as bytes: two scenarios with the same key draw the
// same firms (the shares of set_share_flags aside).
std::string population_key(const Scenario& s, std::uint64_t first, std::uint64_t count) {
    std::string key;
    const auto put = [&key](const auto& v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
    put(s.run.population_seed.value_or(s.run.seed));
    put(s.run.run_index);
    put(s.run.steps_per_year);
    put(first);
    put(count);
    const int T = static_cast<int>(s.technologies.size());
    put(T);
    for (const auto& tech : s.technologies) put(tech.base_max_age());
    put(s.sectors.size());
    for (const auto& sec : s.sectors) {
        put(sec.intensity_sigma);
        for (int z = 0; z < kSizeClasses; ++z) {
            const auto uz = static_cast<std::size_t>(z);
            put(sec.firms[uz]);
            put(sec.output_median[uz]);
            put(sec.output_sigma[uz]);
            for (int k = 0; k < T; ++k) {
                put(sec.potential(k, z));
                put(sec.base(k, z));
            }
        }
    }
    return key;
}

}  // namespace

FirmArrays generate_firms(const Scenario& s, std::uint64_t first, std::uint64_t count) {
    std::vector<std::uint32_t> words;
    FirmArrays f = draw_firms(s, first, count, words);
    set_share_flags(f, s, words);
    return f;
}

struct PopulationCache::Entry {
    std::string key;
    FirmArrays firms;
    std::vector<std::uint32_t> words;
    std::uint64_t bytes() const {
        return key.size() + words.size() * sizeof(std::uint32_t) +
               firms.count * FirmArrays::state_bytes(firms.technologies);
    }
};

PopulationCache::PopulationCache(std::size_t capacity, std::uint64_t max_bytes)
    : capacity_(std::max<std::size_t>(capacity, 1)), max_bytes_(max_bytes) {}
PopulationCache::~PopulationCache() = default;

FirmArrays PopulationCache::firms(const Scenario& s, std::uint64_t first, std::uint64_t count) {
    std::string key = population_key(s, first, count);
    std::shared_ptr<const Entry> found;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end(); ++it)
            if ((*it)->key == key) {
                found = *it;
                entries_.erase(it);
                entries_.insert(entries_.begin(), found);  // most recently used first
                ++hits_;
                break;
            }
    }
    if (!found) {
        auto made = std::make_shared<Entry>();
        made->firms = draw_firms(s, first, count, made->words);
        made->key = std::move(key);
        found = made;
        const std::lock_guard<std::mutex> lock(mutex_);
        ++misses_;
        if (made->bytes() <= max_bytes_) {
            entries_.insert(entries_.begin(), found);
            bytes_ += made->bytes();
            while (entries_.size() > capacity_ || bytes_ > max_bytes_) {
                bytes_ -= entries_.back()->bytes();
                entries_.pop_back();
            }
        }
    }
    FirmArrays f = found->firms;
    set_share_flags(f, s, found->words);
    return f;
}

std::uint64_t PopulationCache::hits() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return hits_;
}

std::uint64_t PopulationCache::misses() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return misses_;
}

}  // namespace greenshift
