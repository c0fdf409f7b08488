// vivid run: one forward pass of an HF model folder on pixel_values (or a video), saving
// pixel_values, logits and (pre-training with a mask) loss to a safetensors file.
#include <string>

#include "command.h"
#include "model_inputs.h"
#include "vivid/error.h"
#include "vivid/model.h"
#include "vivid/safetensors.h"

namespace vivid::cli {
namespace {

struct RunOptions {
    std::string model_dir;
    std::string pixel_values_file;
    std::string video_file;
    std::string mask_file;
    std::string output;
    std::string kernels = "optimized";
    std::string precision = "fp32";
    double mask_ratio = -1;  // < 0: no generated mask
    uint64_t seed = 0;
    VideoInputOptions video;
    int threads = 0;
};

// Re-raises a model input error so that the message names the file the input came from.
[[noreturn]] void rethrow_for_file(const Error& e, const std::string& file) {
    throw Error(file, e.source() + " " + e.problem());
}

void run(const RunOptions& o) {
    apply_threads(o.threads);
    auto model = load_model(o.model_dir, o.kernels == "reference" ? KernelChoice::Reference : KernelChoice::Optimized,
                            parse_precision(o.precision, o.model_dir));
    Tensor pixel_values;
    std::string pv_source;
    if (!o.pixel_values_file.empty()) {
        pv_source = o.pixel_values_file;
        pixel_values = read_named_tensor(o.pixel_values_file, "pixel_values");
    } else {
        pv_source = o.video_file;
        pixel_values = video_to_pixel_values(o.video_file, o.model_dir, *model, o.video);
    }
    if ((!o.mask_file.empty() || o.mask_ratio >= 0) && !model->is_pretraining())
        throw Error(o.mask_file.empty() ? o.model_dir : o.mask_file,
                    "a mask was given but " + model->architecture() + " takes none");
    Tensor mask;
    if (!o.mask_file.empty()) mask = read_named_tensor(o.mask_file, "bool_masked_pos");
    if (o.mask_ratio >= 0) mask = model_tube_mask(*model, pixel_values.size(0), o.mask_ratio, o.seed);

    ModelOutputs out;
    try {
        out = model->forward(pixel_values, mask.defined() ? &mask : nullptr);
    } catch (const Error& e) {
        if (e.source() == "pixel_values") rethrow_for_file(e, pv_source);
        if (e.source() == "bool_masked_pos") rethrow_for_file(e, o.mask_file.empty() ? o.model_dir : o.mask_file);
        throw;
    }
    TensorMap tensors;
    tensors["pixel_values"] = pixel_values.to_float32();
    tensors["logits"] = out.logits;
    if (out.loss.defined()) tensors["loss"] = out.loss;
    if (o.mask_ratio >= 0) tensors["bool_masked_pos"] = mask;  // so the generated mask can be reused
    write_safetensors(o.output, tensors);
}

void add_run_command(CLI::App& app) {
    auto opts = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "run a model folder on pixel_values or a video; save the outputs");
    cmd->add_option("--model", opts->model_dir, "HF model folder (config.json + weights)")->required();
    auto* pv = cmd->add_option("--pixel-values", opts->pixel_values_file,
                               "safetensors file holding float32 pixel_values (B,T,C,H,W)");
    auto* video = cmd->add_option("--video", opts->video_file, "video file or .npy uint8 (T,H,W,3) clip");
    pv->excludes(video);
    cmd->add_option("--mask", opts->mask_file, "safetensors file holding bool_masked_pos (B, num_patches)");
    auto* ratio = cmd->add_option("--mask-ratio", opts->mask_ratio,
                                  "pre-training: generate a tube mask hiding this fraction (e.g. 0.9)");
    ratio->excludes("--mask");
    cmd->add_option("--seed", opts->seed, "random seed for --mask-ratio (default 0)");
    cmd->add_option("--save-outputs", opts->output, "output .safetensors (pixel_values, logits, loss)")->required();
    cmd->add_option("--kernels", opts->kernels, "kernel set: optimized (default) or reference")
        ->check(CLI::IsMember({"optimized", "reference"}));
    cmd->add_option("--precision", opts->precision, "linear layers in fp32 (default) or bf16 (needs AVX512-BF16 or AMX)")
        ->check(CLI::IsMember({"fp32", "bf16"}));
    add_video_input_options(*cmd, opts->video);
    add_threads_option(*cmd, opts->threads);
    cmd->callback([opts, pv, video]() {
        if (pv->count() + video->count() != 1) throw Error("vivid run", "give exactly one of --pixel-values or --video");
        run(*opts);
    });
}

const CommandRegistration registration(&add_run_command);

}  // namespace
}  // namespace vivid::cli
