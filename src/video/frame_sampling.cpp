// Which frames a clip takes; the rules are documented in include/vivid/video_reader.h.
#include <algorithm>
#include <cmath>
#include <string>

#include "vivid/vivid.h"
#include "video/video_reader.h"

namespace vivid {
namespace {

// np.linspace(start, stop, num, dtype=np.int64) as numpy 1.24 computes it: float64
// i*step + start (step = (stop-start)/(num-1)), the last element set to stop exactly,
// then floor and cast.
std::vector<int64_t> linspace_int64(int64_t start, int64_t stop, int64_t num) {
    std::vector<int64_t> out;
    out.reserve(static_cast<std::size_t>(num));
    const double delta = static_cast<double>(stop) - static_cast<double>(start);
    const int64_t div = num - 1;
    const double step = div > 0 ? delta / static_cast<double>(div) : 0.0;
    for (int64_t i = 0; i < num; ++i) {
        double y;
        if (div > 0 && step != 0.0) y = static_cast<double>(i) * step;
        else if (div > 0) y = static_cast<double>(i) / static_cast<double>(div) * delta;
        else y = static_cast<double>(i) * delta;
        y += static_cast<double>(start);
        if (div > 0 && i == num - 1) y = static_cast<double>(stop);
        out.push_back(static_cast<int64_t>(std::floor(y)));
    }
    return out;
}

void check_options(const SamplingOptions& o) {
    if (o.num_frames < 1) throw Error("sampling", "num_frames must be at least 1, got " + std::to_string(o.num_frames));
    if (o.frame_sampling_rate < 1)
        throw Error("sampling", "frame_sampling_rate must be at least 1, got " + std::to_string(o.frame_sampling_rate));
    if (o.clips < 1) throw Error("sampling", "clips must be at least 1, got " + std::to_string(o.clips));
    if (o.num_frames > (int64_t{1} << 40) / o.frame_sampling_rate)
        throw Error("sampling", "num_frames * frame_sampling_rate is too large");
}

}  // namespace

std::vector<int64_t> sample_indices(const SamplingOptions& o, int64_t total_frames, int64_t clip) {
    check_options(o);
    if (clip < 0 || clip >= o.clips) throw Error("sampling", "clip " + std::to_string(clip) + " out of range");
    const int64_t K = o.clips;
    if (o.mode == SamplingOptions::Mode::Pipeline) {
        // The HF video-classification pipeline's window: num_frames*rate frames from 0.
        const int64_t span = o.num_frames * o.frame_sampling_rate;
        int64_t start = 0;
        if (K > 1) start = clip * std::max<int64_t>(total_frames - span, 0) / (K - 1);
        std::vector<int64_t> idx = linspace_int64(0, span - 1, o.num_frames);
        for (int64_t& i : idx) i += start;
        return idx;
    }
    if (total_frames < 1) throw Error("sampling", "uniform sampling needs at least one frame");
    const int64_t begin = clip * total_frames / K;
    const int64_t end = std::max((clip + 1) * total_frames / K, begin + 1);
    return linspace_int64(begin, end - 1, o.num_frames);
}

}  // namespace vivid
