#include "progress_line.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "clock_time.h"

namespace vivid::cli {

std::string progress_line(const ProgressCounts& c) {
    // The estimate of a video's windows may be passed: then its total is unknown.
    const bool known = c.windows_expected > 0 && c.windows_done <= c.windows_expected;
    const double video = known ? static_cast<double>(c.windows_done) / static_cast<double>(c.windows_expected) : 0.0;
    double fraction = video;
    if (!c.one_video)
        fraction = c.videos_total > 0 ? std::min(1.0, (static_cast<double>(c.videos_done) + video) /
                                                          static_cast<double>(c.videos_total))
                                      : 1.0;  // nothing to do: all resumed
    const int width = 30;
    const int filled = static_cast<int>(width * fraction);
    std::string line = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    const double seconds = std::max(c.seconds, 0.0);
    auto rate = [&](int64_t n) { return seconds > 0 ? static_cast<double>(n) / seconds : 0.0; };
    char buf[160];
    if (!c.one_video) {
        std::snprintf(buf, sizeof buf, "%lld/%lld  %lld failed  %.2f videos/s", static_cast<long long>(c.videos_done),
                      static_cast<long long>(c.videos_total), static_cast<long long>(c.failed), rate(c.videos_done));
        line += buf;
    }
    if (c.one_video || c.windows_done > 0) {
        if (!c.one_video) line += "  ";
        line += "windows " + std::to_string(c.windows_done);
        if (known) line += "/" + std::to_string(c.windows_expected);
        if (c.one_video) {
            std::snprintf(buf, sizeof buf, "  %.2f windows/s", rate(c.windows_done));
            line += buf;
        }
    }
    const bool can_tell = fraction >= 1 || (fraction > 0 && seconds > 0);
    line += "  ETA " + (can_tell ? clock_time(seconds * (1 - fraction) / std::max(fraction, 1e-9), 0) : std::string("--"));
    return line;
}

StatusLine::StatusLine() : terminal_(isatty(STDERR_FILENO) != 0) {}

void StatusLine::show(const std::string& line) {
    if (!terminal_) return;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
}

void StatusLine::close() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
}

}  // namespace vivid::cli
