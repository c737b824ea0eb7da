// Sharding a batch for job arrays: `greenshift batch --shard I/N` runs a fixed,
// balanced block of the batch's runs and writes a shard file; `greenshift merge`
// checks that a set of shard files is one whole batch and assembles from them the
// same batch file as the unsharded batch (docs/hpc.md, "Shard files").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/batch_plan.hpp"
#include "io/run_writer.hpp"

namespace greenshift {

// Shard `index` of `count` (0 <= index < count); count 0 = the whole batch.
struct ShardSpec {
    std::uint32_t index = 0;
    std::uint32_t count = 0;
    bool active() const { return count > 0; }
    std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "I/N" with 0 <= I < N; throws std::invalid_argument with a message saying what is allowed.
ShardSpec parse_shard(const std::string& text);

// The runs of shard `s` in a batch of `runs` runs: the contiguous block
// [runs*I/N, runs*(I+1)/N) of run indices. Blocks differ in size by at most one run,
// and a block holds whole groups of neighbouring (variant, baseline) runs except at
// its ends, so shards cost about the same.
struct RunBlock {
    std::uint32_t first = 0, last = 0;  // [first, last)
    std::uint32_t size() const { return last - first; }
};
RunBlock shard_runs(std::uint32_t runs, ShardSpec s);

// Writes the shard file at `path` (which must not exist): the plan's identity and
// tables, and one group per run of the shard, laid out as a run file, from
// `run(index)` (a run as stored: batch/parts.hpp).
void write_shard_file(const BatchPlan& plan, ShardSpec shard, const std::function<RunResult(std::uint32_t)>& run,
                      const std::string& path, const RunMetadata& meta);

// The shard spec stored in a shard file, and its batch identity; throws InputError
// naming the file when it is no shard file.
struct ShardIdentity {
    std::string identity;
    ShardSpec shard;
};
ShardIdentity read_shard_identity(const std::string& path);

struct MergeReport {
    std::uint32_t shards = 0;
    std::uint32_t runs = 0;
    double seconds = 0;
};

// Checks that `inputs` are the shard files of one batch, every shard exactly once
// and complete, and writes the batch file `output` from them (under a temporary
// name, synced, renamed). Throws InputError naming the file (or the shard) that is
// missing, duplicated, foreign, incomplete or unreadable; OutputError when
// check_output_target refuses `output` (it exists and not `force`, it is one of
// `inputs`, it cannot be written).
MergeReport merge_shards(const std::vector<std::string>& inputs, const std::string& output, bool force,
                         const RunMetadata& meta);

}  // namespace greenshift
