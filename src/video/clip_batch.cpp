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

namespace {

// The views of one clip: its center crop, or its start, center and end crops.
void add_views(const Tensor& frames, const PreprocessorConfig& processor, int crops, std::vector<Tensor>& out) {
    if (crops == 1) {
        out.push_back(preprocess_clip(processor, frames));
        return;
    }
    for (CropPosition where : {CropPosition::Start, CropPosition::Center, CropPosition::End})
        out.push_back(preprocess_clip(processor, frames, where));
}

void check_crops(int crops, const std::string& source) {
    if (crops != 1 && crops != 3) throw Error(source, "crop count " + std::to_string(crops) + " is not 1 or 3");
}

}  // namespace

Tensor video_pixel_values(const std::string& video, const PreprocessorConfig& processor,
                          const SamplingOptions& sampling, int crops) {
    check_crops(crops, video);
    const std::vector<SampledClip> clips = read_clips(video, sampling);
    std::vector<Tensor> pixels;
    for (std::size_t k = 0; k < clips.size(); ++k) {
        if (clips[k].frames.size(0) != sampling.num_frames)
            throw Error(video, "yields " + std::to_string(clips[k].frames.size(0)) + " frames for clip " +
                                   std::to_string(k) + " but the model needs " + std::to_string(sampling.num_frames) +
                                   " (too short for frame sampling rate " +
                                   std::to_string(sampling.frame_sampling_rate) +
                                   "; use a lower rate or uniform sampling)");
        add_views(clips[k].frames, processor, crops, pixels);
    }
    return stack_clips(pixels, video);
}

Tensor frames_pixel_values(const Tensor& frames, const PreprocessorConfig& processor, int crops) {
    check_crops(crops, "frames");
    std::vector<Tensor> pixels;
    add_views(frames, processor, crops, pixels);
    return stack_clips(pixels, "frames");
}

}  // namespace vivid
