#include "video/window_reader.h"

#include <algorithm>
#include <cmath>

#include "video/clip_batch.h"
#include "video/ffmpeg_decoder.h"
#include "video/video_reader.h"
#include "vivid/vivid.h"

namespace vivid {

WindowReader::WindowReader(const std::string& path, const WindowPlan& plan, const PreprocessorConfig& processor)
    : path_(path), processor_(processor) {
    if (is_npy_file(path)) {
        frames_array_ = read_npy_frames(path);
    } else {
        video::DecodeOptions options;
        options.threads = std::max(plan.decoder_threads, 1);
        decoder_ = std::make_unique<video::FfmpegDecoder>(path, options);
        fps_ = decoder_->frame_rate();
    }
    plan_windows(plan);
}

WindowReader::WindowReader(const Tensor& frames, const std::string& source, const WindowPlan& plan,
                           const PreprocessorConfig& processor)
    : path_(source), processor_(processor), frames_array_(checked_frames(frames, source)) {
    plan_windows(plan);
}

void WindowReader::plan_windows(const WindowPlan& plan) {
    if (plan.num_frames < 1 || plan.frame_sampling_rate < 1)
        throw Error(path_, "a window needs at least one frame and a frame sampling rate of at least 1");
    SamplingOptions sampling;
    sampling.num_frames = plan.num_frames;
    sampling.frame_sampling_rate = plan.frame_sampling_rate;
    offsets_ = sample_indices(sampling, 0, 0);
    span_ = offsets_.back() + 1;
    if (frames_array_.defined()) {
        if (!(plan.fps > 0)) throw Error(path_, "an array of frames has no timestamps: give its frame rate (fps)");
        fps_ = plan.fps;
    }
    stride_ = plan.stride > 0 ? plan.stride : span_;
    if (plan.stride_seconds > 0) {
        if (!(fps_ > 0)) throw Error(path_, "does not say its frame rate, so a stride in seconds cannot be converted");
        stride_ = std::max<int64_t>(1, std::llround(plan.stride_seconds * fps_));
    }
}

WindowReader::~WindowReader() = default;

bool WindowReader::next_frame() {
    ++index_;
    if (decoder_) {
        if (!decoder_->next_frame()) return false;
        frame_ = Tensor::uninitialized(DType::U8, {1, decoder_->height(), decoder_->width(), 3});
        decoder_->current_frame_rgb(frame_.data_mut<uint8_t>());
        frame_time_ = decoder_->current_seconds();
        return true;
    }
    if (index_ >= frames_array_.size(0)) return false;
    frame_ = frames_array_.rows(index_, index_ + 1);
    frame_time_ = static_cast<double>(index_) / fps_;
    return true;
}

// Whether any window not yet returned takes frame `index`.
bool WindowReader::wanted(int64_t index) const {
    const int64_t last = index / stride_;
    for (int64_t w = std::max(next_window_, (index - span_ + stride_) / stride_); w <= last; ++w) {
        const int64_t offset = index - w * stride_;
        if (offset >= 0 && offset < span_ && std::binary_search(offsets_.begin(), offsets_.end(), offset)) return true;
    }
    return false;
}

std::optional<VideoWindow> WindowReader::next() {
    while (next_frame()) {
        if (!wanted(index_)) continue;
        held_[index_] = {preprocess_clip(processor_, frame_), frame_time_};
        const int64_t start = next_window_ * stride_;
        if (index_ != start + span_ - 1) continue;
        // The window starting at `start` is whole: stack its frames, then let go of what no
        // later window needs.
        VideoWindow w;
        w.start_frame = start;
        w.end_frame = index_;
        w.start = held_.at(start).time;
        w.end = frame_time_;
        std::vector<Tensor> frames;  // each (1, C, H', W')
        for (int64_t offset : offsets_) frames.push_back(held_.at(start + offset).pixels);
        const Shape& frame = frames.front().shape();
        w.pixel_values = stack_clips(frames, path_).reshape({static_cast<int64_t>(frames.size()), frame[1], frame[2], frame[3]});
        ++next_window_;
        held_.erase(held_.begin(), held_.lower_bound(next_window_ * stride_));
        return w;
    }
    if (next_window_ == 0)
        throw Error(path_, "has " + std::to_string(index_) + " frames; a window of " +
                               std::to_string(offsets_.size()) + " frames at this frame sampling rate spans " +
                               std::to_string(span_));
    return std::nullopt;
}

}  // namespace vivid
