// Each subcommand lives in its own file and registers itself here, so adding one never
// touches main.cpp. A command's callback throws vivid::Error on bad input; main prints it.
#pragma once

#include <CLI/CLI.hpp>

namespace vivid::cli {

using AddCommand = void (*)(CLI::App& app);

struct CommandRegistration {
    explicit CommandRegistration(AddCommand add);
};

void add_registered_commands(CLI::App& app);

// Applies --threads (0 = leave the default) to every thread pool vivid uses.
void add_threads_option(CLI::App& cmd, int& threads);
void apply_threads(int threads);
// The thread count the forward and decoding use now.
int worker_threads();

}  // namespace vivid::cli
