// vivid::preprocess_video: the HF pipeline's decode and sampling, then the image processor.
#include <algorithm>

#include "api/arrays.h"
#include "core/thread_scope.h"
#include "video/clip_batch.h"
#include "video/preprocess.h"
#include "video/video_reader.h"
#include "vivid/vivid.h"

namespace vivid {

PreprocessedVideo preprocess_video(const std::string& video, int64_t num_frames, const Options& options) {
    if (options.preprocessor_config.empty())
        throw Error(video, "preprocessing needs a preprocessor config (none named in the options)");
    const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
    ThreadScope scope(threads);
    const PreprocessorConfig config = load_preprocessor_config(options.preprocessor_config);
    SamplingOptions sampling;
    sampling.num_frames = num_frames;
    sampling.frame_sampling_rate = std::max(1, options.frame_sampling_rate);  // 0: HF's default 1
    sampling.mode = options.sampling == Sampling::Uniform ? SamplingOptions::Mode::Uniform
                                                          : SamplingOptions::Mode::Pipeline;
    sampling.clips = options.clips;
    sampling.max_frames = options.max_frames;
    sampling.decoder_threads = threads;
    std::vector<Tensor> frames, indices, pixels;
    for (const SampledClip& clip : read_clips(video, sampling)) {
        frames.push_back(clip.frames);
        indices.push_back(clip.indices);
        pixels.push_back(preprocess_clip(config, clip.frames));
    }
    return {byte_array(stack_clips(frames, video)), index_array(stack_clips(indices, video)),
            float_array(stack_clips(pixels, video))};
}

}  // namespace vivid
