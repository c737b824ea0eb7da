// Stop signals (SIGINT, SIGTERM, SIGUSR1) as the libraries see them: the handler in
// `main` records the signal with note_stop_signal, and long reads and writes call
// stop_if_requested between blocks, so that a stop is honoured within a fraction of
// a second while a file is checked, read or written. A signal belongs to the whole
// process, and so does this one flag.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>

namespace greenshift {

// Thrown by stop_if_requested; `main` maps it to exit code 75.
class Interrupted : public std::runtime_error {
public:
    explicit Interrupted(int signal)
        : std::runtime_error("interrupted by signal " + std::to_string(signal)), signal_(signal) {}
    int signal() const noexcept { return signal_; }

private:
    int signal_;
};

// Async-signal-safe: records `signal` (the first one stays).
void note_stop_signal(int signal) noexcept;
// The signal recorded, 0 when none.
int stop_signal() noexcept;
// The flag itself, for code that takes a stop flag (batch/runner.hpp).
const std::atomic<int>& stop_flag() noexcept;
// Throws Interrupted when a stop signal was recorded.
void stop_if_requested();

}  // namespace greenshift
