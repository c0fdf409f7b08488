// The progress line `features`, `classify` and `timeline` redraw on stderr when it is a
// terminal: videos done of the total, the windows of a long video as they go, and the time left.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vivid::cli {

struct ProgressCounts {
    int64_t videos_done = 0, videos_total = 0, failed = 0;
    int64_t windows_done = 0, windows_expected = 0;  // of the video at hand (expected 0: unknown)
    double seconds = 0;      // since the start
    bool one_video = false;  // `timeline`: no video counts, only the windows
};

// "[####......] 3/10  1 failed  0.52 videos/s  windows 120/2250  ETA 1:23" (the windows part
// once a video reports them), or for one video "[####......] windows 120/2250  3.10 windows/s
// ETA 1:23". The time left counts the video at hand's windows; "ETA --" until it can be told.
std::string progress_line(const ProgressCounts& counts);

// One line redrawn in place on stderr when it is a terminal (at most ten times a second);
// nothing otherwise.
class StatusLine {
public:
    StatusLine();
    ~StatusLine() { close(); }  // an error printed next starts on a clean line
    StatusLine(const StatusLine&) = delete;
    StatusLine& operator=(const StatusLine&) = delete;
    void show(const std::string& line);
    void close();  // clears the line once something was shown

private:
    bool terminal_, shown_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace vivid::cli
