// Fuzz target: the video path end to end on a mutated small file: FFmpeg demux and decode, our
// frame-numbering plan and non-reference dropping, colour conversion, sampling (pipeline, or
// uniform / two clips when the first byte asks, which decodes to the end). Bounded by the
// input's size (libFuzzer's -max_len) and the reader's own limits.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "video/video_reader.h"
#include "vivid/vivid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const vivid::fuzz::TempFile file(data, size, ".video");
    if (!file.ok()) return 0;
    vivid::SamplingOptions options;
    options.num_frames = 4;
    options.frame_sampling_rate = 2;
    if (size > 0 && (data[0] & 1)) options.mode = vivid::SamplingOptions::Mode::Uniform;
    if (size > 0 && (data[0] & 2)) options.clips = 2;
    try {
        for (const vivid::SampledClip& clip : vivid::read_clips(file.path(), options))
            vivid::fuzz::read_every_byte(clip.frames.raw(), clip.frames.nbytes());
    } catch (const vivid::Error&) {
    }
    return 0;
}
