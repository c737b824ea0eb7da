#include "tests/corpus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

namespace greenshift::corpus {

Expectation read_expect(const std::filesystem::path& file) {
    std::ifstream in(file);
    Expectation e;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto colon = line.find(": ");
        const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
        if (key == "where") e.where = value;
        else if (key == "max_memory") e.max_memory = std::stoull(value);
        else if (key == "message") e.fragments.push_back(value);
        else ADD_FAILURE() << file << ": unknown line '" << line << "'";
    }
    return e;
}

std::vector<std::string> cases(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

void check_refusal(const InputError& e, const std::filesystem::path& yaml, const Expectation& want) {
    EXPECT_EQ(e.file(), yaml.string());
    for (const auto& f : want.fragments)
        EXPECT_NE(e.message().find(f), std::string::npos) << "missing '" << f << "' in: " << e.what();
    if (want.where == "none") {
        EXPECT_EQ(e.line(), 0) << e.what();
    } else if (want.where == "any") {
        EXPECT_GT(e.line(), 0) << e.what();
        EXPECT_GT(e.column(), 0) << e.what();
    } else {
        EXPECT_EQ(std::to_string(e.line()) + ":" + std::to_string(e.column()), want.where) << e.what();
        // What `main` prints: file:line:col: message
        EXPECT_EQ(std::string(e.what()).rfind(yaml.string() + ":" + want.where + ": ", 0), 0u) << e.what();
    }
}

}  // namespace greenshift::corpus
