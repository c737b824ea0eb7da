#include "batch/shard.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>

#include "batch/assemble.hpp"
#include "batch/expand.hpp"
#include "io/batch_writer.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/interrupt.hpp"
#include "io/publish.hpp"
#include "io/run_reader.hpp"

namespace greenshift {

namespace {

namespace fs = std::filesystem;

std::string run_group_name(std::uint32_t index) {
    char name[32];
    std::snprintf(name, sizeof name, "run-%06u", index);
    return name;
}

std::string short_digest(const std::string& d) { return d.size() > 16 ? d.substr(0, 16) : d; }

// The root attributes every shard file has, read once.
struct ShardHeader {
    std::string path;
    std::string identity;
    std::string batch_file;
    ShardSpec shard;
    std::uint32_t run_count = 0;
};

ShardHeader read_header(const std::string& path) {
    ShardHeader h;
    h.path = path;
    try {
        const hdf5::File file = open_input(path, {FileKind::shard}, "merge").file;
        h.identity = hdf5::read_text_attribute(file, "batch_identity");
        h.batch_file = hdf5::read_text_attribute(file, "batch_file");
        const auto index = hdf5::read_attribute<std::int32_t>(file, "shard_index");
        const auto count = hdf5::read_attribute<std::int32_t>(file, "shard_count");
        const auto runs = hdf5::read_attribute<std::int32_t>(file, "run_count");
        if (count < 1 || index < 0 || index >= count || runs < 1)
            throw InputError(path, 0, 0, "has an impossible shard " + std::to_string(index) + "/" +
                                             std::to_string(count) + " of " + std::to_string(runs) + " runs");
        h.shard = {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(count)};
        h.run_count = static_cast<std::uint32_t>(runs);
        // Complete: exactly the runs of its block, each a group.
        const RunBlock block = shard_runs(h.run_count, h.shard);
        if (!file.contains("parts")) throw InputError(path, 0, 0, "is incomplete: it has no /parts group");
        const hdf5::Group parts = hdf5::Group::open(file, "parts");
        for (std::uint32_t i = block.first; i < block.last; ++i)
            if (!parts.contains(run_group_name(i)))
                throw InputError(path, 0, 0, "is incomplete: shard " + h.shard.text() + " must hold runs " +
                                                 std::to_string(block.first) + "-" + std::to_string(block.last - 1) +
                                                 ", but run " + std::to_string(i) + " is missing");
    } catch (const InputError&) {
        throw;
    } catch (const Interrupted&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(path, 0, 0, std::string("cannot be read as a shard file (truncated or corrupt?): ") +
                                         e.what());
    }
    return h;
}

// The rows of the design a shard holds (/plan/sample_value from sample
// sample_value_first on; the whole design in shards written before), into
// plan.sample_values.
void read_sample_rows(const std::string& path, const hdf5::Group& g, BatchPlan& plan) {
    const std::size_t d = plan.uncertain.size();
    const hdf5::Dataset dataset = hdf5::Dataset::open(g, "sample_value");
    const std::vector<hsize_t> shape = dataset.shape();
    const std::int64_t first =
        hdf5::has_attribute(g, "sample_value_first") ? hdf5::read_attribute<std::int32_t>(g, "sample_value_first") : 0;
    if (shape.size() != 2 || shape[1] != d || first < 0 || static_cast<std::uint64_t>(first) + shape[0] > plan.samples)
        throw InputError(path, 0, 0, "/plan/sample_value: not rows of " + std::to_string(d) + " parameters within the " +
                                         std::to_string(plan.samples) + " samples");
    const std::vector<double> values = hdf5::read_array<double>(g, "sample_value").values;
    for (std::size_t r = 0; r < shape[0]; ++r)
        plan.sample_values[static_cast<std::size_t>(first) + r].assign(
            values.begin() + static_cast<std::ptrdiff_t>(r * d), values.begin() + static_cast<std::ptrdiff_t>((r + 1) * d));
}

// The plan as far as assembly needs it, from the /plan group and root attributes.
BatchPlan read_plan(const std::string& path) {
    const hdf5::File file = open_input(path, {FileKind::shard}, "merge").file;
    BatchPlan plan;
    plan.file = hdf5::read_text_attribute(file, "batch_file");
    plan.identity = hdf5::read_text_attribute(file, "batch_identity");
    plan.resolved_text = hdf5::read_text_attribute(file, "batch");
    plan.scenario_text = hdf5::read_text_attribute(file, "scenario");
    plan.seed = hdf5::read_attribute<std::uint64_t>(file, "seed");
    plan.samples = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(file, "sample_count"));
    plan.replicates = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(file, "replicate_count"));
    plan.fixed_population =
        hdf5::has_attribute(file, "population") && hdf5::read_text_attribute(file, "population") == "fixed";
    const hdf5::Group g = hdf5::Group::open(file, "plan");
    check_dimensions(g);
    const std::vector<std::string> names = hdf5::read_strings(g, "variant");
    const std::vector<std::int32_t> baseline = hdf5::read_array<std::int32_t>(g, "variant_baseline").values;
    const std::vector<std::int32_t> rv = hdf5::read_array<std::int32_t>(g, "run_variant").values;
    const std::vector<std::int32_t> rs = hdf5::read_array<std::int32_t>(g, "run_sample").values;
    const std::vector<std::int32_t> rr = hdf5::read_array<std::int32_t>(g, "run_replicate").values;
    const std::vector<std::uint64_t> seed = hdf5::read_array<std::uint64_t>(g, "run_seed").values;
    if (baseline.size() != names.size() || rs.size() != rv.size() || rr.size() != rv.size() ||
        seed.size() != rv.size())
        throw InputError(path, 0, 0, "/plan: tables of different lengths");
    for (std::size_t v = 0; v < names.size(); ++v) {
        Variant x;
        x.name = names[v];
        x.baseline = baseline[v];
        if (x.baseline >= static_cast<std::int32_t>(names.size())) throw InputError(path, 0, 0, "/plan: bad baseline");
        plan.variants.push_back(std::move(x));
    }
    if (hdf5::has_attribute(g, "sensitivity_method")) {
        const std::string method = hdf5::read_text_attribute(g, "sensitivity_method");
        SensitivitySpec& sa = plan.sensitivity;
        sa.method = method == "sobol" ? SensitivityMethod::sobol : method == "morris" ? SensitivityMethod::morris
                                                                                       : SensitivityMethod::none;
        if (sa.method == SensitivityMethod::none)
            throw InputError(path, 0, 0, "/plan: unknown sensitivity_method '" + method + "'");
        sa.base = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(g, "sensitivity_base"));
        sa.trajectories = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(g, "sensitivity_trajectories"));
        sa.levels = static_cast<std::uint32_t>(hdf5::read_attribute<std::int32_t>(g, "sensitivity_levels"));
    }
    if (hdf5::has_attribute(g, "calibration_draws")) {
        const std::int32_t draws = hdf5::read_attribute<std::int32_t>(g, "calibration_draws");
        if (draws <= 0) throw InputError(path, 0, 0, "/plan: calibration_draws is not positive");
        plan.calibration_draws = static_cast<std::uint32_t>(draws);
    }
    if (g.contains("parameter")) {
        const std::vector<std::string> keys = hdf5::read_strings(g, "parameter");
        const std::size_t d = keys.size();
        const std::vector<std::uint8_t> scale = hdf5::read_array<std::uint8_t>(g, "parameter_scale").values;
        const std::vector<std::uint8_t> applies = hdf5::read_array<std::uint8_t>(g, "variant_parameter").values;
        if (scale.size() != d || applies.size() != names.size() * d)
            throw InputError(path, 0, 0, "/plan: parameter tables of different lengths");
        for (std::size_t q = 0; q < d; ++q) {
            UncertainParameter u;
            u.path = keys[q];
            u.scale = scale[q] != 0;
            plan.uncertain.push_back(u);
        }
        for (std::size_t v = 0; v < names.size(); ++v)
            for (std::size_t q = 0; q < d; ++q)
                if (applies[v * d + q] != 0) plan.variants[v].uncertain.push_back(static_cast<std::uint32_t>(q));
        plan.sample_values.assign(plan.samples, {});
        read_sample_rows(path, g, plan);
    }
    for (std::size_t i = 0; i < rv.size(); ++i) {
        if (rv[i] < 0 || rv[i] >= static_cast<std::int32_t>(names.size()))
            throw InputError(path, 0, 0, "/plan: run " + std::to_string(i) + " has no valid variant");
        RunSpec r;
        r.index = static_cast<std::uint32_t>(i);
        r.variant = static_cast<std::uint32_t>(rv[i]);
        r.sample = static_cast<std::uint32_t>(rs[i]);
        r.replicate = static_cast<std::uint32_t>(rr[i]);
        r.seed = seed[i];
        plan.runs.push_back(r);
    }
    return plan;
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    const auto number = [&](const std::string& s) -> long long {
        if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return -1;
        return std::stoll(s);
    };
    const long long i = slash == std::string::npos ? -1 : number(text.substr(0, slash));
    const long long n = slash == std::string::npos ? -1 : number(text.substr(slash + 1));
    if (i < 0 || n < 1 || i >= n)
        throw std::invalid_argument("'" + text + "' is not a shard; allowed: I/N with 0 <= I < N, e.g. 0/4 ... 3/4 "
                                    "(SLURM_ARRAY_TASK_ID/N with --array=0-(N-1))");
    return {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
}

RunBlock shard_runs(std::uint32_t runs, ShardSpec s) {
    if (!s.active()) return {0, runs};
    const std::uint64_t r = runs;
    return {static_cast<std::uint32_t>(r * s.index / s.count), static_cast<std::uint32_t>(r * (s.index + 1) / s.count)};
}

void write_shard_file(const BatchPlan& plan, ShardSpec shard, const std::function<RunResult(std::uint32_t)>& run,
                      const std::string& path, const RunMetadata& meta) {
    hdf5::File file = create_batch_file(path, plan, meta, static_cast<std::uint32_t>(plan.runs.size()));
    const RunBlock block = shard_runs(static_cast<std::uint32_t>(plan.runs.size()), shard);
    hdf5::write_attribute(file, "shard", shard.text());
    hdf5::write_attribute(file, "shard_index", static_cast<std::int32_t>(shard.index));
    hdf5::write_attribute(file, "shard_count", static_cast<std::int32_t>(shard.count));
    hdf5::write_attribute(file, "shard_first_run", static_cast<std::int32_t>(block.first));
    hdf5::write_attribute(file, "shard_run_count", static_cast<std::int32_t>(block.size()));

    // The whole plan, so that merge needs neither the batch file nor its scenario.
    {
        const hdf5::Group g = hdf5::Group::create(file, "plan");
        hdf5::write_attribute(g, "title", "the runs of the whole batch (variant x sample x replicate)");
        std::vector<std::string> names;
        std::vector<std::int32_t> baseline, rv, rs, rr;
        std::vector<std::uint64_t> seed;
        for (const Variant& v : plan.variants) {
            names.push_back(v.name);
            baseline.push_back(v.baseline);
        }
        for (const RunSpec& r : plan.runs) {
            rv.push_back(static_cast<std::int32_t>(r.variant));
            rs.push_back(static_cast<std::int32_t>(r.sample));
            rr.push_back(static_cast<std::int32_t>(r.replicate));
            seed.push_back(r.seed);
        }
        hdf5::write_strings(g, "variant", names);
        hdf5::write_array(g, "variant_baseline", baseline, {baseline.size()});
        hdf5::write_array(g, "run_variant", rv, {rv.size()});
        hdf5::write_array(g, "run_sample", rs, {rs.size()});
        hdf5::write_array(g, "run_replicate", rr, {rr.size()});
        hdf5::write_array(g, "run_seed", seed, {seed.size()});
        if (plan.calibration_draws > 0)
            hdf5::write_attribute(g, "calibration_draws", static_cast<std::int32_t>(plan.calibration_draws));
        // The sampled inputs, for the merged file's runs/parameters.
        if (!plan.uncertain.empty()) {
            const std::size_t d = plan.uncertain.size();
            std::vector<std::string> path;
            std::vector<std::uint8_t> scale, applies(plan.variants.size() * d, 0);
            std::vector<double> values;
            for (const UncertainParameter& u : plan.uncertain) {
                path.push_back(u.path);
                scale.push_back(u.scale ? 1 : 0);
            }
            for (std::size_t v = 0; v < plan.variants.size(); ++v)
                for (const std::uint32_t q : plan.variants[v].uncertain) applies[v * d + q] = 1;
            // The samples of this shard's runs only (all the shard drew): merge joins
            // the rows of every shard.
            const SampleRows rows = samples_of_runs(plan, block.first, block.last);
            for (std::uint32_t k = rows.first; k < rows.last; ++k) {
                if (plan.sample_values.at(k).size() != d)
                    throw std::logic_error("write_shard_file: sample " + std::to_string(k) + " was not drawn");
                values.insert(values.end(), plan.sample_values[k].begin(), plan.sample_values[k].end());
            }
            hdf5::write_attribute(g, "sample_value_first", static_cast<std::int32_t>(rows.first));
            hdf5::write_strings(g, "parameter", path);
            hdf5::write_array(g, "parameter_scale", scale, {d});
            hdf5::write_array(g, "variant_parameter", applies, {plan.variants.size(), d});
            hdf5::write_array(g, "sample_value", values, {values.size() / d, d});
        }
        // The sensitivity analysis, for the merged file's /sensitivity (docs/sensitivity.md).
        if (plan.sensitivity.method != SensitivityMethod::none) {
            hdf5::write_attribute(g, "sensitivity_method",
                                  std::string(kSensitivityMethodNames[static_cast<int>(plan.sensitivity.method)]));
            hdf5::write_attribute(g, "sensitivity_base", static_cast<std::int32_t>(plan.sensitivity.base));
            hdf5::write_attribute(g, "sensitivity_trajectories", static_cast<std::int32_t>(plan.sensitivity.trajectories));
            hdf5::write_attribute(g, "sensitivity_levels", static_cast<std::int32_t>(plan.sensitivity.levels));
        }
    }
    const hdf5::Group parts = hdf5::Group::create(file, "parts");
    hdf5::write_attribute(parts, "title", "one group per run of this shard, laid out as a run file");
    for (std::uint32_t i = block.first; i < block.last; ++i) {
        const RunResult result = run(i);
        const hdf5::Group g = hdf5::Group::create(parts, run_group_name(i));
        hdf5::write_attribute(g, "run_index", static_cast<std::int32_t>(i));
        write_run_group(g, result);
    }
    file.close();
}

ShardIdentity read_shard_identity(const std::string& path) {
    const ShardHeader h = read_header(path);
    return {h.identity, h.shard};
}

MergeReport merge_shards(const std::vector<std::string>& inputs, const std::string& output, bool force,
                         const RunMetadata& meta) {
    const auto t0 = std::chrono::steady_clock::now();
    if (inputs.empty()) throw InputError("", 0, 0, "no shard files given");
    check_output_target(output, force, inputs);
    std::error_code ec;

    // Every input: readable, a shard, complete.
    std::vector<ShardHeader> headers;
    std::map<std::string, std::string> canonical;  // the same file given twice
    for (const std::string& in : inputs) {
        const std::string key = fs::weakly_canonical(in, ec).string();
        const auto [it, fresh] = canonical.emplace(key, in);
        if (!fresh) throw InputError(in, 0, 0, "is given twice (also as " + it->second + ")");
        headers.push_back(read_header(in));
    }

    // One batch: the identity most parts have; the others are foreign.
    std::map<std::string, std::size_t> votes;
    for (const ShardHeader& h : headers) ++votes[h.identity];
    std::string identity = headers[0].identity;
    for (const auto& [id, n] : votes)
        if (n > votes[identity]) identity = id;
    const ShardHeader* reference = nullptr;
    for (const ShardHeader& h : headers)
        if (h.identity == identity && reference == nullptr) reference = &h;
    for (const ShardHeader& h : headers)
        if (h.identity != identity)
            throw InputError(h.path, 0, 0, "belongs to another batch (identity " + short_digest(h.identity) +
                                               ", batch file " + h.batch_file + ") than " + reference->path +
                                               " (identity " + short_digest(identity) + ", batch file " +
                                               reference->batch_file + "); every part must come from the same batch");
    const std::uint32_t count = reference->shard.count;
    for (const ShardHeader& h : headers)
        if (h.shard.count != count || h.run_count != reference->run_count)
            throw InputError(h.path, 0, 0, "is shard " + h.shard.text() + " of " + std::to_string(h.run_count) +
                                               " runs, but " + reference->path + " is shard " +
                                               reference->shard.text() + " of " + std::to_string(reference->run_count) +
                                               " runs: the parts were sharded differently");

    // Each shard exactly once.
    std::vector<const ShardHeader*> by_index(count, nullptr);
    for (const ShardHeader& h : headers) {
        const ShardHeader*& slot = by_index[h.shard.index];
        if (slot != nullptr)
            throw InputError(h.path, 0, 0, "is shard " + h.shard.text() + ", and so is " + slot->path +
                                               ": a shard given twice (the runs would overlap); give each shard once");
        slot = &h;
    }
    for (std::uint32_t s = 0; s < count; ++s)
        if (by_index[s] == nullptr) {
            const RunBlock b = shard_runs(reference->run_count, {s, count});
            throw InputError("", 0, 0,
                             "shard " + std::to_string(s) + "/" + std::to_string(count) + " (runs " +
                                 std::to_string(b.first) + "-" + std::to_string(b.last - 1) + " of batch " +
                                 reference->batch_file + ") is missing: none of the " + std::to_string(inputs.size()) +
                                 " files given holds it; run `greenshift batch " + reference->batch_file +
                                 " --shard " + std::to_string(s) + "/" + std::to_string(count) +
                                 " -o FILE` and give FILE too");
        }

    BatchPlan plan;
    try {
        plan = read_plan(reference->path);
    } catch (const InputError&) {
        throw;
    } catch (const Interrupted&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(reference->path, 0, 0, std::string("cannot read its /plan group: ") + e.what());
    }
    if (plan.runs.size() != reference->run_count)
        throw InputError(reference->path, 0, 0, "/plan has " + std::to_string(plan.runs.size()) + " runs, run_count " +
                                                    std::to_string(reference->run_count));
    // Each shard holds the sampled values of its own runs: the design is joined here.
    if (!plan.uncertain.empty()) {
        for (std::uint32_t s = 0; s < count; ++s) {
            if (by_index[s] == reference) continue;
            const hdf5::File file = open_input(by_index[s]->path, {FileKind::shard}, "merge").file;
            read_sample_rows(by_index[s]->path, hdf5::Group::open(file, "plan"), plan);
        }
        for (const RunSpec& r : plan.runs)
            if (plan.sample_values[r.sample].size() != plan.uncertain.size()) {
                std::uint32_t s = 0;
                while (shard_runs(reference->run_count, {s, count}).last <= r.index) ++s;
                throw InputError(by_index[s]->path, 0, 0,
                                 "/plan/sample_value lacks the sampled values of sample " + std::to_string(r.sample) +
                                     " (run " + std::to_string(r.index) + " of this shard)");
            }
    }

    // Runs come in order, and a shard is a contiguous block: one shard file open at a time.
    std::shared_ptr<const hdf5::File> open;
    std::uint32_t open_shard = count;
    GroupRunSource source([&](std::uint32_t i) {
        stop_if_requested();  // a stop signal ends the merge between runs; the temporary is removed
        std::uint32_t s = 0;
        while (shard_runs(reference->run_count, {s, count}).last <= i) ++s;
        if (s != open_shard) {
            open.reset();
            open = std::make_shared<const hdf5::File>(open_input(by_index[s]->path, {FileKind::shard}, "merge").file);
            open_shard = s;
        }
        RunLocation r;
        r.file = open;
        r.name = by_index[s]->path + ":/parts/" + run_group_name(i);
        r.group = hdf5::Group::open(hdf5::Group::open(*open, "parts"), run_group_name(i));
        return r;
    });

    const std::string temporary = claim_temporary(output);
    try {
        RunMetadata m = meta;
        m.scenario_name = fs::path(plan.file).stem().string();
        assemble_batch(plan, source, temporary, m);
        open.reset();
        publish_file(temporary, output, {.replace = force});
    } catch (const OutputError& e) {
        fs::remove(temporary, ec);
        throw OutputError(under_output_name(e.what(), temporary, output));
    } catch (...) {
        fs::remove(temporary, ec);
        throw;
    }
    MergeReport report;
    report.shards = count;
    report.runs = reference->run_count;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

}  // namespace greenshift
