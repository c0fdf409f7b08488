// Reading clips from videos: decode with FFmpeg exactly as PyAV 10 does (the HF
// video-classification pipeline's reader), or take the rows of a .npy uint8 (T,H,W,3) array,
// then pick frames.
//
// Sampling rules (n = frames the file yields, in PyAV's decode order):
// - Pipeline (HF default): indices = floor(linspace(0, num_frames*frame_sampling_rate - 1,
//   num_frames)); frames whose index is >= n are simply missing, so a short video gives fewer
//   frames (as HF does). Decoding stops after the last wanted index.
// - Uniform: indices = floor(linspace(0, n-1, num_frames)) over the whole video; when
//   n < num_frames some frames repeat, so T is always num_frames. Needs n first: a video file
//   is decoded twice (a counting pass without colour conversion, then the frames).
// - clips = K > 1 (multi-view evaluation, as VideoMAE's test protocol): K windows.
//   Pipeline: window k starts at floor(k * max(n - num_frames*rate, 0) / (K-1)) and takes the
//   pipeline indices from there (frames past the end are missing, as above).
//   Uniform: the video is cut into K equal segments [k*n/K, (k+1)*n/K) (integer division) and
//   each is sampled uniformly. Both need n, hence the counting pass.
// A clip of zero frames is an error naming the file (HF fails on np.stack too).
// Damaged files: PyAV raises at the first packet the demuxer or decoder rejects (so HF fails);
// vivid skips such packets, stops at a read error, flushes the decoder, and samples from the
// frames it got. The frames before the damage are PyAV's; a short result is returned as is
// (the model path is where T must equal the model's num_frames).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "vivid/vivid.h"

namespace vivid {

struct SamplingOptions {
    int64_t num_frames = 16;
    int64_t frame_sampling_rate = 1;  // HF pipeline default 1
    enum class Mode { Pipeline, Uniform } mode = Mode::Pipeline;
    int64_t clips = 1;  // K clips spread over the video (multi-clip evaluation)
    int decoder_threads = 1;  // FFmpeg's decoding threads
    // Uniform / multi-clip sampling decodes the whole video: more frames than this is an Error.
    int64_t max_frames = Options{}.max_frames;  // the default lives in the public Options
};

struct SampledClip {
    Tensor frames;   // uint8 (T,H,W,3)
    Tensor indices;  // int64 (T): which decoded frames were taken
};

// A .npy file (by its name, or its magic when named otherwise).
bool is_npy_file(const std::string& path);
// A .npy uint8 (T,H,W,3) array of frames, mapped; any other array is an Error naming the file.
Tensor read_npy_frames(const std::string& path);
// `frames` when it is uint8 (T,H,W,3) with at least one frame; else an Error naming `source`.
Tensor checked_frames(Tensor frames, const std::string& source);

// Decodes a video file (any container/codec FFmpeg reads) or a .npy uint8 (T,H,W,3) array
// (by the .npy extension or magic) and samples frames. Returns one SampledClip per clip.
std::vector<SampledClip> read_clips(const std::string& path, const SamplingOptions& options);

// The number of frames the file yields (full decode pass for videos; T for .npy).
int64_t count_frames(const std::string& path, int threads = 1, int64_t max_frames = SamplingOptions{}.max_frames);

// Every frame, as PyAV's container.decode(video=0) + to_ndarray("rgb24") yields them:
// uint8 (N,H,W,3). For tests and tools; keep videos short.
Tensor decode_all_frames(const std::string& path, int threads = 1);

// The indices the sampling rules above pick for clip `clip` of a video with `total_frames`
// frames (total_frames is ignored by single-clip pipeline sampling). Indices >= total_frames
// are kept here; the reader drops them.
std::vector<int64_t> sample_indices(const SamplingOptions& options, int64_t total_frames, int64_t clip);

}  // namespace vivid
