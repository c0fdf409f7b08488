// vivid: the command-line client of the vivid library. Every failure becomes one line on
// stderr naming the file and the problem, and exit status 2.
#include <cstdio>
#include <exception>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"

namespace vivid::cli {

static std::vector<AddCommand>& registry() {
    static std::vector<AddCommand> commands;
    return commands;
}

CommandRegistration::CommandRegistration(AddCommand add) { registry().push_back(add); }

void add_registered_commands(CLI::App& app) {
    for (AddCommand add : registry()) add(app);
}

namespace {

std::string number_text(double v) {
    std::ostringstream out;
    out << v;  // 1, 0.5, 1e+06: no trailing zeros
    return out.str();
}

CLI::Validator number_check(std::function<bool(double)> ok, const std::string& rule) {
    return CLI::Validator(
        [ok, rule](std::string& text) -> std::string {
            double v = 0;
            if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
            return ok(v) ? std::string() : text + " " + rule;
        },
        "", "");
}

}  // namespace

CLI::Validator at_least(double minimum) {
    return number_check([minimum](double v) { return v >= minimum; }, "is below " + number_text(minimum));
}

CLI::Validator above(double bound) {
    return number_check([bound](double v) { return v > bound; }, "is not above " + number_text(bound));
}

void add_threads_option(CLI::App& cmd, Options& options) {
    cmd.add_option("--threads", options.threads, "worker threads (default: all cores, or OMP_NUM_THREADS)")
        ->check(at_least(0));
}

void add_precision_option(CLI::App& cmd, Options& options) {
    cmd.add_option_function<std::string>(
           "--precision", [&options](const std::string& name) { options.precision = parse_precision(name, "--precision"); },
           "linear layers in fp32 (default), bf16 (needs AVX512-BF16 or AMX) or int8 (any CPU); "
           "bf16 and int8 state their error in the README")
        ->check(CLI::IsMember({"fp32", "bf16", "int8"}));
}

void add_video_options(CLI::App& cmd, Options& options, bool with_preprocessor_option) {
    cmd.add_option("--frame-sampling-rate", options.frame_sampling_rate,
                   "take every R-th frame (HF pipeline rule; default: the rate the model's config.json states, else 1)")
        ->check(at_least(1));
    if (!with_preprocessor_option) return;
    cmd.add_option("--preprocessor-config", options.preprocessor_config,
                   "preprocessor_config.json (default: the model folder's)");
}

void add_shard_options(CLI::App& cmd, std::string& shard, int& shard_count) {
    cmd.add_option("--shard", shard, "I/N: take part I (from 0) of N of the sorted videos");
    cmd.add_option("--shard-count", shard_count, "N parts, part from JOB_COMPLETION_INDEX (Kubernetes)")
        ->check(at_least(1))
        ->excludes("--shard");
}

void add_clip_options(CLI::App& cmd, Options& options, bool averaged_by_model) {
    cmd.add_option_function<std::string>(
           "--sampling",
           [&options](const std::string& s) { options.sampling = s == "uniform" ? Sampling::Uniform : Sampling::Pipeline; },
           "frame sampling: pipeline (HF default) or uniform (spread over the whole video)")
        ->check(CLI::IsMember({"pipeline", "uniform"}));
    cmd.add_option("--clips", options.clips,
                   averaged_by_model ? "clips spread over the video; their logits are averaged"
                                     : "clips spread over the video (a leading clips axis on every output)")
        ->check(at_least(1));
    cmd.add_option("--crops", options.crops,
                   averaged_by_model ? "1 (center) or 3 (start, center, end of the long side) crops per clip"
                                     : "1 (center) or 3 (start, center, end of the long side) crops per clip, as "
                                       "pixel_values rows")
        ->check(CLI::IsMember({1, 3}));
    cmd.add_option("--max-frames", options.max_frames,
                   "uniform/multi-clip sampling: refuse videos with more frames than this (default 500000)")
        ->check(at_least(1));
}

void add_masking_options(CLI::App& cmd, MaskRequest& mask) {
    add_mask_ratio_option(cmd, mask.ratio, "pre-training: hide this fraction of the patches (e.g. 0.9)");
    cmd.add_option_function<std::string>(
           "--masking", [&mask](const std::string& s) { mask.masking = s == "random" ? Masking::Random : Masking::Tube; },
           "with --mask-ratio: tube (the same patches in every temporal slot, default) or random")
        ->check(CLI::IsMember({"tube", "random"}))
        ->needs("--mask-ratio");
    cmd.add_option("--seed", mask.seed, "random seed for --mask-ratio (default 0)")->needs("--mask-ratio");
}

int64_t masked_per_clip(const ByteArray& mask) {
    if (mask.shape.size() != 2) return 0;
    int64_t n = 0;
    for (int64_t i = 0; i < mask.shape[1]; ++i) n += mask.values[i] != 0;
    return n;
}

CLI::Option* add_mask_ratio_option(CLI::App& cmd, double& ratio, const std::string& help) {
    return cmd.add_option("--mask-ratio", ratio, help)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                const double r = std::stod(text);
                return r >= 0 && r < 1 ? "" : "must be at least 0 and below 1";
            },
            "in [0, 1)"));
}

template <typename T>
std::string describe(const std::string& name, const Array<T>& a) {
    std::string shape;
    for (int64_t d : a.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    return name + " [" + shape + "]";
}

std::FILE* messages_for(const std::string& output) { return output == "-" ? stderr : stdout; }

void print_written(const std::string& path, const TensorFile& file) {
    std::string list;
    auto add = [&](const auto& named) {
        for (const auto& [name, array] : named) list += (list.empty() ? "" : ", ") + describe(name, array);
    };
    add(file.bytes);
    add(file.indices);
    add(file.floats);
    std::fprintf(messages_for(path), "wrote %s (%s)\n", path.c_str(), list.c_str());
}

void rethrow_for_input(const Error& e, const std::string& pixel_values_from, const std::string& mask_from) {
    if (e.source() == "pixel_values") throw Error(pixel_values_from, "pixel_values " + e.problem());
    if (e.source() == "bool_masked_pos") throw Error(mask_from, "bool_masked_pos " + e.problem());
    throw e;
}

}  // namespace vivid::cli

int main(int argc, char** argv) {
    CLI::App app{"vivid: convert, verify and run ViViT and VideoMAE video transformers"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("vivid ") + vivid::version());
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
