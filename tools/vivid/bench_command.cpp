// vivid bench: times the forward pass of a model folder on an input of the model's own shape
// (random, or given), the model loaded once, warm-up runs first; prints seconds per rep and
// the work per forward, as JSON with --json.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.h"

namespace vivid::cli {
namespace {

struct BenchArgs {
    std::string model_dir;
    int64_t batch = 1;
    int reps = 5;
    int warmup = 1;
    double mask_ratio = 0.9;
    std::string input;   // safetensors with pixel_values (and bool_masked_pos)
    std::string output;  // safetensors for the last rep's logits (and loss)
    bool json = false;
    Options options;
};

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

FloatArray random_pixel_values(const ModelInfo& info, int64_t batch) {
    FloatArray pv{{batch, info.frames, info.channels, info.image_size, info.image_size}, {}};
    pv.values.resize(static_cast<std::size_t>(batch * info.frames * info.channels * info.image_size * info.image_size));
    std::mt19937 rng(0);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : pv.values) v = normal(rng);
    return pv;
}

void bench(const BenchArgs& a) {
    const double load_start = now_seconds();
    Model model = Model::load(a.model_dir, a.options);
    const double load_seconds = now_seconds() - load_start;
    const ModelInfo& info = model.info();
    FloatArray pixel_values;
    std::optional<ByteArray> mask;
    if (!a.input.empty()) {
        pixel_values = read_float_tensor(a.input, "pixel_values");
        if (info.pretraining) mask = read_byte_tensor(a.input, "bool_masked_pos");
    } else {
        pixel_values = random_pixel_values(info, a.batch);
        if (info.pretraining) mask = model.mask(a.batch, a.mask_ratio, 0);
    }
    const int64_t batch = pixel_values.shape.empty() ? 0 : pixel_values.shape[0];
    Outputs out;
    try {
        for (int i = 0; i < a.warmup; ++i) out = model.forward(pixel_values, mask ? &*mask : nullptr);
    } catch (const Error& e) {
        rethrow_for_input(e, a.input.empty() ? "random input" : a.input, a.input.empty() ? "random mask" : a.input);
    }
    std::vector<double> seconds;
    for (int i = 0; i < a.reps; ++i) {
        const double start = now_seconds();
        out = model.forward(pixel_values, mask ? &*mask : nullptr);
        seconds.push_back(now_seconds() - start);
    }
    if (!a.output.empty()) {
        TensorFile file;
        file.floats = {{"logits", out.logits}};
        if (out.loss) file.floats.push_back({"loss", FloatArray{{1}, {*out.loss}}});
        write_tensor_file(a.output, file);
    }
    std::vector<double> sorted = seconds;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted.empty() ? 0.0
                          : sorted.size() % 2 ? sorted[sorted.size() / 2]
                                              : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
    const int64_t masked = mask ? masked_per_clip(*mask) : 0;
    const double gflop = model.flops(batch, masked) / 1e9;
    const int threads = model.options().threads;
    const char* precision = precision_name(model.options().precision);
    nlohmann::json j;
    j["model"] = a.model_dir;
    j["architecture"] = info.architecture;
    j["batch"] = batch;
    j["threads"] = threads;
    j["precision"] = precision;
    j["kernels"] = a.options.reference_kernels ? "reference" : kernels_in_use();
    j["load_seconds"] = load_seconds;
    j["seconds"] = seconds;
    j["seconds_min"] = sorted.empty() ? 0.0 : sorted.front();
    j["seconds_median"] = median;
    j["gflop"] = gflop;
    j["gflop_per_second_median"] = median > 0 ? gflop / median : 0.0;
    j["peak_rss_mb"] = peak_rss_mb();
    // Which implementation each layer kind ran with; oneDNN's reference loop is a bug to report.
    j["implementations"] = model.implementations();
    for (const auto& [kind, impls] : model.implementations())
        for (const std::string& impl : impls)
            if (impl.rfind("ref", 0) == 0)
                std::fprintf(stderr, "vivid: warning: %s ran oneDNN's reference loop (%s): expect it to be slow\n",
                             kind.c_str(), impl.c_str());
    if (info.pretraining) j["num_masked"] = masked;
    std::FILE* to = messages_for(a.output);  // --save-outputs - keeps stdout for the tensors
    if (a.json) {
        std::fprintf(to, "%s\n", j.dump().c_str());
    } else {
        std::fprintf(to, "%s: %s, batch %lld, %d threads, %s: median %.4g s, min %.4g s over %d reps; %.4g GFLOP per "
                    "forward, %.4g GFLOP/s; peak RSS %.0f MB\n",
                    a.model_dir.c_str(), info.architecture.c_str(), static_cast<long long>(batch), threads, precision,
                    median, j["seconds_min"].get<double>(), a.reps, gflop, j["gflop_per_second_median"].get<double>(),
                    peak_rss_mb());
    }
}

void add_bench_command(CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    CLI::App* cmd = app.add_subcommand("bench", "time the forward pass of a model folder (no video decoding)");
    cmd->add_option("--model", a->model_dir, "HF model folder (config.json + weights)")->required();
    cmd->add_option("--batch", a->batch, "clips per forward for the random input (default 1)")
        ->check(CLI::Range(int64_t{1}, int64_t{1024}));
    add_precision_option(*cmd, a->options);
    cmd->add_option("--reps", a->reps, "timed forwards (default 5)")->check(CLI::Range(1, 100000));
    cmd->add_option("--warmup", a->warmup, "untimed forwards first (default 1)")->check(CLI::Range(0, 100000));
    add_mask_ratio_option(*cmd, a->mask_ratio, "pre-training models: tube mask ratio of the random input (0.9)");
    cmd->add_option("--input", a->input, "safetensors with pixel_values (and bool_masked_pos) instead of random");
    cmd->add_option("--save-outputs", a->output, "write the last forward's logits (and loss) here");
    cmd->add_flag("--json", a->json, "print one JSON object");
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { bench(*a); });
}

const CommandRegistration registration(&add_bench_command);

}  // namespace
}  // namespace vivid::cli
