// Sliding windows over a long video, decoded in one pass with bounded memory. A window is the
// model's num_frames frames at the HF pipeline's indices for the frame sampling rate R
// (floor(linspace(0, num_frames*R - 1, num_frames))), shifted to start at frame s; starts are
// 0, S, 2S, ... (or by timestamps, see stride_seconds) and only whole windows count. Each frame
// is preprocessed (resize, crop, rescale, normalize) as it arrives, kept only while a pending
// window needs it, and dropped after; so memory does not grow with the video's length.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "video/preprocess.h"

namespace vivid {

namespace video {
class FfmpegDecoder;
}

struct WindowPlan {
    int64_t num_frames = 16;
    int64_t frame_sampling_rate = 1;
    int64_t stride = 0;          // frames between window starts; 0: the span (num_frames * R)
    // > 0: instead of stride, the starts are, for k = 0, 1, 2, ..., the first frame whose
    // presentation time is at least the first frame's + k * stride_seconds (within a
    // microsecond), so a variable frame rate is followed; a frame that several k pick (a gap
    // in the stream longer than stride_seconds) starts one window.
    double stride_seconds = 0;
    double fps = 0;              // a .npy input's frame rate (it has no timestamps); else unused
    int decoder_threads = 1;
};

struct VideoWindow {
    int64_t start_frame = 0, end_frame = 0;  // first and last frame index the window spans
    double start = 0, end = 0;               // their presentation times, seconds
    Tensor pixel_values;                     // float32 (T, C, H, W), as `vivid preprocess` gives
};

// What one decoded frame uint8 (1, H, W, 3) becomes: float32 (1, C, H', W').
using FrameTransform = std::function<Tensor(const Tensor& frame)>;
// The HF image processor's chain (preprocess_clip), what `vivid preprocess` gives.
FrameTransform hf_processor_transform(const PreprocessorConfig& processor);

class WindowReader {
public:
    // Opens `path` (a video file or a .npy uint8 (T,H,W,3) array). Errors name the file.
    WindowReader(const std::string& path, const WindowPlan& plan, const PreprocessorConfig& processor);
    WindowReader(const std::string& path, const WindowPlan& plan, FrameTransform transform);
    // Reads decoded frames uint8 (T,H,W,3) held in memory (they must outlive the reader) at
    // plan.fps, as a .npy file's. Errors name `source`.
    WindowReader(const Tensor& frames, const std::string& source, const WindowPlan& plan,
                 const PreprocessorConfig& processor);
    WindowReader(const Tensor& frames, const std::string& source, const WindowPlan& plan, FrameTransform transform);
    ~WindowReader();
    WindowReader(const WindowReader&) = delete;
    WindowReader& operator=(const WindowReader&) = delete;

    // The next whole window, or nothing at the end of the video. A video too short for one
    // window is an Error naming it (the model takes exactly num_frames frames).
    std::optional<VideoWindow> next();
    double fps() const { return fps_; }  // the stream's average frame rate (or the given one)
    // How many windows the video should give, from its frame count or duration (exact for a
    // .npy input and for a file whose header counts its frames with a stride in frames); an
    // estimate, 0 when the file says neither.
    int64_t expected_windows() const { return expected_windows_; }
    int64_t frames_held() const { return static_cast<int64_t>(held_.size()); }  // for the memory test

private:
    void plan_windows(const WindowPlan& plan);  // offsets_, span_, stride_ (and fps_ of frames_array_)
    bool next_frame();  // the next decoded frame into frame_ / frame_time_; false at the end
    void note_window_start();  // into starts_, when the current frame starts a window
    bool wanted(int64_t index) const;
    int64_t count_windows(int64_t frames) const;

    std::string path_;
    FrameTransform transform_;
    std::vector<int64_t> offsets_;  // frame offsets of a window from its start
    int64_t span_ = 0, stride_ = 0;  // stride_ 0: by timestamps, every stride_seconds_
    double stride_seconds_ = 0;
    double fps_ = 0;
    int64_t expected_windows_ = 0;
    std::unique_ptr<video::FfmpegDecoder> decoder_;
    Tensor frames_array_;        // a .npy input's frames (mapped) or the frames given in memory
    int64_t index_ = -1;         // the current frame
    Tensor frame_;               // uint8 (1, H, W, 3)
    double frame_time_ = 0;
    double first_time_ = 0;      // the first frame's presentation time
    double next_start_time_ = 0;  // by timestamps: the next window starts at the first frame from here
    std::deque<int64_t> starts_;  // the start frames of the windows begun and not yet returned
    int64_t next_window_ = 0;    // the first window not yet returned
    struct Held {
        Tensor pixels;  // (1, C, H', W')
        double time = 0;
    };
    std::map<int64_t, Held> held_;  // preprocessed frames that pending windows need
};

}  // namespace vivid
