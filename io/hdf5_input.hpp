// The one way greenshift opens an HDF5 file it reads: the files given to summary,
// export, merge, plot and report, and a batch's own parts and output under --resume.
// Before any value is read:
//   1. the path is a regular file: a directory, named pipe, socket or device is
//      refused before it is opened (opening a pipe blocks until a writer comes);
//   2. its checksum matches (io/file_checksum.hpp), before HDF5 reads a byte;
//   3. HDF5 opens it; the root attribute program is "greenshift" and its
//      format_version one this build reads;
//   4. it is a kind of file the command reads (run, batch, shard, part, calibration
//      or calibration checkpoint: root attribute kind);
//   5. every link is a hard link (a soft or external link could lead to another
//      file, or nowhere), no dataset keeps its values elsewhere (external storage,
//      virtual layout) or needs a filter other than shuffle, deflate and
//      Fletcher-32, and every dataset has a type greenshift writes and no more
//      values than its stored bytes can hold.
// Readers check each dataset's shape against the layout before reading it
// (check_shape, check_dimensions). Every refusal is an InputError naming the file,
// on one line.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "io/hdf5.hpp"

namespace greenshift {

enum class FileKind { run, batch, shard, part, calibration, calibration_checkpoint };
// "run file", "batch file", "shard file", "part file", "calibration file", "calibration checkpoint"
const char* file_kind_name(FileKind kind);

struct InputFile {
    hdf5::File file;
    FileKind kind = FileKind::run;
    std::string path;
};

// Opens `path` for `command` (for messages: "summary", "merge", ...), which reads
// the kinds in `accepted`.
InputFile open_input(const std::string& path, std::initializer_list<FileKind> accepted, const std::string& command);

// The same checks on a file image in memory (the fuzz target): the checksum over
// `image`, then the HDF5 file opened from a copy of it (H5Pset_file_image, the core
// driver); `name` stands for the file in messages.
InputFile open_input_image(const std::string& name, const void* image, std::size_t bytes,
                           std::initializer_list<FileKind> accepted, const std::string& command);

// Throws InputError naming the dataset unless its shape is `expected`; `what` says
// where the expected shape comes from ("its coordinates variant, indicator").
void check_shape(const hdf5::Dataset& dataset, const std::vector<hsize_t>& expected, const std::string& what);

// Checks every dataset under `where` (recursively) against its dimension scales:
// each axis with a scale attached has the scale's length, and each scale is 1-d. With
// `every_axis`, an axis without a scale is refused too (but on the scales themselves
// and /budgets/summary, which have none).
void check_dimensions(const hdf5::Location& where, bool every_axis = false);

// What plot and report check before their script reads the file: open_input (run,
// batch or calibration file), check_dimensions over the whole file and, for a batch
// file, the reading of its summary table (read_summary, io/batch_reader.hpp).
void check_readable_whole(const std::string& path, const std::string& command);

}  // namespace greenshift
