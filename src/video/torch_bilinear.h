// The frame transform of VideoMAE V2's extract_tad_feature.py: uint8 frames -> float32 x/255,
// then squashed to a fixed size (aspect ratio not kept) by torch.nn.functional.interpolate
// (mode "bilinear", align_corners=False, no antialias). No crop, no mean/std.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace vivid {

// frames: uint8 (T, H, W, 3) -> float32 (T, 3, height, width).
Tensor squash_frames_like_torch(const Tensor& frames, int64_t height, int64_t width);

}  // namespace vivid
