// In-process timing of vivid's video preprocessing (what `vivid preprocess` does minus process
// start and writing the output): read_clips (FFmpeg decode + pipeline sampling) and
// preprocess_clip (Pillow-exact resize, crop, rescale/normalize). Also times the decoder alone
// with and without dropping unwanted non-reference frames, to show what that saves.
// Usage: bench_preprocess VIDEO PREPROCESSOR_CONFIG.json [NUM_FRAMES=16] [RATE=4] [REPS=5] [THREADS=1]
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "video/ffmpeg_decoder.h"
#include "vivid/vivid.h"
#include "video/preprocess.h"
#include "video/video_reader.h"

using vivid::bench::median;
using vivid::bench::now_seconds;
using vivid::bench::process_cpu_seconds;

namespace {

// Seconds to decode up to the last wanted frame (no RGB conversion).
double decode_only(const std::string& video, const std::vector<int64_t>& wanted, int threads, bool skip) {
    const double t0 = now_seconds();
    vivid::video::FfmpegDecoder decoder(video, {threads, {wanted.begin(), wanted.end()}, skip});
    while (decoder.next_frame() && decoder.index() < wanted.back()) {
    }
    return now_seconds() - t0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s VIDEO PREPROCESSOR_CONFIG [NUM_FRAMES] [RATE] [REPS] [THREADS]\n", argv[0]);
        return 2;
    }
    const std::string video = argv[1];
    vivid::SamplingOptions sampling;
    sampling.num_frames = argc > 3 ? std::atoll(argv[3]) : 16;
    sampling.frame_sampling_rate = argc > 4 ? std::atoll(argv[4]) : 4;
    const int reps = argc > 5 ? std::atoi(argv[5]) : 5;
    const int threads = argc > 6 ? std::atoi(argv[6]) : 1;
    if (threads > 0) omp_set_num_threads(threads);
    try {
        const vivid::PreprocessorConfig config = vivid::load_preprocessor_config(argv[2]);
        std::vector<double> decode_s, preprocess_s, total_s, total_cpu_s, skip_s, noskip_s;
        const std::vector<int64_t> wanted = vivid::sample_indices(sampling, 0, 0);
        int64_t frames = 0;
        for (int rep = 0; rep <= reps; ++rep) {  // rep 0 is a warm-up
            const double c0 = process_cpu_seconds();
            const double t0 = now_seconds();
            const std::vector<vivid::SampledClip> clips = vivid::read_clips(video, sampling);
            const double t1 = now_seconds();
            const vivid::Tensor pixel_values = vivid::preprocess_clip(config, clips.at(0).frames);
            const double t2 = now_seconds();
            const double c2 = process_cpu_seconds();
            frames = clips.at(0).frames.shape().at(0);
            const double skip = decode_only(video, wanted, threads, true);
            const double noskip = decode_only(video, wanted, threads, false);
            if (rep == 0) continue;
            skip_s.push_back(skip);
            noskip_s.push_back(noskip);
            decode_s.push_back(t1 - t0);
            preprocess_s.push_back(t2 - t1);
            total_s.push_back(t2 - t0);
            total_cpu_s.push_back(c2 - c0);
        }
        std::printf("{\"frames\": %lld, \"reps\": %d, \"threads\": %d, \"decode_s\": %.6f, "
                    "\"preprocess_s\": %.6f, \"total_s\": %.6f, \"total_cpu_s\": %.6f, "
                    "\"decoder_only_s\": %.6f, \"decoder_only_no_skip_s\": %.6f}\n",
                    static_cast<long long>(frames), reps, threads, median(decode_s), median(preprocess_s),
                    median(total_s), median(total_cpu_s), median(skip_s), median(noskip_s));
    } catch (const vivid::Error& e) {
        std::fprintf(stderr, "bench_preprocess: error: %s\n", e.what());
        return 2;
    }
    return 0;
}
