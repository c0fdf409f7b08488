#include "model_inputs.h"

#include <cstring>
#include <filesystem>

#include "vivid/error.h"
#include "vivid/masking.h"
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

Tensor model_tube_mask(const VideoModel& model, int64_t batch, double ratio, uint64_t seed) {
    const auto& mae = std::get<VideoMAEConfig>(model.config());
    const int64_t per_slice = (mae.image_size / mae.patch_size) * (mae.image_size / mae.patch_size);
    return tube_mask(batch, model.num_patches() / per_slice, per_slice, ratio, seed);
}

int64_t masked_per_clip(const Tensor& mask) {
    if (!mask.defined()) return 0;
    const Tensor m = mask.is_contiguous() ? mask : mask.contiguous_copy();
    int64_t n = 0;
    for (int64_t i = 0; i < m.size(1); ++i) n += m.data<uint8_t>()[i] != 0;
    return n;
}

void add_video_input_options(CLI::App& cmd, VideoInputOptions& options, bool with_preprocessor_option) {
    cmd.add_option("--frame-sampling-rate", options.frame_sampling_rate,
                   "take every R-th frame (HF pipeline rule; default 1)")
        ->check(CLI::PositiveNumber);
    if (!with_preprocessor_option) return;
    cmd.add_option("--preprocessor-config", options.preprocessor_config,
                   "preprocessor_config.json (default: the model folder's)");
}

void add_clip_options(CLI::App& cmd, VideoInputOptions& options) {
    cmd.add_option("--sampling", options.sampling, "frame sampling: pipeline (HF default) or uniform")
        ->check(CLI::IsMember({"pipeline", "uniform"}));
    cmd.add_option("--clips", options.clips, "clips spread over the video; logits are averaged")
        ->check(CLI::PositiveNumber);
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
    sampling.mode = options.sampling == "uniform" ? SamplingOptions::Mode::Uniform : SamplingOptions::Mode::Pipeline;
    sampling.clips = options.clips;
    const std::vector<SampledClip> clips = read_clips(video, sampling);
    Tensor batch;
    for (std::size_t k = 0; k < clips.size(); ++k) {
        if (clips[k].frames.size(0) != sampling.num_frames)
            throw Error(video, "yields " + std::to_string(clips[k].frames.size(0)) + " frames for clip " +
                                   std::to_string(k) + " but the model needs " + std::to_string(sampling.num_frames) +
                                   " (video too short for --frame-sampling-rate " +
                                   std::to_string(sampling.frame_sampling_rate) + "; try a lower rate or --sampling uniform)");
        const Tensor pixels = preprocess_clip(processor, clips[k].frames);
        if (!batch.defined()) {
            Shape shape{static_cast<int64_t>(clips.size())};
            shape.insert(shape.end(), pixels.shape().begin(), pixels.shape().end());
            batch = Tensor::zeros(DType::F32, shape);
        }
        std::memcpy(batch.raw_mut() + k * pixels.nbytes(), pixels.raw(), pixels.nbytes());
    }
    return batch;
}

}  // namespace vivid::cli
