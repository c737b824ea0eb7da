#include "io/interrupt.hpp"

namespace greenshift {

namespace {
std::atomic<int> g_stop{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag is set from a signal handler");
}  // namespace

void note_stop_signal(int signal) noexcept {
    int none = 0;
    g_stop.compare_exchange_strong(none, signal);
}

int stop_signal() noexcept { return g_stop.load(); }

const std::atomic<int>& stop_flag() noexcept { return g_stop; }

void stop_if_requested() {
    if (const int signal = g_stop.load()) throw Interrupted(signal);
}

}  // namespace greenshift
