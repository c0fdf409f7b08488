// vivid preprocess: decode and sample a video like the HF video-classification pipeline, run
// the HF image processor's steps, and save frames, indices and pixel_values.
#include <memory>
#include <string>

#include "command.h"
#include "vivid/error.h"
#include "vivid/preprocess.h"
#include "vivid/safetensors.h"
#include "vivid/video_reader.h"

namespace vivid::cli {
namespace {

struct PreprocessOptions {
    std::string preprocessor_config;
    std::string video;
    std::string output;
    std::string sampling = "pipeline";
    SamplingOptions frames;
    int threads = 0;
};

Shape with_leading(int64_t d, const Shape& shape) {
    Shape out{d};
    out.insert(out.end(), shape.begin(), shape.end());
    return out;
}

// Stacks equally shaped tensors along a new first axis.
Tensor stack(const std::vector<Tensor>& parts, const std::string& source) {
    Tensor out = Tensor::zeros(parts.front().dtype(), with_leading(static_cast<int64_t>(parts.size()), parts.front().shape()));
    std::byte* dst = out.raw_mut();
    for (const Tensor& t : parts) {
        if (t.shape() != parts.front().shape())
            throw Error(source, "clips have different lengths (" + shape_to_string(parts.front().shape()) + " vs " +
                                    shape_to_string(t.shape()) + "); the video is too short for this many clips");
        const Tensor dense = t.is_contiguous() ? t : t.contiguous_copy();
        std::copy(dense.raw(), dense.raw() + dense.nbytes(), dst);
        dst += dense.nbytes();
    }
    return out;
}

void preprocess(PreprocessOptions o) {
    apply_threads(o.threads);
    o.frames.mode = o.sampling == "uniform" ? SamplingOptions::Mode::Uniform : SamplingOptions::Mode::Pipeline;
    const PreprocessorConfig config = load_preprocessor_config(o.preprocessor_config);
    // A short video gives fewer frames than asked for, exactly as the HF pipeline does; the
    // model path (vivid run / classify) is where T must match the model's num_frames.
    const std::vector<SampledClip> clips = read_clips(o.video, o.frames);
    std::vector<Tensor> frames, indices, pixel_values;
    for (const SampledClip& clip : clips) {
        frames.push_back(clip.frames);
        indices.push_back(clip.indices);
        pixel_values.push_back(preprocess_clip(config, clip.frames));
    }
    TensorMap out;
    if (clips.size() == 1) {
        // The contract's shapes: frames (T,H,W,3), indices (T), pixel_values (1,T,C,H,W).
        out["frames"] = frames[0];
        out["indices"] = indices[0];
        out["pixel_values"] = pixel_values[0].reshape(with_leading(1, pixel_values[0].shape()));
    } else {
        // K clips: a leading K axis on all three (pixel_values is then a batch of K videos).
        out["frames"] = stack(frames, o.video);
        out["indices"] = stack(indices, o.video);
        out["pixel_values"] = stack(pixel_values, o.video);
    }
    write_safetensors(o.output, out);
}

void add_preprocess_command(CLI::App& app) {
    auto opts = std::make_shared<PreprocessOptions>();
    CLI::App* cmd = app.add_subcommand(
        "preprocess", "decode, sample and preprocess a video like the HF video-classification pipeline");
    cmd->add_option("--preprocessor-config", opts->preprocessor_config, "HF preprocessor_config.json")->required();
    cmd->add_option("--video", opts->video, "video file (anything FFmpeg reads) or .npy uint8 (T,H,W,3) clip")
        ->required();
    cmd->add_option("--num-frames", opts->frames.num_frames, "frames per clip (the model's num_frames)")
        ->required()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--frame-sampling-rate", opts->frames.frame_sampling_rate,
                    "take every R-th frame (HF pipeline rule; default 1)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--sampling", opts->sampling,
                    "pipeline (HF rule, default) or uniform (spread over the whole video)")
        ->check(CLI::IsMember({"pipeline", "uniform"}));
    cmd->add_option("--clips", opts->frames.clips, "K clips spread over the video (outputs get a leading K axis)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--save-outputs", opts->output, "output .safetensors (frames, indices, pixel_values)")->required();
    add_threads_option(*cmd, opts->threads);
    cmd->callback([opts]() { preprocess(*opts); });
}

const CommandRegistration registration(&add_preprocess_command);

}  // namespace
}  // namespace vivid::cli
