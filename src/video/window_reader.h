// Sliding windows over a long video, decoded in one pass with bounded memory. A window is the
// model's num_frames frames at the HF pipeline's indices for the frame sampling rate R
// (floor(linspace(0, num_frames*R - 1, num_frames))), shifted to start at frame s; starts are
// 0, S, 2S, ... and only whole windows count. Each frame is preprocessed (resize, crop,
// rescale, normalize) as it arrives, kept only while a pending window needs it, and dropped
// after; so memory does not grow with the video's length.
#pragma once

#include <cstdint>
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
    double stride_seconds = 0;   // > 0: instead of stride, at the video's average frame rate
    double fps = 0;              // a .npy input's frame rate (it has no timestamps); else unused
    int decoder_threads = 1;
};

struct VideoWindow {
    int64_t start_frame = 0, end_frame = 0;  // first and last frame index the window spans
    double start = 0, end = 0;               // their presentation times, seconds
    Tensor pixel_values;                     // float32 (T, C, H, W), as `vivid preprocess` gives
};

class WindowReader {
public:
    // Opens `path` (a video file or a .npy uint8 (T,H,W,3) array). Errors name the file.
    WindowReader(const std::string& path, const WindowPlan& plan, const PreprocessorConfig& processor);
    // Reads decoded frames uint8 (T,H,W,3) held in memory (they must outlive the reader) at
    // plan.fps, as a .npy file's. Errors name `source`.
    WindowReader(const Tensor& frames, const std::string& source, const WindowPlan& plan,
                 const PreprocessorConfig& processor);
    ~WindowReader();
    WindowReader(const WindowReader&) = delete;
    WindowReader& operator=(const WindowReader&) = delete;

    // The next whole window, or nothing at the end of the video. A video too short for one
    // window is an Error naming it (the model takes exactly num_frames frames).
    std::optional<VideoWindow> next();
    double fps() const { return fps_; }        // the stream's average frame rate (or the given one)
    int64_t stride() const { return stride_; }  // frames between window starts
    int64_t frames_held() const { return static_cast<int64_t>(held_.size()); }  // for the memory test

private:
    void plan_windows(const WindowPlan& plan);  // offsets_, span_, stride_ (and fps_ of frames_array_)
    bool next_frame();  // the next decoded frame into frame_ / frame_time_; false at the end
    bool wanted(int64_t index) const;

    std::string path_;
    PreprocessorConfig processor_;
    std::vector<int64_t> offsets_;  // frame offsets of a window from its start
    int64_t span_ = 0, stride_ = 0;
    double fps_ = 0;
    std::unique_ptr<video::FfmpegDecoder> decoder_;
    Tensor frames_array_;        // a .npy input's frames (mapped) or the frames given in memory
    int64_t index_ = -1;         // the current frame
    Tensor frame_;               // uint8 (1, H, W, 3)
    double frame_time_ = 0;
    int64_t next_window_ = 0;    // the first window not yet returned
    struct Held {
        Tensor pixels;  // (1, C, H', W')
        double time = 0;
    };
    std::map<int64_t, Held> held_;  // preprocessed frames that pending windows need
};

}  // namespace vivid
