// The checksum of greenshift's HDF5 files (io/file_checksum.hpp) and the guarded open
// every command reads them with (io/hdf5_input.hpp).
#include <gtest/gtest.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/file_checksum.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_input.hpp"
#include "io/input_error.hpp"
#include "io/run_writer.hpp"

namespace fs = std::filesystem;
using namespace greenshift;

namespace {

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "greenshift-input-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

// A run of two steps over two sectors: what `greenshift run` writes, in small.
RunResult tiny_result() {
    RunResult r;
    r.coords.time_days = {0, 365};
    r.coords.year = {2020, 2021};
    r.coords.time_units = "days since 2020-01-01 00:00:00";
    r.coords.sector = {"textile", "agrifood"};
    Variable v;
    v.name = "co2_emissions";
    v.units = "t";
    v.long_name = "CO2 emissions";
    v.dims = {Dim::time, Dim::sector};
    v.values = {1.5, 2.5, 3.5, 4.5};
    r.variables.push_back(v);
    return r;
}

std::string write_tiny_run(const TempDir& dir, const std::string& name = "run.h5") {
    RunMetadata meta;
    meta.program_version = "test";
    meta.scenario_yaml = "schema: 1\n";
    meta.scenario_name = "tiny";
    const std::string path = dir.file(name);
    write_run(path, tiny_result(), meta, false);
    return path;
}

std::vector<unsigned char> bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// check_file_checksum over bytes in memory; "" when they pass, else the message.
std::string checksum_refusal(const std::vector<unsigned char>& bytes) {
    try {
        check_file_checksum("f.h5", bytes.size(), [&](std::uint64_t offset, std::size_t size, unsigned char* out) {
            if (offset > bytes.size() || size > bytes.size() - offset) return false;
            std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), size, out);
            return true;
        });
        return "";
    } catch (const InputError& e) {
        return e.what();
    }
}

std::string open_refusal(const std::string& path, std::initializer_list<FileKind> kinds, const std::string& command) {
    try {
        (void)open_input(path, kinds, command);
        return "";
    } catch (const InputError& e) {
        return e.what();
    }
}

// A file made through the HDF5 layer and closed by it (so with a valid checksum),
// with `edit` applied to it first: what a forged file looks like after the checksum.
template <class Edit>
std::string write_edited_run(const TempDir& dir, const std::string& name, Edit edit) {
    const std::string path = dir.file(name);
    hdf5::File file = hdf5::File::create(path);
    RunMetadata meta;
    meta.scenario_yaml = "schema: 1\n";
    write_run_metadata(file, meta);
    write_run_group(file, tiny_result());
    edit(file);
    file.close();
    return path;
}

}  // namespace

TEST(FileChecksum, EveryByteChangedIsRefusedAndLocated) {
    TempDir dir;
    const std::vector<unsigned char> good = bytes_of(write_tiny_run(dir));
    ASSERT_GT(good.size(), kChecksumBytes);
    ASSERT_EQ(checksum_refusal(good), "");
    const std::size_t data_bytes = good.size() - kChecksumBytes;
    for (std::size_t at = 0; at < good.size(); ++at) {
        std::vector<unsigned char> bad = good;
        bad[at] ^= 0xFF;
        const std::string why = checksum_refusal(bad);
        ASSERT_NE(why, "") << "byte " << at << " changed and not noticed";
        if (at < data_bytes) {
            // "bytes A-B (block ...": the range named holds the changed byte (files of
            // less than 64 KiB are one block).
            EXPECT_NE(why.find("bytes 0-" + std::to_string(data_bytes - 1) + " (block 1 of 1)"), std::string::npos)
                << why;
        } else {
            EXPECT_NE(why.find("checksum block"), std::string::npos) << "byte " << at << ": " << why;
        }
    }
}

TEST(FileChecksum, BlocksOfALargeFileAreLocatedToTheBlock) {
    // 1 MiB + 1 of HDF5 data (any bytes: the checksum does not read them as HDF5):
    // 64 KiB blocks, 17 of them; a change in block k is reported as block k.
    std::vector<unsigned char> data((1 << 20) + 1);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
    const std::string trailer = file_checksum_block(data.data(), data.size());
    std::vector<unsigned char> file(data.size() + trailer.size());
    std::copy(data.begin(), data.end(), file.begin());
    std::copy(trailer.begin(), trailer.end(), file.begin() + static_cast<std::ptrdiff_t>(data.size()));
    ASSERT_EQ(checksum_refusal(file), "");
    EXPECT_NE(trailer.find("block_bytes 65536\n"), std::string::npos);
    file[5 * 65536 + 17] ^= 1;
    EXPECT_NE(checksum_refusal(file).find("bytes 327680-393215 (block 6 of 17)"), std::string::npos)
        << checksum_refusal(file);
    file[16 * 65536] ^= 1;  // the last block, one byte long
    EXPECT_NE(checksum_refusal(file).find("(block 6 of 17, and 1 more)"), std::string::npos);
}

TEST(FileChecksum, IsTheDocumentedTextWithZlibCrc32) {
    // The trailer read by hand, as docs/output.md ("Checksum") describes it.
    TempDir dir;
    const std::vector<unsigned char> bytes = bytes_of(write_tiny_run(dir));
    const std::string tail(bytes.end() - static_cast<std::ptrdiff_t>(kChecksumBytes), bytes.end());
    const std::size_t data_bytes = bytes.size() - kChecksumBytes;
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08lx", crc32(0L, bytes.data(), static_cast<uInt>(data_bytes)));
    const std::string text = "greenshift checksum 1\nfile_bytes " + std::to_string(bytes.size()) +
                             "\nblock_bytes 65536\ncrc32 " + crc + "\n";
    EXPECT_EQ(tail.substr(0, text.size()), text);
    EXPECT_EQ(tail.find_first_not_of('\0', text.size()), std::string::npos);  // NUL padding to 4096
}

TEST(FileChecksum, TruncatedExtendedAndForeignFilesAreNamedAsSuch) {
    TempDir dir;
    const std::vector<unsigned char> good = bytes_of(write_tiny_run(dir));
    const std::string size = std::to_string(good.size());
    std::vector<unsigned char> cut(good.begin(), good.end() - 100);
    EXPECT_NE(checksum_refusal(cut).find("is " + std::to_string(good.size() - 100) + " bytes long, but greenshift "
                                         "wrote " + size + " bytes: it was truncated"),
              std::string::npos)
        << checksum_refusal(cut);
    std::vector<unsigned char> longer = good;
    longer.push_back('x');
    EXPECT_NE(checksum_refusal(longer).find("bytes were appended to it"), std::string::npos);
    // Cut by more than the checksum block: nothing of it is left.
    std::vector<unsigned char> shorter(good.begin(), good.end() - 2 * kChecksumBytes);
    EXPECT_NE(checksum_refusal(shorter).find("without greenshift's checksum"), std::string::npos);
    EXPECT_NE(checksum_refusal(shorter).find("truncated"), std::string::npos);
    EXPECT_NE(checksum_refusal({'a', 'b'}).find("too short"), std::string::npos);
    std::vector<unsigned char> text(8192, 'y');
    EXPECT_NE(checksum_refusal(text).find("not a file written by greenshift"), std::string::npos);
    // An HDF5 file another program wrote.
    const std::string foreign = dir.file("foreign.h5");
    const hid_t f = H5Fcreate(foreign.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const std::vector<double> values(10000, 1.0);
    const hsize_t n = values.size();
    ASSERT_GE(H5LTmake_dataset_double(f, "x", 1, &n, values.data()), 0);
    H5Fclose(f);
    EXPECT_NE(open_refusal(foreign, {FileKind::run}, "export").find("an HDF5 file without greenshift's checksum"),
              std::string::npos);
}

TEST(Hdf5Input, OpensWhatGreenshiftWroteAndSaysWhatKind) {
    TempDir dir;
    const std::string path = write_tiny_run(dir);
    const InputFile in = open_input(path, {FileKind::run, FileKind::batch}, "export");
    EXPECT_EQ(in.kind, FileKind::run);
    const std::string why = open_refusal(path, {FileKind::batch}, "summary");
    EXPECT_NE(why.find(path + ": is a run file, not a batch file (written by `greenshift run`); summary reads"),
              std::string::npos)
        << why;
    const std::vector<unsigned char> image = bytes_of(path);
    EXPECT_EQ(open_input_image("image.h5", image.data(), image.size(), {FileKind::run}, "export").kind, FileKind::run);
}

TEST(Hdf5Input, RefusesDirectoriesPipesAndDevicesBeforeOpeningThem) {
    TempDir dir;
    EXPECT_NE(open_refusal(dir.file(""), {FileKind::run}, "export").find("is a directory"), std::string::npos);
    EXPECT_NE(open_refusal(dir.file("none.h5"), {FileKind::run}, "export").find("no such file"), std::string::npos);
    const std::string pipe = dir.file("pipe.h5");
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    // Opening a pipe for reading waits for a writer: refused at once instead.
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_NE(open_refusal(pipe, {FileKind::run}, "export").find("is a named pipe"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_NE(open_refusal("/dev/null", {FileKind::run}, "export").find("is a device"), std::string::npos);
}

TEST(Hdf5Input, RefusesLinksAndValuesKeptElsewhere) {
    TempDir dir;
    const std::string external = write_edited_run(dir, "external.h5", [](const hdf5::File& f) {
        ASSERT_GE(H5Lcreate_external("/etc/hostname", "/x", f.id(), "elsewhere", H5P_DEFAULT, H5P_DEFAULT), 0);
    });
    EXPECT_NE(open_refusal(external, {FileKind::run}, "export").find("contains an external link '/elsewhere'"),
              std::string::npos);
    const std::string soft = write_edited_run(dir, "soft.h5", [](const hdf5::File& f) {
        ASSERT_GE(H5Lcreate_soft("/co2_emissions", f.id(), "alias", H5P_DEFAULT, H5P_DEFAULT), 0);
    });
    EXPECT_NE(open_refusal(soft, {FileKind::run}, "export").find("contains a soft link '/alias'"), std::string::npos);
    // A dataset whose values live in another file (external storage).
    const std::string stored_outside = write_edited_run(dir, "outside.h5", [&](const hdf5::File& f) {
        const hdf5::Owned creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        ASSERT_GE(H5Pset_external(creation.id(), dir.file("raw.bin").c_str(), 0, 800), 0);
        const hsize_t n = 100;
        const hdf5::Owned space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        const hdf5::Owned d(H5Dcreate2(f.id(), "outside", H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, creation.id(),
                                       H5P_DEFAULT),
                            H5Dclose);
        ASSERT_GE(d.id(), 0);
    });
    EXPECT_NE(open_refusal(stored_outside, {FileKind::run}, "export").find("external storage"), std::string::npos);
    // A shape far larger than what the file stores (a reader would allocate it).
    const std::string huge = write_edited_run(dir, "huge.h5", [](const hdf5::File& f) {
        const hsize_t n = hsize_t{1} << 40, chunk = 1024;
        const hdf5::Owned creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        ASSERT_GE(H5Pset_chunk(creation.id(), 1, &chunk), 0);
        const hdf5::Owned space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        const hdf5::Owned d(H5Dcreate2(f.id(), "huge", H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, creation.id(),
                                       H5P_DEFAULT),
                            H5Dclose);
        ASSERT_GE(d.id(), 0);
    });
    EXPECT_NE(open_refusal(huge, {FileKind::run}, "export").find("dataset /huge declares 1099511627776 values but "
                                                                "stores only 0 bytes"),
              std::string::npos)
        << open_refusal(huge, {FileKind::run}, "export");
}

TEST(Hdf5Input, ProgramFormatVersionAndKindComeFirst) {
    TempDir dir;
    const std::string newer = write_edited_run(dir, "newer.h5", [](const hdf5::File& f) {
        hdf5::write_attribute(f, "format_version", std::int32_t{99});
    });
    EXPECT_NE(open_refusal(newer, {FileKind::run}, "export").find("format_version 99 is newer"), std::string::npos);
    const std::string other = write_edited_run(dir, "other.h5", [](const hdf5::File& f) {
        hdf5::write_attribute(f, "program", "something else");
    });
    EXPECT_NE(open_refusal(other, {FileKind::run}, "export").find("not a greenshift file"), std::string::npos);
    const std::string shard = write_edited_run(dir, "shard.h5", [](const hdf5::File& f) {
        hdf5::write_attribute(f, "batch_identity", "abc");
        hdf5::write_attribute(f, "shard", "1/3");
        hdf5::write_attribute(f, "shard_count", std::int32_t{3});
    });
    const std::string why = open_refusal(shard, {FileKind::batch}, "summary");
    EXPECT_NE(why.find("is a shard file, not a batch file (shard 1/3 of a batch"), std::string::npos) << why;
    EXPECT_NE(why.find("greenshift merge"), std::string::npos) << why;
}

TEST(Hdf5Input, ShapesAreCheckedAgainstTheDimensionScales) {
    TempDir dir;
    // A variable over `sector` (2 labels) holding 3 values: HDF5 attaches the scale
    // without comparing lengths.
    const std::string path = write_edited_run(dir, "shape.h5", [](const hdf5::File& f) {
        const hdf5::Dataset bad = hdf5::write_array<double>(f, "bad", {1, 2, 3}, {3});
        hdf5::attach_dimension_scale(bad, hdf5::Dataset::open(f, "sector"), 0);
    });
    const InputFile in = open_input(path, {FileKind::run}, "export");
    try {
        check_dimensions(in.file);
        FAIL() << "a variable longer than its dimension was accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("dataset /bad has 3 values along axis 0, but its dimension sector has 2"),
                  std::string::npos)
            << e.what();
    }
    try {
        check_shape(hdf5::Dataset::open(in.file, "co2_emissions"), {2, 3}, "its coordinates time and sector");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("has shape [2, 2], but its coordinates time and sector give [2, 3]"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_NO_THROW(check_dimensions(open_input(write_tiny_run(dir, "good.h5"), {FileKind::run}, "export").file));
}
