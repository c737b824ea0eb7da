#include "apps/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace greenshift {

const char* end_of_progress_line() { return isatty(STDERR_FILENO) != 0 ? "\n" : ""; }

Progress::Progress(std::string label, std::int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(std::int64_t done, const std::string& detail) {
    if (!enabled_ || total_ <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const int pct = static_cast<int>(100.0 * done / total_);
    const double eta = done > 0 ? elapsed * (total_ - done) / done : 0.0;
    if (terminal_) {
        // redraw at most 10 times a second, and always at the end
        if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        std::fprintf(stderr, "\r\033[K%s %lld/%lld (%3d%%) %s elapsed %.1fs eta %.1fs", label_.c_str(),
                     static_cast<long long>(done), static_cast<long long>(total_), pct,
                     detail.c_str(), elapsed, eta);
        std::fflush(stderr);
    } else {
        const int decile = pct / 10;
        if (decile == last_decile_) return;
        last_decile_ = decile;
        std::fprintf(stderr, "%s %lld/%lld (%d%%) %s elapsed %.1fs eta %.1fs\n", label_.c_str(),
                     static_cast<long long>(done), static_cast<long long>(total_), pct,
                     detail.c_str(), elapsed, eta);
    }
}

void Progress::note(const std::string& message) {
    if (!enabled_) return;
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", message.c_str());
        std::fflush(stderr);
    } else {
        std::fprintf(stderr, "%s\n", message.c_str());
    }
}

void Progress::finish(const std::string& message) {
    if (!enabled_) return;
    if (terminal_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "%s\n", message.c_str());
}

}  // namespace greenshift
