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
#include "model_inputs.h"
#include "vivid/error.h"
#include "vivid/model.h"
#include "vivid/safetensors.h"

namespace vivid::cli {
namespace {

struct BenchOptions {
    std::string model_dir;
    int64_t batch = 1;
    int threads = 0;
    std::string precision = "fp32";
    int reps = 5;
    int warmup = 1;
    double mask_ratio = 0.9;
    std::string input;   // safetensors with pixel_values (and bool_masked_pos)
    std::string output;  // safetensors for the last rep's logits (and loss)
    bool json = false;
};

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

Tensor random_pixel_values(const VideoModel& model, int64_t batch) {
    const ModelConfig& c = model.config();
    const int64_t frames = config_num_frames(c), size = config_image_size(c);
    const int64_t channels = std::visit([](const auto& m) { return m.num_channels; }, c);
    Tensor pv = Tensor::uninitialized(DType::F32, {batch, frames, channels, size, size});
    std::mt19937 rng(0);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    float* p = pv.data_mut<float>();
    for (int64_t i = 0; i < pv.numel(); ++i) p[i] = normal(rng);
    return pv;
}

void bench(const BenchOptions& o) {
    apply_threads(o.threads);
    const Precision precision = parse_precision(o.precision, o.model_dir);
    const double load_start = now_seconds();
    auto model = load_model(o.model_dir, KernelChoice::Optimized, precision);
    const double load_seconds = now_seconds() - load_start;
    Tensor pixel_values, mask;
    if (!o.input.empty()) {
        pixel_values = read_named_tensor(o.input, "pixel_values");
        if (model->is_pretraining()) mask = read_named_tensor(o.input, "bool_masked_pos");
    } else {
        pixel_values = random_pixel_values(*model, o.batch);
        if (model->is_pretraining()) mask = model_tube_mask(*model, o.batch, o.mask_ratio, 0);
    }
    const int64_t batch = pixel_values.dim() > 0 ? pixel_values.size(0) : 0;
    ModelOutputs out;
    for (int i = 0; i < o.warmup; ++i) out = model->forward(pixel_values, mask.defined() ? &mask : nullptr);
    std::vector<double> seconds;
    for (int i = 0; i < o.reps; ++i) {
        const double start = now_seconds();
        out = model->forward(pixel_values, mask.defined() ? &mask : nullptr);
        seconds.push_back(now_seconds() - start);
    }
    if (!o.output.empty()) {
        TensorMap tensors{{"logits", out.logits}};
        if (out.loss.defined()) tensors["loss"] = out.loss;
        write_safetensors(o.output, tensors);
    }
    std::vector<double> sorted = seconds;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted.empty() ? 0.0
                          : sorted.size() % 2 ? sorted[sorted.size() / 2]
                                              : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
    const int64_t masked = masked_per_clip(mask);
    const double gflop = model->forward_flops(batch, masked) / 1e9;
    nlohmann::json j;
    j["model"] = o.model_dir;
    j["architecture"] = model->architecture();
    j["batch"] = batch;
    j["threads"] = worker_threads();
    j["precision"] = precision_name(precision);
    j["kernels"] = kernels_in_use();
    j["load_seconds"] = load_seconds;
    j["seconds"] = seconds;
    j["seconds_min"] = sorted.empty() ? 0.0 : sorted.front();
    j["seconds_median"] = median;
    j["gflop"] = gflop;
    j["gflop_per_second_median"] = median > 0 ? gflop / median : 0.0;
    j["peak_rss_mb"] = peak_rss_mb();
    if (model->is_pretraining()) j["num_masked"] = masked;
    if (o.json) {
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("%s: %s, batch %lld, %d threads, %s: median %.4g s, min %.4g s over %d reps; %.4g GFLOP per "
                    "forward, %.4g GFLOP/s; peak RSS %.0f MB\n",
                    o.model_dir.c_str(), model->architecture().c_str(), static_cast<long long>(batch), worker_threads(),
                    precision_name(precision), median, j["seconds_min"].get<double>(), o.reps, gflop,
                    j["gflop_per_second_median"].get<double>(), peak_rss_mb());
    }
}

void add_bench_command(CLI::App& app) {
    auto opts = std::make_shared<BenchOptions>();
    CLI::App* cmd = app.add_subcommand("bench", "time the forward pass of a model folder (no video decoding)");
    cmd->add_option("--model", opts->model_dir, "HF model folder (config.json + weights)")->required();
    cmd->add_option("--batch", opts->batch, "clips per forward for the random input (default 1)")
        ->check(CLI::Range(int64_t{1}, int64_t{1024}));
    cmd->add_option("--precision", opts->precision, "fp32 (default) or bf16")->check(CLI::IsMember({"fp32", "bf16"}));
    cmd->add_option("--reps", opts->reps, "timed forwards (default 5)")->check(CLI::Range(1, 100000));
    cmd->add_option("--warmup", opts->warmup, "untimed forwards first (default 1)")->check(CLI::Range(0, 100000));
    cmd->add_option("--mask-ratio", opts->mask_ratio, "pre-training models: tube mask ratio of the random input (0.9)")
        ->check(CLI::Range(0.0, 0.999));
    cmd->add_option("--input", opts->input, "safetensors with pixel_values (and bool_masked_pos) instead of random");
    cmd->add_option("--save-outputs", opts->output, "write the last forward's logits (and loss) here");
    cmd->add_flag("--json", opts->json, "print one JSON object");
    add_threads_option(*cmd, opts->threads);
    cmd->callback([opts]() { bench(*opts); });
}

const CommandRegistration registration(&add_bench_command);

}  // namespace
}  // namespace vivid::cli
