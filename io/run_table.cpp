#include "io/run_table.hpp"

#include <string>
#include <unordered_map>
#include <vector>

#include "io/csv_text.hpp"
#include "io/input_error.hpp"

namespace greenshift {

std::uint64_t write_run_table_csv(const hdf5::File& file, const std::string& path, std::ostream& out) {
    if (!file.contains("effects") || !file.contains("runs"))
        throw InputError(path, 0, 0,
                         "no per-run indicators: --tidy needs a batch file with a variant that has a baseline "
                         "(the indicators are its effects, in /effects)");
    const hdf5::Group effects = hdf5::Group::open(file, "effects");
    const hdf5::Group runs = hdf5::Group::open(file, "runs");
    const auto run = hdf5::read_array<std::int64_t>(effects, "run").values;
    const auto baseline = hdf5::read_array<std::int64_t>(effects, "baseline_run").values;
    const auto sample = hdf5::read_array<std::int64_t>(effects, "sample").values;
    const auto replicate = hdf5::read_array<std::int64_t>(effects, "replicate").values;
    const auto seed = hdf5::read_array<std::uint64_t>(effects, "seed").values;
    const auto variant = hdf5::read_strings(effects, "variant");
    const auto names = hdf5::read_strings(effects, "indicator");
    const auto indicators = hdf5::read_array<double>(effects, "indicators");
    const std::size_t rows = run.size(), ni = names.size();
    if (indicators.values.size() != rows * ni || variant.size() != rows || sample.size() != rows ||
        replicate.size() != rows || seed.size() != rows || baseline.size() != rows)
        throw InputError(path, 0, 0, "/effects: its datasets disagree on the number of rows; the file is damaged");

    // The uncertain values of each run, by run index (a shard or merged file holds some runs).
    std::vector<std::string> parameters;
    std::unordered_map<std::int64_t, std::size_t> row_of_run;
    hdf5::Array<double> values;
    if (runs.contains("parameter")) {
        parameters = hdf5::read_strings(runs, "parameter");
        values = hdf5::read_array<double>(runs, "parameters");
        const auto ids = hdf5::read_array<std::int64_t>(runs, "run").values;
        if (values.values.size() != ids.size() * parameters.size())
            throw InputError(path, 0, 0, "/runs/parameters: its shape disagrees with /runs/run; the file is damaged");
        for (std::size_t i = 0; i < ids.size(); ++i) row_of_run.emplace(ids[i], i);
    }
    const std::size_t np = parameters.size();

    out << "run,variant,baseline_run,sample,replicate,seed";
    for (const auto& p : parameters) out << ',' << csv_field(p);
    for (const auto& n : names) out << ',' << csv_field(n);
    out << '\n';
    std::string line;
    for (std::size_t r = 0; r < rows; ++r) {
        line.clear();
        line += std::to_string(run[r]) + ',' + csv_field(variant[r]) + ',' + std::to_string(baseline[r]) + ',' +
                std::to_string(sample[r]) + ',' + std::to_string(replicate[r]) + ',' + std::to_string(seed[r]);
        if (np > 0) {
            const auto at = row_of_run.find(run[r]);
            if (at == row_of_run.end())
                throw InputError(path, 0, 0, "/effects names run " + std::to_string(run[r]) + ", which /runs does not hold; the file is damaged");
            for (std::size_t p = 0; p < np; ++p) line += ',' + csv_number(values.values[at->second * np + p]);
        }
        for (std::size_t i = 0; i < ni; ++i) line += ',' + csv_number(indicators.values[r * ni + i]);
        line += '\n';
        out << line;
    }
    return rows;
}

}  // namespace greenshift
