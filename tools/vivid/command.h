// Each subcommand lives in its own file and registers itself here, so adding one never
// touches main.cpp. Commands parse arguments, call the library (vivid/vivid.h only) and print;
// a callback throws vivid::Error on bad input and main prints it as one line.
#pragma once

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "vivid/vivid.h"

namespace vivid::cli {

using AddCommand = void (*)(CLI::App& app);

struct CommandRegistration {
    explicit CommandRegistration(AddCommand add);
};

void add_registered_commands(CLI::App& app);

// Number checks that read "--top-k: 0 is below 1" (CLI11's own print a floating-point range).
CLI::Validator at_least(double minimum);
CLI::Validator above(double bound);

// --threads: worker threads for the forward and decoding (0 = the library's default).
void add_threads_option(CLI::App& cmd, Options& options);
// --precision fp32|bf16.
void add_precision_option(CLI::App& cmd, Options& options);
// --frame-sampling-rate, and --preprocessor-config unless the command has its own.
void add_video_options(CLI::App& cmd, Options& options, bool with_preprocessor_option = true);
// --shard I/N and --shard-count N (the part from JOB_COMPLETION_INDEX), for the batch commands.
void add_shard_options(CLI::App& cmd, std::string& shard, int& shard_count);
// --sampling pipeline|uniform, --clips and --crops, for the commands that can use several
// clips; `averaged_by_model`: the help says the model averages the views (not for preprocess).
void add_clip_options(CLI::App& cmd, Options& options, bool averaged_by_model = true);
// A mask the command makes itself: --mask-ratio R [--masking tube|random] [--seed S].
struct MaskRequest {
    double ratio = -1;  // < 0: none asked for
    Masking masking = Masking::Tube;
    uint64_t seed = 0;
};
void add_masking_options(CLI::App& cmd, MaskRequest& mask);
// Patches a bool_masked_pos row hides (row 0: every clip of a mask hides as many).
int64_t masked_per_clip(const ByteArray& mask);
// --mask-ratio: a fraction in [0, 1).
CLI::Option* add_mask_ratio_option(CLI::App& cmd, double& ratio, const std::string& help);

// Where a command's messages go: stderr when its output goes to standard output ("-"), so the
// output stays clean; stdout otherwise.
std::FILE* messages_for(const std::string& output);

// "wrote PATH (name [shape], ...)": what a command saved.
void print_written(const std::string& path, const TensorFile& file);

// Re-raises an error about a model input (source "pixel_values" or "bool_masked_pos") so that
// it names the file the input came from.
[[noreturn]] void rethrow_for_input(const Error& e, const std::string& pixel_values_from,
                                    const std::string& mask_from);

}  // namespace vivid::cli
