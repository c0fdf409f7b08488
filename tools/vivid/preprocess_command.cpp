// vivid preprocess: decode and sample a video like the HF video-classification pipeline, run
// the HF image processor's steps, and save frames, indices and pixel_values.
#include <memory>
#include <string>

#include "command.h"

namespace vivid::cli {
namespace {

struct PreprocessArgs {
    std::string video;
    std::string output;
    int64_t num_frames = 0;
    Options options;
};

template <typename T>
Array<T> without_leading_axis(Array<T> a) {
    a.shape.erase(a.shape.begin());
    return a;
}

void preprocess(const PreprocessArgs& a) {
    PreprocessedVideo v = preprocess_video(a.video, a.num_frames, a.options);
    TensorFile file;
    if (a.options.clips == 1) {
        // The contract's shapes: frames (T,H,W,3), indices (T), pixel_values (1,T,C,H,W).
        file.bytes = {{"frames", without_leading_axis(std::move(v.frames))}};
        file.indices = {{"indices", without_leading_axis(std::move(v.indices))}};
    } else {  // K clips: a leading K axis on all three
        file.bytes = {{"frames", std::move(v.frames)}};
        file.indices = {{"indices", std::move(v.indices)}};
    }
    file.floats = {{"pixel_values", std::move(v.pixel_values)}};
    write_tensor_file(a.output, file);
    print_written(a.output, file);
}

void add_preprocess_command(CLI::App& app) {
    auto a = std::make_shared<PreprocessArgs>();
    CLI::App* cmd = app.add_subcommand(
        "preprocess", "decode, sample and preprocess a video like the HF video-classification pipeline");
    cmd->add_option("--preprocessor-config", a->options.preprocessor_config, "HF preprocessor_config.json")->required();
    cmd->add_option("--video", a->video, "video file (anything FFmpeg reads) or .npy uint8 (T,H,W,3) clip")->required();
    cmd->add_option("--num-frames", a->num_frames, "frames per clip (the model's num_frames)")
        ->required()
        ->check(at_least(1));
    add_video_options(*cmd, a->options, false);
    add_clip_options(*cmd, a->options, false);
    cmd->add_option("--save-outputs", a->output, "output .safetensors (frames, indices, pixel_values)")->required();
    add_threads_option(*cmd, a->options);
    cmd->callback([a]() { preprocess(*a); });
}

const CommandRegistration registration(&add_preprocess_command);

}  // namespace
}  // namespace vivid::cli
