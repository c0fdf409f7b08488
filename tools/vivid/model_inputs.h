// Inputs shared by the model-running commands: tensors from safetensors files, and
// pixel_values from a video through the model folder's preprocessor_config.json.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "vivid/model.h"
#include "vivid/tensor.h"

namespace vivid::cli {

// The tensor `name` from a safetensors file; an error naming the file if it is absent.
Tensor read_named_tensor(const std::string& file, const std::string& name);

struct VideoInputOptions {
    int64_t frame_sampling_rate = 1;  // HF video-classification pipeline default
    std::string sampling = "pipeline";  // or "uniform" (spread over the whole video)
    int64_t clips = 1;                  // K clips spread over the video, as a batch of K
    std::string preprocessor_config;  // default: <model>/preprocessor_config.json
};
// --frame-sampling-rate, and --preprocessor-config unless the command has its own.
void add_video_input_options(CLI::App& cmd, VideoInputOptions& options, bool with_preprocessor_option = true);
// --sampling and --clips, for the commands that can use several clips.
void add_clip_options(CLI::App& cmd, VideoInputOptions& options);

// A VideoMAE tube mask (bool_masked_pos, (batch, num_patches)) for a pre-training model:
// the same `ratio` of each temporal slot's spatial patches hidden in every slot.
Tensor model_tube_mask(const VideoModel& model, int64_t batch, double ratio, uint64_t seed);
// Patches a bool_masked_pos row hides (clip 0; every clip hides as many); 0 for no mask.
int64_t masked_per_clip(const Tensor& mask);

// Decodes and samples `video` (num_frames from the model config), preprocesses it with the
// folder's processor config, and returns float32 (K, T, C, H, W) for K clips (default 1).
// A clip with fewer than num_frames frames is an error naming the video.
Tensor video_to_pixel_values(const std::string& video, const std::string& model_dir,
                             const VideoModel& model, const VideoInputOptions& options);

}  // namespace vivid::cli
