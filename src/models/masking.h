// Masks for VideoMAE pre-training when none is given: VideoMAE's tube masking (the same
// spatial patches hidden in every temporal slice, as the original TubeMaskingGenerator), and
// random masking (any patches).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace vivid {

// uint8 (batch, time_slices * patches_per_slice), 1 = masked. Each slice masks
// int(ratio * patches_per_slice) patches (the original's rounding), chosen at random from
// `seed`; every sample gets its own pattern. ratio must be in [0, 1).
Tensor tube_mask(int64_t batch, int64_t time_slices, int64_t patches_per_slice, double ratio, uint64_t seed);

// uint8 (batch, patches), 1 = masked: each sample masks exactly round(ratio * patches)
// (Python's round, half to even) patches chosen uniformly from `seed`. The draw is written
// out here (a Fisher-Yates shuffle over mt19937_64), not left to the standard library's
// shuffle, so the same seed gives the same mask with any compiler. ratio in [0, 1).
Tensor random_mask(int64_t batch, int64_t patches, double ratio, uint64_t seed);

}  // namespace vivid
