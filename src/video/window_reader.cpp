#include "video/window_reader.h"

#include <algorithm>
#include <cmath>

#include "video/clip_batch.h"
#include "video/ffmpeg_decoder.h"
#include "video/video_reader.h"
#include "vivid/vivid.h"

namespace vivid {
namespace {

// Timestamps are doubles from integer ticks: a frame within this of a window's start time is on it.
constexpr double kTimeTolerance = 1e-6;

}  // namespace

FrameTransform hf_processor_transform(const PreprocessorConfig& processor) {
    return [processor](const Tensor& frame) { return preprocess_clip(processor, frame); };
}

WindowReader::WindowReader(const std::string& path, const WindowPlan& plan, const PreprocessorConfig& processor)
    : WindowReader(path, plan, hf_processor_transform(processor)) {}

WindowReader::WindowReader(const Tensor& frames, const std::string& source, const WindowPlan& plan,
                           const PreprocessorConfig& processor)
    : WindowReader(frames, source, plan, hf_processor_transform(processor)) {}

WindowReader::WindowReader(const std::string& path, const WindowPlan& plan, FrameTransform transform)
    : path_(path), transform_(std::move(transform)) {
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
                           FrameTransform transform)
    : path_(source), transform_(std::move(transform)), frames_array_(checked_frames(frames, source)) {
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
        stride_ = 0;
        stride_seconds_ = plan.stride_seconds;
    }
    int64_t frames = frames_array_.defined() ? frames_array_.size(0) : decoder_->header_frame_count();
    if (frames == 0 && decoder_ && fps_ > 0) frames = std::llround(decoder_->header_duration() * fps_);
    expected_windows_ = count_windows(frames);
}

WindowReader::~WindowReader() = default;

// Windows in `frames` frames at fps_ (what the stream would give at a constant frame rate).
int64_t WindowReader::count_windows(int64_t frames) const {
    if (frames < span_) return 0;
    const int64_t starts = frames - span_ + 1;  // frames that may start a window
    if (stride_ > 0) return (starts - 1) / stride_ + 1;
    if (!(fps_ > 0)) return 0;
    // Starts at most one per frame; the last one's time at most (starts - 1) / fps.
    const double steps = std::floor((static_cast<double>(starts - 1) / fps_ + kTimeTolerance) / stride_seconds_);
    return steps + 1 < static_cast<double>(starts) ? static_cast<int64_t>(steps) + 1 : starts;
}

bool WindowReader::next_frame() {
    ++index_;
    if (decoder_) {
        if (!decoder_->next_frame()) return false;
        frame_ = Tensor::uninitialized(DType::U8, {1, decoder_->height(), decoder_->width(), 3});
        decoder_->current_frame_rgb(frame_.data_mut<uint8_t>());
        frame_time_ = decoder_->current_seconds();
        note_window_start();
        return true;
    }
    if (index_ >= frames_array_.size(0)) return false;
    frame_ = frames_array_.rows(index_, index_ + 1);
    frame_time_ = static_cast<double>(index_) / fps_;
    note_window_start();
    return true;
}

void WindowReader::note_window_start() {
    if (stride_ > 0) {
        if (index_ % stride_ == 0) starts_.push_back(index_);
        return;
    }
    if (index_ == 0) first_time_ = next_start_time_ = frame_time_;
    if (frame_time_ < next_start_time_ - kTimeTolerance) return;
    starts_.push_back(index_);
    // The next k whose time is past this frame's: one window per frame, however long the gap.
    next_start_time_ =
        first_time_ + (std::floor((frame_time_ - first_time_ + kTimeTolerance) / stride_seconds_) + 1) * stride_seconds_;
}

// Whether any window not yet returned takes frame `index` (the newest, so every such window's
// start is known).
bool WindowReader::wanted(int64_t index) const {
    for (auto s = starts_.rbegin(); s != starts_.rend() && index - *s < span_; ++s)
        if (std::binary_search(offsets_.begin(), offsets_.end(), index - *s)) return true;
    return false;
}

std::optional<VideoWindow> WindowReader::next() {
    while (next_frame()) {
        if (!wanted(index_)) continue;
        held_[index_] = {transform_(frame_), frame_time_};
        if (starts_.empty() || index_ != starts_.front() + span_ - 1) continue;
        // The oldest pending window is whole: stack its frames, then let go of what no later
        // window needs (all of it when no later window has begun: it starts after this frame).
        const int64_t start = starts_.front();
        starts_.pop_front();
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
        held_.erase(held_.begin(), starts_.empty() ? held_.end() : held_.lower_bound(starts_.front()));
        return w;
    }
    if (next_window_ == 0)
        throw Error(path_, "has " + std::to_string(index_) + " frames; a window of " +
                               std::to_string(offsets_.size()) + " frames at this frame sampling rate spans " +
                               std::to_string(span_));
    return std::nullopt;
}

}  // namespace vivid
