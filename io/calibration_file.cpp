#include "io/calibration_file.hpp"

#include "greenshift/version.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/publish.hpp"

#include <cstdio>

namespace greenshift {

namespace {

using hdf5::Group;
using hdf5::Location;

void write_root(const hdf5::File& file, const std::string& kind, const std::string& identity) {
    hdf5::write_attribute(file, "program", "greenshift");
    hdf5::write_attribute(file, "format_version", static_cast<std::int32_t>(kFormatVersion));
    hdf5::write_attribute(file, "kind", kind);
    hdf5::write_attribute(file, "calibration_format_version", static_cast<std::int32_t>(kCalibrationFormatVersion));
    hdf5::write_attribute(file, "calibration_identity", identity);
}

// A 1-d dataset of `values` over `dimension`, whose scale is `scale`.
template <class T>
void write_along(const Location& g, const std::string& name, const std::vector<T>& values, const hdf5::Dataset& scale) {
    const hdf5::Dataset d = hdf5::write_array(g, name, values, {values.size()});
    hdf5::attach_dimension_scale(d, scale, 0);
}

hdf5::Dataset write_scale(const Location& g, const std::string& name, const std::vector<std::string>& values,
                          const std::string& dimension) {
    hdf5::Dataset d = hdf5::write_strings(g, name, values);
    hdf5::set_dimension_scale(d, dimension);
    return d;
}

void write_trace(const Location& where, const CalibrationTrace& t) {
    const Group g = Group::create(where, "trace");
    const hsize_t n = t.evaluations();
    hdf5::write_array(g, "values", t.values, {n, t.parameters});
    hdf5::write_array(g, "loss", t.loss, {n});
    hdf5::write_array(g, "stage", t.stage, {n});
    hdf5::write_array(g, "simulated", t.simulated, {n, t.targets});
    hdf5::write_array(g, "simulated_variance", t.variance, {n, t.targets});
}

std::vector<double> flat(const std::vector<std::vector<double>>& rows) {
    std::vector<double> out;
    for (const auto& r : rows) out.insert(out.end(), r.begin(), r.end());
    return out;
}

// Writes through a temporary and publishes; `body` fills the open file.
template <class Body>
void publish_new(const std::string& path, bool replace, const Body& body) {
    check_output_target(path, replace);
    const std::string temporary = claim_temporary(path);
    bool created = false;
    try {
        hdf5::File file = hdf5::File::create(temporary);
        created = true;
        body(file);
        file.close();
        publish_file(temporary, path, {.replace = replace});
    } catch (...) {
        if (created) std::remove(temporary.c_str());
        throw;
    }
}

[[noreturn]] void refuse(const std::string& path, const std::string& what) { throw InputError(path, 0, 0, what); }

void check_version(const hdf5::File& f, const std::string& path) {
    const int v = hdf5::read_attribute<std::int32_t>(f, "calibration_format_version");
    if (v < 1 || v > kCalibrationFormatVersion)
        refuse(path, "calibration_format_version " + std::to_string(v) + "; this program reads 1 to " +
                         std::to_string(kCalibrationFormatVersion));
}

CalibrationTrace read_trace(const Location& where, std::size_t parameters, std::size_t targets) {
    const Group g = Group::open(where, "trace");
    CalibrationTrace t;
    t.parameters = parameters;
    t.targets = targets;
    t.loss = hdf5::read_array<double>(g, "loss").values;
    const hsize_t n = t.loss.size();
    check_shape(hdf5::Dataset::open(g, "values"), {n, parameters}, "the evaluations and the parameters");
    check_shape(hdf5::Dataset::open(g, "stage"), {n}, "the evaluations");
    check_shape(hdf5::Dataset::open(g, "simulated"), {n, targets}, "the evaluations and the targets");
    check_shape(hdf5::Dataset::open(g, "simulated_variance"), {n, targets}, "the evaluations and the targets");
    t.values = hdf5::read_array<double>(g, "values").values;
    t.stage = hdf5::read_array<std::int32_t>(g, "stage").values;
    t.simulated = hdf5::read_array<double>(g, "simulated").values;
    t.variance = hdf5::read_array<double>(g, "simulated_variance").values;
    return t;
}

}  // namespace

std::string checkpoint_path(const std::string& output) { return output + ".checkpoint"; }

void write_calibration(const std::string& path, const CalibrationOutput& out, bool force) {
    const std::size_t np = out.keys.size(), nt = out.fit.size();
    publish_new(path, force, [&](const hdf5::File& file) {
        write_root(file, "calibration", out.identity);
        hdf5::write_attribute(file, "program_version", out.program_version);
        hdf5::write_attribute(file, "git_commit", out.git_commit);
        hdf5::write_attribute(file, "command_line", out.command_line);
        hdf5::write_attribute(file, "created_utc", out.created_utc);
        hdf5::write_attribute(file, "seed", out.seed);
        hdf5::write_attribute(file, "replicates", static_cast<std::int32_t>(out.replicates));
        hdf5::write_attribute(file, "threads", static_cast<std::int32_t>(out.threads));
        hdf5::write_attribute(file, "method", out.method);
        hdf5::write_attribute(file, "scenario_text", out.scenario_text);
        hdf5::write_attribute(file, "calibration_text", out.calibration_text);

        const Group pg = Group::create(file, "parameters");
        const hdf5::Dataset key = write_scale(pg, "key", out.keys, "parameter");
        write_along(pg, "lower", out.lower, key);
        write_along(pg, "upper", out.upper, key);
        write_along(pg, "estimate", out.estimate, key);
        write_along(pg, "p05", out.p05, key);
        write_along(pg, "median", out.median, key);
        write_along(pg, "p95", out.p95, key);
        hdf5::write_attribute(pg, "estimate_loss", out.estimate_loss);

        const Group post = Group::create(file, "posterior");
        hdf5::write_array(post, "sample", flat(out.sample), {out.sample.size(), np});
        hdf5::write_array(post, "log_likelihood", out.log_likelihood, {out.log_likelihood.size()});
        hdf5::write_attribute(post, "acceptance", out.acceptance);

        write_trace(file, out.trace);

        const Group fg = Group::create(file, "fit");
        std::vector<std::string> name, unit, source, error;
        std::vector<double> observed, se, simulated, p05, p95;
        std::vector<std::uint8_t> in;
        for (const auto& r : out.fit) {
            name.push_back(r.name), unit.push_back(r.unit), source.push_back(r.source), error.push_back(r.error);
            observed.push_back(r.observed), se.push_back(r.se), simulated.push_back(r.simulated);
            p05.push_back(r.p05), p95.push_back(r.p95), in.push_back(r.in_calibration ? 1 : 0);
        }
        const hdf5::Dataset target = write_scale(fg, "name", name, "target");
        write_along(fg, "observed", observed, target);
        write_along(fg, "se", se, target);
        hdf5::attach_dimension_scale(hdf5::write_strings(fg, "error", error), target, 0);
        hdf5::attach_dimension_scale(hdf5::write_strings(fg, "unit", unit), target, 0);
        write_along(fg, "simulated", simulated, target);
        write_along(fg, "p05", p05, target);
        write_along(fg, "p95", p95, target);
        hdf5::attach_dimension_scale(hdf5::write_strings(fg, "source", source), target, 0);
        write_along(fg, "in_calibration", in, target);
        (void)nt;
    });
}

CalibrationOutput read_calibration(const std::string& path, const std::string& command) {
    const InputFile in = open_input(path, {FileKind::calibration}, command);
    const hdf5::File& f = in.file;
    check_version(f, path);
    check_dimensions(f);
    CalibrationOutput out;
    out.identity = hdf5::read_text_attribute(f, "calibration_identity");
    out.program_version = hdf5::read_text_attribute(f, "program_version");
    out.git_commit = hdf5::read_text_attribute(f, "git_commit");
    out.command_line = hdf5::read_text_attribute(f, "command_line");
    out.created_utc = hdf5::read_text_attribute(f, "created_utc");
    out.seed = hdf5::read_attribute<std::uint64_t>(f, "seed");
    out.replicates = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(f, "replicates"));
    out.threads = hdf5::read_attribute<std::int32_t>(f, "threads");
    out.method = hdf5::read_text_attribute(f, "method");
    out.scenario_text = hdf5::read_text_attribute(f, "scenario_text");
    out.calibration_text = hdf5::read_text_attribute(f, "calibration_text");

    const Group pg = Group::open(f, "parameters");
    out.keys = hdf5::read_strings(pg, "key");
    const hsize_t np = out.keys.size();
    for (const char* name : {"lower", "upper", "estimate", "p05", "median", "p95"})
        check_shape(hdf5::Dataset::open(pg, name), {np}, "its coordinate parameter");
    out.lower = hdf5::read_array<double>(pg, "lower").values;
    out.upper = hdf5::read_array<double>(pg, "upper").values;
    out.estimate = hdf5::read_array<double>(pg, "estimate").values;
    out.p05 = hdf5::read_array<double>(pg, "p05").values;
    out.median = hdf5::read_array<double>(pg, "median").values;
    out.p95 = hdf5::read_array<double>(pg, "p95").values;
    out.estimate_loss = hdf5::read_attribute<double>(pg, "estimate_loss");

    const Group post = Group::open(f, "posterior");
    out.log_likelihood = hdf5::read_array<double>(post, "log_likelihood").values;
    const hsize_t nd = out.log_likelihood.size();
    check_shape(hdf5::Dataset::open(post, "sample"), {nd, np}, "the draws and the parameters");
    const auto sample = hdf5::read_array<double>(post, "sample").values;
    out.sample.assign(nd, std::vector<double>(np));
    for (hsize_t d = 0; d < nd; ++d)
        for (hsize_t p = 0; p < np; ++p) out.sample[d][p] = sample[d * np + p];
    out.acceptance = hdf5::read_attribute<double>(post, "acceptance");

    const Group fg = Group::open(f, "fit");
    const auto name = hdf5::read_strings(fg, "name");
    const hsize_t nt = name.size();
    for (const char* n : {"observed", "se", "error", "unit", "simulated", "p05", "p95", "source", "in_calibration"})
        check_shape(hdf5::Dataset::open(fg, n), {nt}, "its coordinate target");
    const auto unit = hdf5::read_strings(fg, "unit"), source = hdf5::read_strings(fg, "source"),
               error = hdf5::read_strings(fg, "error");
    const auto observed = hdf5::read_array<double>(fg, "observed").values, se = hdf5::read_array<double>(fg, "se").values,
               simulated = hdf5::read_array<double>(fg, "simulated").values,
               p05 = hdf5::read_array<double>(fg, "p05").values, p95 = hdf5::read_array<double>(fg, "p95").values;
    const auto inc = hdf5::read_array<std::uint8_t>(fg, "in_calibration").values;
    for (hsize_t t = 0; t < nt; ++t)
        out.fit.push_back(CalibrationFitRow{name[t], observed[t], se[t], error[t], unit[t], simulated[t], p05[t], p95[t],
                                            source[t], inc[t] != 0});

    out.trace = read_trace(f, np, nt);
    return out;
}

CalibrationPosterior read_calibration_posterior(const std::string& path, const std::string& command) {
    CalibrationOutput all = read_calibration(path, command);
    CalibrationPosterior p;
    p.keys = std::move(all.keys);
    p.lower = std::move(all.lower);
    p.upper = std::move(all.upper);
    p.estimate = std::move(all.estimate);
    p.sample = std::move(all.sample);
    p.scenario_text = std::move(all.scenario_text);
    return p;
}

void write_calibration_checkpoint(const std::string& path, const std::string& identity, const CalibrationTrace& trace) {
    publish_new(path, true, [&](const hdf5::File& file) {
        write_root(file, "calibration_checkpoint", identity);
        hdf5::write_attribute(file, "parameters", static_cast<std::int32_t>(trace.parameters));
        hdf5::write_attribute(file, "targets", static_cast<std::int32_t>(trace.targets));
        write_trace(file, trace);
    });
}

CalibrationTrace read_calibration_checkpoint(const std::string& path, const std::string& identity) {
    const InputFile in = open_input(path, {FileKind::calibration_checkpoint}, "calibrate --resume");
    check_version(in.file, path);
    if (hdf5::read_text_attribute(in.file, "calibration_identity") != identity)
        refuse(path, "is the checkpoint of another calibration (its CALIB.yaml or scenario differ); remove it or "
                     "start over with --force");
    const auto np = hdf5::read_attribute<std::int32_t>(in.file, "parameters");
    const auto nt = hdf5::read_attribute<std::int32_t>(in.file, "targets");
    if (np < 0 || nt < 0) refuse(path, "negative parameter or target count");
    return read_trace(in.file, static_cast<std::size_t>(np), static_cast<std::size_t>(nt));
}

}  // namespace greenshift
