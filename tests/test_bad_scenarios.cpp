// The bad-scenario corpus: every file in tests/bad_scenarios/ must be refused with an
// InputError at the position and with the message fragments its .expect sidecar
// names. Cases too large to commit (deep nesting, oversized files) are generated here.
#include "io/input_error.hpp"
#include "io/scenario_loader.hpp"

#include <gtest/gtest.h>

#include "tests/corpus.hpp"

namespace corpus = greenshift::corpus;

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using greenshift::InputError;
using greenshift::LoadOptions;

namespace {

const fs::path kCorpus = fs::path(GREENSHIFT_TEST_DATA) / "bad_scenarios";




// Runs `load` and returns the InputError it must throw.
template <typename F>
InputError expect_input_error(F&& load) {
    try {
        load();
    } catch (const InputError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw something other than InputError: " << e.what();
        return InputError("", 0, 0, "");
    }
    ADD_FAILURE() << "the scenario was accepted";
    return InputError("", 0, 0, "");
}

class BadScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(BadScenario, IsRefusedWithPositionAndMessage) {
    const fs::path yaml = kCorpus / (GetParam() + ".yaml");
    const corpus::Expectation want = corpus::read_expect(kCorpus / (GetParam() + ".expect"));
    ASSERT_FALSE(want.where.empty()) << "no where: line";
    ASSERT_FALSE(want.fragments.empty()) << "no message: line";

    LoadOptions options;
    options.max_memory_bytes = want.max_memory;
    const InputError e = expect_input_error([&] { greenshift::load_scenario(yaml.string(), options); });
    corpus::check_refusal(e, yaml, want);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadScenario, ::testing::ValuesIn(corpus::cases(kCorpus)),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

TEST(BadScenarios, CorpusIsCompleteAndPaired) {
    const auto names = corpus::cases(kCorpus);
    EXPECT_GE(names.size(), 25u);
    for (const auto& n : names) EXPECT_TRUE(fs::exists(kCorpus / (n + ".expect"))) << n;
    for (const auto& entry : fs::directory_iterator(kCorpus)) {
        if (entry.path().extension() == ".expect") {
            EXPECT_TRUE(fs::exists(fs::path(entry.path()).replace_extension(".yaml"))) << entry.path();
        }
    }
}

std::string valid_tail() {
    std::ifstream in(kCorpus / "missing_run.yaml");  // everything but run:
    std::stringstream ss;
    ss << in.rdbuf();
    return "run: {start_year: 2017, end_year: 2030}\n" + ss.str();
}

// 10^5 levels: yaml-cpp must never get to recurse that deep, nor read the whole
// run of brackets ahead; the message comes from the pre-scan.
TEST(BadScenarios, HundredThousandDeepFlowNestingIsRefusedCleanly) {
    const int n = 100000;
    for (const std::string open : {"[", "{a: "}) {
        std::string text = "description: ";
        for (int i = 0; i < n; ++i) text += open;
        text += std::string(n, open == "[" ? ']' : '}') + "\n" + valid_tail();
        const InputError e = expect_input_error([&] { greenshift::load_scenario_text(text, "deep.yaml"); });
        EXPECT_NE(e.message().find("nesting deeper than 64 levels"), std::string::npos) << e.what();
        EXPECT_EQ(e.line(), 1);
        EXPECT_EQ(e.column(), 13 + 64 * static_cast<int>(open.size()) + 1) << e.what();  // the 65th opening
    }
}

TEST(BadScenarios, UnclosedDeepNestingIsRefusedCleanly) {
    const std::string text = "description: " + std::string(100000, '[');
    const InputError e = expect_input_error([&] { greenshift::load_scenario_text(text, "deep.yaml"); });
    EXPECT_NE(e.message().find("nesting deeper than 64 levels"), std::string::npos) << e.what();
}

TEST(BadScenarios, HundredThousandDeepBlockNestingIsRefusedCleanly) {
    // "- - - - x": each dash opens a block sequence inside the previous one.
    std::string seq = "description:\n  ";
    for (int i = 0; i < 100000; ++i) seq += "- ";
    seq += "x\n" + valid_tail();
    InputError e = expect_input_error([&] { greenshift::load_scenario_text(seq, "deep.yaml"); });
    EXPECT_NE(e.message().find("nesting deeper than 64 levels"), std::string::npos) << e.what();
    EXPECT_EQ(e.line(), 2);

    // Indented maps, 100 deep (10^5 would need gigabytes of indentation).
    std::string maps = "description:\n";
    for (int i = 1; i <= 100; ++i) maps += std::string(2 * static_cast<std::size_t>(i), ' ') + "k:\n";
    maps += std::string(202, ' ') + "x\n" + valid_tail();
    e = expect_input_error([&] { greenshift::load_scenario_text(maps, "deep.yaml"); });
    EXPECT_NE(e.message().find("nesting deeper than 64 levels"), std::string::npos) << e.what();
    EXPECT_EQ(e.line(), 65);  // the 65th level is the map whose first key is on line 65
}

TEST(BadScenarios, OversizedFileIsRefusedBeforeReading) {
    const fs::path dir = fs::temp_directory_path() / ("greenshift_oversized_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path big = dir / "big.yaml";
    {
        std::ofstream out(big, std::ios::binary);
        const std::string line = "# padding padding padding padding padding padding padding padding\n";
        for (std::uint64_t written = 0; written <= (16u << 20); written += line.size()) out << line;
    }
    const InputError e = expect_input_error([&] { greenshift::load_scenario(big.string()); });
    EXPECT_NE(e.message().find("larger than the 16 MiB a scenario may be"), std::string::npos) << e.what();
    EXPECT_EQ(e.file(), big.string());
    fs::remove_all(dir);

    const std::string text((16u << 20) + 1, ' ');
    const InputError t = expect_input_error([&] { greenshift::load_scenario_text(text, "big.yaml"); });
    EXPECT_NE(t.message().find("16 MiB"), std::string::npos) << t.what();
}

TEST(BadScenarios, TooManyValuesAreRefusedBeforeTheTreeGrows) {
    std::string text = "description:\n";
    for (int i = 0; i < 1'100'000; ++i) text += "- 1\n";
    const InputError e = expect_input_error([&] { greenshift::load_scenario_text(text, "many.yaml"); });
    EXPECT_NE(e.message().find("more than 1000000 values"), std::string::npos) << e.what();
    // The top map, its key and the list are three values: item 999 998, on line 999 999, is one too many.
    EXPECT_EQ(e.line(), 999'999);
}

TEST(BadScenarios, MissingFileAndDirectoryAreNamed) {
    InputError e = expect_input_error([] { greenshift::load_scenario("/nonexistent/x.yaml"); });
    EXPECT_EQ(e.file(), "/nonexistent/x.yaml");
    EXPECT_NE(e.message().find("cannot read the scenario file"), std::string::npos) << e.what();
    e = expect_input_error([] { greenshift::load_scenario(GREENSHIFT_TEST_DATA); });
    EXPECT_NE(e.message().find("is a directory"), std::string::npos) << e.what();
}

}  // namespace
