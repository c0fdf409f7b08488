// vivid reconstruct: a VideoMAE pre-training model on a masked clip; prints the loss and writes
// a PNG with rows of the input frames, the masked input and the reconstruction.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "command.h"

namespace vivid::cli {
namespace {

struct ReconstructArgs {
    std::string model_dir;
    std::string video;
    std::string pixel_values_file;
    std::string mask_file;
    std::string out;
    MaskRequest make_mask;
    Options options;
};

void reconstruct(ReconstructArgs a) {
    Model model = Model::load(a.model_dir, a.options);
    const bool from_file = !a.pixel_values_file.empty();
    const FloatArray pixel_values =
        from_file ? read_float_tensor(a.pixel_values_file, "pixel_values") : model.pixel_values(a.video);
    if (a.mask_file.empty() && a.make_mask.ratio < 0) a.make_mask.ratio = 0.9;  // VideoMAE's pre-training ratio
    const ByteArray mask = !a.mask_file.empty() ? read_byte_tensor(a.mask_file, "bool_masked_pos")
                                                : model.mask(1, a.make_mask.ratio, a.make_mask.seed, a.make_mask.masking);
    Reconstruction r;
    try {
        r = model.reconstruct(pixel_values, mask);
    } catch (const Error& e) {
        rethrow_for_input(e, from_file ? a.pixel_values_file : a.video, a.mask_file.empty() ? "--mask-ratio" : a.mask_file);
    }
    write_reconstruction_png(a.out, r);
    std::fprintf(messages_for(a.out), "loss %.6g\nwrote %s (rows: input, masked input, reconstruction; %lld frames)\n", r.loss,
                a.out.c_str(), static_cast<long long>(r.original.shape[0]));
}

void add_reconstruct_command(CLI::App& app) {
    auto a = std::make_shared<ReconstructArgs>();
    CLI::App* cmd = app.add_subcommand(
        "reconstruct", "pre-training models: reconstruct a masked clip; print the loss, write a PNG");
    cmd->add_option("--model", a->model_dir, "HF folder of a VideoMAEForPreTraining model")->required();
    auto* video = cmd->add_option("--video", a->video, "video file or .npy uint8 (T,H,W,3) clip");
    auto* pv = cmd->add_option("--pixel-values", a->pixel_values_file, "or a safetensors file with pixel_values (1,T,C,H,W)");
    video->excludes(pv);
    cmd->add_option("--out", a->out, "the PNG to write")->required();
    cmd->add_option("--mask", a->mask_file, "safetensors file holding bool_masked_pos (1, num_patches)");
    add_masking_options(*cmd, a->make_mask);
    cmd->get_option("--mask-ratio")->excludes("--mask");
    add_video_options(*cmd, a->options);
    add_threads_option(*cmd, a->options);
    cmd->callback([a, video, pv]() {
        if (video->count() + pv->count() != 1)
            throw Error("vivid reconstruct", "give exactly one of --video or --pixel-values");
        reconstruct(*a);
    });
}

const CommandRegistration registration(&add_reconstruct_command);

}  // namespace
}  // namespace vivid::cli
