// vivid run: one forward pass of an HF model folder on pixel_values (or a video), saving
// pixel_values, logits and (pre-training with a mask) loss to a safetensors file.
#include <memory>
#include <string>

#include "command.h"

namespace vivid::cli {
namespace {

struct RunArgs {
    std::string model_dir;
    std::string pixel_values_file;
    std::string video_file;
    std::string mask_file;
    std::string output;
    std::string kernels = "optimized";
    MaskRequest make_mask;
    Options options;
};

void run(RunArgs a) {
    a.options.reference_kernels = a.kernels == "reference";
    Model model = Model::load(a.model_dir, a.options);
    const bool from_file = !a.pixel_values_file.empty();
    const FloatArray pixel_values =
        from_file ? read_float_tensor(a.pixel_values_file, "pixel_values") : model.pixel_values(a.video_file);
    const std::string pv_source = from_file ? a.pixel_values_file : a.video_file;
    const std::string mask_source = a.mask_file.empty() ? "--mask-ratio" : a.mask_file;
    const bool masked = !a.mask_file.empty() || a.make_mask.ratio >= 0;
    if (masked && !model.info().pretraining)
        throw Error(mask_source, "a mask was given but " + model.info().architecture + " takes none");
    std::optional<ByteArray> mask;
    if (!a.mask_file.empty()) mask = read_byte_tensor(a.mask_file, "bool_masked_pos");
    if (a.make_mask.ratio >= 0)
        mask = model.mask(pixel_values.shape.empty() ? 0 : pixel_values.shape[0], a.make_mask.ratio, a.make_mask.seed,
                          a.make_mask.masking);

    Outputs out;
    try {
        out = model.forward(pixel_values, mask ? &*mask : nullptr);
    } catch (const Error& e) {
        rethrow_for_input(e, pv_source, mask_source);
    }
    TensorFile file;
    file.floats = {{"pixel_values", pixel_values}, {"logits", out.logits}};
    if (out.loss) file.floats.push_back({"loss", FloatArray{{1}, {*out.loss}}});
    if (a.make_mask.ratio >= 0) file.bytes.push_back({"bool_masked_pos", *mask});  // so the mask can be reused
    write_tensor_file(a.output, file);
    print_written(a.output, file);
}

void add_run_command(CLI::App& app) {
    auto a = std::make_shared<RunArgs>();
    CLI::App* cmd = app.add_subcommand("run", "run a model folder on pixel_values or a video; save the outputs");
    cmd->add_option("--model", a->model_dir, "HF model folder (config.json + weights)")->required();
    auto* pv = cmd->add_option("--pixel-values", a->pixel_values_file,
                               "safetensors file holding float32 pixel_values (B,T,C,H,W)");
    auto* video = cmd->add_option("--video", a->video_file, "video file or .npy uint8 (T,H,W,3) clip");
    pv->excludes(video);
    cmd->add_option("--mask", a->mask_file, "safetensors file holding bool_masked_pos (B, num_patches)");
    add_masking_options(*cmd, a->make_mask);
    cmd->get_option("--mask-ratio")->excludes("--mask");
    cmd->add_option("--save-outputs", a->output, "output .safetensors (pixel_values, logits, loss)")->required();
    cmd->add_option("--kernels", a->kernels, "kernel set: optimized (default) or reference")
        ->check(CLI::IsMember({"optimized", "reference"}));
    add_precision_option(*cmd, a->options);
    add_video_options(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a, pv, video]() {
        if (pv->count() + video->count() != 1) throw Error("vivid run", "give exactly one of --pixel-values or --video");
        run(*a);
    });
}

const CommandRegistration registration(&add_run_command);

}  // namespace
}  // namespace vivid::cli
