// greenshift merge PART.h5... -o OUT.h5 [--force]: the batch file of a sharded batch.
#include <cstdio>
#include <iostream>

#include "apps/commands.hpp"
#include "apps/exit_codes.hpp"
#include "batch/shard.hpp"
#include "greenshift/version.hpp"

namespace greenshift::cli {

CLI::App* add_merge_command(CLI::App& app, MergeArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "merge", "Join the shard files of `batch --shard I/N` into the batch file the unsharded batch writes");
    cmd->add_option("parts", a.parts, "Shard files, every shard of one batch exactly once (any order)")
        ->required()
        ->expected(1, -1);
    cmd->add_option("-o,--output", a.output, "Output batch file (HDF5; docs/output.md, \"Batch files\")")->required();
    cmd->add_flag("--force", a.force, "Overwrite the output file if it exists");
    return cmd;
}

int run_merge_command(const MergeArgs& a, const std::string& command_line) {
    RunMetadata meta;
    meta.program_version = kVersion;
    meta.git_commit = kGitCommit;
    meta.command_line = command_line;
    meta.threads = 1;
    meta.created_utc = utc_now_iso8601();
    const MergeReport r = merge_shards(a.parts, a.output, a.force, meta);
    std::fprintf(stderr, "wrote %s: %u runs from %u shards in %.2f s\n", a.output.c_str(), r.runs, r.shards,
                 r.seconds);
    return exit_code::ok;
}

}  // namespace greenshift::cli
