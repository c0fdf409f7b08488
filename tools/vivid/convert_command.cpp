// vivid convert: an original checkpoint -> an HF model folder, optionally verified on a clip.
#include <cstdio>
#include <iostream>
#include <memory>

#include "command.h"
#include "convert/presets.h"
#include "model_inputs.h"
#include "vivid/convert.h"
#include "vivid/error.h"
#include "vivid/verify.h"

namespace vivid::cli {
namespace {

struct ConvertOptions {
    std::string from;
    ConvertRequest request;
    std::string out;
    bool force = false;
    bool list_presets = false;
    std::string verify_video;
    std::string verify_mask;
    VideoInputOptions video;
    int threads = 0;
};

// Runs the freshly converted folder on a clip; with a preset's reference values, a pass/fail
// line per asserted quantity. Returns false on a failed comparison.
bool verify_converted(const ConvertOptions& o, const ConvertedModel& converted) {
    auto model = load_model(o.out);
    const Tensor pv = video_to_pixel_values(o.verify_video, o.out, *model, o.video);
    Tensor mask;
    if (!o.verify_mask.empty()) mask = read_named_tensor(o.verify_mask, "bool_masked_pos");
    const ModelOutputs out = model->forward(pv, mask.defined() ? &mask : nullptr);
    std::printf("logits shape %s\n", shape_to_string(out.logits.shape()).c_str());
    const Preset* preset = o.request.model_name.empty() ? nullptr : find_preset(o.request.model_name);
    if (!preset) {
        std::printf("no reference values for this conversion (use --model-name for a preset)\n");
        return true;
    }
    bool ok = out.logits.shape() == preset->expected_logits_shape;
    std::printf("%s logits shape %s (reference %s)\n", ok ? "PASS" : "FAIL", shape_to_string(out.logits.shape()).c_str(),
                shape_to_string(preset->expected_logits_shape).c_str());
    if (!ok) return false;
    const Comparison c = compare_values(logits_slice(out.logits, preset->slice_description),
                                        preset->expected_logits_slice, preset->atol);
    std::printf("%s\n", comparison_line(preset->slice_description, c, preset->atol).c_str());
    ok = c.passed;
    const auto* mae = std::get_if<VideoMAEConfig>(&converted.config);
    if (out.loss.defined() && mae) {
        if (auto want = preset->expected_loss_for(mae->norm_pix_loss)) {
            const Comparison lc = compare_values({out.loss.data<float>()[0]}, {*want}, preset->atol);
            std::printf("%s\n", comparison_line("loss", lc, preset->atol).c_str());
            ok = ok && lc.passed;
        }
    }
    return ok;
}

void convert(const ConvertOptions& o) {
    apply_threads(o.threads);
    if (o.list_presets) {
        for (const std::string& name : preset_names()) std::printf("%s\n", name.c_str());
        return;
    }
    for (const char* flag : {"--from", "--checkpoint", "--out"}) {
        const bool missing = (std::string(flag) == "--from" && o.from.empty()) ||
                             (std::string(flag) == "--checkpoint" && o.request.checkpoint.empty()) ||
                             (std::string(flag) == "--out" && o.out.empty());
        if (missing) throw Error("vivid convert", std::string(flag) + " is required");
    }
    ConvertRequest request = o.request;
    request.from = parse_checkpoint_format(o.from);
    const ConvertedModel converted = convert_checkpoint(request);
    for (const std::string& w : converted.warnings) std::fprintf(stderr, "vivid: warning: %s\n", w.c_str());
    save_hf_folder(converted, o.out, o.force);
    std::printf("wrote %s (%s, %zu tensors)\n", o.out.c_str(), converted.architecture.c_str(), converted.weights.size());
    if (!o.verify_video.empty() && !verify_converted(o, converted))
        throw Error(o.verify_video, "verification failed: the converted model does not reproduce the reference values");
}

void add_convert_command(CLI::App& app) {
    auto o = std::make_shared<ConvertOptions>();
    CLI::App* cmd = app.add_subcommand("convert", "convert an original ViViT/VideoMAE checkpoint to an HF model folder");
    cmd->add_option("--from", o->from, "checkpoint format: vivit-flax or videomae-pth");
    cmd->add_option("--checkpoint", o->request.checkpoint, "the original checkpoint file");
    cmd->add_option("--out", o->out, "output model folder (written atomically)");
    auto* name = cmd->add_option("--model-name", o->request.model_name, "a preset (see --list-presets)");
    auto* config = cmd->add_option("--config", o->request.config_path, "HF-style config.json for the architecture");
    name->excludes(config);
    cmd->add_option("--preprocessor-config", o->request.preprocessor_config_path,
                    "preprocessor_config.json to save (default: the preset's or HF's)");
    cmd->add_flag("--force", o->force, "replace a non-empty --out folder");
    cmd->add_flag("--list-presets", o->list_presets, "print the preset names and exit");
    cmd->add_option("--verify-video", o->verify_video, "run the converted model on this clip and check the reference values");
    cmd->add_option("--verify-mask", o->verify_mask, "bool_masked_pos safetensors for verifying a pre-training model");
    add_video_input_options(*cmd, o->video, false);
    add_threads_option(*cmd, o->threads);
    cmd->callback([o]() { convert(*o); });
}

const CommandRegistration registration(&add_convert_command);

}  // namespace
}  // namespace vivid::cli
