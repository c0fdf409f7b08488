#include "video/clip_batch.h"

#include <algorithm>

#include "vivid/vivid.h"

namespace vivid {

Tensor stack_clips(const std::vector<Tensor>& parts, const std::string& video) {
    if (parts.empty()) throw Error(video, "yields no clips");
    Shape shape{static_cast<int64_t>(parts.size())};
    shape.insert(shape.end(), parts.front().shape().begin(), parts.front().shape().end());
    Tensor out = Tensor::uninitialized(parts.front().dtype(), shape);
    std::byte* dst = out.raw_mut();
    for (const Tensor& t : parts) {
        if (t.shape() != parts.front().shape())
            throw Error(video, "clips have different lengths (" + shape_to_string(parts.front().shape()) + " vs " +
                                   shape_to_string(t.shape()) + "); the video is too short for this many clips");
        const Tensor dense = t.is_contiguous() ? t : t.contiguous_copy();
        dst = std::copy(dense.raw(), dense.raw() + dense.nbytes(), dst);
    }
    return out;
}

Tensor video_pixel_values(const std::string& video, const PreprocessorConfig& processor,
                          const SamplingOptions& sampling) {
    const std::vector<SampledClip> clips = read_clips(video, sampling);
    std::vector<Tensor> pixels;
    for (std::size_t k = 0; k < clips.size(); ++k) {
        if (clips[k].frames.size(0) != sampling.num_frames)
            throw Error(video, "yields " + std::to_string(clips[k].frames.size(0)) + " frames for clip " +
                                   std::to_string(k) + " but the model needs " + std::to_string(sampling.num_frames) +
                                   " (too short for frame sampling rate " +
                                   std::to_string(sampling.frame_sampling_rate) +
                                   "; use a lower rate or uniform sampling)");
        pixels.push_back(preprocess_clip(processor, clips[k].frames));
    }
    return stack_clips(pixels, video);
}

}  // namespace vivid
