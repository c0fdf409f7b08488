// What a vivid::Model holds, shared by the files that implement its calls.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "api/arrays.h"
#include "models/model.h"
#include "video/clip_batch.h"
#include "video/preprocess.h"
#include "video/window_reader.h"
#include "vivid/vivid.h"

namespace vivid {

// Where sliding windows come from: the video file `name`, or `frames` uint8 (T,H,W,3) in
// memory (then `name` is what errors say).
struct WindowInput {
    std::string name;
    const Tensor* frames = nullptr;
};

struct Model::Impl {
    Options options;
    int threads = 1;
    ModelInfo info;
    // The network holds per-call buffers (activations, oneDNN primitives made on first use), so
    // calls from several threads take turns here; each forward already uses all `threads`.
    // Decoding and preprocessing run outside the lock, so they overlap another caller's forward.
    std::unique_ptr<VideoModel> model;
    std::mutex model_mutex;
    // The image processor: parsed at load, but a bad file only matters once a video is used.
    std::optional<PreprocessorConfig> processor;
    std::optional<Error> processor_error;

    const PreprocessorConfig& require_processor() const {
        if (processor_error) throw *processor_error;
        if (!processor)
            throw Error(info.folder, "has no preprocessor_config.json: the image processor settings a video needs "
                                     "(name a preprocessor config in the options)");
        return *processor;
    }

    void require_classifier() const {
        if (info.pretraining)
            throw Error(info.folder, info.architecture + " reconstructs masked patches; it has no labels to classify");
    }

    Tensor frames_to_pixel_values(const Tensor& t) const {
        if (t.dim() != 4 || t.size(3) != 3)
            throw Error("frames", "shape " + shape_to_string(t.shape()) + " is not (T, H, W, 3) RGB");
        if (t.size(0) != info.frames)
            throw Error("frames", "has " + std::to_string(t.size(0)) + " frames but the model takes " +
                                      std::to_string(info.frames));
        return frames_pixel_values(t, require_processor(), options.crops);
    }

    // `decoder_threads` 0: the model's thread count.
    Tensor video_to_pixel_values(const std::string& video, int decoder_threads = 0) const {
        SamplingOptions sampling;
        sampling.num_frames = info.frames;
        sampling.frame_sampling_rate = options.frame_sampling_rate;
        sampling.mode = options.sampling == Sampling::Uniform ? SamplingOptions::Mode::Uniform
                                                               : SamplingOptions::Mode::Pipeline;
        sampling.clips = options.clips;
        sampling.decoder_threads = decoder_threads > 0 ? decoder_threads : threads;
        return video_pixel_values(video, require_processor(), sampling, options.crops);
    }

    ModelOutputs forward(const Tensor& pixel_values, const Tensor* bool_masked_pos) {
        std::lock_guard<std::mutex> lock(model_mutex);
        return model->forward(pixel_values, bool_masked_pos);
    }

    // The vector per clip the classifier reads (VideoModel::features).
    Tensor clip_vectors(const Tensor& pixel_values) {
        std::lock_guard<std::mutex> lock(model_mutex);
        return model->features(pixel_values);
    }

    FloatArray logits(const Tensor& pixel_values) { return float_array(forward(pixel_values, nullptr).logits); }

    // What each window's frames become under `recipe` (windows.cpp); an Error when the model
    // cannot give the recipe's vector.
    FrameTransform frame_transform(FeatureRecipe recipe) const;

    // Reads the windows of `input` as `window_options` (after its recipe's defaults) cuts them on
    // this model and hands each batch (pixel_values (B, T, C, H, W), the windows' times) to `run`;
    // returns the video's frame rate (windows.cpp).
    double for_each_window_batch(const WindowInput& input, const WindowOptions& window_options,
                                 const std::function<void(const Tensor&, const std::vector<Window>&)>& run) const;

    // Model::features and Model::timeline, over a file or frames in memory (windows.cpp);
    // `owner` (this Impl's Model) gives the windows' labels.
    WindowFeatures features(const WindowInput& input, const WindowOptions& window_options);
    Timeline timeline(const Model& owner, const WindowInput& input, const WindowOptions& window_options, int top_k);
};

}  // namespace vivid
