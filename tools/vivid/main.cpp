// vivid: command-line client of the vivid library. Every failure becomes one line on stderr
// naming the file and the problem, and exit status 2.
#include <omp.h>

#include <cstdio>
#include <exception>
#include <vector>

#include "command.h"
#include "vivid/error.h"

namespace vivid::cli {

static std::vector<AddCommand>& registry() {
    static std::vector<AddCommand> commands;
    return commands;
}

CommandRegistration::CommandRegistration(AddCommand add) { registry().push_back(add); }

void add_registered_commands(CLI::App& app) {
    for (AddCommand add : registry()) add(app);
}

void add_threads_option(CLI::App& cmd, int& threads) {
    cmd.add_option("--threads", threads, "worker threads (default: all cores)")
        ->check(CLI::NonNegativeNumber);
}

void apply_threads(int threads) {
    if (threads > 0) omp_set_num_threads(threads);
}

int worker_threads() { return omp_get_max_threads(); }

}  // namespace vivid::cli

int main(int argc, char** argv) {
    CLI::App app{"vivid: convert, verify and run ViViT and VideoMAE video transformers"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vivid 0.1.0");
    vivid::cli::add_registered_commands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    } catch (const vivid::Error& e) {
        std::fprintf(stderr, "vivid: error: %s\n", e.what());
        return 2;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "vivid: error: out of memory\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vivid: error: %s\n", e.what());
        return 2;
    }
    return 0;
}
