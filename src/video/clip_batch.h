// Clips of one video as a batch: the decode -> sample -> preprocess -> stack pipeline that the
// model-running paths share.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "video/preprocess.h"
#include "video/video_reader.h"

namespace vivid {

// Stacks equally shaped tensors along a new first axis. Clips of different lengths (a video
// too short for pipeline sampling) are an Error naming `video`.
Tensor stack_clips(const std::vector<Tensor>& parts, const std::string& video);

// float32 (K*crops, T, C, H, W) for the K clips `sampling` picks, each preprocessed with
// `processor` (crops = 3: start, center, end crops of each clip, clip-major). Every clip must
// have sampling.num_frames frames (a model's fixed input); a shorter one is an Error naming the
// video and the frame sampling rate.
Tensor video_pixel_values(const std::string& video, const PreprocessorConfig& processor,
                          const SamplingOptions& sampling, int crops = 1);
// The same for frames already decoded and sampled (one clip): (crops, T, C, H, W).
Tensor frames_pixel_values(const Tensor& frames, const PreprocessorConfig& processor, int crops = 1);

}  // namespace vivid
