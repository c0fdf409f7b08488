#include "model_inputs.h"

#include <filesystem>

#include "vivid/error.h"
#include "vivid/preprocess.h"
#include "vivid/safetensors.h"
#include "vivid/video_reader.h"

namespace vivid::cli {

Tensor read_named_tensor(const std::string& file, const std::string& name) {
    TensorMap tensors = read_safetensors(file);
    auto it = tensors.find(name);
    if (it == tensors.end()) throw Error(file, "has no tensor named '" + name + "'");
    return it->second;
}

void add_video_input_options(CLI::App& cmd, VideoInputOptions& options, bool with_preprocessor_option) {
    cmd.add_option("--frame-sampling-rate", options.frame_sampling_rate,
                   "take every R-th frame (HF pipeline rule; default 1)")
        ->check(CLI::PositiveNumber);
    if (!with_preprocessor_option) return;
    cmd.add_option("--preprocessor-config", options.preprocessor_config,
                   "preprocessor_config.json (default: the model folder's)");
}

Tensor video_to_pixel_values(const std::string& video, const std::string& model_dir,
                             const VideoModel& model, const VideoInputOptions& options) {
    const std::string processor_path =
        options.preprocessor_config.empty()
            ? (std::filesystem::path(model_dir) / "preprocessor_config.json").string()
            : options.preprocessor_config;
    if (!std::filesystem::exists(processor_path))
        throw Error(processor_path, "missing: --video needs the model's preprocessor_config.json");
    const PreprocessorConfig processor = load_preprocessor_config(processor_path);
    SamplingOptions sampling;
    sampling.num_frames = config_num_frames(model.config());
    sampling.frame_sampling_rate = options.frame_sampling_rate;
    std::vector<SampledClip> clips = read_clips(video, sampling);
    Tensor pixels = preprocess_clip(processor, clips.at(0).frames);
    Shape batched{1};
    for (int64_t d : pixels.shape()) batched.push_back(d);
    return pixels.reshape(batched);
}

}  // namespace vivid::cli
