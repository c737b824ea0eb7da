// The exit codes of the greenshift command (documented in README.md, the table of exit codes, and
// in `greenshift --help`).
#pragma once

namespace greenshift::exit_code {
inline constexpr int ok = 0;
inline constexpr int internal_error = 1;  // a bug or an unexpected system failure
inline constexpr int usage = 2;           // bad command line
inline constexpr int bad_input = 3;       // a scenario (or batch) file that is wrong
inline constexpr int output = 4;          // output exists (no --force), or cannot be written
inline constexpr int check_failed = 5;    // check-plausibility: a figure is out of its reference's band
inline constexpr int interrupted = 75;    // stopped by SIGINT/SIGTERM/SIGUSR1; nothing written
}  // namespace greenshift::exit_code
