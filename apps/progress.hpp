// Progress on stderr: a line redrawn in place on a terminal, one line per 10%
// otherwise (logs of batch jobs stay short and readable).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace greenshift {

// What ends a progress line before a message: "\n" when stderr is a terminal (where
// the line is redrawn in place and has no end yet), "" otherwise (lines are whole).
const char* end_of_progress_line();

class Progress {
public:
    Progress(std::string label, std::int64_t total, bool enabled);
    void update(std::int64_t done, const std::string& detail = {});
    // The next phase, once the count is complete: on a terminal it replaces the line
    // (finish replaces it in turn), otherwise it is a line of its own.
    void note(const std::string& message);
    void finish(const std::string& message);

private:
    std::string label_;
    std::int64_t total_;
    bool enabled_;
    bool terminal_;
    int last_decile_ = -1;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace greenshift
