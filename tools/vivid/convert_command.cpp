// vivid convert: an original checkpoint -> an HF model folder, optionally verified on a clip.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"

namespace vivid::cli {
namespace {

struct ConvertArgs {
    std::string from;
    ConvertOptions request;
    std::string out;
    bool list_presets = false;
    std::string verify_video;
    std::string verify_mask;
    Options options;
};

// The leading logits (and loss), as the HF script prints them, for the user to compare.
void print_leading_logits(const Outputs& out) {
    std::string shape, leading;
    for (int64_t d : out.logits.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    const std::size_t n = std::min<std::size_t>(3, out.logits.values.size());
    for (std::size_t i = 0; i < n; ++i) {
        char v[32];
        std::snprintf(v, sizeof v, "%.7g", out.logits.values[i]);
        leading += (i ? ", " : "") + std::string(v);
    }
    std::printf("logits shape [%s]; first %zu logits [%s]", shape.c_str(), n, leading.c_str());
    if (out.loss) std::printf("; loss %.7g", *out.loss);
    std::printf("\n");
}

// The top 5 labels of each head (one head: all labels), softmax of the clip-averaged logits.
void print_top_labels(const ModelInfo& info, const FloatArray& logits) {
    const int64_t labels = logits.shape.back(), clips = logits.shape.front();
    std::vector<double> mean(static_cast<std::size_t>(labels), 0.0);
    for (int64_t c = 0; c < clips; ++c)
        for (int64_t i = 0; i < labels; ++i) mean[i] += logits.values[c * labels + i] / static_cast<double>(clips);
    std::vector<LabelHead> heads = info.label_heads;
    if (heads.empty()) heads.push_back({"top labels", labels});
    int64_t first = 0;
    for (const LabelHead& head : heads) {
        const auto begin = mean.begin() + first, end = begin + head.size;
        const double top = *std::max_element(begin, end);
        double sum = 0;
        for (auto it = begin; it != end; ++it) sum += std::exp(*it - top);
        std::vector<int64_t> order(static_cast<std::size_t>(head.size));
        for (int64_t i = 0; i < head.size; ++i) order[i] = first + i;
        const auto k = std::min<std::size_t>(5, order.size());
        std::partial_sort(order.begin(), order.begin() + k, order.end(),
                          [&](int64_t x, int64_t y) { return mean[x] > mean[y]; });
        std::printf("%s:", head.name.c_str());
        for (std::size_t i = 0; i < k; ++i)
            std::printf("%s %s %.4f", i ? "," : "", info.labels[order[i]].c_str(), std::exp(mean[order[i]] - top) / sum);
        std::printf("\n");
        first += head.size;
    }
}

// Runs the freshly converted folder on a clip; with a preset's reference values, a pass/fail
// line per asserted quantity. Returns false on a failed check.
bool verify_converted(const ConvertArgs& a) {
    Model model = Model::load(a.out, a.options);
    const FloatArray pv = model.pixel_values(a.verify_video);
    std::optional<ByteArray> mask;
    if (!a.verify_mask.empty()) mask = read_byte_tensor(a.verify_mask, "bool_masked_pos");
    bool has_reference = false;
    for (const PresetInfo& p : convert_presets()) has_reference |= p.name == a.request.preset && p.has_reference_values;
    if (!has_reference) {
        const Outputs out = model.forward(pv, mask ? &*mask : nullptr);
        print_leading_logits(out);
        if (!model.info().labels.empty()) print_top_labels(model.info(), out.logits);
        if (a.request.preset.empty())
            std::printf("no reference values for this conversion (use --model-name for a preset)\n");
        else  // Scenic published no logits for its factorised-encoder checkpoints
            std::printf("no reference values exist for preset %s: check that the top labels fit the clip\n",
                        a.request.preset.c_str());
        return true;
    }
    bool ok = true;
    try {
        for (const Check& c : verify_preset(model, a.request.preset, pv, mask ? &*mask : nullptr)) {
            std::printf("%s\n", c.line.c_str());
            ok = ok && c.passed;
        }
    } catch (const Error& e) {
        rethrow_for_input(e, a.verify_video, a.verify_mask);
    }
    return ok;
}

// The sampling rate the preset's model was evaluated at, recorded in config.json.
void print_sampling_note(const std::string& preset) {
    for (const PresetInfo& p : convert_presets())
        if (p.name == preset && p.frame_sampling_rate > 0)
            std::printf("%s was evaluated at frame sampling rate %d (config.json records it; classify, features and "
                        "serve use it unless --frame-sampling-rate says otherwise)\n",
                        p.name.c_str(), p.frame_sampling_rate);
}

void convert(ConvertArgs& a) {
    if (a.list_presets) {
        for (const PresetInfo& p : convert_presets()) std::printf("%s\n", p.name.c_str());
        return;
    }
    for (const auto& [flag, value] : {std::pair{"--from", &a.from}, {"--checkpoint", &a.request.checkpoint}, {"--out", &a.out}})
        if (value->empty()) throw Error("vivid convert", std::string(flag) + " is required");
    a.request.from = parse_checkpoint_format(a.from, "--from");
    // A Scenic checkpoint's shapes can give its architecture (the factorised encoder's do; the
    // library says when they cannot); a VideoMAE state dict's cannot.
    if (a.request.from == CheckpointFormat::VideoMAEPth && a.request.preset.empty() && a.request.config.empty())
        throw Error(a.request.checkpoint, "the checkpoint does not say its architecture: give --model-name PRESET or "
                                          "--config FILE");
    std::error_code ec;
    if (!a.request.replace && std::filesystem::is_directory(a.out, ec) && !std::filesystem::is_empty(a.out, ec))
        throw Error(a.out, "exists and is not empty (add --force to replace it)");
    const ConvertResult result = vivid::convert(a.request, a.out);
    for (const std::string& w : result.warnings) std::fprintf(stderr, "vivid: warning: %s\n", w.c_str());
    std::printf("wrote %s (%s, %lld tensors)\n", a.out.c_str(), result.architecture.c_str(),
                static_cast<long long>(result.tensors));
    print_sampling_note(a.request.preset);
    if (!a.verify_video.empty() && !verify_converted(a))
        throw Error(a.verify_video, "verification failed: the converted model does not reproduce the reference values");
}

void add_convert_command(CLI::App& app) {
    auto a = std::make_shared<ConvertArgs>();
    CLI::App* cmd = app.add_subcommand("convert", "convert an original ViViT/VideoMAE checkpoint to an HF model folder");
    cmd->add_option("--from", a->from, "checkpoint format: vivit-flax or videomae-pth");
    cmd->add_option("--checkpoint", a->request.checkpoint, "the original checkpoint file");
    cmd->add_option("--out", a->out, "output model folder (written atomically)");
    auto* name = cmd->add_option("--model-name", a->request.preset, "a preset (see --list-presets)");
    auto* config = cmd->add_option("--config", a->request.config, "HF-style config.json for the architecture");
    name->excludes(config);
    cmd->add_option("--preprocessor-config", a->request.preprocessor_config,
                    "preprocessor_config.json to save (default: the preset's or HF's)");
    cmd->add_option("--labels", a->request.labels,
                    "kinetics400 or kinetics600: keep those classes of a Kinetics-710 head (VideoMAE V2), in that "
                    "set's order and names");
    cmd->add_flag("--force", a->request.replace, "replace a non-empty --out folder");
    cmd->add_flag("--list-presets", a->list_presets, "print the preset names and exit");
    cmd->add_option("--verify-video", a->verify_video, "run the converted model on this clip and check the reference values");
    cmd->add_option("--verify-mask", a->verify_mask, "bool_masked_pos safetensors for verifying a pre-training model");
    add_video_options(*cmd, a->options, false);
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { convert(*a); });
}

const CommandRegistration registration(&add_convert_command);

}  // namespace
}  // namespace vivid::cli
