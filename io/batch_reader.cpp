#include "io/batch_reader.hpp"

#include <filesystem>

#include "greenshift/version.hpp"
#include "io/csv_text.hpp"
#include "io/input_error.hpp"
#include "io/run_reader.hpp"

namespace greenshift {

namespace fs = std::filesystem;

hdf5::File open_batch_file(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw InputError(path, 0, 0, "no such file");
    if (fs::is_directory(path, ec)) throw InputError(path, 0, 0, "is a directory, not a batch file");
    hdf5::File file = hdf5::File::open_read_only(path);
    if (!hdf5::has_attribute(file, "program") || hdf5::read_text_attribute(file, "program") != "greenshift")
        throw InputError(path, 0, 0, "not a greenshift file (no root attribute program = \"greenshift\")");
    hdf5::check_format_version(file, kFormatVersion);
    if (!hdf5::has_attribute(file, "batch_identity") || !file.contains("runs"))
        throw InputError(path, 0, 0, "a run file, not a batch file (made by `greenshift run`; use ncdump or xarray)");
    return file;
}

SummaryTable read_summary(const std::string& path) {
    const hdf5::File file = open_batch_file(path);
    SummaryTable t;
    t.runs_per_variant = static_cast<std::int64_t>(hdf5::read_attribute<std::int32_t>(file, "sample_count")) *
                         hdf5::read_attribute<std::int32_t>(file, "replicate_count");
    if (!file.contains("summary")) return t;
    const hdf5::Group g = hdf5::Group::open(file, "summary");
    t.variants = hdf5::read_strings(g, "variant");
    t.indicators = hdf5::read_strings(g, "indicator");
    t.units = hdf5::read_strings(g, "indicator_units");
    t.long_names = hdf5::read_strings(g, "indicator_long_name");
    t.statistics = hdf5::read_strings(g, "statistic");
    t.values = hdf5::read_array<double>(g, "value").values;
    t.valid_runs = hdf5::read_array<std::int64_t>(g, "valid_runs").values;
    if (t.values.size() != t.variants.size() * t.indicators.size() * t.statistics.size() ||
        t.valid_runs.size() != t.variants.size() * t.indicators.size())
        throw InputError(path, 0, 0, "/summary: value or valid_runs does not match its coordinates");
    return t;
}

void write_summary_csv(const SummaryTable& t, std::ostream& out) {
    out << "variant,indicator,units";
    for (const std::string& s : t.statistics) out << "," << csv_field(s);
    out << ",valid_runs,long_name\n";
    for (std::size_t v = 0; v < t.variants.size(); ++v)
        for (std::size_t i = 0; i < t.indicators.size(); ++i) {
            out << csv_field(t.variants[v]) << "," << csv_field(t.indicators[i]) << "," << csv_field(t.units[i]);
            for (std::size_t s = 0; s < t.statistics.size(); ++s) out << "," << csv_number(t.value(v, i, s));
            out << "," << t.valid_runs[v * t.indicators.size() + i] << "," << csv_field(t.long_names[i]) << "\n";
        }
}

}  // namespace greenshift
