// Per-subcommand examples for --help (apps/help_examples.cpp).
#pragma once

#include <CLI/CLI.hpp>

namespace greenshift::cli {

// Gives each registered subcommand of `app` its own footer: its examples and the exit
// codes (instead of the general footer CLI11 copies from `app`). Call after every
// subcommand is added.
void set_help_examples(CLI::App& app);

}  // namespace greenshift::cli
