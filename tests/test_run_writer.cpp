// HDF5 output: the RAII layer (Hdf5.*) and the run file layout (RunWriter.*).
// Values are compared bitwise: the design promises that a file holds exactly the
// doubles the model computed.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "core/results.hpp"
#include "greenshift/version.hpp"
#include "io/hdf5.hpp"
#include "io/input_error.hpp"
#include "io/publish.hpp"
#include "io/run_writer.hpp"

namespace greenshift {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "greenshift-writer-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const fs::path& path() const { return path_; }
    std::set<std::string> entries() const {
        std::set<std::string> out;
        for (const auto& e : fs::directory_iterator(path_)) out.insert(e.path().filename().string());
        return out;
    }

private:
    fs::path path_;
};

// Doubles whose bits a lossy or sloppy path would change.
const std::vector<double> kAwkward = {
    0.0, -0.0, 1.0 / 3.0, M_PI, 1e-310 /* subnormal */, std::numeric_limits<double>::max(),
    std::numeric_limits<double>::lowest(), std::numeric_limits<double>::infinity(),
    -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()};

double value_at(std::size_t i, std::size_t salt) {
    if (i % 7 == 3) return kAwkward[(i / 7 + salt) % kAwkward.size()];
    return std::ldexp(static_cast<double>(i * 2654435761u % 1000003u), -17) + 0.1 * double(salt);
}

Variable make_variable(const Coordinates& c, const std::string& name, std::vector<Dim> dims,
                       bool is_count, const std::string& units, std::size_t salt) {
    Variable v;
    v.name = name;
    v.long_name = "the " + name + " of the test run";
    v.units = units;
    v.dims = std::move(dims);
    v.is_count = is_count;
    std::size_t n = 1;
    for (const Dim d : v.dims) n *= c.length(d);
    for (std::size_t i = 0; i < n; ++i) {
        if (is_count)
            v.counts.push_back(i == 1 ? std::numeric_limits<std::int64_t>::max()
                                      : static_cast<std::int64_t>(i * 37 + salt) - 5);
        else
            v.values.push_back(value_at(i, salt));
    }
    return v;
}

// 2 sectors, 4 size classes, 3 technologies, 2 policies, 5 steps of a quarter year.
RunResult make_result(bool with_policies = true) {
    RunResult r;
    Coordinates& c = r.coords;
    c.sector = {"agri-food", "textile-cuir é"};
    c.size_class = {"micro", "small", "medium", "large"};
    c.technology = {"rooftop_pv", "solar_process_heat", "efficiency_package"};
    c.technology_unit = {"kWp", "kWth", "MWh/yr saved"};
    if (with_policies) {
        c.policy = {"cop22_grant", "green_loan"};
        c.policy_type = {"capex_grant", "concessional_loan"};
    }
    for (int t = 0; t < 5; ++t) {
        c.year.push_back(2017 + t / 4);
        c.time_days.push_back(91.25 * t);
    }
    c.time_units = "days since 2017-01-01 00:00:00";
    using D = Dim;
    std::size_t salt = 0;
    r.variables.push_back(make_variable(c, "firms", {D::sector, D::size_class}, true, "1", salt++));
    r.variables.push_back(
        make_variable(c, "adopters", {D::time, D::sector, D::technology}, true, "1", salt++));
    r.variables.push_back(make_variable(c, "adoption_share", {D::time, D::sector, D::technology},
                                        false, "1", salt++));
    r.variables.push_back(make_variable(c, "installed_capacity",
                                        {D::time, D::sector, D::technology}, false, "kW", salt++));
    r.variables.push_back(
        make_variable(c, "co2_emissions", {D::time, D::sector}, false, "t", salt++));
    r.variables.push_back(make_variable(c, "grant_by_size",
                                        {D::time, D::sector, D::size_class, D::technology}, false,
                                        "MAD", salt++));
    r.variables.push_back(
        make_variable(c, "budget_used", {D::time, D::policy}, false, "MAD", salt++));
    return r;
}

RunMetadata make_metadata() {
    RunMetadata m;
    m.program_version = "0.1.0-test";
    m.git_commit = "0123456789ab";
    m.command_line = "greenshift run scenarios/bass.yaml -o out.h5";
    m.scenario_yaml = "name: bass\n# énergie\nseed: 42\n";
    m.scenario_name = "bass";
    m.seed = 0xFFFF'FFFF'FFFF'FFF1ull;  // above INT64_MAX: must survive as uint64
    m.threads = 2;
    m.created_utc = "2024-05-01T12:00:00Z";
    return m;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

std::vector<hsize_t> shape_of(const Coordinates& c, const std::vector<Dim>& dims) {
    std::vector<hsize_t> s;
    for (const Dim d : dims) s.push_back(c.length(d));
    return s;
}

unsigned attr_creation_order(hid_t plist) {
    unsigned flags = 0;
    EXPECT_GE(H5Pget_attr_creation_order(plist, &flags), 0);
    return flags;
}
unsigned link_creation_order(hid_t plist) {
    unsigned flags = 0;
    EXPECT_GE(H5Pget_link_creation_order(plist, &flags), 0);
    return flags;
}
constexpr unsigned kTrackedIndexed = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

// Link names of a group in creation order, as netCDF lists them.
std::vector<std::string> links_in_creation_order(hid_t group) {
    std::vector<std::string> names;
    hsize_t index = 0;
    H5Literate(
        group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index,
        [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    return names;
}

std::string temporary_name(const std::string& path) {
    return path + ".tmp." + std::to_string(::getpid());
}

// --- the RAII layer ---

template <class T>
void round_trip(const hdf5::Location& where, const std::string& name, const std::vector<T>& values) {
    const hdf5::Dataset d = hdf5::write_array(where, name, values, {values.size()});
    const hdf5::Datatype stored = d.type();
    EXPECT_GT(H5Tequal(stored.id(), hdf5::H5Type<T>::file()), 0) << name;
    const hdf5::Array<T> back = hdf5::read_array<T>(where, name);
    EXPECT_EQ(back.shape, std::vector<hsize_t>{values.size()}) << name;
    EXPECT_TRUE(same_bits(back.values, values)) << name;
}

TEST(Hdf5, TypeTraitRoundTripsEveryElementType) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("types.h5"));
    round_trip<double>(file, "f64", kAwkward);
    round_trip<float>(file, "f32", {0.0f, -0.0f, 1.5e-40f, std::numeric_limits<float>::max()});
    round_trip<std::int32_t>(file, "i32", {std::numeric_limits<std::int32_t>::min(), -1, 0, 7});
    round_trip<std::int64_t>(file, "i64", {std::numeric_limits<std::int64_t>::min(), 0,
                                           std::numeric_limits<std::int64_t>::max()});
    round_trip<std::uint64_t>(file, "u64", {0, std::numeric_limits<std::uint64_t>::max()});
    round_trip<std::uint8_t>(file, "u8", {0, 1, 255});
    hdf5::write_attribute(file, "u64", std::numeric_limits<std::uint64_t>::max());
    hdf5::write_attribute(file, "f64", -0.0);
    EXPECT_EQ(hdf5::read_attribute<std::uint64_t>(file, "u64"),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_TRUE(std::signbit(hdf5::read_attribute<double>(file, "f64")));
    file.close();
}

TEST(Hdf5, ScalarAndMultidimensionalShapes) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("shapes.h5"));
    hdf5::write_array<double>(file, "scalar", {2.5}, {});
    std::vector<std::int64_t> cube(2 * 3 * 4);
    for (std::size_t i = 0; i < cube.size(); ++i) cube[i] = static_cast<std::int64_t>(i) - 3;
    hdf5::write_array(file, "cube", cube, {2, 3, 4});
    const auto scalar = hdf5::read_array<double>(file, "scalar");
    EXPECT_TRUE(scalar.shape.empty());
    EXPECT_EQ(scalar.values, std::vector<double>{2.5});
    const auto back = hdf5::read_array<std::int64_t>(file, "cube");
    EXPECT_EQ(back.shape, (std::vector<hsize_t>{2, 3, 4}));
    EXPECT_EQ(back.values, cube);
    EXPECT_THROW(hdf5::write_array<double>(file, "wrong", {1.0, 2.0}, {3}), OutputError);
}

TEST(Hdf5, ChunksAndCompressesOnlyLargeArrays) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("chunks.h5"));
    std::vector<double> big(400 * 60);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = value_at(i, 3);
    const hdf5::Dataset large = hdf5::write_array(file, "large", big, {400, 60});
    const hdf5::Dataset small = hdf5::write_array<double>(file, "small", {1, 2, 3}, {3});

    const hid_t large_plist = H5Dget_create_plist(large.id());
    EXPECT_EQ(H5Pget_layout(large_plist), H5D_CHUNKED);
    ASSERT_EQ(H5Pget_nfilters(large_plist), 2);
    unsigned flags = 0;
    std::size_t n = 0;
    EXPECT_EQ(H5Pget_filter2(large_plist, 0, &flags, &n, nullptr, 0, nullptr, nullptr), H5Z_FILTER_SHUFFLE);
    n = 1;
    unsigned level = 0;
    EXPECT_EQ(H5Pget_filter2(large_plist, 1, &flags, &n, &level, 0, nullptr, nullptr), H5Z_FILTER_DEFLATE);
    EXPECT_EQ(level, 1u);  // level 1: io/hdf5.cpp says why
    H5Pclose(large_plist);
    const hid_t small_plist = H5Dget_create_plist(small.id());
    EXPECT_EQ(H5Pget_layout(small_plist), H5D_CONTIGUOUS);
    EXPECT_EQ(H5Pget_nfilters(small_plist), 0);
    H5Pclose(small_plist);

    EXPECT_TRUE(same_bits(hdf5::read_array<double>(file, "large").values, big));
}

TEST(Hdf5, ChunkShapeKeepsTrailingDimensionsWhole) {
    const auto chunk = hdf5::chunk_shape({100000, 20, 12}, 8);
    ASSERT_EQ(chunk.size(), 3u);
    EXPECT_EQ(chunk[1], 20u);
    EXPECT_EQ(chunk[2], 12u);
    EXPECT_LE(chunk[0] * 20 * 12 * 8, std::size_t{1} << 20);
    EXPECT_GE(chunk[0], 1u);
    EXPECT_EQ(hdf5::chunk_shape({30, 4}, 8), (std::vector<hsize_t>{30, 4}));
    EXPECT_EQ(hdf5::chunk_shape({0, 4}, 8), (std::vector<hsize_t>{1, 4}));
}

TEST(Hdf5, TextAttributesAreFixedLengthUtf8AsNetcdfWritesThem) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("text.h5"));
    hdf5::write_attribute(file, "title", "énergie");
    hdf5::write_attribute(file, "empty", "");
    hdf5::write_attribute(file, "title", "replaced énergie");  // rewriting replaces
    EXPECT_EQ(hdf5::read_text_attribute(file, "title"), "replaced énergie");
    EXPECT_EQ(hdf5::read_text_attribute(file, "empty"), "");

    const hid_t attr = H5Aopen(file.id(), "title", H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    const hid_t space = H5Aget_space(attr);
    EXPECT_EQ(H5Tget_class(type), H5T_STRING);
    EXPECT_EQ(H5Tis_variable_str(type), 0);
    EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
    EXPECT_EQ(H5Tget_strpad(type), H5T_STR_NULLTERM);
    EXPECT_EQ(H5Sget_simple_extent_type(space), H5S_SCALAR);
    H5Sclose(space);
    H5Tclose(type);
    H5Aclose(attr);
    EXPECT_THROW(hdf5::write_attribute(file, "nul", std::string("a\0b", 3)), OutputError);
}

TEST(Hdf5, StringDatasetsAreVariableLengthUtf8) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("strings.h5"));
    const std::vector<std::string> labels = {"agri-food", "", "textile-cuir é"};
    const hdf5::Dataset d = hdf5::write_strings(file, "labels", labels);
    const hdf5::Datatype type = d.type();
    EXPECT_GT(H5Tis_variable_str(type.id()), 0);
    EXPECT_EQ(H5Tget_cset(type.id()), H5T_CSET_UTF8);
    EXPECT_EQ(hdf5::read_strings(file, "labels"), labels);
}

TEST(Hdf5, ReadingRefusesConversionsThatChangeValues) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("kinds.h5"));
    hdf5::write_array<double>(file, "f64", {1.5}, {1});
    hdf5::write_array<std::uint64_t>(file, "u64", {1}, {1});
    EXPECT_THROW(hdf5::read_array<std::int64_t>(file, "f64"), InputError);
    EXPECT_THROW(hdf5::read_array<float>(file, "f64"), InputError);
    EXPECT_THROW(hdf5::read_array<std::int64_t>(file, "u64"), InputError);
    EXPECT_THROW(hdf5::read_attribute<std::int64_t>(file, "missing"), InputError);
}

TEST(Hdf5, ErrorsNameTheFileAndTheObjectAndPrintNothing) {
    TempDir dir;
    const std::string path = dir.file("errors.h5");
    {
        hdf5::File file = hdf5::File::create(path);
        hdf5::write_array<double>(file, "x", {1.0}, {1});
        testing::internal::CaptureStderr();
        try {
            hdf5::write_array<double>(file, "x", {1.0}, {1});
            ADD_FAILURE() << "creating a dataset twice did not throw";
        } catch (const OutputError& e) {
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("\"x\""), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos)  // HDF5's own reason
                << e.what();
        }
        try {
            hdf5::read_array<double>(file, "nope");
            ADD_FAILURE() << "reading a missing dataset did not throw";
        } catch (const InputError& e) {
            EXPECT_EQ(e.file(), path);
            EXPECT_NE(e.message().find("\"nope\""), std::string::npos) << e.what();
        }
        EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
        file.close();
    }
    EXPECT_THROW(hdf5::File::create(path), OutputError);  // never truncates an existing file
    const std::string text = dir.file("not.h5");
    std::ofstream(text) << "not an HDF5 file\n";
    try {
        hdf5::File::open_read_only(text);
        ADD_FAILURE() << "opening a text file did not throw";
    } catch (const InputError& e) {
        EXPECT_EQ(e.file(), text);
    }
}

TEST(Hdf5, HandlesCloseExactlyOnce) {
    TempDir dir;
    hdf5::File file = hdf5::File::create(dir.file("handles.h5"));
    {
        hdf5::Group group = hdf5::Group::create(file, "run");
        hdf5::Dataset a = hdf5::write_array<double>(group, "a", {1.0}, {1});
        hdf5::Dataset b = std::move(a);  // a gives up its id; only b closes it
        EXPECT_FALSE(a.valid());         // NOLINT(bugprone-use-after-move): checking the moved-from state
        hdf5::write_attribute(b, "units", "1");
    }
    // Only the file itself is still open.
    EXPECT_EQ(H5Fget_obj_count(file.id(), H5F_OBJ_ALL), 1);
    const hdf5::Group group = hdf5::Group::open(file, "run");
    const hid_t plist = H5Gget_create_plist(group.id());
    EXPECT_EQ(link_creation_order(plist), kTrackedIndexed);
    EXPECT_EQ(attr_creation_order(plist), kTrackedIndexed);
    H5Pclose(plist);
}

TEST(Hdf5, FormatVersionCheck) {
    TempDir dir;
    {
        hdf5::File file = hdf5::File::create(dir.file("v.h5"));
        hdf5::write_attribute(file, "format_version", std::int32_t{1});
        EXPECT_EQ(hdf5::check_format_version(file, 1), 1);
        hdf5::write_attribute(file, "format_version", std::int32_t{99});
        EXPECT_THROW(hdf5::check_format_version(file, kFormatVersion), InputError);
    }
    hdf5::File none = hdf5::File::create(dir.file("none.h5"));
    EXPECT_THROW(hdf5::check_format_version(none, kFormatVersion), InputError);
}

// --- the run file ---

class RunWriter : public testing::Test {
protected:
    TempDir dir;
    std::string path = dir.file("run.h5");
    RunResult result = make_result();
    RunMetadata meta = make_metadata();
};

TEST_F(RunWriter, WritesEveryValueBitwise) {
    write_run(path, result, meta, false);
    const hdf5::File file = hdf5::File::open_read_only(path);
    const Coordinates& c = result.coords;
    EXPECT_EQ(hdf5::read_strings(file, "sector"), c.sector);
    EXPECT_EQ(hdf5::read_strings(file, "size_class"), c.size_class);
    EXPECT_EQ(hdf5::read_strings(file, "technology"), c.technology);
    EXPECT_EQ(hdf5::read_strings(file, "technology_unit"), c.technology_unit);
    EXPECT_EQ(hdf5::read_strings(file, "policy"), c.policy);
    EXPECT_EQ(hdf5::read_strings(file, "policy_type"), c.policy_type);
    EXPECT_TRUE(same_bits(hdf5::read_array<double>(file, "time").values, c.time_days));
    EXPECT_EQ(hdf5::read_array<std::int32_t>(file, "year").values, c.year);
    for (const Variable& v : result.variables) {
        SCOPED_TRACE(v.name);
        if (v.is_count) {
            const auto back = hdf5::read_array<std::int64_t>(file, v.name);
            EXPECT_EQ(back.shape, shape_of(c, v.dims));
            EXPECT_EQ(back.values, v.counts);
        } else {
            const auto back = hdf5::read_array<double>(file, v.name);
            EXPECT_EQ(back.shape, shape_of(c, v.dims));
            EXPECT_TRUE(same_bits(back.values, v.values));
        }
        const hdf5::Dataset d = hdf5::Dataset::open(file, v.name);
        const hdf5::Datatype type = d.type();
        EXPECT_GT(H5Tequal(type.id(), v.is_count ? H5T_STD_I64LE : H5T_IEEE_F64LE), 0);
    }
}

TEST_F(RunWriter, WritesRunAndVariableAttributes) {
    write_run(path, result, meta, false);
    const hdf5::File file = hdf5::File::open_read_only(path);
    EXPECT_EQ(hdf5::check_format_version(file, kFormatVersion), meta.format_version);
    EXPECT_EQ(hdf5::read_text_attribute(file, "Conventions"), "CF-1.8");
    EXPECT_EQ(hdf5::read_text_attribute(file, "program"), "greenshift");
    EXPECT_EQ(hdf5::read_text_attribute(file, "program_version"), meta.program_version);
    EXPECT_EQ(hdf5::read_text_attribute(file, "git_commit"), meta.git_commit);
    EXPECT_EQ(hdf5::read_text_attribute(file, "command_line"), meta.command_line);
    EXPECT_EQ(hdf5::read_text_attribute(file, "scenario_name"), meta.scenario_name);
    EXPECT_EQ(hdf5::read_text_attribute(file, "created_utc"), meta.created_utc);
    EXPECT_EQ(hdf5::read_text_attribute(file, "scenario"), meta.scenario_yaml);
    EXPECT_EQ(hdf5::read_attribute<std::uint64_t>(file, "seed"), meta.seed);
    EXPECT_EQ(hdf5::read_attribute<std::int32_t>(file, "threads"), meta.threads);

    const hdf5::Dataset time = hdf5::Dataset::open(file, "time");
    EXPECT_EQ(hdf5::read_text_attribute(time, "units"), result.coords.time_units);
    EXPECT_EQ(hdf5::read_text_attribute(time, "calendar"), "standard");
    for (const Variable& v : result.variables) {
        SCOPED_TRACE(v.name);
        const hdf5::Dataset d = hdf5::Dataset::open(file, v.name);
        EXPECT_EQ(hdf5::read_text_attribute(d, "units"), v.units);
        EXPECT_EQ(hdf5::read_text_attribute(d, "long_name"), v.long_name);
    }
    const hdf5::Dataset adopters = hdf5::Dataset::open(file, "adopters");
    EXPECT_EQ(hdf5::read_text_attribute(adopters, "coordinates"), "year period technology_unit");
    const hdf5::Dataset firms = hdf5::Dataset::open(file, "firms");
    EXPECT_FALSE(hdf5::has_attribute(firms, "coordinates"));
}

TEST_F(RunWriter, AttachesDimensionScalesOnEveryAxis) {
    write_run(path, result, meta, false);
    const hdf5::File file = hdf5::File::open_read_only(path);
    for (const Variable& v : result.variables) {
        const hdf5::Dataset d = hdf5::Dataset::open(file, v.name);
        for (unsigned axis = 0; axis < v.dims.size(); ++axis) {
            SCOPED_TRACE(v.name + " axis " + std::to_string(axis));
            const hdf5::Dataset scale = hdf5::Dataset::open(file, dim_name(v.dims[axis]));
            EXPECT_TRUE(hdf5::is_dimension_scale(scale));
            EXPECT_TRUE(hdf5::is_attached(d, scale, axis));
            const unsigned other = (axis + 1) % static_cast<unsigned>(v.dims.size());
            if (v.dims[other] != v.dims[axis]) {
                EXPECT_FALSE(hdf5::is_attached(d, scale, other));
            }
        }
    }
    const hdf5::Dataset time = hdf5::Dataset::open(file, "time");
    const hdf5::Dataset technology = hdf5::Dataset::open(file, "technology");
    const hdf5::Dataset policy = hdf5::Dataset::open(file, "policy");
    EXPECT_TRUE(hdf5::is_attached(hdf5::Dataset::open(file, "year"), time, 0));
    EXPECT_TRUE(hdf5::is_attached(hdf5::Dataset::open(file, "period"), time, 0));
    EXPECT_TRUE(hdf5::is_attached(hdf5::Dataset::open(file, "technology_unit"), technology, 0));
    EXPECT_TRUE(hdf5::is_attached(hdf5::Dataset::open(file, "policy_type"), policy, 0));
    EXPECT_FALSE(hdf5::is_dimension_scale(hdf5::Dataset::open(file, "year")));
}

// period says which days a step covers, so that "2030" cannot be misread: flows are
// totals over those days, stocks values on the last one. Hand-checked calendars:
// annual steps, months across a leap February, quarters, a step alone (a year).
TEST_F(RunWriter, PeriodSaysWhichDaysEachStepCovers) {
    const auto periods = [this](int start_year, const std::vector<std::pair<int, int>>& starts) {
        Coordinates c;
        for (const auto& [y, m] : starts) {
            c.year.push_back(y);
            c.time_days.push_back(static_cast<double>(days_since(start_year, y, m)));
        }
        c.time_units = "days since " + std::to_string(start_year) + "-01-01 00:00:00";
        std::remove(path.c_str());
        {
            hdf5::File file = hdf5::File::create(path);
            write_coordinates(file, c);
        }
        const hdf5::File file = hdf5::File::open_read_only(path);
        return hdf5::read_strings(file, "period");
    };
    EXPECT_EQ(periods(2017, {{2017, 1}, {2018, 1}, {2019, 1}}),
              (std::vector<std::string>{"2017-01-01 to 2017-12-31", "2018-01-01 to 2018-12-31",
                                        "2019-01-01 to 2019-12-31"}));
    EXPECT_EQ(periods(2020, {{2020, 1}, {2020, 2}, {2020, 3}}),
              (std::vector<std::string>{"2020-01-01 to 2020-01-31", "2020-02-01 to 2020-02-29",
                                        "2020-03-01 to 2020-03-31"}));
    EXPECT_EQ(periods(2017, {{2017, 7}, {2017, 10}, {2018, 1}}),
              (std::vector<std::string>{"2017-07-01 to 2017-09-30", "2017-10-01 to 2017-12-31",
                                        "2018-01-01 to 2018-03-31"}));
    EXPECT_EQ(periods(2030, {{2030, 1}}), (std::vector<std::string>{"2030-01-01 to 2030-12-31"}));
}

TEST_F(RunWriter, TracksAndIndexesCreationOrderForNetcdf) {
    write_run(path, result, meta, false);
    const hdf5::File file = hdf5::File::open_read_only(path);
    // Asked of the root group itself: the file creation list HDF5 returns for an
    // open file does not report the root group's creation order.
    const hdf5::Group root = hdf5::Group::open(file, "/");
    const hid_t gcpl = H5Gget_create_plist(root.id());
    EXPECT_EQ(link_creation_order(gcpl), kTrackedIndexed);
    EXPECT_EQ(attr_creation_order(gcpl), kTrackedIndexed);
    H5Pclose(gcpl);
    for (const Variable& v : result.variables) {
        const hdf5::Dataset d = hdf5::Dataset::open(file, v.name);
        const hid_t dcpl = H5Dget_create_plist(d.id());
        EXPECT_EQ(attr_creation_order(dcpl), kTrackedIndexed) << v.name;
        H5Pclose(dcpl);
    }
    // Coordinates first, then variables in the order of the result.
    std::vector<std::string> expected = {"time",       "year",           "period", "sector",     "size_class",
                                         "technology", "technology_unit", "policy", "policy_type"};
    for (const Variable& v : result.variables) expected.push_back(v.name);
    EXPECT_EQ(links_in_creation_order(file.id()), expected);
}

TEST_F(RunWriter, SameInputsGiveTheSameBytes) {
    // No timestamps in object headers: files differ only where the metadata does.
    const std::string other = dir.file("again.h5");
    write_run(path, result, meta, false);
    write_run(other, result, meta, false);
    std::ifstream a(path, std::ios::binary), b(other, std::ios::binary);
    const std::string bytes_a{std::istreambuf_iterator<char>(a), {}};
    const std::string bytes_b{std::istreambuf_iterator<char>(b), {}};
    EXPECT_FALSE(bytes_a.empty());
    EXPECT_TRUE(bytes_a == bytes_b);
}

TEST_F(RunWriter, WriteRunGroupFillsABatchGroup) {
    hdf5::File file = hdf5::File::create(path);
    {
        const hdf5::Group run = hdf5::Group::create(file, "run_000001");
        write_run_group(run, result);
    }
    file.close();
    const hdf5::File back = hdf5::File::open_read_only(path);
    const hdf5::Group run = hdf5::Group::open(back, "run_000001");
    EXPECT_EQ(hdf5::read_strings(run, "sector"), result.coords.sector);
    EXPECT_TRUE(same_bits(hdf5::read_array<double>(run, "adoption_share").values,
                          result.find("adoption_share")->values));
    EXPECT_TRUE(hdf5::is_attached(hdf5::Dataset::open(run, "adopters"),
                                  hdf5::Dataset::open(run, "sector"), 1));
}

TEST_F(RunWriter, SkipsALengthZeroDimensionAndItsVariables) {
    result = make_result(false);
    write_run(path, result, meta, false);
    const hdf5::File file = hdf5::File::open_read_only(path);
    EXPECT_FALSE(file.contains("policy"));
    EXPECT_FALSE(file.contains("policy_type"));
    EXPECT_FALSE(file.contains("budget_used"));
    EXPECT_TRUE(file.contains("adopters"));
}

TEST_F(RunWriter, RefusesToOverwriteWithoutForce) {
    write_run(path, result, meta, false);
    RunMetadata second = meta;
    second.seed = 7;
    try {
        write_run(path, result, second, false);
        ADD_FAILURE() << "overwrote without force";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find(path + " exists; use --force to overwrite"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(hdf5::read_attribute<std::uint64_t>(hdf5::File::open_read_only(path), "seed"),
              meta.seed);
    EXPECT_EQ(dir.entries(), std::set<std::string>{"run.h5"});
}

TEST_F(RunWriter, OverwritesWithForce) {
    write_run(path, result, meta, false);
    RunMetadata second = meta;
    second.seed = 7;
    write_run(path, result, second, true);
    EXPECT_EQ(hdf5::read_attribute<std::uint64_t>(hdf5::File::open_read_only(path), "seed"), 7u);
    EXPECT_EQ(dir.entries(), std::set<std::string>{"run.h5"});
}

TEST_F(RunWriter, MissingDirectoryIsNamed) {
    const std::string missing = dir.file("no-such-dir");
    try {
        write_run(missing + "/run.h5", result, meta, false);
        ADD_FAILURE() << "wrote into a missing directory";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
    EXPECT_TRUE(dir.entries().empty());
}

TEST_F(RunWriter, ParentThatIsAFileIsNamed) {
    const std::string not_dir = dir.file("plain");
    std::ofstream(not_dir) << "x";
    try {
        write_run(not_dir + "/run.h5", result, meta, true);
        ADD_FAILURE() << "wrote below a plain file";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find(not_dir), std::string::npos) << e.what();
    }
    EXPECT_EQ(dir.entries(), std::set<std::string>{"plain"});
}

TEST_F(RunWriter, UnwritableDirectoryIsNamed) {
    const fs::path locked = dir.path() / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    if (::access(locked.c_str(), W_OK) == 0) GTEST_SKIP() << "running as root: permissions do not bind";
    try {
        write_run((locked / "run.h5").string(), result, meta, false);
        ADD_FAILURE() << "wrote into a read-only directory";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find(locked.string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(locked));
}

TEST_F(RunWriter, FailureHalfwayLeavesNothingBehind) {
    // A NUL in a text attribute is only found while writing, after the temporary
    // file exists.
    result.variables.back().units = std::string("k\0g", 3);
    EXPECT_THROW(write_run(path, result, meta, false), OutputError);
    EXPECT_TRUE(dir.entries().empty());
    // With force over an existing file, the old file survives the failure intact.
    write_run(path, make_result(), meta, false);
    EXPECT_THROW(write_run(path, result, meta, true), OutputError);
    EXPECT_EQ(dir.entries(), std::set<std::string>{"run.h5"});
    EXPECT_EQ(hdf5::read_attribute<std::uint64_t>(hdf5::File::open_read_only(path), "seed"),
              meta.seed);
}

TEST_F(RunWriter, InconsistentResultIsRefusedBeforeAnythingIsCreated) {
    result.variables[2].values.pop_back();
    try {
        write_run(path, result, meta, false);
        ADD_FAILURE() << "wrote a variable with missing values";
    } catch (const OutputError& e) {
        EXPECT_NE(std::string(e.what()).find(result.variables[2].name), std::string::npos)
            << e.what();
    }
    result = make_result();
    result.variables.push_back(result.variables[0]);
    EXPECT_THROW(write_run(path, result, meta, false), OutputError);  // duplicate name
    result = make_result();
    result.variables[0].name = "year";
    EXPECT_THROW(write_run(path, result, meta, false), OutputError);  // clashes with a coordinate
    EXPECT_TRUE(dir.entries().empty());
}

TEST_F(RunWriter, AnotherWritersTemporaryFileIsLeftAlone) {
    const std::string stale = temporary_name(path);
    std::ofstream(stale) << "someone else's";
    EXPECT_THROW(write_run(path, result, meta, false), OutputError);
    EXPECT_EQ(dir.entries(), std::set<std::string>{fs::path(stale).filename().string()});
}

TEST_F(RunWriter, RelativePathInTheWorkingDirectory) {
    const fs::path before = fs::current_path();
    fs::current_path(dir.path());
    EXPECT_NO_THROW(write_run("relative.h5", result, meta, false));
    fs::current_path(before);
    EXPECT_EQ(dir.entries(), std::set<std::string>{"relative.h5"});
}

// --- publishing a file (io/publish.hpp), for every command that writes one ---

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const OutputError& e) {
        return e.what();
    }
    return "";
}

// A file system without RENAME_NOREPLACE (some network and FUSE file systems): the
// rename fails with EINVAL (or ENOSYS) and renames nothing.
int calls_without_noreplace = 0;
int rename_without_noreplace(const char*, const char*) {
    ++calls_without_noreplace;
    errno = EINVAL;
    return -1;
}
int rename_without_syscall(const char*, const char*) {
    errno = ENOSYS;
    return -1;
}
int rename_denied(const char*, const char*) {
    errno = EACCES;
    return -1;
}

class Publish : public testing::Test {
protected:
    TempDir dir;
    std::string from = dir.file("out.h5.tmp.1");
    std::string to = dir.file("out.h5");
    void SetUp() override { std::ofstream(from) << "new"; }
};

TEST_F(Publish, NeverReplacesAnExistingFileWithoutReplace) {
    std::ofstream(to) << "old";
    const std::string e = refusal([&] { publish_file(from, to); });
    EXPECT_NE(e.find(to + " exists; use --force"), std::string::npos) << e;
    EXPECT_EQ(read_text(to), "old");
    EXPECT_EQ(read_text(from), "new");  // left for the caller to remove
    publish_file(from, to, {.replace = true});
    EXPECT_EQ(read_text(to), "new");
    EXPECT_EQ(dir.entries(), std::set<std::string>{"out.h5"});
}

TEST_F(Publish, WithoutNoReplaceRenameTheTargetIsCheckedThenRenamed) {
    for (const RenameNoReplace fails : {&rename_without_noreplace, &rename_without_syscall}) {
        std::ofstream(from) << "new";
        std::ofstream(to) << "old";
        calls_without_noreplace = 0;
        const std::string e = refusal([&] { publish_file(from, to, {.no_replace = fails}); });
        EXPECT_NE(e.find(to + " exists; use --force"), std::string::npos) << e;
        EXPECT_EQ(read_text(to), "old");
        EXPECT_EQ(calls_without_noreplace, fails == &rename_without_noreplace ? 1 : 0);
        // A free name is published by the plain rename.
        fs::remove(to);
        publish_file(from, to, {.no_replace = fails});
        EXPECT_EQ(read_text(to), "new");
        EXPECT_EQ(dir.entries(), std::set<std::string>{"out.h5"});
        // A dangling link is something there too.
        fs::remove(to);
        fs::create_symlink("nowhere", to);
        std::ofstream(from) << "new";
        EXPECT_NE(refusal([&] { publish_file(from, to, {.no_replace = fails}); }), "");
        EXPECT_TRUE(fs::is_symlink(to));
        fs::remove(to);
        fs::remove(from);
    }
}

TEST_F(Publish, ReplaceDoesNotUseTheNoReplaceRename) {
    std::ofstream(to) << "old";
    calls_without_noreplace = 0;
    publish_file(from, to, {.replace = true, .no_replace = &rename_without_noreplace});
    EXPECT_EQ(calls_without_noreplace, 0);
    EXPECT_EQ(read_text(to), "new");
}

TEST_F(Publish, OtherRenameErrorsAreNamed) {
    const std::string e = refusal([&] { publish_file(from, to, {.no_replace = &rename_denied}); });
    EXPECT_NE(e.find("cannot rename " + from + " to " + to), std::string::npos) << e;
    EXPECT_NE(e.find(std::strerror(EACCES)), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(to));
}

TEST_F(Publish, OutputTargetRules) {
    EXPECT_EQ(refusal([&] { check_output_target(to, false); }), "");  // a free name
    EXPECT_NE(refusal([&] { check_output_target("", true); }).find("no output file name"), std::string::npos);
    EXPECT_NE(refusal([&] { check_output_target(from, false); }).find(from + " exists; use --force"),
              std::string::npos);
    EXPECT_EQ(refusal([&] { check_output_target(from, true); }), "");
    EXPECT_NE(refusal([&] { check_output_target(dir.path().string(), true); }).find("is a directory"),
              std::string::npos);
    fs::create_symlink("nowhere", dir.file("dangling"));
    EXPECT_NE(refusal([&] { check_output_target(dir.file("dangling"), false); }).find("exists"), std::string::npos);
    EXPECT_NE(refusal([&] { check_output_target(dir.file("none/x.h5"), true); }).find("does not exist"),
              std::string::npos);
    EXPECT_NE(refusal([&] { check_output_target(from + "/x.h5", true); }).find("is not a directory"),
              std::string::npos);
}

TEST_F(Publish, AnInputIsNeverAnOutputEvenWithReplace) {
    const std::string input = dir.file("scenario.yaml");
    std::ofstream(input) << "name: x";
    fs::create_symlink("scenario.yaml", dir.file("soft.h5"));
    fs::create_hard_link(input, dir.file("hard.h5"));
    const std::string other_spelling = (dir.path() / "." / "scenario.yaml").string();
    for (const std::string& output : {input, other_spelling, dir.file("soft.h5"), dir.file("hard.h5")}) {
        const std::string e = refusal([&] { check_output_target(output, true, {dir.file("unrelated"), input}); });
        EXPECT_NE(e.find(output + " is also an input of this command (" + input + ")"), std::string::npos) << e;
    }
    // Not yet existing, the same path still is the same file.
    const std::string missing = dir.file("later.yaml");
    EXPECT_NE(refusal([&] { check_output_target(missing, true, {dir.file("./later.yaml")}); }), "");
    // Another file with the same contents is not.
    fs::copy_file(input, dir.file("copy.yaml"));
    EXPECT_EQ(refusal([&] { check_output_target(dir.file("copy.yaml"), true, {input}); }), "");
}

TEST_F(Publish, ClaimingATemporaryRemovesThoseOfDeadWritersOnly) {
    // A pid that existed and is gone: a child that has been waited for.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ASSERT_GT(child, 0);
    ::waitpid(child, nullptr, 0);
    const std::string dead = to + ".tmp." + std::to_string(child);
    const std::string alive = to + ".tmp." + std::to_string(::getppid());
    const std::string other = dir.file("other.h5.tmp.") + std::to_string(child);
    for (const std::string& p : {dead, alive, other}) std::ofstream(p) << "x";
    EXPECT_EQ(claim_temporary(to), to + ".tmp." + std::to_string(::getpid()));
    EXPECT_FALSE(fs::exists(dead));
    EXPECT_TRUE(fs::exists(alive));
    EXPECT_TRUE(fs::exists(other));  // another output's
    std::ofstream(to + ".tmp." + std::to_string(::getpid())) << "taken";
    EXPECT_NE(refusal([&] { (void)claim_temporary(to); }).find("exists"), std::string::npos);
}

}  // namespace
}  // namespace greenshift
